/**
 * Migration 0010-history-layout on a database holding access history written before it (under
 * 0009's indexes): the rows stay, the new indexes are built, and every read answers as before.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { type Kysely, sql } from 'kysely';
import { roleKey } from '../history-port.js';
import { openStore } from '../open.js';
import type { Store } from '../store.js';
import { createTestSchema, describePostgres } from '../test-support/postgres.js';
import type { SqlDialect } from './dialect.js';
import { connect as connectPostgres } from './postgres/connect.js';
import { dialect as postgresDialect } from './postgres/dialect.js';
import { connect as connectSqlite } from './sqlite/connect.js';
import { dialect as sqliteDialect } from './sqlite/dialect.js';
import type { Database } from './tables.js';
import { migrateBefore } from './test-support/migrate-before.js';

const T = (day: number) => `2024-01-${String(day).padStart(2, '0')}T00:00:00.000Z`;

/** History as 0007's code wrote it: Ann (Admin, Sales, deactivated on the 5th), Bob (deleted on the 6th). */
function oldRows(tenant: string) {
  const admin = { value: 'Admin' };
  const reader = { value: 'Reader' };
  const sales = { id: 'g1', displayName: 'Sales' };
  const row = (
    user: string,
    seq: number,
    ord: number,
    day: number,
    kind: string,
    detail: object,
    span: [string, string, string, number | null] | null,
    validTo: number | null = null,
  ) => ({
    tenant_id: tenant,
    user_id: user,
    seq,
    ord,
    at: T(day),
    request_id: seq === 0 ? null : `req-${seq}`,
    kind,
    user_name: span?.[0] === 'user' ? span[2] : null,
    detail: JSON.stringify(detail),
    span: span?.[0] ?? null,
    span_key: span?.[1] ?? null,
    name_fold: span?.[2] ?? null,
    active: span?.[3] ?? null,
    valid_to: validTo === null ? null : T(validTo),
  });
  return [
    // The baseline: seq 0, several groups sharing ord 1000.
    row('ann', 0, 0, 1, 'baseline', { active: true }, ['user', '', 'ann', 1], 5),
    row('ann', 0, 1, 1, 'role_granted', admin, ['role', roleKey(admin), 'admin', null]),
    row('ann', 0, 1000, 1, 'group_joined', sales, ['group', 'g1', 'sales', null]),
    row('ann', 0, 1000, 1, 'group_joined', { id: 'g2', displayName: 'Ops' }, ['group', 'g2', 'ops', null], 3),
    row('bob', 2, 0, 2, 'created', { active: true, attributes: {} }, ['user', '', 'bob', 1], 6),
    row('bob', 2, 1, 2, 'role_granted', reader, ['role', roleKey(reader), 'reader', null], 4),
    row('ann', 3, 0, 3, 'group_left', { id: 'g2', displayName: 'Ops' }, null),
    row('bob', 4, 0, 4, 'role_removed', reader, null),
    row('ann', 5, 0, 5, 'deactivated', {}, ['user', '', 'ann', 0]),
    row('bob', 6, 0, 6, 'deleted', {}, null),
  ];
}

async function migrateBefore0010(db: Kysely<Database>, dialect: SqlDialect, schema?: string): Promise<void> {
  await migrateBefore(db, dialect, '0010', schema);
  await db
    .insertInto('tenants')
    .values({ id: 't1', slug: 'acme', name: 'Acme', status: 'active', created: T(1), allowed_roles: null })
    .execute();
  await db.insertInto('access_history').values(oldRows('t1')).execute();
}

async function assertAnswersAsBefore(store: Store): Promise<void> {
  const names = (list: readonly { userId: string }[]) => list.map((u) => u.userId);
  const at = (day: number, extra = {}) =>
    store.history.accessAt('t1', { asOf: T(day), limit: 10, includeInactive: true, ...extra });
  assert.deepEqual(names(await at(1)), ['ann']);
  assert.deepEqual(await at(2), [
    {
      userId: 'ann',
      userName: 'ann',
      active: true,
      roles: [{ value: 'Admin' }],
      groups: [
        { id: 'g1', displayName: 'Sales' },
        { id: 'g2', displayName: 'Ops' },
      ],
    },
    { userId: 'bob', userName: 'bob', active: true, roles: [{ value: 'Reader' }], groups: [] },
  ]);
  assert.deepEqual(names(await at(3, { role: 'READER' })), ['bob']);
  assert.deepEqual(names(await at(4, { role: 'reader' })), []);
  assert.deepEqual(names(await at(2, { group: 'g2' })), ['ann']);
  assert.deepEqual(names(await at(3, { group: 'ops' })), []);
  assert.deepEqual(names(await at(5, { group: 'sales', includeInactive: false })), []);
  assert.deepEqual(names(await at(5, { group: 'Sales' })), ['ann']);
  assert.deepEqual(names(await at(5, { role: 'admin', group: 'g1' })), ['ann']);
  assert.deepEqual(names(await at(2, { afterUserId: 'ann', limit: 1 })), ['bob']);
  assert.deepEqual(names(await at(7)), ['ann']);
  assert.deepEqual(await store.history.findUserIds('t1', 'BOB'), ['bob']);
  const timeline = await store.history.timeline('t1', 'ann');
  assert.deepEqual(
    timeline.map((e) => e.kind),
    ['baseline', 'role_granted', 'group_joined', 'group_joined', 'group_left', 'deactivated'],
  );
  // Retention: events before the 5th and spans that ended before it go; open spans stay.
  assert.equal(await store.history.prune(T(5)), 4);
  assert.deepEqual(
    (await store.history.timeline('t1', 'bob')).map((e) => e.kind),
    ['created', 'deleted'],
  );
  assert.deepEqual(names(await at(5, { role: 'admin' })), ['ann']);
}

describe('migration 0010-history-layout (SQLite)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'scimd-history-layout-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps the rows written under 0009, builds the new indexes, and answers as before', async () => {
    const file = join(dir, 'old.db');
    const db = connectSqlite(file);
    await migrateBefore0010(db, sqliteDialect);
    await db.destroy();
    const store = await openStore(`file:${file}`);
    try {
      await assertAnswersAsBefore(store);
    } finally {
      await store.close();
    }
    const check = connectSqlite(file);
    try {
      const { rows } = await sql<{ name: string }>`select name from sqlite_master
        where type = 'index' and tbl_name = 'access_history' order by name`.execute(check);
      assert.deepEqual(
        rows.map((r) => r.name),
        [
          'access_history_ended',
          'access_history_events_at',
          'access_history_group_spans',
          'access_history_names',
          'access_history_user',
        ],
      );
    } finally {
      await check.destroy();
    }
  });
});

describePostgres('migration 0010-history-layout (PostgreSQL)', (baseUrl) => {
  it('keeps the rows written under 0009, builds the new indexes, and answers as before', async () => {
    const schema = await createTestSchema(baseUrl);
    try {
      const db = connectPostgres(schema.url);
      try {
        await migrateBefore0010(db, postgresDialect, schema.schema);
      } finally {
        await db.destroy();
      }
      const store = await openStore(schema.url);
      try {
        await assertAnswersAsBefore(store);
      } finally {
        await store.close();
      }
    } finally {
      await schema.drop();
    }
  });
});
