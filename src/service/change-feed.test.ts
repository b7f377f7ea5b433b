import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createUsers, manualClock, openOutboxStore } from '../events/test-support/outbox.js';
import { assertScimError } from '../store/test-support/fixtures.js';
import { parseCursor, readChangeFeed } from './change-feed.js';

describe('readChangeFeed', () => {
  it('reads events after a cursor, in order, with the next and latest cursors', async () => {
    const store = await openOutboxStore();
    try {
      await createUsers(store, 't-acme', 3, manualClock()());
      const page = await readChangeFeed(store, 'acme', { limit: 2 });
      assert.deepEqual(
        page.events.map((e) => [e.cursor, e.type, e.tenant.slug]),
        [
          ['1', 'user.created', 'acme'],
          ['2', 'user.created', 'acme'],
        ],
      );
      assert.deepEqual([page.nextCursor, page.latestCursor, page.prunedThrough], ['2', '3', '0']);
      const rest = await readChangeFeed(store, 'acme', { after: page.nextCursor, limit: 10 });
      assert.deepEqual(
        rest.events.map((e) => e.seq),
        [3],
      );
      const none = await readChangeFeed(store, 'acme', { after: '3' });
      assert.deepEqual([none.events, none.nextCursor], [[], '3']);
      assert.deepEqual((await readChangeFeed(store, 'globex', {})).events, []);
    } finally {
      await store.close();
    }
  });

  it('refuses expired, malformed and future cursors with a clear error', async () => {
    const store = await openOutboxStore();
    const clock = manualClock();
    try {
      await createUsers(store, 't-acme', 3, clock());
      clock.advance(1000);
      await store.events.prune(clock().toISOString());
      await assertScimError(
        readChangeFeed(store, 'acme', { after: '1' }),
        400,
        'expiredCursor',
        'cursor "1" has expired: events up to "3" of tenant "acme" were removed by retention',
      );
      const fresh = await readChangeFeed(store, 'acme', {});
      assert.deepEqual([fresh.events, fresh.nextCursor, fresh.prunedThrough], [[], '3', '3']);
      await assertScimError(
        readChangeFeed(store, 'acme', { after: '4' }),
        400,
        'invalidCursor',
        'is ahead of the latest event ("3")',
      );
      await assertScimError(
        readChangeFeed(store, 'acme', { after: 'abc' }),
        400,
        'invalidCursor',
        'cursor "abc" is not valid',
      );
      await assertScimError(readChangeFeed(store, 'nope', {}), 404, undefined, 'tenant "nope" not found');
      assert.equal(parseCursor('0'), 0);
    } finally {
      await store.close();
    }
  });

  it('long-polls: answers as soon as an event is committed, or empty at the deadline', async () => {
    const store = await openOutboxStore();
    try {
      const started = Date.now();
      const waiting = readChangeFeed(store, 'acme', { after: '0', waitSeconds: 5 }, { pollIntervalMs: 20 });
      setTimeout(() => void createUsers(store, 't-acme', 1, new Date()), 50);
      const page = await waiting;
      assert.deepEqual(
        page.events.map((e) => e.seq),
        [1],
      );
      assert.ok(Date.now() - started < 2000);
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 30);
      const aborted = await readChangeFeed(
        store,
        'acme',
        { after: '1', waitSeconds: 5 },
        { signal: controller.signal },
      );
      assert.deepEqual(aborted.events, []);
    } finally {
      await store.close();
    }
  });
});
