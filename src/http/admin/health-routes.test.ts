/** Tenant health over the admin API: real SCIM traffic, rolled up as it is logged, read back. */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { TenantHealthDetail } from '../../health/read-health.js';
import { describeEachBackend } from '../../store/test-support/backends.js';
import { generateAdminToken } from '../../tenancy/admin-token.js';
import { type Harness, startHarness } from '../test-support/harness.js';

const admin = generateAdminToken();
const auth = { authorization: `Bearer ${admin.token}` };
const ENTRA = { 'user-agent': 'Azure AD SCIM provisioning' };
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';

describeEachBackend('admin API: tenant health (#16.2)', (backend) => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ backend, config: { adminTokenHash: admin.hash } });
    // 19 creations and one clash: 1 failure in 20 requests, exactly the 5 % of `degraded`.
    for (let i = 0; i < 19; i++) {
      const body = { schemas: [USER], userName: `user${i}@contoso.com`, ...(i < 3 ? { favoriteColor: 'blue' } : {}) };
      const res = await h.request('POST', '/t/acme/scim/v2/Users', body, ENTRA);
      assert.equal(res.statusCode, 201);
    }
    const clash = await h.request(
      'POST',
      '/t/acme/scim/v2/Users',
      { schemas: [USER], userName: 'user0@contoso.com' },
      ENTRA,
    );
    assert.equal(clash.statusCode, 409);
    // The log is written in batches: wait until the rollup has every request.
    for (let tries = 0; tries < 100; tries++) {
      const buckets = await h.store.health.buckets('1970-01-01T00:00:00.000Z');
      if (buckets.reduce((n, b) => n + b.requests, 0) >= 20) break;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  });
  after(() => h.close());

  it("GET /tenants/{slug}/health details one tenant's state, windows, IdPs and undeclared attributes", async () => {
    const res = await h.request('GET', '/admin/v1/tenants/acme/health', undefined, auth);
    assert.equal(res.statusCode, 200);
    const body = res.json<TenantHealthDetail>();
    assert.equal(body.state, 'degraded');
    assert.deepEqual(body.tenant.slug, 'acme');
    assert.match(
      body.cause,
      /^1 of 20 requests \(5 %\) failed in the last 24 hours; the most: 1 requests answered 409/,
    );
    assert.match(body.fix, /scimd log acme --status 409/);
    assert.equal(body.windows['24h'].requests, 20);
    assert.equal(body.windows['24h'].causes.conflict, 1);
    assert.deepEqual(
      body.idps.map((a) => [a.idp, a.requests7d, a.silent]),
      [['entra', 20, false]],
    );
    assert.deepEqual(
      body.undeclaredAttributes.map((a) => [a.attribute, a.count]),
      [['favoriteColor', 3]],
    );
    assert.equal(body.slowest.length, 5);
    assert.ok(body.slowest[0]!.latencyMs >= body.slowest[4]!.latencyMs);
  });

  it("GET /health lists every tenant's state with counts", async () => {
    const res = await h.request('GET', '/admin/v1/health', undefined, auth);
    assert.equal(res.statusCode, 200);
    const body = res.json<{ counts: Record<string, number>; tenants: { tenant: { slug: string }; state: string }[] }>();
    assert.deepEqual(body.counts, { at_risk: 0, silent: 0, degraded: 1, healthy: 1 });
    assert.deepEqual(
      body.tenants.map((t) => [t.tenant.slug, t.state]),
      [
        ['acme', 'degraded'],
        ['globex', 'healthy'],
      ],
    );
  });

  it('answers 404 for an unknown tenant and 401 without the admin token', async () => {
    const missing = await h.request('GET', '/admin/v1/tenants/nope/health', undefined, auth);
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.json().error, 'not_found');
    const anonymous = await h.request('GET', '/admin/v1/health', undefined, { authorization: 'Bearer wrong' });
    assert.equal(anonymous.statusCode, 401);
  });
});
