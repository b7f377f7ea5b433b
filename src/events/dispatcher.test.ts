import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createTestSchema, describePostgres } from '../store/test-support/postgres.js';
import { createDispatcher, type DispatcherOptions } from './dispatcher.js';
import { createUsers, createWebhook, manualClock, openOutboxStore } from './test-support/outbox.js';
import { type ReceivedRequest, startReceiver } from './test-support/receiver.js';
import { referenceVerify } from './test-support/standard-webhooks.js';
import { sendWebhook } from './webhooks.js';

const dir = mkdtempSync(join(tmpdir(), 'scimd-dispatch-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** `slug:seq` of each request, in arrival order. */
const arrivals = (requests: readonly ReceivedRequest[]) =>
  requests.map((r) => `${(r.json['tenant'] as { slug: string }).slug}:${r.json.seq}`);

/** The test receivers listen on 127.0.0.1, which the target policy refuses unless allowed. */
const LOCAL_RECEIVERS = ['127.0.0.1'];

function webhookDispatcher(options: Omit<DispatcherOptions, 'kind' | 'deliver'>) {
  return createDispatcher({
    kind: 'webhook',
    deliver: (endpoint, event, now) =>
      sendWebhook(endpoint, event, now, { timeoutMs: 2000, allowTargets: LOCAL_RECEIVERS }),
    random: () => 0.5,
    ...options,
  });
}

describe('webhook dispatcher', () => {
  it('delivers every tenant in order, signed per Standard Webhooks, once', async () => {
    const store = await openOutboxStore();
    const receiver = await startReceiver();
    const clock = manualClock();
    try {
      const endpoint = await createWebhook(store, receiver.url);
      await createUsers(store, 't-acme', 3, clock());
      await createUsers(store, 't-globex', 2, clock());
      const dispatcher = webhookDispatcher({ store, clock });
      assert.equal(await dispatcher.runOnce(), 5);
      const received = arrivals(receiver.requests);
      assert.deepEqual(
        received.filter((r) => r.startsWith('acme')),
        ['acme:1', 'acme:2', 'acme:3'],
      );
      assert.deepEqual(
        received.filter((r) => r.startsWith('globex')),
        ['globex:1', 'globex:2'],
      );
      const first = receiver.requests.find((r) => r.json.id === 'evt_t-acme_1')!;
      assert.equal(first.headers['webhook-id'], 'evt_t-acme_1');
      assert.equal(first.headers['webhook-timestamp'], String(Math.floor(clock.ms / 1000)));
      assert.equal(first.headers['content-type'], 'application/json');
      assert.equal(first.json.type, 'user.created');
      for (const request of receiver.requests) {
        assert.equal(await referenceVerify(endpoint.secrets[0]!.secret, request.headers, request.body), true);
      }
      assert.equal(await dispatcher.runOnce(), 0);
      const streams = await store.endpoints.listStreams(endpoint.id);
      assert.deepEqual(
        streams.map((s) => [s.tenantId, s.deliveredSeq, s.attempts, s.lastStatus, s.leaseOwner]),
        [
          ['t-acme', 3, 0, 204, null],
          ['t-globex', 2, 0, 204, null],
        ],
      );
    } finally {
      await receiver.close();
      await store.close();
    }
  });

  it('retries with exponential backoff and jitter until the receiver recovers', async () => {
    const store = await openOutboxStore();
    const receiver = await startReceiver((_request, index) => (index < 2 ? 503 : 200));
    const clock = manualClock();
    try {
      const endpoint = await createWebhook(store, receiver.url);
      await createUsers(store, 't-acme', 2, clock());
      const dispatcher = webhookDispatcher({ store, clock });
      assert.equal(await dispatcher.runOnce(), 1);
      let [stream] = await store.endpoints.listStreams(endpoint.id);
      // random() = 0.5: three quarters of the 10 s exponential step.
      assert.deepEqual(
        [stream!.deliveredSeq, stream!.attempts, stream!.lastStatus, stream!.lastError, stream!.nextAttemptAt],
        [0, 1, 503, 'HTTP 503 from the endpoint', new Date(clock.ms + 7500).toISOString()],
      );
      assert.equal(await dispatcher.runOnce(), 0);
      clock.advance(7500);
      assert.equal(await dispatcher.runOnce(), 1);
      [stream] = await store.endpoints.listStreams(endpoint.id);
      assert.deepEqual([stream!.attempts, stream!.nextAttemptAt], [2, new Date(clock.ms + 15000).toISOString()]);
      clock.advance(14999);
      assert.equal(await dispatcher.runOnce(), 0);
      clock.advance(1);
      assert.equal(await dispatcher.runOnce(), 2);
      assert.deepEqual(arrivals(receiver.requests), ['acme:1', 'acme:1', 'acme:1', 'acme:2']);
      assert.deepEqual(new Set(receiver.requests.slice(0, 3).map((r) => r.headers['webhook-id'])).size, 1);
      [stream] = await store.endpoints.listStreams(endpoint.id);
      assert.deepEqual([stream!.deliveredSeq, stream!.attempts, stream!.lastError], [2, 0, null]);
    } finally {
      await receiver.close();
      await store.close();
    }
  });

  it("holds back a tenant's later events while its head fails, not other tenants'", async () => {
    const store = await openOutboxStore();
    let failed = false;
    const receiver = await startReceiver((request) => {
      if (request.json.id === 'evt_t-acme_2' && !failed) {
        failed = true;
        return 500;
      }
      return 204;
    });
    const clock = manualClock();
    try {
      await createWebhook(store, receiver.url);
      await createUsers(store, 't-acme', 3, clock());
      await createUsers(store, 't-globex', 1, clock());
      const dispatcher = webhookDispatcher({ store, clock });
      await dispatcher.runOnce();
      assert.deepEqual(arrivals(receiver.requests).sort(), ['acme:1', 'acme:2', 'globex:1']);
      clock.advance(60_000);
      await dispatcher.runOnce();
      assert.deepEqual(
        arrivals(receiver.requests).filter((r) => r.startsWith('acme')),
        ['acme:1', 'acme:2', 'acme:2', 'acme:3'],
      );
    } finally {
      await receiver.close();
      await store.close();
    }
  });

  it('dead-letters after the last attempt, moves on, and redelivers by hand', async () => {
    const store = await openOutboxStore();
    let healthy = false;
    const receiver = await startReceiver((request) => (request.json.seq === 1 && !healthy ? 500 : 204));
    const clock = manualClock();
    try {
      const endpoint = await createWebhook(store, receiver.url, { tenantId: 't-acme' });
      await createUsers(store, 't-acme', 2, clock());
      const dispatcher = webhookDispatcher({ store, clock, maxAttempts: 3 });
      // The backoff delays (7.5 s, 15 s) stay inside the retry window (30 s for 3 attempts).
      for (const wait of [7500, 15000, 0]) {
        await dispatcher.runOnce();
        clock.advance(wait);
      }
      assert.deepEqual(arrivals(receiver.requests), ['acme:1', 'acme:1', 'acme:1', 'acme:2']);
      const [dead] = await store.endpoints.listDeadLetters(endpoint.id, { limit: 10 });
      assert.deepEqual(
        [dead!.seq, dead!.attempts, dead!.state, dead!.lastStatus, dead!.lastError],
        [1, 3, 'dead', 500, 'HTTP 500 from the endpoint'],
      );
      healthy = true;
      await store.endpoints.redeliver(endpoint.id, dead!.id, clock().toISOString());
      assert.equal(await dispatcher.runOnce(), 1);
      assert.equal((await store.endpoints.getDeadLetter(endpoint.id, dead!.id))?.state, 'delivered');
      assert.deepEqual(arrivals(receiver.requests).at(-1), 'acme:1');
    } finally {
      await receiver.close();
      await store.close();
    }
  });

  it('dead-letters at the first failure an event older than the whole retry window', async () => {
    const store = await openOutboxStore();
    const receiver = await startReceiver(() => 503);
    const clock = manualClock();
    try {
      const endpoint = await createWebhook(store, receiver.url);
      await createUsers(store, 't-acme', 2, clock());
      clock.advance(31_000); // maxAttempts 3: the window is 10 s + 20 s
      await webhookDispatcher({ store, clock, maxAttempts: 3 }).runOnce();
      assert.equal(receiver.requests.length, 2);
      assert.deepEqual(
        (await store.endpoints.listDeadLetters(endpoint.id, { limit: 10 })).map((d) => [d.seq, d.attempts]).sort(),
        [
          [1, 1],
          [2, 1],
        ],
      );
    } finally {
      await receiver.close();
      await store.close();
    }
  });

  it('resumes after a process dies mid-delivery: nothing lost, at worst a duplicate', async () => {
    const file = `file:${join(dir, 'restart.db')}`;
    const first = await openOutboxStore(file);
    const receiver = await startReceiver();
    const clock = manualClock();
    try {
      const endpoint = await createWebhook(first, receiver.url);
      await createUsers(first, 't-acme', 2, clock());
      // Dies after the receiver got event 1 but before recording it: the promise never settles.
      const dying = createDispatcher({
        store: first,
        kind: 'webhook',
        clock,
        deliver: async (e, event, now) => {
          await sendWebhook(e, event, now, { allowTargets: LOCAL_RECEIVERS });
          return new Promise(() => undefined);
        },
      });
      void dying.runOnce();
      while (receiver.requests.length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
      await first.close();

      const second = await openOutboxStore(file);
      try {
        const restarted = webhookDispatcher({ store: second, clock });
        clock.advance(30_000);
        assert.equal(await restarted.runOnce(), 0, 'the dead process still holds its lease');
        clock.advance(30_001);
        assert.equal(await restarted.runOnce(), 2);
        assert.deepEqual(arrivals(receiver.requests), ['acme:1', 'acme:1', 'acme:2']);
        const [stream] = await second.endpoints.listStreams(endpoint.id);
        assert.equal(stream!.deliveredSeq, 2);
      } finally {
        await second.close();
      }
    } finally {
      await receiver.close();
    }
  });

  it('shares streams between concurrent dispatchers without delivering an event twice', async () => {
    const store = await openOutboxStore();
    const receiver = await startReceiver(async () => {
      await new Promise((resolve) => setTimeout(resolve, 2));
      return 204;
    });
    const clock = manualClock();
    try {
      await createWebhook(store, receiver.url);
      await createUsers(store, 't-acme', 4, clock());
      await createUsers(store, 't-globex', 4, clock());
      const a = webhookDispatcher({ store, clock, batchSize: 1, owner: 'a' });
      const b = webhookDispatcher({ store, clock, batchSize: 1, owner: 'b' });
      const made = await Promise.all([a.runOnce(), b.runOnce()]);
      assert.deepEqual(made, [4, 4]);
      const received = arrivals(receiver.requests);
      assert.equal(new Set(received).size, 8);
      assert.deepEqual(
        received.filter((r) => r.startsWith('globex')),
        ['globex:1', 'globex:2', 'globex:3', 'globex:4'],
      );
    } finally {
      await receiver.close();
      await store.close();
    }
  });

  it('polls in the background once started, and stops', async () => {
    const store = await openOutboxStore();
    const receiver = await startReceiver();
    try {
      await createWebhook(store, receiver.url);
      const dispatcher = webhookDispatcher({ store, pollIntervalMs: 10 });
      dispatcher.start();
      await createUsers(store, 't-acme', 2, new Date());
      while (receiver.requests.length < 2) await new Promise((resolve) => setTimeout(resolve, 5));
      await dispatcher.stop();
      assert.deepEqual(arrivals(receiver.requests), ['acme:1', 'acme:2']);
    } finally {
      await receiver.close();
      await store.close();
    }
  });
});

describePostgres('webhook dispatcher on PostgreSQL', (baseUrl) => {
  it('two processes share the streams (SKIP LOCKED) without sending an event twice', async () => {
    const schema = await createTestSchema(baseUrl);
    const first = await openOutboxStore(schema.url);
    const second = await openOutboxStore(schema.url);
    const receiver = await startReceiver(async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      return 204;
    });
    const clock = manualClock();
    try {
      await createWebhook(first, receiver.url);
      await createUsers(first, 't-acme', 5, clock());
      await createUsers(first, 't-globex', 5, clock());
      const a = webhookDispatcher({ store: first, clock, batchSize: 1, owner: 'process-a' });
      const b = webhookDispatcher({ store: second, clock, batchSize: 1, owner: 'process-b' });
      const made = await Promise.all([a.runOnce(), b.runOnce(), a.runOnce(), b.runOnce()]);
      assert.equal(
        made.reduce((x, y) => x + y, 0),
        10,
      );
      const received = arrivals(receiver.requests);
      assert.equal(new Set(received).size, 10);
      for (const slug of ['acme', 'globex']) {
        assert.deepEqual(
          received.filter((r) => r.startsWith(slug)),
          [1, 2, 3, 4, 5].map((n) => `${slug}:${n}`),
        );
      }
    } finally {
      await receiver.close();
      await first.close();
      await second.close();
      await schema.drop();
    }
  });
});
