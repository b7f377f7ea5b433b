/** Contract: TenantRepository and TokenRepository. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  assertScimError,
  at,
  insert,
  type OpenStore,
  tenantRecord,
  tokenRecord,
  userBody,
  withStore,
} from '../test-support/fixtures.js';

export function tenantsContract(open: OpenStore): void {
  describe('tenants', () => {
    it('creates, finds by id and slug, lists by creation', async () => {
      await withStore(open, async (store) => {
        const created = await store.tenants.create(tenantRecord('t2', 'second', '2024-01-02T00:00:00Z'));
        assert.deepEqual(created, {
          id: 't2',
          slug: 'second',
          name: 'Tenant t2',
          status: 'active',
          created: '2024-01-02T00:00:00.000Z',
        });
        await store.tenants.create(tenantRecord('t1', 'first'));
        assert.deepEqual(await store.tenants.getById('t2'), created);
        assert.deepEqual(await store.tenants.getBySlug('second'), created);
        assert.equal(await store.tenants.getById('nope'), undefined);
        assert.equal(await store.tenants.getBySlug('nope'), undefined);
        assert.deepEqual(
          (await store.tenants.list()).map((t) => t.id),
          ['t1', 't2'],
        );
      });
    });

    it('rejects a taken slug with 409 conflict naming it', async () => {
      await withStore(open, async (store) => {
        await store.tenants.create(tenantRecord('t1', 'acme'));
        await assertScimError(store.tenants.create(tenantRecord('t2', 'acme')), 409, undefined, '"acme"');
        await assertScimError(store.tenants.create(tenantRecord('t1', 'other')), 409, undefined, '"t1"');
        assert.equal((await store.tenants.list()).length, 1);
      });
    });

    it('sets the status', async () => {
      await withStore(open, async (store) => {
        await store.tenants.create(tenantRecord('t1'));
        assert.equal((await store.tenants.setStatus('t1', 'disabled'))?.status, 'disabled');
        assert.equal((await store.tenants.getById('t1'))?.status, 'disabled');
        assert.equal(await store.tenants.setStatus('nope', 'disabled'), undefined);
      });
    });

    it('deletes a tenant with all of its data, and only its data', async () => {
      await withStore(open, async (store) => {
        await store.tenants.create(tenantRecord('t1'));
        await store.tenants.create(tenantRecord('t2'));
        await store.tokens.insert(tokenRecord('k1', 't1'));
        await store.tokens.insert(tokenRecord('k2', 't2'));
        const one = store.forTenant('t1');
        const two = store.forTenant('t2');
        for (const tenant of [one, two]) {
          await insert(tenant, 'User', 'u1', userBody('alice'));
          await insert(tenant, 'Group', 'g1', { displayName: 'G' });
          await tenant.transaction((tx) => tx.addMembers('g1', [{ value: 'u1', type: 'User' }]));
        }
        assert.equal(await store.tenants.delete('t1'), true);
        assert.equal(await store.tenants.delete('t1'), false);
        assert.equal(await store.tenants.getById('t1'), undefined);
        assert.equal(await store.tokens.findByHash('hash-k1'), undefined);
        assert.deepEqual(await store.tokens.listForTenant('t1'), []);
        assert.equal(await one.getResource('User', 'u1'), undefined);
        assert.equal((await one.query('User', { startIndex: 1, count: 10 })).totalResults, 0);
        assert.deepEqual(await one.listMembers('g1'), []);
        // The other tenant is untouched.
        assert.equal((await store.tokens.findByHash('hash-k2'))?.id, 'k2');
        assert.equal((await two.getResource('User', 'u1'))?.body['userName'], 'alice');
        assert.deepEqual(await two.listMembers('g1'), [{ value: 'u1', type: 'User', display: 'alice' }]);
        // Re-creating the tenant starts empty; the old userName is free again.
        await store.tenants.create(tenantRecord('t1'));
        assert.equal((await one.query('User', { startIndex: 1, count: 10 })).totalResults, 0);
        assert.equal((await insert(one, 'User', 'u9', userBody('ALICE'))).version, 1);
      });
    });
  });

  describe('tokens', () => {
    it('inserts, finds by hash and lists per tenant by creation', async () => {
      await withStore(open, async (store) => {
        await store.tenants.create(tenantRecord('t1'));
        await store.tenants.create(tenantRecord('t2'));
        const k2 = tokenRecord('k2', 't1', { label: 'CI', created: at(60), expiresAt: '2030-01-01T00:00:00Z' });
        const stored = await store.tokens.insert(k2);
        assert.deepEqual(stored, { ...k2, created: at(60), expiresAt: '2030-01-01T00:00:00.000Z' });
        await store.tokens.insert(tokenRecord('k1', 't1'));
        await store.tokens.insert(tokenRecord('k3', 't2'));
        assert.deepEqual(await store.tokens.findByHash('hash-k2'), stored);
        assert.equal(await store.tokens.findByHash('hash-none'), undefined);
        assert.deepEqual(
          (await store.tokens.listForTenant('t1')).map((t) => t.id),
          ['k1', 'k2'],
        );
        assert.deepEqual(await store.tokens.listForTenant('t3'), []);
      });
    });

    it('rejects a duplicate hash with 409 and a token for an unknown tenant', async () => {
      await withStore(open, async (store) => {
        await store.tenants.create(tenantRecord('t1'));
        await store.tokens.insert(tokenRecord('k1', 't1'));
        await assertScimError(
          store.tokens.insert(tokenRecord('k2', 't1', { hash: 'hash-k1' })),
          409,
          undefined,
          'hash',
        );
        await assert.rejects(store.tokens.insert(tokenRecord('k3', 'missing')));
        assert.deepEqual(
          (await store.tokens.listForTenant('t1')).map((t) => t.id),
          ['k1'],
        );
      });
    });

    it('revokes within the tenant only, keeping the first revocation time', async () => {
      await withStore(open, async (store) => {
        await store.tenants.create(tenantRecord('t1'));
        await store.tenants.create(tenantRecord('t2'));
        await store.tokens.insert(tokenRecord('k1', 't1'));
        assert.equal(await store.tokens.revoke('t2', 'k1', at(5)), undefined);
        assert.equal((await store.tokens.findByHash('hash-k1'))?.revokedAt, null);
        assert.equal((await store.tokens.revoke('t1', 'k1', at(10)))?.revokedAt, at(10));
        assert.equal((await store.tokens.revoke('t1', 'k1', at(20)))?.revokedAt, at(10));
        assert.equal((await store.tokens.findByHash('hash-k1'))?.revokedAt, at(10));
        assert.equal(await store.tokens.revoke('t1', 'nope', at(30)), undefined);
      });
    });

    it('records use at most once a minute', async () => {
      await withStore(open, async (store) => {
        await store.tenants.create(tenantRecord('t1'));
        await store.tokens.insert(tokenRecord('k1', 't1'));
        // listForTenant: findByHash may serve lastUsedAt from a memo up to a second old.
        const lastUsed = async () => (await store.tokens.listForTenant('t1'))[0]?.lastUsedAt;
        await store.tokens.touch('k1', at(100));
        assert.equal(await lastUsed(), at(100));
        await store.tokens.touch('k1', at(130));
        assert.equal(await lastUsed(), at(100));
        await store.tokens.touch('k1', at(159));
        assert.equal(await lastUsed(), at(100));
        await store.tokens.touch('k1', at(160));
        assert.equal(await lastUsed(), at(160));
        await store.tokens.touch('missing', at(500));
      });
    });
  });
}
