/**
 * `scimd_history_backlog_writes`: the writes whose access history waits for the projector
 * (docs/history.md), read from the store at each scrape.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openStore } from '../store/open.js';
import { createMetrics } from './scimd-metrics.js';

const backlogLines = async (metrics: ReturnType<typeof createMetrics>) =>
  (await metrics.exposition()).split('\n').filter((l) => l.startsWith('scimd_history_backlog_writes'));

describe('history backlog metric', () => {
  it('reports what the store reads at each scrape', async () => {
    const metrics = createMetrics({ identityProviderOf: () => null, processMetrics: false });
    let writes = 12;
    metrics.store.historyBacklog?.(async () => writes);
    assert.deepEqual(await backlogLines(metrics), ['scimd_history_backlog_writes 12']);
    writes = 0;
    assert.deepEqual(await backlogLines(metrics), ['scimd_history_backlog_writes 0']);
  });

  it('leaves the figure out of a scrape whose query fails, and shows it again after', async () => {
    const metrics = createMetrics({ identityProviderOf: () => null, processMetrics: false });
    let down = false;
    metrics.store.historyBacklog?.(() => (down ? Promise.reject(new Error('database down')) : Promise.resolve(3)));
    assert.deepEqual(await backlogLines(metrics), ['scimd_history_backlog_writes 3']);
    down = true;
    assert.deepEqual(await backlogLines(metrics), []);
    down = false;
    assert.deepEqual(await backlogLines(metrics), ['scimd_history_backlog_writes 3']);
  });

  it('is handed the store’s query when the store opens', async () => {
    const metrics = createMetrics({ identityProviderOf: () => null, processMetrics: false });
    const store = await openStore('sqlite::memory:', { observer: metrics.store });
    try {
      assert.deepEqual(await backlogLines(metrics), ['scimd_history_backlog_writes 0']);
    } finally {
      await store.close();
    }
  });
});
