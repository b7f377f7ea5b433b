/**
 * Migration 0015-request-log-locality on a database holding entries written before it: the
 * provisioning log keeps its three tenant-led indexes' reads, with the resource index holding
 * only entries that name a resource and the status index replaced by one of failures. Every
 * filter answers as before, the filters the partial indexes serve are planned on them, and the
 * migration runs again over its own result without harm.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { type CompiledQuery, type Kysely, type QueryId, type RootOperationNode, sql } from 'kysely';
import pg from 'pg';
import type { RequestLogQuery } from '../events-port.js';
import { createTestSchema, describePostgres } from '../test-support/postgres.js';
import type { SqlDialect } from './dialect.js';
import { requestLogLocalityMigration } from './migrations/0015-request-log-locality.js';
import { migrateToLatest } from './migrations/migrate.js';
import { connect as connectPostgres } from './postgres/connect.js';
import { dialect as postgresDialect } from './postgres/dialect.js';
import { createRequestLogRepository } from './request-log.js';
import { connect as connectSqlite } from './sqlite/connect.js';
import { dialect as sqliteDialect } from './sqlite/dialect.js';
import type { Database } from './tables.js';
import { migrateBefore } from './test-support/migrate-before.js';

const T = (second: number) => `2024-01-01T00:00:${String(second).padStart(2, '0')}.000Z`;

/** id, status, resource named, second: a list, a create, a read that failed, a search that failed, an update. */
const ENTRIES = [
  ['a', 200, null, 1],
  ['b', 201, 'u1', 2],
  ['c', 404, 'u2', 3],
  ['d', 500, null, 4],
  ['e', 200, 'u1', 5],
] as const;

async function writeBefore0015(db: Kysely<Database>, dialect: SqlDialect, schema?: string): Promise<void> {
  await migrateBefore(db, dialect, '0015', schema);
  await db
    .insertInto('tenants')
    .values({ id: 't1', slug: 't1', name: 't1', status: 'active', created: T(0), allowed_roles: null })
    .execute();
  await db
    .insertInto('request_log')
    .values(
      ENTRIES.map(([id, status, resourceId, second]) => ({
        id,
        tenant_id: 't1',
        time: T(second),
        method: 'GET',
        path: '/t/t1/scim/v2/Users',
        status,
        scim_type: null,
        latency_ms: 1,
        resource_type: 'User',
        resource_id: resourceId,
        idp: 'entra',
        user_agent: 'Azure AD SCIM provisioning',
        request_id: `req-${id}`,
        request_body: null,
        response_body: null,
        authenticated: dialect.codec.encodeBoolean(true) as boolean,
        ignored_attributes: '[]',
      })),
    )
    .execute();
}

/** Each filter's answer, ids newest first. */
const FILTERS: readonly [string, Omit<RequestLogQuery, 'limit'>, string[]][] = [
  ['everything', {}, ['e', 'd', 'c', 'b', 'a']],
  ['errors', { minStatus: 400 }, ['d', 'c']],
  ['5xx', { minStatus: 500, maxStatus: 599 }, ['d']],
  ['404', { minStatus: 404, maxStatus: 404 }, ['c']],
  ['2xx', { minStatus: 200, maxStatus: 299 }, ['e', 'b', 'a']],
  ['resource u1', { resourceId: 'u1' }, ['e', 'b']],
  ['errors of u2', { resourceId: 'u2', minStatus: 400 }, ['c']],
  ['errors before d', { minStatus: 400, before: 'd' }, ['c']],
];

/** The statements the repository sends for `query` (as compiled after every plugin), with the answer's ids. */
async function listed(
  db: Kysely<Database>,
  dialect: SqlDialect,
  query: Omit<RequestLogQuery, 'limit'>,
): Promise<{ ids: string[]; sent: CompiledQuery[] }> {
  const nodes: [RootOperationNode, QueryId][] = [];
  const watched = db.withPlugin({
    transformQuery: ({ node, queryId }) => {
      nodes.push([node, queryId]);
      return node;
    },
    transformResult: async ({ result }) => result,
  });
  const entries = await createRequestLogRepository(watched, dialect).list('t1', { ...query, limit: 100 });
  const sent = nodes.map(([node, queryId]) => db.getExecutor().compileQuery(node, queryId));
  return { ids: entries.map((e) => e.id), sent };
}

async function assertFilters(db: Kysely<Database>, dialect: SqlDialect): Promise<void> {
  for (const [name, query, ids] of FILTERS) {
    assert.deepEqual((await listed(db, dialect, query)).ids, ids, name);
  }
}

/** SQLite's planner statistics of the provisioning log's indexes. */
async function logStatistics(db: Kysely<Database>): Promise<string[][]> {
  const { rows } = await sql<{ idx: string; stat: string }>`select idx, stat from sqlite_stat1
    where tbl = 'request_log' order by idx`.execute(db);
  return rows.map((r) => [r.idx, r.stat]);
}

describe('migration 0015-request-log-locality (SQLite)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'scimd-request-log-locality-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  const indexes = async (db: Kysely<Database>) =>
    (
      await sql<{ name: string; sql: string | null }>`select name, sql from sqlite_master
        where type = 'index' and tbl_name = 'request_log' order by name`.execute(db)
    ).rows.map((r) => [r.name, r.sql?.replace(/\s+/g, ' ') ?? null]);
  const EXPECTED = [
    [
      'request_log_failures',
      'CREATE INDEX request_log_failures on request_log (tenant_id, time, id) where status >= 400',
    ],
    [
      'request_log_named',
      'CREATE INDEX request_log_named on request_log (tenant_id, resource_id, time) where resource_id is not null',
    ],
    ['request_log_time', 'CREATE INDEX "request_log_time" on "request_log" ("tenant_id", "time", "id")'],
    ['sqlite_autoindex_request_log_1', null],
  ];

  it('keeps every filter’s answer, with the partial indexes in place of the full ones', async () => {
    const file = join(dir, 'old.db');
    const db = connectSqlite(file);
    try {
      await writeBefore0015(db, sqliteDialect);
      await assertFilters(db, sqliteDialect);
      assert.deepEqual((await migrateToLatest(db, sqliteDialect)).slice(0, 1), ['0015-request-log-locality']);
      assert.deepEqual(await indexes(db), EXPECTED);
      await assertFilters(db, sqliteDialect);
      // Again over its own result (tests rewind migration records): nothing fails, nothing changes.
      await requestLogLocalityMigration().up(db as Kysely<unknown>);
      assert.deepEqual(await indexes(db), EXPECTED);
    } finally {
      await db.destroy();
    }
  });

  it('plans failures on request_log_failures, a resource on request_log_named, other statuses on request_log_time (with the starting statistics)', async () => {
    const file = join(dir, 'plans.db');
    const db = connectSqlite(file);
    try {
      await writeBefore0015(db, sqliteDialect);
      const plan = async (query: Omit<RequestLogQuery, 'limit'>) => {
        const { sent } = await listed(db, sqliteDialect, query);
        const last = sent.at(-1) as CompiledQuery;
        const { rows } = await db.executeQuery<{ detail: string }>({
          ...last,
          sql: `explain query plan ${last.sql}`,
        });
        return rows.map((r) => r.detail);
      };
      const index = (detail: string[]) => /USING (?:COVERING )?INDEX (\w+)/.exec(detail.join(' '))?.[1];
      await migrateToLatest(db, sqliteDialect);
      // As at open: the starting statistics (sqlite/lifecycle.ts) describe a tenant's 10,000 entries.
      await sqliteDialect.lifecycle.prepare(db);
      assert.equal(index(await plan({ minStatus: 400 })), 'request_log_failures');
      assert.equal(index(await plan({ minStatus: 500, maxStatus: 599 })), 'request_log_failures');
      assert.equal(index(await plan({ resourceId: 'u1' })), 'request_log_named');
      assert.equal(index(await plan({ minStatus: 200, maxStatus: 299 })), 'request_log_time');
      assert.equal(index(await plan({})), 'request_log_time');
      const expected = [
        ['request_log_failures', '10000 100 1 1'],
        ['request_log_named', '500000 5000 10 1'],
        ['request_log_time', '1000000 10000 1 1'],
        ['sqlite_autoindex_request_log_1', '1000000 1'],
      ];
      assert.deepEqual(await logStatistics(db), expected);
      // Statistics of its own are never replaced, nor added to.
      await sql`analyze request_log`.execute(db);
      const own = await logStatistics(db);
      assert.notDeepEqual(own, expected);
      await sqliteDialect.lifecycle.prepare(db);
      assert.deepEqual(await logStatistics(db), own);
    } finally {
      await db.destroy();
    }
  });
});

describePostgres('migration 0015-request-log-locality (PostgreSQL)', (baseUrl) => {
  const indexes = async (db: Kysely<Database>) =>
    (
      await sql<{ indexname: string; indexdef: string }>`select indexname, indexdef from pg_indexes
        where schemaname = current_schema() and tablename = 'request_log' order by indexname`.execute(db)
    ).rows.map((r) => [r.indexname, r.indexdef.replace(/ ON \w+\.request_log /, ' ON request_log ')]);
  const EXPECTED = [
    [
      'request_log_failures',
      'CREATE INDEX request_log_failures ON request_log USING btree (tenant_id, "time", id) WHERE (status >= 400)',
    ],
    [
      'request_log_named',
      'CREATE INDEX request_log_named ON request_log USING btree (tenant_id, resource_id, "time") WHERE (resource_id IS NOT NULL)',
    ],
    ['request_log_pkey', 'CREATE UNIQUE INDEX request_log_pkey ON request_log USING btree (id)'],
    ['request_log_time', 'CREATE INDEX request_log_time ON request_log USING btree (tenant_id, "time", id)'],
  ];

  it('keeps every filter’s answer, with the partial indexes in place of the full ones, and plans on them', async () => {
    const schema = await createTestSchema(baseUrl);
    const db = connectPostgres(schema.url);
    const client = new pg.Client({ connectionString: schema.url });
    try {
      await writeBefore0015(db, postgresDialect, schema.schema);
      await assertFilters(db, postgresDialect);
      assert.deepEqual((await migrateToLatest(db, postgresDialect)).slice(0, 1), ['0015-request-log-locality']);
      assert.deepEqual(await indexes(db), EXPECTED);
      await assertFilters(db, postgresDialect);
      await requestLogLocalityMigration().up(db as Kysely<unknown>);
      assert.deepEqual(await indexes(db), EXPECTED);
      // The planner weighs the indexes by the rows: 2,000 older successful list requests of
      // the tenant, analysed, and no sequential scans (which a table this small would get).
      await sql`insert into request_log (id, tenant_id, time, method, path, status, latency_ms, resource_type,
          idp, user_agent, request_id, authenticated, ignored_attributes)
        select 'old-' || g, 't1', '2023-12-31T00:00:00.000Z', 'GET', '/t/t1/scim/v2/Users', 200, 1, 'User',
          'entra', 'Azure AD SCIM provisioning', 'req-old-' || g, true, '[]'
        from generate_series(1, 2000) g`.execute(db);
      await sql`analyze request_log`.execute(db);
      await client.connect();
      await client.query('set enable_seqscan = off');
      const plan = async (query: Omit<RequestLogQuery, 'limit'>) => {
        const { sent } = await listed(db, postgresDialect, query);
        const last = sent.at(-1) as CompiledQuery;
        const { rows } = await client.query(`explain ${last.sql}`, [...last.parameters]);
        return /Index Scan(?: Backward)? using (\w+)/.exec(rows.map((r) => r['QUERY PLAN']).join('\n'))?.[1];
      };
      assert.equal(await plan({ minStatus: 400 }), 'request_log_failures');
      assert.equal(await plan({ resourceId: 'u1' }), 'request_log_named');
      assert.equal(await plan({ minStatus: 200, maxStatus: 299 }), 'request_log_time');
    } finally {
      await client.end();
      await db.destroy();
      await schema.drop();
    }
  });
});
