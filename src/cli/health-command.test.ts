import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { TenantHealthDetail, TenantHealthEntry } from '../health/read-health.js';
import { logEntry } from '../store/contract/request-log.contract.js';
import { openStore } from '../store/open.js';
import { createCliSandbox, NOW } from './test-support/run-cli.js';

const sandbox = createCliSandbox();
after(() => sandbox.remove());

const minutesAgo = (m: number) => new Date(NOW.getTime() - m * 60_000).toISOString();

describe('scimd health (#16.2)', () => {
  it('lists every tenant with its state and cause, and details one', async () => {
    const { run, databaseUrl } = sandbox.fixture();
    assert.equal((await run(['tenants', 'create', 'acme'])).code, 0);
    assert.equal((await run(['tenants', 'create', 'globex'])).code, 0);
    const store = await openStore(databaseUrl);
    try {
      const acme = (await store.tenants.getBySlug('acme'))!.id;
      // 10 of 100 requests refused with 401 in the last hour: degraded.
      await store.requestLog.append(
        Array.from({ length: 100 }, (_, i) =>
          logEntry(`a${i}`, minutesAgo(10), {
            tenantId: acme,
            status: i < 10 ? 401 : 200,
            latencyMs: i,
            ignoredAttributes: i < 2 ? ['favoriteColor'] : [],
          }),
        ),
      );
    } finally {
      await store.close();
    }

    const list = await run(['health']);
    assert.equal(list.code, 0);
    const rows = list.stdout
      .trim()
      .split('\n')
      .map((line) => line.split(/ {2,}/));
    assert.deepEqual(rows[0], ['TENANT', 'STATE', 'REQUESTS 24H', 'FAILED', 'CAUSE']);
    assert.deepEqual(rows[1]!.slice(0, 4), ['acme', 'degraded', '100', '10%']);
    assert.match(rows[1]![4]!, /^10 of 100 requests failed in the last hour; the most: 10 requests refused with 401/);
    assert.deepEqual(rows[2]!.slice(0, 4), ['globex', 'healthy', '0', '0%']);
    // Causes longer than 100 characters are cut in the list; `scimd health <slug>` has them whole.
    assert.equal(
      rows[2]![4],
      'No requests in the last 7 days: no identity provider is provisioning this tenant (or one stopped mo…',
    );

    const json = JSON.parse((await run(['health', '--json'])).stdout) as TenantHealthEntry[];
    assert.deepEqual(
      json.map((h) => [h.tenant.slug, h.state]),
      [
        ['acme', 'degraded'],
        ['globex', 'healthy'],
      ],
    );

    const one = await run(['health', 'acme']);
    assert.equal(one.code, 0);
    assert.match(one.stdout, /^ {2}tenant +acme \(acme\)\n {2}state +degraded\n {2}cause +10 of 100 requests failed/);
    assert.match(one.stdout, /fix +Issue a new token \(scimd tokens issue acme\)/);
    assert.match(one.stdout, /\nunauthorized +10 +10 +10\n/);
    assert.match(one.stdout, /\nentra +2024-05-01T11:50:00\.000Z +100 +no\n/);
    assert.match(one.stdout, /\nfavoriteColor +2 +2024-05-01T11:50:00\.000Z/);
    const detail = JSON.parse((await run(['health', 'acme', '--json'])).stdout) as TenantHealthDetail;
    assert.equal(detail.state, 'degraded');
    assert.deepEqual(
      detail.slowest.map((s) => s.latencyMs),
      [99, 98, 97, 96, 95],
    );
  });

  it('refuses an unknown tenant and extra arguments', async () => {
    const { run } = sandbox.fixture();
    const missing = await run(['health', 'nope']);
    assert.equal(missing.code, 1);
    assert.match(missing.stderr, /tenant "nope" not found/);
    const extra = await run(['health', 'a', 'b']);
    assert.equal(extra.code, 2);
    assert.match(extra.stderr, /usage: scimd health \[<slug>\] \[--json\]/);
  });
});
