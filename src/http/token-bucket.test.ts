import assert from 'node:assert/strict';
import { afterEach, beforeEach, describe, it, mock } from 'node:test';
import { type BucketVerdict, TokenBucketStore } from './token-bucket.js';

const take = (store: TokenBucketStore, key: string, max = 10, windowMs = 1000): BucketVerdict => {
  let verdict: BucketVerdict | undefined;
  store.incr(
    key,
    (error, result) => {
      assert.equal(error, null);
      verdict = result;
    },
    windowMs,
    max,
  );
  assert.ok(verdict, 'the store answers synchronously');
  return verdict;
};
const refused = (verdict: BucketVerdict, max = 10) => verdict.current > max;

describe('TokenBucketStore', () => {
  beforeEach(() => mock.timers.enable({ apis: ['Date'], now: 1_000_000 }));
  afterEach(() => mock.timers.reset());

  it('admits a full bucket as a burst, then refuses until a token refills', () => {
    const store = new TokenBucketStore();
    for (let i = 1; i <= 10; i++) assert.equal(take(store, 'a').current, i);
    const verdict = take(store, 'a');
    assert.ok(refused(verdict));
    // 10 per 1000 ms: one token every 100 ms.
    assert.equal(verdict.ttl, 100);
    mock.timers.tick(99);
    assert.ok(refused(take(store, 'a')));
    mock.timers.tick(1);
    assert.ok(!refused(take(store, 'a')));
    assert.ok(refused(take(store, 'a')));
  });

  it('refills at the steady rate and never past the bucket', () => {
    const store = new TokenBucketStore();
    for (let i = 0; i < 10; i++) take(store, 'a');
    mock.timers.tick(350);
    // 3.5 tokens came back: three requests pass, the fourth waits 50 ms for the half token.
    for (let i = 0; i < 3; i++) assert.ok(!refused(take(store, 'a')));
    const verdict = take(store, 'a');
    assert.ok(refused(verdict));
    assert.equal(verdict.ttl, 50);
    mock.timers.tick(60_000);
    for (let i = 0; i < 10; i++) assert.ok(!refused(take(store, 'a')), `request ${i + 1} after a long pause`);
    assert.ok(refused(take(store, 'a')));
  });

  it('refills a whole bucket exactly, whatever the rate (no floating-point shortfall)', () => {
    const store = new TokenBucketStore();
    // 3 per 10 s is 0.0003 tokens/ms, and 10,000 × 0.0003 is 2.9999… in floating point.
    for (let i = 0; i < 3; i++) assert.ok(!refused(take(store, 'a', 3, 10_000), 3));
    mock.timers.tick(10_000);
    for (let i = 0; i < 3; i++) assert.ok(!refused(take(store, 'a', 3, 10_000), 3), `request ${i + 1}`);
    assert.ok(refused(take(store, 'a', 3, 10_000), 3));
  });

  it('never admits twice the limit across a window boundary, unlike a fixed window', () => {
    const store = new TokenBucketStore();
    mock.timers.tick(900);
    let admitted = 0;
    for (let i = 0; i < 10; i++) if (!refused(take(store, 'a'))) admitted++;
    mock.timers.tick(200);
    for (let i = 0; i < 10; i++) if (!refused(take(store, 'a'))) admitted++;
    // 10 from the full bucket and 2 refilled in the 200 ms, where a window reset would allow 20.
    assert.equal(admitted, 12);
  });

  it('keeps each key apart, and a refused request takes no token', () => {
    const store = new TokenBucketStore();
    for (let i = 0; i < 10; i++) take(store, 'a');
    for (let i = 0; i < 5; i++) assert.ok(refused(take(store, 'a')));
    assert.equal(take(store, 'b').current, 1);
    mock.timers.tick(100);
    assert.ok(!refused(take(store, 'a')), 'the refusals did not dig the bucket below empty');
  });

  it('neither refills nor drains when the clock steps back', () => {
    const store = new TokenBucketStore();
    for (let i = 0; i < 10; i++) take(store, 'a');
    mock.timers.setTime(1_000_000 - 5000);
    assert.ok(refused(take(store, 'a')));
    mock.timers.tick(100);
    assert.ok(!refused(take(store, 'a')));
  });

  it('holds at most `cache` keys, forgetting the least recently used (which restarts full)', () => {
    const store = new TokenBucketStore().child({ cache: 1000 });
    for (let i = 0; i < 10; i++) take(store, 'busy');
    for (let tenant = 0; tenant < 10_000; tenant++) {
      take(store, `tenant-${tenant}`);
      if (tenant % 500 === 0) assert.ok(refused(take(store, 'busy')), 'a busy key in use is kept');
    }
    assert.equal(store.size, 1000);
    assert.equal(take(store, 'tenant-0').current, 1, 'a forgotten key starts with a full bucket');
  });
});
