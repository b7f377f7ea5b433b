/**
 * Signatures checked against the Standard Webhooks reference algorithm, re-implemented
 * independently in test-support/standard-webhooks.ts (WebCrypto) from the specification: key = base64
 * decode of the secret after `whsec_`; content = `${id}.${timestamp}.${body}`; signature =
 * `v1,` + base64(HMAC-SHA256); the header is a space-separated list.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  activeSecrets,
  generateSigningSecret,
  SECRET_PREFIX,
  signMessage,
  verifyWebhook,
  webhookHeaders,
} from './signing.js';
import { referenceSignature as referenceSign, referenceVerify } from './test-support/standard-webhooks.js';

const VECTOR = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: 1614265330,
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};

describe('Standard Webhooks signing', () => {
  it('reproduces the published test vector, as does the reference implementation', async () => {
    assert.equal(signMessage(VECTOR.secret, VECTOR.id, VECTOR.timestamp, VECTOR.body), VECTOR.signature);
    assert.equal(
      await referenceSign(VECTOR.secret, VECTOR.id, String(VECTOR.timestamp), VECTOR.body),
      VECTOR.signature,
    );
  });

  it('generates whsec_ secrets of 32 random bytes', () => {
    const a = generateSigningSecret();
    assert.ok(a.startsWith(SECRET_PREFIX));
    assert.equal(Buffer.from(a.slice(SECRET_PREFIX.length), 'base64').length, 32);
    assert.notEqual(a, generateSigningSecret());
  });

  it('signs with every active secret during a rotation; the reference verifier accepts either', async () => {
    const oldSecret = generateSigningSecret();
    const newSecret = generateSigningSecret();
    const now = new Date('2026-01-15T10:00:00.500Z');
    const body = JSON.stringify({ id: 'evt_1', type: 'user.created', data: { note: 'é ✓' } });
    const headers = webhookHeaders([newSecret, oldSecret], 'evt_1', now, body);
    assert.equal(headers['webhook-id'], 'evt_1');
    assert.equal(headers['webhook-timestamp'], '1768471200');
    assert.equal(headers['webhook-signature'].split(' ').length, 2);
    assert.equal(await referenceVerify(newSecret, headers, body), true);
    assert.equal(await referenceVerify(oldSecret, headers, body), true);
    assert.equal(await referenceVerify(generateSigningSecret(), headers, body), false);
    assert.equal(await referenceVerify(newSecret, headers, `${body} `), false);
    assert.equal(verifyWebhook(oldSecret, headers, body, now), true);
  });

  it('uses the secrets that have not expired, newest first', () => {
    const secrets = [
      { secret: 'whsec_old', created: '2026-01-01T00:00:00.000Z', expiresAt: '2026-01-10T00:00:00.000Z' },
      { secret: 'whsec_new', created: '2026-01-09T00:00:00.000Z', expiresAt: null },
    ];
    assert.deepEqual(activeSecrets(secrets, new Date('2026-01-09T12:00:00.000Z')), ['whsec_new', 'whsec_old']);
    assert.deepEqual(activeSecrets(secrets, new Date('2026-01-10T00:00:00.000Z')), ['whsec_new']);
  });

  it('verifyWebhook refuses stale timestamps, wrong secrets and missing headers', () => {
    const secret = generateSigningSecret();
    const now = new Date('2026-01-15T10:00:00.000Z');
    const headers = webhookHeaders([secret], 'evt_2', now, '{}');
    assert.equal(verifyWebhook(secret, headers, '{}', new Date(now.getTime() + 299_000)), true);
    assert.equal(verifyWebhook(secret, headers, '{}', new Date(now.getTime() + 301_000)), false);
    assert.equal(verifyWebhook(generateSigningSecret(), headers, '{}', now), false);
    assert.equal(verifyWebhook(secret, { ...headers, 'webhook-signature': undefined }, '{}', now), false);
    assert.equal(verifyWebhook(secret, { ...headers, 'webhook-signature': 'v1,AAAA' }, '{}', now), false);
  });
});
