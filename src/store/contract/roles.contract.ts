/** Contract: RoleRepository, tenants' allowed roles and TenantStore.roleCatalogue. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AppRoleRecord } from '../store.js';
import { assertScimError, at, type OpenStore, T0, tenantRecord, withStore } from '../test-support/fixtures.js';

const GUID_1 = '6c1f0d6e-7a8b-4c53-9d1e-2f3a4b5c6d7e';
const GUID_2 = '06b07648-ecfe-589f-9d2f-6f6b3f6e2a11';
const GUID_3 = '2f4f5a8e-3b1d-4c9a-8e7f-0a1b2c3d4e5f';

function role(id: string, value: string, created = T0, overrides: Partial<AppRoleRecord> = {}): AppRoleRecord {
  return {
    id,
    value,
    displayName: `Display ${value}`,
    description: `Description of ${value}`,
    enabled: true,
    allowedMemberTypes: ['User'],
    created,
    ...overrides,
  };
}

export function rolesContract(open: OpenStore): void {
  describe('app roles', () => {
    it('creates roles and lists them in creation order with every field intact', async () => {
      await withStore(open, async (store) => {
        const editor = role(GUID_1, 'sales.editor', at(10), { displayName: 'Sales Editor', description: 'Edit deals' });
        const created = await store.roles.create(editor);
        assert.deepEqual(created, editor);
        await store.roles.create(role(GUID_2, 'Admin', at(5)));
        await store.roles.create(role(GUID_3, 'reader', at(10), { enabled: false }));
        const listed = await store.roles.list();
        assert.deepEqual(
          listed.map((r) => [r.value, r.id, r.enabled]),
          [
            ['Admin', GUID_2, true],
            ['reader', GUID_3, false],
            ['sales.editor', GUID_1, true],
          ],
        );
        assert.deepEqual(listed[2], editor);
        assert.deepEqual(listed[1]?.allowedMemberTypes, ['User']);
      });
    });

    it('rejects a value taken ignoring case, and a reused id, with 409', async () => {
      await withStore(open, async (store) => {
        await store.roles.create(role(GUID_1, 'Admin'));
        await assertScimError(store.roles.create(role(GUID_2, 'ADMIN')), 409, undefined, '"ADMIN" already exists');
        await assertScimError(store.roles.create(role(GUID_1, 'other')), 409, undefined, GUID_1);
        assert.deepEqual(
          (await store.roles.list()).map((r) => r.value),
          ['Admin'],
        );
      });
    });

    it('finds a role by value ignoring case', async () => {
      await withStore(open, async (store) => {
        const admin = await store.roles.create(role(GUID_1, 'Sales.Admin'));
        assert.deepEqual(await store.roles.getByValue('sales.admin'), admin);
        assert.deepEqual(await store.roles.getByValue('SALES.ADMIN'), admin);
        assert.equal(await store.roles.getByValue('sales'), undefined);
      });
    });

    it('updates display name and description, keeping id, value and creation', async () => {
      await withStore(open, async (store) => {
        const admin = await store.roles.create(role(GUID_1, 'Admin'));
        const renamed = await store.roles.update('admin', { displayName: 'Administrator' });
        assert.deepEqual(renamed, { ...admin, displayName: 'Administrator' });
        const described = await store.roles.update('ADMIN', { description: 'Does everything' });
        assert.deepEqual(described, { ...admin, displayName: 'Administrator', description: 'Does everything' });
        assert.deepEqual(await store.roles.update('Admin', {}), described);
        assert.deepEqual(await store.roles.getByValue('Admin'), described);
        assert.equal(await store.roles.update('nope', { displayName: 'x' }), undefined);
      });
    });

    it('disables and re-enables a role', async () => {
      await withStore(open, async (store) => {
        const admin = await store.roles.create(role(GUID_1, 'Admin'));
        assert.deepEqual(await store.roles.setEnabled('admin', false), { ...admin, enabled: false });
        assert.equal((await store.roles.getByValue('Admin'))?.enabled, false);
        assert.deepEqual(await store.roles.setEnabled('Admin', true), admin);
        assert.equal(await store.roles.setEnabled('nope', false), undefined);
      });
    });

    it('narrows a tenant to some roles, clears the narrowing, and shows both in roleCatalogue', async () => {
      await withStore(open, async (store) => {
        await store.tenants.create(tenantRecord('t1'));
        await store.tenants.create(tenantRecord('t2'));
        const admin = await store.roles.create(role(GUID_1, 'Admin'));
        const reader = await store.roles.create(role(GUID_2, 'Reader', at(1), { enabled: false }));
        assert.deepEqual(await store.forTenant('t1').roleCatalogue(), { roles: [admin, reader], allowedRoles: null });

        const narrowed = await store.tenants.setAllowedRoles('t1', ['Reader', 'Admin']);
        assert.deepEqual(narrowed, { ...tenantRecord('t1'), allowedRoles: ['Reader', 'Admin'] });
        assert.deepEqual(await store.tenants.getById('t1'), narrowed);
        assert.deepEqual(await store.tenants.getBySlug('t1'), narrowed);
        assert.deepEqual(
          (await store.tenants.list()).find((t) => t.id === 't1'),
          narrowed,
        );
        assert.deepEqual(await store.forTenant('t1').roleCatalogue(), {
          roles: [admin, reader],
          allowedRoles: ['Reader', 'Admin'],
        });
        // Other tenants are not narrowed.
        assert.deepEqual(await store.forTenant('t2').roleCatalogue(), { roles: [admin, reader], allowedRoles: null });
        assert.deepEqual(await store.tenants.getById('t2'), tenantRecord('t2'));

        assert.deepEqual(await store.tenants.setAllowedRoles('t1', []), { ...tenantRecord('t1'), allowedRoles: [] });
        assert.deepEqual((await store.forTenant('t1').roleCatalogue()).allowedRoles, []);
        assert.deepEqual(await store.tenants.setAllowedRoles('t1', null), tenantRecord('t1'));
        assert.deepEqual(await store.tenants.getById('t1'), tenantRecord('t1'));
        assert.equal(await store.tenants.setAllowedRoles('nope', ['Admin']), undefined);
      });
    });

    it('keeps the narrowing through status changes', async () => {
      await withStore(open, async (store) => {
        await store.tenants.create(tenantRecord('t1'));
        await store.tenants.setAllowedRoles('t1', ['Admin']);
        assert.deepEqual(await store.tenants.setStatus('t1', 'disabled'), {
          ...tenantRecord('t1'),
          status: 'disabled',
          allowedRoles: ['Admin'],
        });
      });
    });

    it('an empty catalogue reads as no roles', async () => {
      await withStore(open, async (store) => {
        await store.tenants.create(tenantRecord('t1'));
        assert.deepEqual(await store.roles.list(), []);
        assert.deepEqual(await store.forTenant('t1').roleCatalogue(), { roles: [], allowedRoles: null });
      });
    });
  });
}
