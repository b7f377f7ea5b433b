import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { powerOfTwoChunks } from './health.js';

describe('powerOfTwoChunks', () => {
  it('splits rows in order into powers of two of at most 64', () => {
    const sizes = (n: number) => powerOfTwoChunks(Array.from({ length: n }, (_, i) => i)).map((c) => c.length);
    assert.deepEqual(sizes(0), []);
    assert.deepEqual(sizes(1), [1]);
    assert.deepEqual(sizes(100), [64, 32, 4]);
    assert.deepEqual(sizes(200), [64, 64, 64, 8]);
    assert.deepEqual(sizes(127), [64, 32, 16, 8, 4, 2, 1]);
    assert.deepEqual(powerOfTwoChunks([1, 2, 3, 4, 5]).flat(), [1, 2, 3, 4, 5]);
  });
});
