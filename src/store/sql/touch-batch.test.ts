/** Token uses written in batches (touch-batch.ts): the bound, failures, and closing the store. */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { openStore } from '../open.js';
import { at, tenantRecord, tokenRecord } from '../test-support/fixtures.js';
import { createTouchBatch, type DueTouch } from './touch-batch.js';

const due = (id: string, seconds = 100): DueTouch => ({ id, at: at(seconds), stale: at(seconds - 60) });

describe('touch batch', () => {
  it('writes at once when MAX pending uses wait, so no batch ever holds more', async () => {
    const batches: string[][] = [];
    const batch = createTouchBatch({
      write: async (touches) => void batches.push(touches.map((t) => t.id)),
      written: () => undefined,
      delayMs: 60_000,
      maxPending: 3,
    });
    for (const id of ['a', 'b', 'c', 'd', 'e', 'f', 'g']) batch.add(due(id));
    await batch.flush();
    assert.deepEqual(batches, [['a', 'b', 'c'], ['d', 'e', 'f'], ['g']]);
  });

  it('keeps the first use of a token already waiting, and reports what was written', async () => {
    const written: DueTouch[] = [];
    const batch = createTouchBatch({ write: async () => undefined, written: (t) => void written.push(...t) });
    batch.add(due('a', 100));
    batch.add(due('a', 130));
    assert.equal(batch.has('a'), true);
    await batch.flush();
    assert.equal(batch.has('a'), false);
    assert.deepEqual(written, [due('a', 100)]);
  });

  it('throws a failed batch at the next use, once, still queueing that use', async () => {
    let fail = true;
    const writes: string[][] = [];
    const written: string[] = [];
    const batch = createTouchBatch({
      write: async (touches) => {
        writes.push(touches.map((t) => t.id));
        if (fail) throw new Error('disk full');
      },
      written: (t) => void written.push(...t.map((x) => x.id)),
    });
    batch.add(due('a'));
    await batch.flush();
    assert.deepEqual(written, [], 'a failed batch is not reported as written');
    fail = false;
    assert.throws(() => batch.add(due('b')), /disk full/);
    batch.add(due('c'));
    await batch.flush();
    assert.deepEqual(writes, [['a'], ['b', 'c']]);
    assert.deepEqual(written, ['b', 'c']);
  });
});

describe('touch batch in the SQL store', () => {
  const directory = mkdtempSync(join(tmpdir(), 'scimd-touch-batch-'));
  after(() => rmSync(directory, { recursive: true, force: true }));

  it('writes the uses still waiting when the store closes', async () => {
    const url = `file:${join(directory, 'close.db')}`;
    const first = await openStore(url);
    await first.tenants.create(tenantRecord('t1'));
    await first.tokens.insert(tokenRecord('k1', 't1'));
    await first.tokens.touch('k1', at(100));
    await first.close();
    const second = await openStore(url);
    try {
      assert.equal((await second.tokens.listForTenant('t1'))[0]?.lastUsedAt, at(100));
    } finally {
      await second.close();
    }
  });
});
