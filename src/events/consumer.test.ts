import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { subscribe } from './consumer.js';
import type { EventJson } from './event-json.js';
import { applyRetention } from './event-services.js';
import { createUsers, manualClock, openOutboxStore } from './test-support/outbox.js';

describe('in-process consumers', () => {
  it('hands every event to the handler in order, retrying a failing call, with a durable cursor', async () => {
    const store = await openOutboxStore();
    const clock = manualClock();
    try {
      await createUsers(store, 't-acme', 2, clock());
      const seen: string[] = [];
      let fail = true;
      const handler = (event: EventJson) => {
        if (fail && event.seq === 2) {
          fail = false;
          throw new Error('database busy');
        }
        seen.push(`${event.tenant.slug}:${event.seq}:${event.type}`);
      };
      const first = await subscribe(store, { name: 'billing', autoStart: false, clock }, handler);
      assert.equal(await first.runOnce(), 2);
      assert.deepEqual(seen, ['acme:1:user.created']);
      const [stream] = await store.endpoints.listStreams(first.endpointId);
      assert.deepEqual([stream!.deliveredSeq, stream!.attempts, stream!.lastError], [1, 1, 'database busy']);
      clock.advance(10_000);
      assert.equal(await first.runOnce(), 1);
      assert.deepEqual(seen, ['acme:1:user.created', 'acme:2:user.created']);

      // A restart: the same name resumes after the last handled event.
      const again = await subscribe(store, { name: 'billing', autoStart: false, clock }, handler);
      assert.equal(again.endpointId, first.endpointId);
      assert.equal(await again.runOnce(), 0);
      await createUsers(store, 't-globex', 1, clock());
      assert.equal(await again.runOnce(), 1);
      assert.deepEqual(seen.at(-1), 'globex:1:user.created');
      assert.equal((await store.endpoints.getByName('billing'))?.kind, 'consumer');
    } finally {
      await store.close();
    }
  });

  it('starts new consumers at the oldest retained event or the latest, per tenant if asked', async () => {
    const store = await openOutboxStore();
    const clock = manualClock();
    try {
      await createUsers(store, 't-acme', 2, clock());
      await createUsers(store, 't-globex', 1, clock());
      const seen: Record<string, string[]> = { oldest: [], latest: [], acme: [] };
      const record = (name: string) => (event: EventJson) => {
        seen[name]!.push(`${event.tenant.slug}:${event.seq}`);
      };
      const oldest = await subscribe(store, { name: 'oldest', autoStart: false, clock }, record('oldest'));
      const latest = await subscribe(
        store,
        { name: 'latest', startAt: 'latest', autoStart: false, clock },
        record('latest'),
      );
      const acme = await subscribe(
        store,
        { name: 'acme', tenantId: 't-acme', autoStart: false, clock },
        record('acme'),
      );
      await createUsers(store, 't-acme', 1, clock());
      for (const s of [oldest, latest, acme]) await s.runOnce();
      assert.deepEqual(seen.oldest!.sort(), ['acme:1', 'acme:2', 'acme:3', 'globex:1']);
      assert.deepEqual(seen.latest, ['acme:3']);
      assert.deepEqual(seen.acme, ['acme:1', 'acme:2', 'acme:3']);
      await assert.rejects(
        subscribe(store, { name: 'acme', autoStart: false }, record('acme')),
        /consumer "acme" is registered for another scope/,
      );
      await assert.rejects(
        subscribe(store, { name: 'no spaces' }, record('acme')),
        /invalid consumer name "no spaces"/,
      );
    } finally {
      await store.close();
    }
  });
});

describe('applyRetention', () => {
  it('prunes events and the provisioning log by age and count', async () => {
    const store = await openOutboxStore();
    const clock = manualClock();
    try {
      await createUsers(store, 't-acme', 2, clock());
      clock.advance(3_600_000);
      await createUsers(store, 't-acme', 1, clock());
      const entry = (id: string, time: Date) => ({
        id,
        tenantId: 't-acme',
        time: time.toISOString(),
        method: 'GET',
        path: '/scim/v2/Users',
        status: 200,
        scimType: null,
        latencyMs: 3,
        resourceType: 'User',
        resourceId: null,
        idp: null,
        userAgent: null,
        requestId: id,
        requestBody: null,
        responseBody: null,
      });
      await store.requestLog.append([
        entry('l1', new Date(clock.ms - 7_200_000)),
        entry('l2', clock()),
        entry('l3', clock()),
      ]);
      const result = await applyRetention(
        store,
        { eventRetentionMs: 1_800_000, logRetentionMs: 3_600_000, logMaxEntries: 1 },
        clock(),
      );
      assert.deepEqual(result, { events: 2, logEntries: 2 });
      const page = await store.events.list('t-acme', 0, 10);
      assert.deepEqual([page.prunedThrough, page.events.map((e) => e.seq)], [2, [3]]);
    } finally {
      await store.close();
    }
  });
});
