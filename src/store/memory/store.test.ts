import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { runStoreContract } from '../store.contract.js';
import { createMemoryStore } from './store.js';

runStoreContract('memory', async () => createMemoryStore());

describe('memory store', () => {
  it('declares itself neither durable nor shared', () => {
    assert.deepEqual(createMemoryStore().capabilities, { sharedAcrossProcesses: false, durable: false });
  });

  it('fails ping once closed', async () => {
    const store = createMemoryStore();
    await store.ping();
    await store.close();
    await assert.rejects(store.ping(), /closed/);
  });
});
