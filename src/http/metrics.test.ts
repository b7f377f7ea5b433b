import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createMetrics, type ScimdMetrics } from '../metrics/scimd-metrics.js';
import { describeEachBackend } from '../store/test-support/backends.js';
import { hashAdminToken } from '../tenancy/admin-token.js';
import { guessIdentityProvider } from './log-redaction.js';
import { ENTRA_USER, type Harness, startHarness } from './test-support/harness.js';

const ENTRA_UA = 'Microsoft Azure AD SCIM provisioning 1.0.0';
const METRICS_TOKEN = 'scimd_metrics_test_credential_0123456789';

/** The sample lines of `name` (with labels), without HELP/TYPE lines. */
function samples(text: string, name: string): string[] {
  return text.split('\n').filter((line) => line.startsWith(`${name}{`) || line.startsWith(`${name} `));
}

describeEachBackend('metrics over HTTP', (backend) => {
  let h: Harness;
  let metrics: ScimdMetrics;
  const scrape = async () => {
    const response = await h.app.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    assert.equal(response.statusCode, 200);
    assert.match(String(response.headers['content-type']), /^text\/plain; version=0\.0\.4/);
    return response.body;
  };

  before(async () => {
    metrics = createMetrics({ identityProviderOf: guessIdentityProvider, processMetrics: false });
    h = await startHarness({ backend, metrics, config: { metricsTokenHash: hashAdminToken(METRICS_TOKEN) } });
  });
  after(() => h.close());

  it('counts SCIM requests by route template, method, status class and identity provider', async () => {
    const entra = { 'user-agent': ENTRA_UA };
    assert.equal(
      (await h.request('GET', '/t/acme/scim/v2/Users?filter=userName eq "x"', undefined, entra)).statusCode,
      200,
    );
    const created = await h.request('POST', '/t/acme/scim/v2/Users', ENTRA_USER, entra);
    assert.equal(created.statusCode, 201);
    const id = created.json<{ id: string }>().id;
    assert.equal((await h.request('GET', `/t/acme/scim/v2/Users/${id}`, undefined, entra)).statusCode, 200);
    assert.equal((await h.request('GET', '/t/acme/scim/v2/Users/no-such-user-id', undefined, entra)).statusCode, 404);
    assert.equal(
      (await h.request('GET', '/scim/v2/Groups', undefined, { 'user-agent': 'Okta SCIM Client 1.0.0' })).statusCode,
      200,
    );
    assert.equal(
      (await h.request('GET', '/t/acme/scim/v2/Users', undefined, { authorization: 'Bearer nope' })).statusCode,
      401,
    );
    assert.equal((await h.request('GET', '/t/acme/scim/v2/Users', undefined, { authorization: '' })).statusCode, 401);

    const text = await scrape();
    assert.deepEqual(samples(text, 'scimd_scim_requests_total').sort(), [
      'scimd_scim_requests_total{route="/scim/v2/Groups",method="GET",status_class="2xx",idp="okta"} 1',
      'scimd_scim_requests_total{route="/t/:slug/scim/v2/Users",method="GET",status_class="2xx",idp="entra"} 1',
      'scimd_scim_requests_total{route="/t/:slug/scim/v2/Users",method="GET",status_class="4xx",idp="unknown"} 2',
      'scimd_scim_requests_total{route="/t/:slug/scim/v2/Users",method="POST",status_class="2xx",idp="entra"} 1',
      'scimd_scim_requests_total{route="/t/:slug/scim/v2/Users/:id",method="GET",status_class="2xx",idp="entra"} 1',
      'scimd_scim_requests_total{route="/t/:slug/scim/v2/Users/:id",method="GET",status_class="4xx",idp="entra"} 1',
    ]);
    assert.deepEqual(samples(text, 'scimd_auth_failures_total').sort(), [
      'scimd_auth_failures_total{reason="malformed"} 1',
      'scimd_auth_failures_total{reason="missing"} 1',
    ]);
    // The histogram has the same series, with buckets up to Entra's 60 s timeout.
    assert.ok(
      text.includes(
        'scimd_scim_request_duration_seconds_count{route="/t/:slug/scim/v2/Users",method="POST",status_class="2xx",idp="entra"} 1',
      ),
    );
    assert.ok(
      text.includes(
        'scimd_scim_request_duration_seconds_bucket{le="60",route="/t/:slug/scim/v2/Users",method="POST",status_class="2xx",idp="entra"} 1',
      ),
    );
    // The store's statements were timed: at least the user's insert and the lookups.
    const count = (operation: string) =>
      Number(
        / (\d+)$/.exec(
          samples(text, 'scimd_db_statement_duration_seconds_count').find((l) => l.includes(`"${operation}"`)) ?? '',
        )?.[1],
      );
    assert.ok(count('select') >= 5, `select statements: ${count('select')}`);
    assert.ok(count('insert') >= 1, `insert statements: ${count('insert')}`);
  });

  it('never shows a tenant slug, a token or a resource id', async () => {
    const text = await scrape();
    for (const secret of ['acme', 'globex', h.token, h.otherToken, METRICS_TOKEN, 'jdoe', 'no-such-user-id']) {
      assert.equal(text.includes(secret), false, `metrics output contains ${JSON.stringify(secret)}`);
    }
    assert.doesNotMatch(text, /tenant=/);
  });

  it('answers /metrics on the main port only with the metrics credential', async () => {
    for (const authorization of [undefined, 'Bearer wrong', `Bearer ${h.token}`, METRICS_TOKEN]) {
      const response = await h.app.inject({
        method: 'GET',
        url: '/metrics',
        headers: authorization === undefined ? {} : { authorization },
      });
      assert.equal(response.statusCode, 401, String(authorization));
      assert.equal(response.headers['www-authenticate'], 'Bearer realm="scimd-metrics"');
      assert.equal(response.body, 'A valid metrics bearer credential is required.\n');
    }
  });
});

describeEachBackend('metrics over HTTP, per tenant', (backend) => {
  let h: Harness;
  before(async () => {
    const metrics = createMetrics({
      identityProviderOf: guessIdentityProvider,
      processMetrics: false,
      tenants: { mode: 'allow', slugs: ['acme'] },
    });
    h = await startHarness({ backend, metrics, config: { metricsTokenHash: hashAdminToken(METRICS_TOKEN) } });
  });
  after(() => h.close());

  it('labels the allowed tenant, every other one as "other"', async () => {
    assert.equal((await h.request('GET', '/scim/v2/Users')).statusCode, 200);
    assert.equal(
      (await h.request('GET', '/scim/v2/Users', undefined, { authorization: `Bearer ${h.otherToken}` })).statusCode,
      200,
    );
    const response = await h.app.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    assert.deepEqual(samples(response.body, 'scimd_scim_requests_total').sort(), [
      'scimd_scim_requests_total{route="/scim/v2/Users",method="GET",status_class="2xx",idp="unknown",tenant="acme"} 1',
      'scimd_scim_requests_total{route="/scim/v2/Users",method="GET",status_class="2xx",idp="unknown",tenant="other"} 1',
    ]);
    assert.equal(response.body.includes('globex'), false);
  });
});

describe('metrics over HTTP without a metrics credential', () => {
  it('has no /metrics route on the main port', async () => {
    const { sqliteBackend } = await import('../store/test-support/backends.js');
    const metrics = createMetrics({ identityProviderOf: guessIdentityProvider, processMetrics: false });
    const h = await startHarness({ backend: sqliteBackend(), metrics });
    try {
      const response = await h.app.inject({ method: 'GET', url: '/metrics' });
      assert.equal(response.statusCode, 404);
    } finally {
      await h.close();
    }
  });
});
