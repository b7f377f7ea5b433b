import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { describeEachBackend } from '../store/test-support/backends.js';
import { createTenant, issueToken, revokeToken, setTenantStatus } from '../tenancy/tenants.js';
import { type Harness, NOW, scimError, startHarness } from './test-support/harness.js';

const PROBE = '/scim/v2/Users?filter=userName%20eq%20%226b7a1b2c-0f3e-4e2a-9c51-7d1f0b8e4a11%22';
const UNAUTHORIZED = scimError(401, undefined, 'Authentication is required: send a valid bearer token.');

describeEachBackend('authentication', (backend) => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ backend });
  });
  after(() => h.close());

  async function expect401(headers: Record<string, string>, url = PROBE) {
    const res = await h.request('GET', url, undefined, headers);
    assert.equal(res.statusCode, 401, res.body);
    assert.equal(res.headers['www-authenticate'], 'Bearer realm="scimd"');
    assert.match(String(res.headers['content-type']), /^application\/scim\+json/);
    assert.deepEqual(res.json(), UNAUTHORIZED);
  }

  it('accepts the tenant token on both URL forms (Entra Test Connection)', async () => {
    for (const url of [PROBE, PROBE.replace('/scim/v2', '/t/acme/scim/v2')]) {
      const res = await h.request('GET', url);
      assert.equal(res.statusCode, 200);
      assert.deepEqual(res.json(), {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'],
        totalResults: 0,
        startIndex: 1,
        itemsPerPage: 0,
        Resources: [],
      });
    }
  });

  it('accepts the scheme in any case', async () => {
    const res = await h.request('GET', PROBE, undefined, { authorization: `bEaReR ${h.token}` });
    assert.equal(res.statusCode, 200);
  });

  it('rejects a missing, empty, malformed or unknown token with the same 401', async () => {
    await expect401({ authorization: '' });
    await expect401({ authorization: 'Bearer' });
    await expect401({ authorization: 'Basic dXNlcjpwYXNz' });
    await expect401({ authorization: 'Bearer not-a-token' });
    await expect401({ authorization: `Bearer ${h.token.slice(0, -1)}${h.token.endsWith('A') ? 'B' : 'A'}` });
    const res = await h.app.inject({ method: 'GET', url: PROBE });
    assert.equal(res.statusCode, 401);
    assert.deepEqual(res.json(), UNAUTHORIZED);
  });

  it("rejects another tenant's token on /t/<slug>/, and an unknown slug, without telling them apart", async () => {
    await expect401({ authorization: `Bearer ${h.otherToken}` }, PROBE.replace('/scim/v2', '/t/acme/scim/v2'));
    await expect401({ authorization: `Bearer ${h.token}` }, PROBE.replace('/scim/v2', '/t/nobody/scim/v2'));
  });

  it('authenticates before parsing the body: a stranger gets 401, not 400', async () => {
    const res = await h.request('POST', '/scim/v2/Users', '{not json', { authorization: 'Bearer nope' });
    assert.equal(res.statusCode, 401);
  });

  it('rejects revoked and expired tokens and tokens of a disabled tenant', async () => {
    await createTenant(h.store, { slug: 'initech' }, NOW);
    const revoked = await issueToken(h.store, 'initech', {}, NOW);
    await revokeToken(h.store, 'initech', revoked.record.id, NOW);
    await expect401({ authorization: `Bearer ${revoked.token}` });

    const expired = await issueToken(h.store, 'initech', { expiresIn: '30m' }, new Date('2020-01-01T00:00:00Z'));
    await expect401({ authorization: `Bearer ${expired.token}` });

    const live = await issueToken(h.store, 'initech', {}, NOW);
    assert.equal((await h.request('GET', PROBE, undefined, { authorization: `Bearer ${live.token}` })).statusCode, 200);
    await setTenantStatus(h.store, 'initech', 'disabled');
    await expect401({ authorization: `Bearer ${live.token}` });
  });

  it('keeps several tokens of one tenant valid at once (rotation without downtime)', async () => {
    const second = await issueToken(h.store, 'acme', { label: 'rotation' }, NOW);
    assert.equal((await h.request('GET', PROBE)).statusCode, 200);
    assert.equal(
      (await h.request('GET', PROBE, undefined, { authorization: `Bearer ${second.token}` })).statusCode,
      200,
    );
  });
});

describeEachBackend('logs never contain the token', (backend) => {
  it('redacts the Authorization header even at trace level', async () => {
    const lines: string[] = [];
    const stream = { write: (line: string) => lines.push(line) };
    const h = await startHarness({ backend, logger: { level: 'trace', stream } });
    try {
      await h.request('GET', PROBE);
      await h.request('GET', PROBE, undefined, {
        authorization: 'Bearer scimd_wrongwrongwrongwrongwrongwrongwrongwrongwro',
      });
      const text = lines.join('\n');
      assert.ok(lines.length > 0, 'expected log lines');
      assert.ok(!text.includes(h.token), 'token leaked into logs');
      assert.ok(!text.includes('scimd_wrongwrong'), 'presented token leaked into logs');
      assert.match(text, /authentication failed/);
    } finally {
      await h.close();
    }
  });
});
