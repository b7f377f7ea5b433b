import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startEventServices } from './event-services.js';
import { createUsers, createWebhook, openOutboxStore } from './test-support/outbox.js';
import { startReceiver } from './test-support/receiver.js';

const quiet = { warn: () => undefined, error: () => undefined };

describe('startEventServices', () => {
  it('delivers webhooks in the background, prunes on start, and stops cleanly', async () => {
    const store = await openOutboxStore();
    const receiver = await startReceiver();
    try {
      await createWebhook(store, receiver.url);
      const settings = {
        eventRetentionMs: 86_400_000,
        webhookMaxAttempts: 3,
        webhookAllowTargets: ['127.0.0.1'],
        logRetentionMs: 86_400_000,
        logMaxEntries: 100,
        pollIntervalMs: 10,
      };
      const services = startEventServices(store, settings, quiet);
      await createUsers(store, 't-acme', 2, new Date());
      while (receiver.requests.length < 2) await new Promise((resolve) => setTimeout(resolve, 5));
      await services.stop();
      assert.deepEqual(
        receiver.requests.map((r) => r.json.id),
        ['evt_t-acme_1', 'evt_t-acme_2'],
      );
      await createUsers(store, 't-acme', 1, new Date());
      await new Promise((resolve) => setTimeout(resolve, 50));
      assert.equal(receiver.requests.length, 2, 'nothing is delivered once stopped');
    } finally {
      await receiver.close();
      await store.close();
    }
  });
});
