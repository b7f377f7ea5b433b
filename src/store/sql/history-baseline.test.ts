/** Migration 0007-access-history on a database holding users and groups written before it. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { openStore } from '../open.js';
import { connect } from './sqlite/connect.js';
import { dialect } from './sqlite/dialect.js';
import { migrateBefore } from './test-support/migrate-before.js';

const dir = mkdtempSync(join(tmpdir(), 'scimd-history-baseline-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('migration 0007-access-history: the baseline of existing users', () => {
  it('records every existing user with its roles and groups, so as-of answers after the upgrade are complete', async () => {
    const file = join(dir, 'old.db');
    const db = connect(file);
    await migrateBefore(db, dialect, '0007');
    const T = '2024-01-01T00:00:00.000Z';
    for (const id of ['t1', 't2']) {
      await db
        .insertInto('tenants')
        .values({ id, slug: id, name: id, status: 'active', created: T, allowed_roles: null })
        .execute();
    }
    const resource = (tenant: string, id: string, type: string, body: object) => ({
      tenant_id: tenant,
      id,
      resource_type: type,
      version: 1,
      created: T,
      last_modified: T,
      body: JSON.stringify(body),
      unique_name_fold: `${type}:${id}`,
      display_name_fold: null,
      display: null,
      external_id: null,
      active: 1,
    });
    // 1,200 users: more than one page of the baseline's reads.
    const users = Array.from({ length: 1200 }, (_, i) =>
      resource('t1', `u${String(i).padStart(4, '0')}`, 'User', {
        userName: `User${i}@x.test`,
        ...(i % 2 === 0
          ? {
              roles: [
                { value: 'Admin', primary: true },
                { value: 'Reader', display: 'R' },
              ],
            }
          : {}),
        ...(i === 1 ? { active: false } : {}),
      }),
    );
    for (let i = 0; i < users.length; i += 50)
      await db
        .insertInto('resources')
        .values(users.slice(i, i + 50))
        .execute();
    await db
      .insertInto('resources')
      .values([
        resource('t1', 'g1', 'Group', { displayName: 'Sales' }),
        resource('t1', 'g2', 'Group', { displayName: 'Nested' }),
        resource('t2', 'x1', 'User', { userName: 'other@x.test' }),
      ])
      .execute();
    await db
      .insertInto('group_members')
      .values([
        { tenant_id: 't1', group_id: 'g1', member_id: 'u0000', member_type: 'User', added_seq: 1 },
        { tenant_id: 't1', group_id: 'g1', member_id: 'u0001', member_type: 'User', added_seq: 2 },
        { tenant_id: 't1', group_id: 'g1', member_id: 'g2', member_type: 'Group', added_seq: 3 },
      ])
      .execute();
    await db.destroy();

    const upgradedAt = new Date().toISOString();
    const store = await openStore(`file:${file}`);
    try {
      const now = new Date(Date.now() + 1000).toISOString();
      const all = [];
      for (let after: string | undefined; ; ) {
        const page = await store.history.accessAt('t1', {
          asOf: now,
          includeInactive: true,
          limit: 500,
          ...(after ? { afterUserId: after } : {}),
        });
        all.push(...page);
        if (page.length < 500) break;
        after = page.at(-1)!.userId;
      }
      assert.equal(all.length, 1200);
      assert.deepEqual(all[0], {
        userId: 'u0000',
        userName: 'User0@x.test',
        active: true,
        roles: [{ value: 'Admin' }, { value: 'Reader', display: 'R' }],
        groups: [{ id: 'g1', displayName: 'Sales' }],
      });
      assert.deepEqual(all[1], {
        userId: 'u0001',
        userName: 'User1@x.test',
        active: false,
        roles: [],
        groups: [{ id: 'g1', displayName: 'Sales' }],
      });
      assert.deepEqual((await store.history.accessAt('t1', { asOf: now, role: 'admin', limit: 2000 })).length, 600);
      assert.deepEqual(
        (await store.history.accessAt('t2', { asOf: now, limit: 10 })).map((s) => s.userId),
        ['x1'],
      );
      const timeline = await store.history.timeline('t1', 'u0000');
      assert.deepEqual(
        timeline.map((e) => [e.kind, e.requestId]),
        [
          ['baseline', null],
          ['role_granted', null],
          ['role_granted', null],
          ['group_joined', null],
        ],
      );
      assert.ok(timeline[0]!.time >= upgradedAt);
      assert.deepEqual(await store.history.findUserIds('t1', 'user5@X.TEST'), ['u0005']);
      // Before the upgrade there is no history.
      assert.deepEqual(await store.history.accessAt('t1', { asOf: T, limit: 10 }), []);
    } finally {
      await store.close();
    }
  });
});
