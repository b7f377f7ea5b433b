import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, it } from 'node:test';
import { generateAdminToken, hashAdminToken, verifyAdminToken } from './admin-token.js';
import { looksLikeToken } from './tokens.js';

describe('admin token', () => {
  it('is scimd_admin_ plus 43 base62 characters, with its SHA-256 and the environment line', () => {
    const { token, hash, environmentLine } = generateAdminToken();
    assert.match(token, /^scimd_admin_[0-9A-Za-z]{43}$/);
    assert.equal(hash, createHash('sha256').update(token).digest('hex'));
    assert.equal(environmentLine, `SCIMD_ADMIN_TOKEN_HASH=sha256:${hash}`);
    assert.notEqual(generateAdminToken().token, token);
  });

  it('never looks like a tenant token, so SCIM endpoints reject it before any lookup', () => {
    assert.equal(looksLikeToken(generateAdminToken().token), false);
  });

  it('verifies only the token whose hash is configured', () => {
    const { token, hash } = generateAdminToken();
    assert.equal(verifyAdminToken(token, hash), true);
    assert.equal(verifyAdminToken(`${token}x`, hash), false);
    assert.equal(verifyAdminToken(generateAdminToken().token, hash), false);
    assert.equal(verifyAdminToken(undefined, hash), false);
    assert.equal(verifyAdminToken('', hash), false);
    assert.equal(verifyAdminToken(token, hash.slice(2)), false, 'a short configured hash never matches');
    assert.equal(verifyAdminToken(token, 'not hex'), false);
    assert.equal(hashAdminToken('abc'), 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});
