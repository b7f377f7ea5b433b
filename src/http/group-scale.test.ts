/**
 * Groups at scale: adding or removing one member, and reading a group without its members,
 * cost the same statements for a 3-member group as for a 3,000-member one, none of which walks
 * the group's membership. Checked with Kysely's statement log on SQLite and SQLite's own query
 * plans — never with timings.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type BetterSqlite3 from 'better-sqlite3';
import type { FastifyInstance } from 'fastify';
import { Kysely, SqliteDialect } from 'kysely';
import { openSqlStore } from '../store/sql/sql-store.js';
import { MEMORY, openDatabase } from '../store/sql/sqlite/connect.js';
import { dialect } from '../store/sql/sqlite/dialect.js';
import type { Database } from '../store/sql/tables.js';
import type { Store } from '../store/store.js';
import { createTenant, issueToken } from '../tenancy/tenants.js';
import { buildApp } from './app.js';
import { NOW, TEST_CONFIG } from './test-support/harness.js';

const BIG = 3000;
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
/** How listMembers reads a group's membership (src/store/sql/members.ts). */
const LISTS_MEMBERS = /order by "gm"\."added_seq"/;
const AUTHENTICATION_READS = /^select "id", "(tenant_id", "label", "hash|slug", "name)/;
/** Tables written off the request path (the provisioning log's batches). */
const BACKGROUND_WRITES = /\b(request_log|health_buckets|health_attributes)\b/;

interface Statement {
  readonly sql: string;
  readonly parameters: readonly unknown[];
}

describe('group membership changes at scale', () => {
  let database: BetterSqlite3.Database;
  let store: Store;
  let app: FastifyInstance;
  let token: string;
  let tenantId: string;
  let log: Statement[] | undefined;

  const send = async (method: string, url: string, body?: unknown) => {
    const res = await app.inject({
      method: method as 'GET',
      url: `/scim/v2${url}`,
      headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/scim+json' } : {}) },
      ...(body ? { payload: JSON.stringify(body) } : {}),
    });
    assert.ok(res.statusCode < 300, `${method} ${url}: ${res.statusCode} ${res.body}`);
    return res;
  };

  /** The statements one request runs (SQL text only: parameters differ by id). */
  const traced = async (method: string, url: string, body?: unknown): Promise<Statement[]> => {
    log = [];
    await send(method, url, body);
    const statements = log;
    log = undefined;
    // The provisioning log writes in batches off the request path, with the health rollups in
    // the same transaction; their inserts may land inside any traced window and say nothing
    // about the request being measured. Authentication reads
    // the token and tenant only when its one-second cache (read-cache.ts) has none: timing, not
    // the request, decides whether they appear.
    return statements.filter((s) => !BACKGROUND_WRITES.test(s.sql) && !AUTHENTICATION_READS.test(s.sql));
  };

  const membershipStatements = (statements: Statement[]) => statements.filter((s) => s.sql.includes('group_members'));

  /** SQLite's plan for a statement: a full pass over group_members shows as "SCAN group_members". */
  const plan = (s: Statement) =>
    (database.prepare(`explain query plan ${s.sql}`).all(...(s.parameters as unknown[])) as { detail: string }[])
      .map((row) => row.detail)
      .join('; ');

  before(async () => {
    database = openDatabase(MEMORY);
    const db = new Kysely<Database>({
      dialect: new SqliteDialect({ database }),
      log: (event) => {
        if (event.level === 'query') log?.push({ sql: event.query.sql, parameters: event.query.parameters });
      },
    });
    store = await openSqlStore({ db, dialect, capabilities: { sharedAcrossProcesses: false, durable: false } });
    tenantId = (await createTenant(store, { slug: 'acme' }, NOW)).id;
    token = (await issueToken(store, 'acme', {}, NOW)).token;
    app = await buildApp({ config: TEST_CONFIG, store, logger: false, clock: () => NOW });
    const at = NOW.toISOString();
    await store.forTenant(tenantId).transaction(async (tx) => {
      for (let i = 0; i < BIG + 10; i++) {
        await tx.insertResource({
          id: `u${i}`,
          resourceType: 'User',
          body: { userName: `user${i}@x.example` },
          now: at,
        });
      }
      for (const [id, size] of [
        ['small', 3],
        ['big', BIG],
      ] as const) {
        await tx.insertResource({ id, resourceType: 'Group', body: { displayName: id }, now: at });
        await tx.addMembers(
          id,
          Array.from({ length: size }, (_, i) => ({ value: `u${i}`, type: 'User' as const })),
        );
      }
    });
    // The token's first use records last_used_at once; get it out of the way of the comparisons.
    await send('GET', '/ServiceProviderConfig');
  });
  after(async () => {
    await app.close();
    await store.close();
  });

  const scenarios: [string, (group: string) => [string, string, unknown?]][] = [
    [
      'add one member',
      (group) => [
        'PATCH',
        `/Groups/${group}`,
        { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: [{ value: `u${BIG + 1}` }] }] },
      ],
    ],
    [
      'remove one member (Entra: path filter)',
      (group) => [
        'PATCH',
        `/Groups/${group}`,
        { schemas: [PATCH_OP], Operations: [{ op: 'remove', path: `members[value eq "u${BIG + 1}"]` }] },
      ],
    ],
    [
      'remove one member (value list)',
      (group) => [
        'PATCH',
        `/Groups/${group}`,
        { schemas: [PATCH_OP], Operations: [{ op: 'remove', path: 'members', value: [{ value: 'u1' }] }] },
      ],
    ],
  ];

  for (const [name, request] of scenarios) {
    it(`${name}: the same statements for 3 and ${BIG} members, none scanning the membership`, async () => {
      const small = await traced(...request('small'));
      const big = await traced(...request('big'));
      assert.deepEqual(
        big.map((s) => s.sql),
        small.map((s) => s.sql),
      );
      const touching = membershipStatements(big);
      assert.ok(touching.length > 0, 'the change reaches group_members');
      for (const s of touching) assert.doesNotMatch(plan(s), /SCAN (group_members|gm)\b/, s.sql);
      assert.ok(!big.some((s) => LISTS_MEMBERS.test(s.sql)), 'no statement lists the members');
    });
  }

  it('GET /Groups/{id}?excludedAttributes=members never reads group_members', async () => {
    const statements = await traced('GET', '/Groups/big?excludedAttributes=members');
    assert.deepEqual(membershipStatements(statements), []);
    const listed = await traced('GET', '/Groups?filter=displayName%20eq%20%22big%22&excludedAttributes=members');
    assert.deepEqual(membershipStatements(listed), []);
    // The plain GET does read the members, in one statement: the probe sees group_members.
    const full = await traced('GET', '/Groups/small');
    assert.equal(membershipStatements(full).length, 1);
    assert.match(membershipStatements(full)[0]!.sql, LISTS_MEMBERS, 'the probe recognises a member listing');
  });
});
