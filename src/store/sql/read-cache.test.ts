import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { CREDENTIAL_CACHE_ENTRIES, createReadCache } from './read-cache.js';

/** A loader that counts its calls and answers from `rows`. */
function loader(rows: Map<string, string>) {
  const calls: string[] = [];
  const load = (key: string) => async () => {
    calls.push(key);
    return rows.get(key);
  };
  return { calls, load };
}

describe('read cache', () => {
  it('keeps what it found and asks again for what it did not', async () => {
    const rows = new Map([['a', 'A']]);
    const { calls, load } = loader(rows);
    const cache = createReadCache<string>(60_000);
    assert.equal(await cache.read('a', load('a')), 'A');
    assert.equal(await cache.read('a', load('a')), 'A');
    assert.equal(await cache.read('b', load('b')), undefined);
    rows.set('b', 'B');
    assert.equal(await cache.read('b', load('b')), 'B', 'a row that appears later is found at its first use');
    assert.deepEqual(calls, ['a', 'b', 'b']);
  });

  it('forgets everything at clear()', async () => {
    const rows = new Map([['a', 'A']]);
    const { calls, load } = loader(rows);
    const cache = createReadCache<string>(60_000);
    await cache.read('a', load('a'));
    rows.set('a', 'A2');
    cache.clear();
    assert.equal(await cache.read('a', load('a')), 'A2');
    assert.deepEqual(calls, ['a', 'a']);
  });

  it('does not keep what a read under way during clear() found', async () => {
    const cache = createReadCache<string>(60_000);
    let release: (value: string) => void = () => undefined;
    const stale = cache.read('a', () => new Promise((resolve) => (release = resolve)));
    cache.clear();
    release('old');
    assert.equal(await stale, 'old');
    assert.equal(await cache.read('a', async () => 'new'), 'new');
  });

  it('reads again once an entry has expired', async () => {
    const rows = new Map([['a', 'A']]);
    const { calls, load } = loader(rows);
    const cache = createReadCache<string>(5);
    await cache.read('a', load('a'));
    await sleep(20);
    rows.set('a', 'A2');
    assert.equal(await cache.read('a', load('a')), 'A2');
    assert.deepEqual(calls, ['a', 'a']);
  });

  it('keeps at most CREDENTIAL_CACHE_ENTRIES rows whatever the number of tokens, the oldest going first', async () => {
    const cache = createReadCache<string>(60_000);
    const keys = 25_000; // 25,000 tenants' tokens, each read twice in turn
    let loads = 0;
    const load = (key: string) => async () => {
      loads++;
      return `row of ${key}`;
    };
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < keys; i++) await cache.read(`token-${i}`, load(`token-${i}`));
      assert.equal(cache.size, CREDENTIAL_CACHE_ENTRIES);
    }
    loads = 0;
    // The newest rows are still kept; the oldest were forgotten and are read again.
    assert.equal(await cache.read(`token-${keys - 1}`, load('newest')), `row of token-${keys - 1}`);
    assert.equal(loads, 0);
    assert.equal(await cache.read('token-0', load('token-0')), 'row of token-0');
    assert.equal(loads, 1);
    assert.equal(cache.size, CREDENTIAL_CACHE_ENTRIES);
  });
});
