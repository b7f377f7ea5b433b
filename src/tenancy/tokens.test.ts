import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { EXPIRES_IN_FORM, expiryFrom, parseExpiresIn } from './expires-in.js';
import { generateToken, hashToken, looksLikeToken, TOKEN_PREFIX, tokenHint } from './tokens.js';

describe('generateToken', () => {
  it('has the prefix, 43 base62 characters and a matching hash and hint', () => {
    const { token, hash, hint } = generateToken();
    assert.match(token, /^scimd_[0-9A-Za-z]{43}$/);
    assert.equal(token.length, 49);
    assert.equal(hash, createHash('sha256').update(token).digest('hex'));
    assert.equal(hint, `scimd_…${token.slice(-4)}`);
    assert.ok(looksLikeToken(token));
  });

  it('never repeats and uses the whole alphabet (entropy smoke test)', () => {
    const tokens = Array.from({ length: 500 }, () => generateToken().token);
    assert.equal(new Set(tokens).size, 500);
    const secrets = tokens.map((t) => t.slice(TOKEN_PREFIX.length)).join('');
    const distinct = new Set(secrets);
    assert.equal(distinct.size, 62);
    // 500 × 43 characters: each of 62 symbols expected ~347 times; a biased encoder skews this.
    const counts = [...distinct].map((c) => secrets.split(c).length - 1);
    assert.ok(Math.min(...counts) > 200, `min count ${Math.min(...counts)}`);
    assert.ok(Math.max(...counts) < 500, `max count ${Math.max(...counts)}`);
  });
});

describe('hashToken', () => {
  it('is the stable lower-case hex SHA-256 of the whole token', () => {
    assert.equal(hashToken('scimd_abc'), createHash('sha256').update('scimd_abc').digest('hex'));
    assert.equal(hashToken('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    assert.equal(hashToken('x'), hashToken('x'));
    assert.notEqual(hashToken('scimd_a'), hashToken('scimd_b'));
  });
});

describe('tokenHint', () => {
  it('shows the prefix and the last four characters', () => {
    assert.equal(tokenHint(`scimd_${'0'.repeat(39)}a1b2`), 'scimd_…a1b2');
  });
});

describe('looksLikeToken', () => {
  const good = `scimd_${'Ab9'.repeat(14)}z`;
  it('accepts exactly the token shape', () => {
    assert.equal(good.length, 49);
    assert.ok(looksLikeToken(good));
  });

  it('rejects wrong prefix, length or alphabet', () => {
    for (const bad of [
      '',
      good.slice(0, -1),
      `${good}a`,
      good.replace('scimd_', 'scimx_'),
      good.replace('scimd_', 'SCIMD_'),
      good.replace('scimd_', ''),
      `${good.slice(0, -1)}-`,
      `${good.slice(0, -1)}_`,
      `${good.slice(0, -1)}=`,
      ` ${good}`,
      `${good}\n`,
      `Bearer ${good}`,
    ]) {
      assert.equal(looksLikeToken(bad), false, JSON.stringify(bad));
    }
  });

  it('accepts every generated token and rejects arbitrary strings', () => {
    fc.assert(fc.property(fc.string(), (s) => looksLikeToken(s) === /^scimd_[0-9A-Za-z]{43}$/.test(s)));
  });
});

describe('parseExpiresIn', () => {
  it('parses each unit', () => {
    assert.deepEqual(parseExpiresIn('30m'), { ok: true, ms: 30 * 60_000 });
    assert.deepEqual(parseExpiresIn('12h'), { ok: true, ms: 12 * 3_600_000 });
    assert.deepEqual(parseExpiresIn('90d'), { ok: true, ms: 90 * 86_400_000 });
    assert.deepEqual(parseExpiresIn('2w'), { ok: true, ms: 14 * 86_400_000 });
    assert.deepEqual(parseExpiresIn(' 1Y '), { ok: true, ms: 365 * 86_400_000 });
    assert.deepEqual(parseExpiresIn('100y'), { ok: true, ms: 36500 * 86_400_000 });
    assert.deepEqual(parseExpiresIn('never'), { ok: true, ms: null });
    assert.deepEqual(parseExpiresIn('NEVER'), { ok: true, ms: null });
  });

  it('rejects anything else with the accepted form', () => {
    for (const bad of ['', '0d', '90', 'd', '1.5d', '-1d', '90 days', '10s', '1dd', '01d']) {
      assert.deepEqual(
        parseExpiresIn(bad),
        { ok: false, message: `invalid expiry ${JSON.stringify(bad)}: use ${EXPIRES_IN_FORM}` },
        bad,
      );
    }
    assert.deepEqual(parseExpiresIn('101y'), { ok: false, message: 'invalid expiry "101y": at most 100y, or never' });
  });

  it('computes the expiry timestamp', () => {
    const now = new Date('2024-01-01T00:00:00.000Z');
    assert.equal(expiryFrom(now, 86_400_000), '2024-01-02T00:00:00.000Z');
    assert.equal(expiryFrom(now, null), null);
  });
});
