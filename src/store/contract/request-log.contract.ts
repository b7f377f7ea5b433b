/** Contract: the provisioning log: appends, newest-first queries, paging and retention. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { RequestLogEntry } from '../events-port.js';
import { at, type OpenStore, withTenants } from '../test-support/fixtures.js';

export function logEntry(id: string, time: string, overrides: Partial<RequestLogEntry> = {}): RequestLogEntry {
  return {
    id,
    tenantId: 'tenant-a',
    time,
    method: 'POST',
    path: '/t/a/scim/v2/Users',
    status: 201,
    scimType: null,
    latencyMs: 12.4,
    resourceType: 'User',
    resourceId: 'u1',
    idp: 'entra',
    userAgent: 'Azure AD SCIM provisioning',
    requestId: `req-${id}`,
    requestBody: '{"userName":"alice"}',
    responseBody: '{"id":"u1"}',
    authenticated: true,
    ignoredAttributes: [],
    ...overrides,
  };
}

export function requestLogContract(open: OpenStore): void {
  describe('provisioning log', () => {
    it('returns entries newest first, filtered by time, status and resource, with paging', async () => {
      await withTenants(open, async (_a, _b, store) => {
        await store.requestLog.append([
          logEntry('l1', at(1)),
          logEntry('l2', at(2), { status: 409, scimType: 'uniqueness', resourceId: null }),
          logEntry('l3', at(3), { method: 'PATCH', status: 200, resourceId: 'u2' }),
          logEntry('l4', at(3), { status: 500, resourceId: 'u2' }),
          logEntry('x1', at(2), { tenantId: 'tenant-b' }),
        ]);
        const ids = async (query: Parameters<typeof store.requestLog.list>[1]) =>
          (await store.requestLog.list('tenant-a', query)).map((e) => e.id);
        assert.deepEqual(await ids({ limit: 10 }), ['l4', 'l3', 'l2', 'l1']);
        assert.deepEqual(await ids({ limit: 10, minStatus: 400 }), ['l4', 'l2']);
        assert.deepEqual(await ids({ limit: 10, minStatus: 400, maxStatus: 499 }), ['l2']);
        assert.deepEqual(await ids({ limit: 10, since: at(2), until: at(3) }), ['l2']);
        assert.deepEqual(await ids({ limit: 10, resourceId: 'u2' }), ['l4', 'l3']);
        assert.deepEqual(await ids({ limit: 2 }), ['l4', 'l3']);
        assert.deepEqual(await ids({ limit: 2, before: 'l3' }), ['l2', 'l1']);
        assert.deepEqual(await ids({ limit: 2, before: 'x1' }), []);
        assert.deepEqual(await store.requestLog.get('tenant-a', 'l1'), { ...logEntry('l1', at(1)), latencyMs: 12 });
        assert.equal(await store.requestLog.get('tenant-a', 'x1'), undefined);
        // Without bodies: the same entries, the two bodies null, nothing else changed.
        const [lean] = await store.requestLog.list('tenant-a', {
          limit: 1,
          since: at(1),
          until: at(2),
          withoutBodies: true,
        });
        assert.deepEqual(lean, { ...logEntry('l1', at(1)), latencyMs: 12, requestBody: null, responseBody: null });
      });
    });

    it('filters by method and by resource type, "other" taking every entry neither User nor Group (#15)', async () => {
      await withTenants(open, async (_a, _b, store) => {
        await store.requestLog.append([
          logEntry('m1', at(1)),
          logEntry('m2', at(2), { method: 'PATCH', resourceType: 'Group' }),
          logEntry('m3', at(3), { method: 'GET', resourceType: null, resourceId: null }),
          logEntry('m4', at(4), { method: 'POST', resourceType: 'Bulk', resourceId: null }),
          logEntry('m5', at(5), { method: 'PATCH', resourceType: 'User' }),
          logEntry('x1', at(2), { tenantId: 'tenant-b', method: 'PATCH', resourceType: 'Group' }),
        ]);
        const ids = async (query: Parameters<typeof store.requestLog.list>[1]) =>
          (await store.requestLog.list('tenant-a', query)).map((e) => e.id);
        assert.deepEqual(await ids({ limit: 10, method: 'PATCH' }), ['m5', 'm2']);
        assert.deepEqual(await ids({ limit: 10, method: 'DELETE' }), []);
        assert.deepEqual(await ids({ limit: 10, resourceType: 'User' }), ['m5', 'm1']);
        assert.deepEqual(await ids({ limit: 10, resourceType: 'Group' }), ['m2']);
        assert.deepEqual(await ids({ limit: 10, resourceType: 'other' }), ['m4', 'm3']);
        assert.deepEqual(await ids({ limit: 10, method: 'POST', resourceType: 'other' }), ['m4']);
        assert.deepEqual(await ids({ limit: 1, method: 'PATCH', before: 'm5' }), ['m2']);
      });
    });

    it('drops entries of deleted tenants and prunes by age, then by count per tenant', async () => {
      await withTenants(open, async (_a, _b, store) => {
        await store.tenants.create({ id: 'tenant-c', slug: 'c', name: 'C', status: 'active', created: at(0) });
        await store.requestLog.append([logEntry('c1', at(1), { tenantId: 'tenant-c' })]);
        await store.tenants.delete('tenant-c');
        await store.requestLog.append([
          logEntry('gone', at(1), { tenantId: 'tenant-c' }),
          ...[1, 2, 3, 4, 5].map((n) => logEntry(`a${n}`, at(n * 10))),
          ...[1, 2].map((n) => logEntry(`b${n}`, at(n * 10), { tenantId: 'tenant-b' })),
        ]);
        assert.deepEqual(await store.requestLog.list('tenant-c', { limit: 10 }), []);
        assert.equal(await store.requestLog.prune(at(15), 2), 4);
        const ids = async (tenantId: string) => (await store.requestLog.list(tenantId, { limit: 10 })).map((e) => e.id);
        assert.deepEqual(await ids('tenant-a'), ['a5', 'a4']);
        assert.deepEqual(await ids('tenant-b'), ['b2']);
        assert.equal(await store.requestLog.prune(at(0), 5), 0);
      });
    });

    it('keeps unauthenticated entries apart: marked, filtered, and pruned in their own space (#12.5)', async () => {
      await withTenants(open, async (_a, _b, store) => {
        const refused = (n: number) =>
          logEntry(`r${n}`, at(100 + n), { status: 401, idp: null, authenticated: false, resourceId: null });
        await store.requestLog.append([
          logEntry('genuine', at(1)),
          ...[1, 2, 3, 4, 5, 6].map(refused),
          logEntry('b1', at(2), { tenantId: 'tenant-b', authenticated: false }),
        ]);
        const ids = async (query: Parameters<typeof store.requestLog.list>[1]) =>
          (await store.requestLog.list('tenant-a', query)).map((e) => e.id);
        assert.deepEqual(await ids({ limit: 3, authenticated: false }), ['r6', 'r5', 'r4']);
        assert.deepEqual(await ids({ limit: 10, authenticated: true }), ['genuine']);
        assert.deepEqual((await store.requestLog.get('tenant-a', 'r1'))?.authenticated, false);
        // Six unauthenticated entries are newer than the genuine one, yet it is kept: each kind
        // counts against its own bound.
        assert.equal(await store.requestLog.prune(at(0), 2, 3), 3);
        assert.deepEqual(await ids({ limit: 10 }), ['r6', 'r5', 'r4', 'genuine']);
        assert.deepEqual(
          (await store.requestLog.list('tenant-b', { limit: 10 })).map((e) => e.id),
          ['b1'],
        );
        // Without its own bound, the unauthenticated space is no larger than the tenant's.
        assert.equal(await store.requestLog.prune(at(0), 1), 2);
        assert.deepEqual(await ids({ limit: 10 }), ['r6', 'genuine']);
      });
    });

    it('stores the attributes a request sent that were ignored, empty by default (#13.4)', async () => {
      await withTenants(open, async (_a, _b, store) => {
        const { ignoredAttributes: _none, authenticated: _auth, ...older } = logEntry('o1', at(1));
        await store.requestLog.append([
          logEntry('i1', at(2), { ignoredAttributes: ['adreses', 'urn:example:custom:2.0:User:badge'] }),
          older as RequestLogEntry,
        ]);
        assert.deepEqual((await store.requestLog.get('tenant-a', 'i1'))?.ignoredAttributes, [
          'adreses',
          'urn:example:custom:2.0:User:badge',
        ]);
        const o1 = await store.requestLog.get('tenant-a', 'o1');
        assert.deepEqual([o1?.ignoredAttributes, o1?.authenticated], [[], true]);
      });
    });
  });
}
