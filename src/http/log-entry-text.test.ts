import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ignoredAttributesOf, resourceIdOf, storable, storableOrNull } from './log-entry-text.js';

describe('log entry text (#12.1, #12.8)', () => {
  it('escapes NUL and replaces lone surrogates, and leaves other text as it is', () => {
    assert.equal(storable('a\u0000b'), 'a\\u0000b');
    assert.equal(storable('x\ud800y\udc00'), 'x\ufffdy\ufffd');
    assert.equal(storable('😀 straße \\u0000'), '😀 straße \\u0000');
    assert.equal(storableOrNull(null, 10), null);
    assert.equal(storableOrNull('\u0000'.repeat(10), 12), '\\u0000\\u0000…[truncated 48 bytes]');
  });

  it('keeps ids but not tokens, and bounds the ignored attribute names', () => {
    assert.equal(resourceIdOf('e9948ee5-403b-4797-9311-d0046b93b3fd'), 'e9948ee5-403b-4797-9311-d0046b93b3fd');
    assert.equal(resourceIdOf(`scimd_${'A1b2'.repeat(10)}`), '[redacted]');
    assert.equal(resourceIdOf('\u0000'), '\\u0000');
    assert.deepEqual(ignoredAttributesOf(undefined), []);
    const many = new Set(Array.from({ length: 150 }, (_, i) => `a${String(i).padStart(3, '0')}${'x'.repeat(300)}`));
    const kept = ignoredAttributesOf(many);
    assert.equal(kept.length, 100);
    assert.match(kept[0]!, /^a000x+…\[truncated \d+ bytes\]$/);
  });
});
