import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createMetrics } from './scimd-metrics.js';
import { createTenantLabeler, OTHER_TENANT } from './tenant-label.js';

/** The distinct `tenant` label values of the request counter in `text`. */
function tenantValues(text: string): Set<string> {
  const values = new Set<string>();
  for (const line of text.split('\n')) {
    if (!line.startsWith('scimd_scim_requests_total{')) continue;
    const value = /tenant="([^"]*)"/.exec(line)?.[1];
    if (value !== undefined) values.add(value);
  }
  return values;
}

const sample = (tenant: string | undefined) => ({
  route: '/scim/v2/Users',
  method: 'GET',
  status: 200,
  userAgent: undefined,
  tenant,
  seconds: 0.001,
});

describe('tenant labels (SCIMD_METRICS_TENANTS)', () => {
  it('off: every tenant is "other"', () => {
    const labeler = createTenantLabeler({ mode: 'off' });
    assert.equal(labeler.label('acme'), OTHER_TENANT);
  });

  it('an allow list: the listed slugs, every other tenant and the unauthenticated as "other"', () => {
    const labeler = createTenantLabeler({ mode: 'allow', slugs: ['acme', 'globex'] });
    assert.deepEqual(
      ['acme', 'globex', 'initech', undefined].map((s) => labeler.label(s)),
      ['acme', 'globex', 'other', 'other'],
    );
  });

  it('top:N: the first N tenants seen until the first window closes, then the N busiest of that window', () => {
    let now = 0;
    const dropped: string[] = [];
    const labeler = createTenantLabeler(
      { mode: 'top', count: 2 },
      { clock: () => now, windowMs: 1000, onDropped: (slug) => dropped.push(slug) },
    );
    assert.deepEqual(
      ['a', 'b', 'c', 'c', 'c', 'b', 'b'].map((s) => labeler.label(s)),
      ['a', 'b', 'other', 'other', 'other', 'b', 'b'],
    );
    now = 1000;
    // The window closed: c (3 requests) and b (3) were the busiest; a's label is withdrawn.
    assert.deepEqual(
      ['a', 'c', 'b'].map((s) => labeler.label(s)),
      ['other', 'c', 'b'],
    );
    assert.deepEqual(dropped, ['a']);
  });

  it('10,000 tenants with top:N show at most N + 1 tenant label values, however the ranking moves', async () => {
    let now = 0;
    const metrics = createMetrics({
      identityProviderOf: () => null,
      processMetrics: false,
      tenants: { mode: 'top', count: 5 },
      tenantLabels: { clock: () => now, windowMs: 1000 },
    });
    for (let round = 0; round < 4; round++) {
      for (let t = 0; t < 10_000; t++) {
        // Each round, a different set of tenants is the busiest.
        const busy = (t + round * 7) % 1000 === 0;
        for (let n = 0; n < (busy ? 3 : 1); n++) metrics.observeRequest(sample(`tenant-${t}`));
      }
      const values = tenantValues(await metrics.exposition());
      assert.ok(values.size <= 6, `round ${round}: ${values.size} tenant values`);
      assert.ok(values.has('other'));
      now += 1000;
    }
  });

  it('10,000 tenants with SCIMD_METRICS_TENANTS off: no tenant label at all', async () => {
    const metrics = createMetrics({ identityProviderOf: () => null, processMetrics: false });
    for (let t = 0; t < 10_000; t++) metrics.observeRequest(sample(`tenant-${t}`));
    const text = await metrics.exposition();
    assert.equal(tenantValues(text).size, 0);
    assert.ok(
      text.includes(
        'scimd_scim_requests_total{route="/scim/v2/Users",method="GET",status_class="2xx",idp="unknown"} 10000',
      ),
    );
    assert.equal(text.includes('tenant-'), false);
  });
});
