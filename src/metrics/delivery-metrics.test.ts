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

  const backlogLines = async (metrics: ReturnType<typeof createMetrics>) =>
    (await metrics.exposition()).split('\n').filter((l) => l.startsWith('scimd_webhook_backlog_'));

  it('reports the backlog at each scrape: events not yet delivered and the streams they wait in', async () => {
    const metrics = createMetrics({ identityProviderOf: () => null, processMetrics: false });
    // openStore hands the backlog query to its observer, as it does the pool.
    const store = await openOutboxStore('sqlite::memory:', { observer: metrics.store });
    const clock = manualClock();
    try {
      await createWebhook(store, 'https://receiver.example.com/hook');
      await createUsers(store, 't-acme', 3, clock());
      assert.deepEqual(await backlogLines(metrics), [
        'scimd_webhook_backlog_events{kind="webhook"} 3',
        'scimd_webhook_backlog_events{kind="consumer"} 0',
        'scimd_webhook_backlog_streams{kind="webhook"} 1',
        'scimd_webhook_backlog_streams{kind="consumer"} 0',
      ]);
      const dispatcher = createDispatcher({
        store,
        kind: 'webhook',
        deliver: async () => ({ ok: true, status: 204, error: null }),
        clock,
      });
      await dispatcher.runOnce();
      assert.deepEqual(await backlogLines(metrics), [
        'scimd_webhook_backlog_events{kind="webhook"} 0',
        'scimd_webhook_backlog_events{kind="consumer"} 0',
        'scimd_webhook_backlog_streams{kind="webhook"} 0',
        'scimd_webhook_backlog_streams{kind="consumer"} 0',
      ]);
    } finally {
      await store.close();
    }
  });

  it('leaves the backlog out of a scrape whose query fails, and reads it once per scrape', async () => {
    const metrics = createMetrics({ identityProviderOf: () => null, processMetrics: false });
    let reads = 0;
    let fail = true;
    metrics.store.backlog?.(async () => {
      reads++;
      if (fail) throw new Error('database unavailable');
      return [{ kind: 'consumer', events: 7, streams: 2 }];
    });
    assert.deepEqual(await backlogLines(metrics), []);
    fail = false;
    assert.deepEqual(await backlogLines(metrics), [
      'scimd_webhook_backlog_events{kind="webhook"} 0',
      'scimd_webhook_backlog_events{kind="consumer"} 7',
      'scimd_webhook_backlog_streams{kind="webhook"} 0',
      'scimd_webhook_backlog_streams{kind="consumer"} 2',
    ]);
    assert.equal(reads, 2);
  });
});
