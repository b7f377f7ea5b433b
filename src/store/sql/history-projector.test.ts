/**
 * The history projector (history-projector.ts) on SQLite (a file) and PostgreSQL: a write leaves
 * its delta in its first event and does not touch `access_history`; reads project first; the
 * projection equals recording each delta at once, row for row; retention keeps what is not
 * projected; two processes projecting one tenant write each row once; deltas of a process that
 * died before projecting are projected at the next start.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { Kysely } from 'kysely';
import type { NewChangeEvent } from '../events-port.js';
import { type NewAccessRow, roleKey, type UnsequencedAccessDelta } from '../history-port.js';
import type { Store } from '../store.js';
import { at, tenantRecord } from '../test-support/fixtures.js';
import { createTestSchema, describePostgres } from '../test-support/postgres.js';
import type { SqlDialect } from './dialect.js';
import { pruneEvents } from './events.js';
import {
  BATCH_EVENTS,
  createHistoryProjector,
  encodeAccessDelta,
  MAX_DELAY_MS,
  MAX_PENDING,
  projectionDueIn,
  QUIET_MS,
} from './history-projector.js';
import { connect as connectPostgres } from './postgres/connect.js';
import { dialect as postgresDialect } from './postgres/dialect.js';
import { openSqlStore } from './sql-store.js';
import { connect as connectSqlite } from './sqlite/connect.js';
import { dialect as sqliteDialect } from './sqlite/dialect.js';
import type { Database } from './tables.js';

/** One database that several "processes" (Kysely instances, stores) open. */
interface Site {
  readonly dialect: SqlDialect;
  connect(): Kysely<Database>;
  dispose(): Promise<void>;
}

function open(site: Site, background = false): Promise<Store> {
  return openSqlStore({
    db: site.connect(),
    dialect: site.dialect,
    capabilities: { sharedAcrossProcesses: true, durable: true },
    projectHistoryInBackground: background,
  });
}

const event = (t: number, userId: string): NewChangeEvent => ({
  type: 'user.updated',
  resourceType: 'User',
  resourceId: userId,
  changedAttributes: [],
  snapshot: { id: userId },
  member: null,
  time: at(t),
  requestId: `req-${t}`,
});

const created = (userId: string, userName: string): NewAccessRow => ({
  userId,
  kind: 'created',
  userName,
  detail: { active: true, attributes: { userName } },
  span: { kind: 'user', key: '', nameFold: userName.toLowerCase(), active: true },
});
const ADMIN = { value: 'Admin', display: 'Administrator' };
const grant = (userId: string): NewAccessRow => ({
  userId,
  kind: 'role_granted',
  userName: null,
  detail: { ...ADMIN },
  span: { kind: 'role', key: roleKey(ADMIN), nameFold: 'admin' },
});
const join_ = (userId: string, group: string): NewAccessRow => ({
  userId,
  kind: 'group_joined',
  userName: null,
  detail: { id: group, displayName: group.toUpperCase() },
  span: { kind: 'group', key: group, nameFold: group },
});
const deactivated = (userId: string, userName: string): NewAccessRow => ({
  userId,
  kind: 'deactivated',
  userName,
  detail: {},
  span: { kind: 'user', key: '', nameFold: userName.toLowerCase(), active: false },
});

/**
 * A story whose closes and group deletions reach rows of the same batch and of earlier ones:
 * writes 1–5 form one batch, 6–10 the next when projected in two steps.
 */
const PARTS: readonly Pick<UnsequencedAccessDelta, 'close' | 'rows' | 'groupDeleted'>[] = [
  { close: [], rows: [created('u1', 'Ann'), grant('u1')] },
  { close: [], rows: [created('u2', 'Bob'), join_('u2', 'g1')] },
  { close: [], rows: [join_('u1', 'g1'), join_('u1', 'g2')] },
  {
    close: [{ userId: 'u1', kind: 'role', key: roleKey(ADMIN) }],
    rows: [{ ...grant('u1'), kind: 'role_removed', span: undefined }],
  },
  // Ended and started again in one write: stays open.
  { close: [{ userId: 'u2', kind: 'user', key: '' }], rows: [deactivated('u2', 'Bob')] },
  { close: [], rows: [created('u3', 'Cy'), join_('u3', 'g1')] },
  { groupDeleted: { id: 'g1', displayName: 'G1' }, close: [], rows: [] },
  { close: [{ userId: 'u1', kind: 'group' }], rows: [{ ...join_('u1', 'g2'), kind: 'group_left', span: undefined }] },
  { close: [], rows: [join_('u3', 'g2'), grant('u3')] },
  { close: [{ userId: 'u3' }], rows: [{ userId: 'u3', kind: 'deleted', userName: 'Cy', detail: {} }] },
];
const STORY: readonly UnsequencedAccessDelta[] = PARTS.map((d, i) => ({
  time: at(10 * (i + 1)),
  requestId: `req-${10 * (i + 1)}`,
  ...d,
}));

/** Writes the story's deltas `from`–`to` as the service does: each with one event. */
async function writeStory(store: Store, tenantId: string, from: number, to: number): Promise<void> {
  for (const delta of STORY.slice(from, to)) {
    await store
      .forTenant(tenantId)
      .transaction((tx) => tx.appendEvents([event(Number(delta.requestId!.slice(4)), 'u')], delta));
  }
}

async function historyRows(db: Kysely<Database>, tenantId: string) {
  const rows = await db
    .selectFrom('access_history')
    .select(['user_id', 'seq', 'ord', 'at', 'request_id', 'kind', 'user_name', 'detail', 'span'])
    .select(['span_key', 'name_fold', 'active', 'valid_to'])
    .where('tenant_id', '=', tenantId)
    .orderBy('seq')
    .orderBy('ord')
    .orderBy('user_id')
    .execute();
  return rows.map((r) => ({
    ...r,
    seq: Number(r.seq),
    ord: Number(r.ord),
    active: r.active === null ? null : Number(r.active),
  }));
}

async function watermark(db: Kysely<Database>, tenantId: string): Promise<number | undefined> {
  const row = await db
    .selectFrom('history_projection')
    .select('through')
    .where('tenant_id', '=', tenantId)
    .executeTakeFirst();
  return row === undefined ? undefined : Number(row.through);
}

function projectorSuite(makeSite: () => Promise<Site>, separateProcesses: boolean): void {
  it('leaves a write’s delta in its first event, and a read projects it', async () => {
    const site = await makeSite();
    const store = await open(site);
    const db = site.connect();
    try {
      await store.tenants.create(tenantRecord('t1'));
      const delta = STORY[0]!;
      await store.forTenant('t1').transaction((tx) => tx.appendEvents([event(10, 'u1'), event(10, 'u1')], delta));
      const events = await db
        .selectFrom('events')
        .select(['seq', 'access_delta'])
        .where('tenant_id', '=', 't1')
        .orderBy('seq')
        .execute();
      assert.deepEqual(
        events.map((e) => [Number(e.seq), e.access_delta]),
        [
          [1, encodeAccessDelta(delta)],
          [2, null],
        ],
      );
      assert.deepEqual(await historyRows(db, 't1'), []);
      // One write waits for the projector (its second event carries no delta).
      assert.equal(await store.history.backlog(), 1);
      // The change feed never shows the column.
      const page = await store.events.list('t1', 0, 10);
      assert.deepEqual(Object.keys(page.events[0]!).sort(), [
        'changedAttributes',
        'member',
        'requestId',
        'resourceId',
        'resourceType',
        'seq',
        'snapshot',
        'tenantId',
        'time',
        'type',
      ]);
      assert.deepEqual(
        (await store.history.timeline('t1', 'u1')).map((e) => [e.kind, e.time, e.requestId]),
        [
          ['created', at(10), 'req-10'],
          ['role_granted', at(10), 'req-10'],
        ],
      );
      assert.equal((await historyRows(db, 't1')).length, 2);
      assert.equal(await watermark(db, 't1'), 2);
      assert.equal(await store.history.backlog(), 0);
    } finally {
      await db.destroy();
      await store.close();
      await site.dispose();
    }
  });

  it('projects row for row what recording each delta at once records, across batches', async () => {
    const site = await makeSite();
    const store = await open(site);
    const db = site.connect();
    try {
      await store.tenants.create(tenantRecord('inline'));
      await store.tenants.create(tenantRecord('projected'));
      for (const [i, delta] of STORY.entries()) {
        await store.forTenant('inline').transaction((tx) => tx.appendAccessHistory({ ...delta, seq: i + 1 }));
      }
      await writeStory(store, 'projected', 0, 5);
      await store.history.findUserIds('projected', 'ann');
      await writeStory(store, 'projected', 5, STORY.length);
      await store.history.findUserIds('projected', 'ann');
      const inline = await historyRows(db, 'inline');
      assert.equal(inline.length, 17);
      assert.deepEqual(await historyRows(db, 'projected'), inline);
      assert.equal(await watermark(db, 'projected'), STORY.length);
    } finally {
      await db.destroy();
      await store.close();
      await site.dispose();
    }
  });

  it('retention keeps the events whose delta is not projected, and projects them first', async () => {
    const site = await makeSite();
    const store = await open(site);
    const db = site.connect();
    try {
      await store.tenants.create(tenantRecord('t1'));
      await writeStory(store, 't1', 0, 3);
      const later = '2100-01-01T00:00:00.000Z';
      // Without projecting: nothing past the watermark (0) goes.
      assert.equal(await pruneEvents(db, site.dialect, later), 0);
      assert.equal((await store.events.list('t1', 0, 10)).events.length, 3);
      // The store's retention projects first, then removes them.
      assert.equal(await store.events.prune(later), 3);
      assert.equal(await watermark(db, 't1'), 3);
      assert.equal((await historyRows(db, 't1')).length, 6);
    } finally {
      await db.destroy();
      await store.close();
      await site.dispose();
    }
  });

  // SQLite's other processes cannot be stores of this one: better-sqlite3 waits for a lock
  // synchronously, so the holder (in the same event loop) could never release it.
  if (separateProcesses)
    it('two processes projecting one tenant at once write each row once', async () => {
      const site = await makeSite();
      const one = await open(site);
      const two = await open(site);
      const db = site.connect();
      try {
        await one.tenants.create(tenantRecord('t1'));
        const writes = BATCH_EVENTS * 2 + 500;
        for (let from = 0; from < writes; from += 100) {
          await Promise.all(
            Array.from({ length: 100 }, (_, i) =>
              one
                .forTenant('t1')
                .transaction((tx) =>
                  tx.appendEvents([event(1, `u${from + i}`)], { ...STORY[0]!, rows: [created(`u${from + i}`, 'x')] }),
                ),
            ),
          );
        }
        const reads = await Promise.all([
          one.history.findUserIds('t1', 'x'),
          two.history.findUserIds('t1', 'x'),
          one.history.timeline('t1', 'u7'),
          two.history.timeline('t1', 'u7'),
        ]);
        assert.equal(reads[0].length, writes);
        assert.equal(reads[1].length, writes);
        const rows = await historyRows(db, 't1');
        assert.equal(rows.length, writes);
        assert.equal(new Set(rows.map((r) => r.user_id)).size, writes);
        assert.equal(await watermark(db, 't1'), writes);
      } finally {
        await db.destroy();
        await one.close();
        await two.close();
        await site.dispose();
      }
    });

  it('projects at start-up what a process left when it died before projecting', async () => {
    const site = await makeSite();
    const db = site.connect();
    try {
      const dying = await open(site);
      await dying.tenants.create(tenantRecord('t1'));
      await writeStory(dying, 't1', 0, STORY.length);
      // Closing projects nothing that is not running: as if the process had died here.
      await dying.close();
      assert.deepEqual(await historyRows(db, 't1'), []);
      const restarted = site.connect();
      const projector = createHistoryProjector(restarted, site.dialect, {
        transaction: (work) => restarted.transaction().execute(work),
        background: true,
      });
      try {
        await projector.settled();
        assert.equal((await historyRows(db, 't1')).length, 17);
        assert.equal(await watermark(db, 't1'), STORY.length);
      } finally {
        await projector.close();
        await restarted.destroy();
      }
    } finally {
      await db.destroy();
      await site.dispose();
    }
  });

  it('deleting a tenant removes its watermark', async () => {
    const site = await makeSite();
    const store = await open(site);
    const db = site.connect();
    try {
      await store.tenants.create(tenantRecord('t1'));
      await writeStory(store, 't1', 0, 1);
      await store.history.timeline('t1', 'u1');
      assert.equal(await watermark(db, 't1'), 1);
      await store.tenants.delete('t1');
      assert.equal(await watermark(db, 't1'), undefined);
    } finally {
      await db.destroy();
      await store.close();
      await site.dispose();
    }
  });
}

describe('when the background projection starts (projectionDueIn)', () => {
  it('waits for a pause of QUIET_MS after the last write', () => {
    assert.equal(projectionDueIn(1000, 1000, 1000, 1), QUIET_MS);
    assert.equal(projectionDueIn(1000 + QUIET_MS, 1000, 1000, 1), 0);
    // A write 60 ms later moves the pause on.
    assert.equal(projectionDueIn(1100, 1000, 1060, 2), 1060 + QUIET_MS - 1100);
  });

  it('starts MAX_DELAY_MS after the first write of a burst that never pauses', () => {
    const first = 5000;
    const last = first + MAX_DELAY_MS - 10; // a write every few ms since the first
    assert.equal(projectionDueIn(last, first, last, 100), 10);
    assert.equal(projectionDueIn(first + MAX_DELAY_MS, first, first + MAX_DELAY_MS, 100), 0);
  });

  it('starts at once when MAX_PENDING writes wait, paused or not', () => {
    assert.ok(projectionDueIn(2000, 2000, 2000, MAX_PENDING - 1) > 0);
    assert.equal(projectionDueIn(2000, 2000, 2000, MAX_PENDING), 0);
  });
});

describe('history projector (SQLite)', () => {
  projectorSuite(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'scimd-projector-'));
    const file = join(dir, 'scimd.db');
    return {
      dialect: sqliteDialect,
      connect: () => connectSqlite(file),
      dispose: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }, false);
});

describePostgres('history projector (PostgreSQL)', (baseUrl) => {
  projectorSuite(async () => {
    const schema = await createTestSchema(baseUrl);
    return { dialect: postgresDialect, connect: () => connectPostgres(schema.url), dispose: schema.drop };
  }, true);
});
