import assert from 'node:assert/strict';
import { after, before, describe, it, mock } from 'node:test';
import { loadConfig } from '../config/config.js';
import { ConsoleClient, pageText } from '../console/test-support/console-client.js';
import { describeEachBackend } from '../store/test-support/backends.js';
import { generateAdminToken } from '../tenancy/admin-token.js';
import { type Harness, scimError, startHarness } from './test-support/harness.js';

const USERS = '/scim/v2/Users';
const admin = generateAdminToken();
const ADDRESS = '203.0.113.7';
const OTHER_ADDRESS = '198.51.100.9';

const tenantLimited = (seconds: number) =>
  scimError(
    429,
    undefined,
    `This tenant is over its limit of 3 requests per 10 s (SCIMD_TENANT_RATE_LIMIT). Retry after ${seconds} s.`,
  );
const failuresLimited = (seconds: number) =>
  scimError(429, undefined, `Too many failed authentications from this address. Retry after ${seconds} s.`);
const UNAUTHORIZED = scimError(401, undefined, 'Authentication is required: send a valid bearer token.');

describe('SCIMD_TENANT_RATE_LIMIT and SCIMD_AUTH_FAILURE_LIMIT', () => {
  it('parse <requests>/<window> and off', () => {
    const config = loadConfig({ SCIMD_TENANT_RATE_LIMIT: '100/s', SCIMD_AUTH_FAILURE_LIMIT: 'off' });
    assert.deepEqual(config.tenantRateLimit, { max: 100, windowMs: 1000 });
    assert.equal(config.authFailureLimit, null);
    assert.deepEqual(loadConfig({}).tenantRateLimit, { max: 1000, windowMs: 10_000 });
    assert.deepEqual(loadConfig({}).authFailureLimit, { max: 20, windowMs: 60_000 });
    assert.deepEqual(loadConfig({ SCIMD_AUTH_FAILURE_LIMIT: '5/2h' }).authFailureLimit, {
      max: 5,
      windowMs: 7_200_000,
    });
    assert.throws(
      () => loadConfig({ SCIMD_TENANT_RATE_LIMIT: '100' }),
      /SCIMD_TENANT_RATE_LIMIT: "100" must be off or/,
    );
    assert.throws(() => loadConfig({ SCIMD_TENANT_RATE_LIMIT: '1/25h' }), /must be off or/);
    assert.throws(() => loadConfig({ SCIMD_AUTH_FAILURE_LIMIT: '0/s' }), /must be off or/);
  });
});

describeEachBackend('rate limits', (backend) => {
  let h: Harness;
  before(async () => {
    h = await startHarness({
      backend,
      config: {
        adminTokenHash: admin.hash,
        tenantRateLimit: { max: 3, windowMs: 10_000 },
        authFailureLimit: { max: 2, windowMs: 60_000 },
      },
    });
    // The plugin's windows run on Date.now(): a mocked Date moves them without waiting. Each
    // test ends by moving past every window it opened.
    mock.timers.enable({ apis: ['Date'], now: Date.now() });
  });
  after(() => {
    mock.timers.reset();
    return h.close();
  });

  const get = (token: string, remoteAddress = ADDRESS, url = USERS) =>
    h.app.inject({ method: 'GET', url, remoteAddress, headers: { authorization: `Bearer ${token}` } });

  it('gives a tenant a burst of its limit, then 429 with Retry-After until the next token', async () => {
    for (let i = 0; i < 3; i++) assert.equal((await get(h.token)).statusCode, 200);
    // 3 per 10 s: a token every 3⅓ s. After 2.5 s, 0.75 of one is back: 0.83 s to wait.
    mock.timers.tick(2_500);
    const refused = await get(h.token);
    assert.equal(refused.statusCode, 429, refused.body);
    assert.equal(refused.headers['retry-after'], '1');
    assert.match(String(refused.headers['content-type']), /^application\/scim\+json/);
    assert.deepEqual(refused.json(), tenantLimited(1));
    // The other tenant has its own bucket, from the same address.
    assert.equal((await get(h.otherToken)).statusCode, 200);
    // Both URL forms spend the same allowance.
    assert.equal((await get(h.token, ADDRESS, '/t/acme/scim/v2/Users')).statusCode, 429);
    // One token back after 3⅓ s: one request, not a new burst.
    mock.timers.tick(1_000);
    assert.equal((await get(h.token)).statusCode, 200);
    assert.equal((await get(h.token)).statusCode, 429);
    // A full bucket after a quiet 10 s, never more.
    mock.timers.tick(30_000);
    for (let i = 0; i < 3; i++) assert.equal((await get(h.token)).statusCode, 200);
    assert.equal((await get(h.token)).statusCode, 429);
    mock.timers.tick(10_000);
  });

  it('never spends a tenant allowance on a stranger', async () => {
    for (let i = 0; i < 5; i++) assert.equal((await get('nope', `192.0.2.${i}`)).statusCode, 401);
    for (let i = 0; i < 3; i++) assert.equal((await get(h.token)).statusCode, 200);
    mock.timers.tick(10_000);
  });

  it('answers failed authentications 429 past the limit, and valid tokens from that address still 200', async () => {
    for (let i = 0; i < 2; i++) {
      const res = await get('revoked-or-wrong');
      assert.equal(res.statusCode, 401);
      assert.deepEqual(res.json(), UNAUTHORIZED);
    }
    // 2 per minute: a token every 30 s; after 15 s half of one is back.
    mock.timers.tick(15_000);
    const limited = await get('revoked-or-wrong');
    assert.equal(limited.statusCode, 429, limited.body);
    assert.equal(limited.headers['retry-after'], '15');
    assert.deepEqual(limited.json(), failuresLimited(15));
    // Another customer behind the same (Microsoft) address is not slowed down.
    const valid = await get(h.otherToken);
    assert.equal(valid.statusCode, 200, valid.body);
    assert.equal(valid.headers['retry-after'], undefined);
    // Another address still gets the plain 401.
    assert.equal((await get('revoked-or-wrong', OTHER_ADDRESS)).statusCode, 401);
    mock.timers.tick(15_000);
    assert.equal((await get('revoked-or-wrong')).statusCode, 401);
    assert.equal((await get('revoked-or-wrong')).statusCode, 429);
    mock.timers.tick(60_000);
  });

  it('counts admin API failures with SCIM ones, and valid admin tokens still pass', async () => {
    const wrongAdmin = () =>
      h.app.inject({
        method: 'GET',
        url: '/admin/v1/tenants',
        remoteAddress: ADDRESS,
        headers: { authorization: 'Bearer wrong' },
      });
    assert.equal((await wrongAdmin()).statusCode, 401);
    assert.equal((await get('wrong')).statusCode, 401);
    const limited = await wrongAdmin();
    assert.equal(limited.statusCode, 429, limited.body);
    assert.equal(limited.headers['retry-after'], '30');
    assert.deepEqual(limited.json(), {
      error: 'too_many_requests',
      detail: 'Too many failed authentications from this address; retry in 30 s.',
    });
    assert.equal((await get('wrong')).statusCode, 429);
    const valid = await h.app.inject({
      method: 'GET',
      url: '/admin/v1/tenants',
      remoteAddress: ADDRESS,
      headers: { authorization: `Bearer ${admin.token}` },
    });
    assert.equal(valid.statusCode, 200, valid.body);
    mock.timers.tick(60_000);
  });

  it('answers console sign-ins 429 past the limit, and a valid token still signs in', async () => {
    // ConsoleClient's requests come from inject's default address, 127.0.0.1.
    const client = new ConsoleClient(h.app);
    for (let i = 0; i < 2; i++) assert.equal((await client.signIn('wrong')).statusCode, 401);
    const limited = await client.signIn('wrong');
    assert.equal(limited.statusCode, 429);
    assert.equal(limited.headers['retry-after'], '30');
    assert.match(pageText(limited.body), /Too many failed sign-ins from this address\. Try again in 30 seconds\./);
    const signedIn = await client.signIn(admin.token);
    assert.equal(signedIn.statusCode, 303);
    assert.equal(signedIn.headers.location, '/console/tenants');
    mock.timers.tick(60_000);
  });
});

describeEachBackend('rate limits off', (backend) => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ backend, config: { tenantRateLimit: null, authFailureLimit: null } });
  });
  after(() => h.close());

  it('neither limits a tenant nor turns failures into 429', async () => {
    for (let i = 0; i < 30; i++) assert.equal((await h.request('GET', USERS)).statusCode, 200);
    for (let i = 0; i < 30; i++) {
      assert.equal((await h.request('GET', USERS, undefined, { authorization: 'Bearer x' })).statusCode, 401);
    }
  });
});
