/**
 * Migration 0014-history-projection on a database whose writes recorded their access history
 * themselves: every tenant's watermark starts at its last sequence number, so nothing is
 * projected twice, and the deltas of later writes are projected after it. It runs again over
 * its own result without harm.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import type { Kysely } from 'kysely';
import { openStore } from '../open.js';
import { createTestSchema, describePostgres } from '../test-support/postgres.js';
import type { SqlDialect } from './dialect.js';
import { historyProjectionMigration } from './migrations/0014-history-projection.js';
import { migrateToLatest } from './migrations/migrate.js';
import { connect as connectPostgres } from './postgres/connect.js';
import { dialect as postgresDialect } from './postgres/dialect.js';
import { connect as connectSqlite } from './sqlite/connect.js';
import { dialect as sqliteDialect } from './sqlite/dialect.js';
import type { Database } from './tables.js';
import { migrateBefore } from './test-support/migrate-before.js';

const T = (second: number) => `2024-01-01T00:00:${String(second).padStart(2, '0')}.000Z`;

/** Tenant t1 with three events and the history row of the first; t2 without any event. */
async function writeBefore0014(db: Kysely<Database>, dialect: SqlDialect, schema?: string): Promise<void> {
  await migrateBefore(db, dialect, '0014', schema);
  for (const id of ['t1', 't2']) {
    await db
      .insertInto('tenants')
      .values({ id, slug: id, name: id, status: 'active', created: T(0), allowed_roles: null })
      .execute();
  }
  await db.insertInto('event_sequences').values({ tenant_id: 't1', last_seq: 3, pruned_through: 0 }).execute();
  const event = (seq: number) => ({
    tenant_id: 't1',
    seq,
    type: 'user.updated',
    resource_type: 'User',
    resource_id: 'u1',
    changed_attributes: dialect.codec.encodeJson([]),
    snapshot: dialect.codec.encodeJson({ id: 'u1' }),
    member_id: null,
    member_type: null,
    time: T(seq),
    request_id: null,
  });
  await db
    .insertInto('events')
    .values([1, 2, 3].map(event) as never)
    .execute();
  await db
    .insertInto('access_history')
    .values({
      tenant_id: 't1',
      user_id: 'u1',
      seq: 1,
      ord: 0,
      at: T(1),
      request_id: null,
      kind: 'created',
      user_name: 'ann',
      detail: '{}',
      span: 'user',
      span_key: '',
      name_fold: 'ann',
      active: 1,
      valid_to: null,
    })
    .execute();
}

async function assertWatermarks(db: Kysely<Database>): Promise<void> {
  const marks = await db
    .selectFrom('history_projection')
    .select(['tenant_id', 'through'])
    .orderBy('tenant_id')
    .execute();
  assert.deepEqual(
    marks.map((m) => [m.tenant_id, Number(m.through)]),
    [['t1', 3]],
  );
  const deltas = await db.selectFrom('events').select('access_delta').where('tenant_id', '=', 't1').execute();
  assert.deepEqual(
    deltas.map((d) => d.access_delta),
    [null, null, null],
  );
}

async function assertProjectsOnlyLaterWrites(url: string, db: Kysely<Database>, dialect: SqlDialect): Promise<void> {
  // The first migration applied is this one (later ones follow it).
  assert.deepEqual((await migrateToLatest(db, dialect)).slice(0, 1), ['0014-history-projection']);
  await assertWatermarks(db);
  // Again over its own result (tests rewind migration records): nothing fails, nothing changes.
  await historyProjectionMigration(dialect).up(db as Kysely<unknown>);
  await assertWatermarks(db);
  const store = await openStore(url);
  try {
    await store.forTenant('t1').transaction((tx) =>
      tx.appendEvents(
        [
          {
            type: 'user.deactivated',
            resourceType: 'User',
            resourceId: 'u1',
            changedAttributes: ['active'],
            snapshot: { id: 'u1' },
            member: null,
            time: T(4),
            requestId: 'req-4',
          },
        ],
        {
          time: T(4),
          requestId: 'req-4',
          close: [{ userId: 'u1', kind: 'user', key: '' }],
          rows: [
            {
              userId: 'u1',
              kind: 'deactivated',
              userName: 'ann',
              detail: {},
              span: { kind: 'user', key: '', nameFold: 'ann', active: false },
            },
          ],
        },
      ),
    );
    assert.deepEqual(
      (await store.history.timeline('t1', 'u1')).map((e) => [e.kind, e.time]),
      [
        ['created', T(1)],
        ['deactivated', T(4)],
      ],
    );
  } finally {
    await store.close();
  }
}

describe('migration 0014-history-projection (SQLite)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'scimd-history-projection-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('starts each tenant’s watermark at its last sequence number', async () => {
    const file = join(dir, 'old.db');
    const db = connectSqlite(file);
    try {
      await writeBefore0014(db, sqliteDialect);
      await assertProjectsOnlyLaterWrites(`file:${file}`, db, sqliteDialect);
    } finally {
      await db.destroy();
    }
  });
});

describePostgres('migration 0014-history-projection (PostgreSQL)', (baseUrl) => {
  it('starts each tenant’s watermark at its last sequence number', async () => {
    const schema = await createTestSchema(baseUrl);
    const db = connectPostgres(schema.url);
    try {
      await writeBefore0014(db, postgresDialect, schema.schema);
      await assertProjectsOnlyLaterWrites(schema.url, db, postgresDialect);
    } finally {
      await db.destroy();
      await schema.drop();
    }
  });
});
