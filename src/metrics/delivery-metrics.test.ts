import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createDispatcher } from '../events/dispatcher.js';
import { createUsers, createWebhook, manualClock, openOutboxStore } from '../events/test-support/outbox.js';
import { createMetrics } from './scimd-metrics.js';

describe('delivery metrics', () => {
  it('counts attempts by outcome, dead letters, and the change feed lag of delivered events', async () => {
    const store = await openOutboxStore();
    const clock = manualClock();
    const metrics = createMetrics({ identityProviderOf: () => null, processMetrics: false });
    try {
      await createWebhook(store, 'https://receiver.example.com/hook');
      await createUsers(store, 't-acme', 2, clock());
      await createUsers(store, 't-globex', 1, clock());
      clock.advance(2000);
      const dispatcher = createDispatcher({
        store,
        kind: 'webhook',
        // acme's receiver answers, globex's fails: with one attempt allowed, a dead letter.
        deliver: async (_endpoint, event) =>
          event.tenant.slug === 'acme'
            ? { ok: true, status: 204, error: null }
            : { ok: false, status: 503, error: 'HTTP 503' },
        maxAttempts: 1,
        clock,
        observer: metrics.deliveries,
      });
      assert.equal(await dispatcher.runOnce(), 3);
      const text = await metrics.exposition();
      const lines = text.split('\n').filter((l) => l.startsWith('scimd_webhook_') && !l.includes('_bucket'));
      assert.deepEqual(lines.sort(), [
        'scimd_webhook_dead_letters_total{kind="webhook"} 1',
        'scimd_webhook_delivery_attempts_total{kind="webhook",outcome="delivered"} 2',
        'scimd_webhook_delivery_attempts_total{kind="webhook",outcome="failed"} 1',
        'scimd_webhook_delivery_lag_seconds_count{kind="webhook"} 2',
        'scimd_webhook_delivery_lag_seconds_sum{kind="webhook"} 4',
      ]);
    } finally {
      await store.close();
    }
  });
});
