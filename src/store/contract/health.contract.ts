/** Contract: tenant health rollups kept by the provisioning log's appends, and the last-state swap. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type HealthStateName, MAX_UNDECLARED_ATTRIBUTES } from '../health-port.js';
import { noFailures } from '../health-rollup.js';
import { at, type OpenStore, withTenants } from '../test-support/fixtures.js';
import { logEntry } from './request-log.contract.js';

const H0 = '2024-01-01T00:00:00.000Z';
const H1 = '2024-01-01T01:00:00.000Z';

export function healthContract(open: OpenStore): void {
  describe('tenant health', () => {
    it('adds every appended entry to its tenant × hour × idp bucket, across appends', async () => {
      await withTenants(open, async (_a, _b, store) => {
        await store.requestLog.append([
          logEntry('a1', at(10), { latencyMs: 40 }),
          logEntry('a2', at(20), { status: 409, scimType: 'uniqueness', latencyMs: 300 }),
          logEntry('a3', at(30), { status: 400, scimType: 'invalidValue' }),
          logEntry('a4', at(40), { status: 400, scimType: 'invalidFilter', idp: 'okta' }),
          logEntry('x1', at(50), { tenantId: 'tenant-b', status: 500 }),
          logEntry('gone', at(50), { tenantId: 'no-such-tenant' }),
        ]);
        await store.requestLog.append([
          logEntry('a5', at(60), { status: 429, latencyMs: 7 }),
          logEntry('a6', at(3600), { status: 401, authenticated: false, idp: null }),
          logEntry('a7', at(3700), {
            method: 'PATCH',
            resourceType: 'Group',
            status: 404,
            requestBody: '{"Operations":[{"op":"add","path":"members","value":[{"value":"u9"}]}]}',
          }),
          logEntry('a8', at(3800), {
            method: 'PATCH',
            status: 400,
            scimType: 'invalidValue',
            requestBody:
              '{"Operations":[{"op":"replace","path":"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager","value":"x"}]}',
          }),
          logEntry('a9', at(3900), {
            method: 'PATCH',
            status: 413,
            requestBody: '{"Operations":[{"op":"replace","path":"displayName","value":"x"}]}',
          }),
          logEntry('a10', at(4000), { status: 502, latencyMs: 61_000 }),
          logEntry('a11', at(4100), { idp: null }),
        ]);
        const buckets = await store.health.buckets(H0, 'tenant-a');
        assert.deepEqual(
          buckets.map((b) => [b.hour, b.idp, b.requests, b.failures, b.referenceFailures, b.latencyMaxMs, b.lastTime]),
          [
            [H0, 'entra', 4, 3, 0, 300, at(60)],
            [H0, 'okta', 1, 1, 0, 12, at(40)],
            [H1, '', 1, 1, 0, 12, at(3600)],
            [H1, 'entra', 4, 4, 2, 61_000, at(4000)],
            [H1, 'unknown', 1, 0, 0, 12, at(4100)],
          ],
        );
        assert.deepEqual(buckets[0]!.causes, { ...noFailures(), conflict: 1, invalidValue: 1, tooManyRequests: 1 });
        assert.equal(buckets[0]!.latencySumMs, 40 + 300 + 12 + 7);
        assert.deepEqual(buckets[1]!.causes, { ...noFailures(), invalidFilter: 1 });
        assert.deepEqual(buckets[2]!.causes, { ...noFailures(), unauthorized: 1 });
        assert.deepEqual(buckets[3]!.causes, {
          ...noFailures(),
          notFound: 1,
          invalidValue: 1,
          tooLarge: 1,
          serverError: 1,
        });
        assert.deepEqual(
          (await store.health.buckets(H1)).map((b) => [b.tenantId, b.idp]),
          [
            ['tenant-a', ''],
            ['tenant-a', 'entra'],
            ['tenant-a', 'unknown'],
          ],
        );
        assert.deepEqual(
          (await store.health.buckets(H0, 'tenant-b')).map((b) => [b.requests, b.causes.serverError]),
          [[1, 1]],
        );
      });
    });

    it('upserts a flush of many buckets (in chunks of 64, 32 and 4) and adds to each on the next', async () => {
      await withTenants(open, async (_a, _b, store) => {
        const flush = (round: number) =>
          Array.from({ length: 100 }, (_, i) =>
            logEntry(`m${round}-${i}`, at(3600 * i + round), { latencyMs: round === 0 ? 5 : 9 + i }),
          );
        await store.requestLog.append(flush(0));
        await store.requestLog.append(flush(1));
        const buckets = await store.health.buckets(H0, 'tenant-a');
        assert.equal(buckets.length, 100);
        assert.deepEqual(
          buckets.filter((b, i) => b.requests !== 2 || b.latencySumMs !== 5 + 9 + i || b.latencyMaxMs !== 9 + i),
          [],
        );
        assert.equal(buckets[99]!.lastTime, at(3600 * 99 + 1));
      });
    });

    it('counts undeclared attributes per tenant, most frequent first, and trims them in prune', async () => {
      await withTenants(open, async (_a, _b, store) => {
        await store.requestLog.append([
          logEntry('u1', at(1), { ignoredAttributes: ['costCenter', 'nickname', 'costCenter'] }),
          logEntry('u2', at(2), { ignoredAttributes: ['costCenter'] }),
          logEntry('u3', at(3), { ignoredAttributes: ['zeta'], tenantId: 'tenant-b' }),
        ]);
        await store.requestLog.append([logEntry('u4', at(4), { ignoredAttributes: ['nickname', 'badge'] })]);
        assert.deepEqual(await store.health.undeclaredAttributes('tenant-a', 10), [
          { attribute: 'costCenter', count: 2, lastSeen: at(2) },
          { attribute: 'nickname', count: 2, lastSeen: at(4) },
          { attribute: 'badge', count: 1, lastSeen: at(4) },
        ]);
        assert.deepEqual(
          (await store.health.undeclaredAttributes('tenant-a', 1)).map((a) => a.attribute),
          ['costCenter'],
        );
        const many = Array.from({ length: MAX_UNDECLARED_ATTRIBUTES + 5 }, (_, i) => `x${String(i).padStart(3, '0')}`);
        await store.requestLog.append([logEntry('u5', at(5), { ignoredAttributes: many })]);
        // Before at(3): both tenants' hour buckets and costCenter (last seen at(2)) go; then the
        // tenant keeps its 50 most frequent attributes.
        const removed = await store.health.prune(at(3));
        const kept = await store.health.undeclaredAttributes('tenant-a', 1000);
        assert.equal(kept.length, MAX_UNDECLARED_ATTRIBUTES);
        assert.deepEqual(
          kept.slice(0, 3).map((a) => a.attribute),
          ['nickname', 'badge', 'x000'],
        );
        assert.equal(removed, 2 + 1 + (MAX_UNDECLARED_ATTRIBUTES + 5 + 2 - MAX_UNDECLARED_ATTRIBUTES));
        assert.equal((await store.health.undeclaredAttributes('tenant-b', 10)).length, 1);
      });
    });

    it('lists the slowest logged requests of a tenant since a time', async () => {
      await withTenants(open, async (_a, _b, store) => {
        await store.requestLog.append([
          logEntry('s1', at(1), { latencyMs: 900 }),
          logEntry('s2', at(2), { latencyMs: 50 }),
          logEntry('s3', at(3), { latencyMs: 700 }),
          logEntry('s4', at(4), { latencyMs: 700 }),
          logEntry('s5', at(5), { latencyMs: 5000, tenantId: 'tenant-b' }),
        ]);
        assert.deepEqual(
          (await store.health.slowest('tenant-a', at(2), 2)).map((s) => [s.id, s.latencyMs]),
          [
            ['s4', 700],
            ['s3', 700],
          ],
        );
        assert.deepEqual(await store.health.slowest('tenant-a', at(1), 1), [
          { id: 's1', time: at(1), method: 'POST', path: '/t/a/scim/v2/Users', status: 201, latencyMs: 900 },
        ]);
      });
    });

    it('swaps the last state only from the expected one, inside the unit of work', async () => {
      await withTenants(open, async (a, b, store) => {
        const swap = (tenant: typeof a, expected: HealthStateName | null, next: HealthStateName, since: string) =>
          tenant.transaction((tx) => tx.swapHealthState(expected, next, since));
        assert.equal(await swap(a, null, 'healthy', at(1)), true);
        assert.equal(await swap(a, null, 'degraded', at(2)), false);
        assert.equal(await swap(a, 'degraded', 'healthy', at(2)), false);
        assert.equal(await swap(a, 'healthy', 'degraded', at(3)), true);
        await assert.rejects(
          a.transaction(async (w) => {
            assert.equal(await w.swapHealthState('degraded', 'healthy', at(4)), true);
            throw new Error('abort');
          }),
          /abort/,
        );
        assert.equal(await swap(b, null, 'healthy', at(5)), true);
        assert.deepEqual(await store.health.states(), [
          { tenantId: 'tenant-a', state: 'degraded', since: at(3) },
          { tenantId: 'tenant-b', state: 'healthy', since: at(5) },
        ]);
      });
    });

    it('prunes old buckets, and deleting a tenant removes its health', async () => {
      await withTenants(open, async (_a, _b, store) => {
        await store.requestLog.append([
          logEntry('p1', at(10), { ignoredAttributes: ['nick'] }),
          logEntry('p2', at(3700)),
          logEntry('p3', at(10), { tenantId: 'tenant-b' }),
        ]);
        await store.forTenant('tenant-b').transaction((tx) => tx.swapHealthState(null, 'silent', at(1)));
        // Two buckets of hour H0 and the attribute last seen before H1.
        assert.equal(await store.health.prune(H1), 3);
        assert.deepEqual(
          (await store.health.buckets(H0)).map((b) => [b.tenantId, b.hour]),
          [['tenant-a', H1]],
        );
        await store.requestLog.append([logEntry('p4', at(20), { tenantId: 'tenant-b', ignoredAttributes: ['q'] })]);
        assert.equal(await store.tenants.delete('tenant-b'), true);
        assert.deepEqual(await store.health.buckets(H0, 'tenant-b'), []);
        assert.deepEqual(await store.health.undeclaredAttributes('tenant-b', 10), []);
        assert.deepEqual(await store.health.states(), []);
      });
    });
  });
}
