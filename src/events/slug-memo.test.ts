import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createSlugMemo, SLUG_MEMO_ENTRIES } from './slug-memo.js';

describe('the dispatcher slug memo', () => {
  it('reads a tenant once while it is remembered', async () => {
    const reads: string[] = [];
    const memo = createSlugMemo(async (id) => {
      reads.push(id);
      return `slug-${id}`;
    });
    assert.equal(await memo.slugOf('t1'), 'slug-t1');
    assert.equal(await memo.slugOf('t1'), 'slug-t1');
    assert.deepEqual(reads, ['t1']);
  });

  it('names a tenant that is gone by its id', async () => {
    const memo = createSlugMemo(async () => undefined);
    assert.equal(await memo.slugOf('0b7c'), '0b7c');
  });

  it(`never holds more than ${SLUG_MEMO_ENTRIES.toLocaleString('en-US')} slugs, whatever the number of tenants`, async () => {
    let reads = 0;
    const memo = createSlugMemo(async (id) => {
      reads++;
      return `slug-${id}`;
    });
    for (let i = 0; i < 25_000; i++) {
      assert.equal(await memo.slugOf(`tenant-${i}`), `slug-tenant-${i}`);
      assert.ok(memo.size <= SLUG_MEMO_ENTRIES, `${memo.size} slugs held after ${i + 1} tenants`);
    }
    assert.equal(reads, 25_000);
    // The tenants delivering now are remembered again after the memo was emptied.
    await memo.slugOf('tenant-24999');
    assert.equal(reads, 25_000);
  });
});
