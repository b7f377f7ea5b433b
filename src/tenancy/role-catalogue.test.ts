import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { isScimError } from '../scim/errors.js';
import { createMemoryStore } from '../store/memory/store.js';
import { openStore } from '../store/open.js';
import type { Store } from '../store/store.js';
import { formatManifest, type manifestAppRoles } from './manifest.js';
import {
  addRole,
  listRoles,
  setRoleEnabled,
  setTenantRoles,
  tenantAssignableRoles,
  updateRole,
} from './role-catalogue.js';
import { createTenant } from './tenants.js';

const T0 = new Date('2024-05-01T12:00:00.000Z');
const at = (s: number) => new Date(T0.getTime() + s * 1000);
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

async function rejectsWith(promise: Promise<unknown>, status: number, message: string): Promise<void> {
  await assert.rejects(promise, (error) => {
    assert.ok(isScimError(error), String(error));
    assert.equal(error.status, status);
    assert.equal(error.message, message);
    return true;
  });
}

async function seed(store: Store): Promise<void> {
  await addRole(store, { value: 'sales.editor', displayName: 'Sales Editor', description: 'Edit deals' }, T0);
  await addRole(store, { value: 'Admin', displayName: 'Administrator' }, at(1));
  await addRole(store, { value: 'reader', displayName: 'Reader', description: 'Read only' }, at(2));
}

describe('role catalogue use cases', () => {
  it('declares roles with fresh GUIDs, trimmed texts and the display name as default description', async () => {
    const store = createMemoryStore();
    const role = await addRole(store, { value: 'Admin', displayName: '  Administrator ' }, T0);
    assert.match(role.id, GUID);
    assert.deepEqual(role, {
      id: role.id,
      value: 'Admin',
      displayName: 'Administrator',
      description: 'Administrator',
      enabled: true,
      allowedMemberTypes: ['User'],
      created: '2024-05-01T12:00:00.000Z',
    });
  });

  it('refuses bad values (400), taken values and display names ignoring case (409)', async () => {
    const store = createMemoryStore();
    await seed(store);
    await rejectsWith(
      addRole(store, { value: 'Sales Editor', displayName: 'x' }, T0),
      400,
      'invalid app role value "Sales Editor": it contains a space; use 1 to 120 characters: letters A-Z a-z, digits 0-9 and ! # $ % & \' ( ) * + , - . / : ; < = > ? @ [ ] ^ _ ` { | } ~ (no spaces), not starting with "." (e.g. sales.editor)',
    );
    await rejectsWith(
      addRole(store, { value: 'ADMIN', displayName: 'Other' }, T0),
      409,
      'app role "ADMIN" already exists',
    );
    await rejectsWith(
      addRole(store, { value: 'boss', displayName: 'administrator' }, T0),
      409,
      'app role "Admin" already has the display name "administrator"',
    );
    await rejectsWith(
      addRole(store, { value: 'x', displayName: ' ' }, T0),
      400,
      'app role display name must not be empty',
    );
    assert.equal((await listRoles(store)).length, 3);
  });

  it('updates texts by value ignoring case, never the id or value', async () => {
    const store = createMemoryStore();
    await seed(store);
    const before = (await listRoles(store))[1]!;
    const updated = await updateRole(store, 'admin', { displayName: 'Admins', description: 'Everything' });
    assert.deepEqual(updated, { ...before, displayName: 'Admins', description: 'Everything' });
    assert.deepEqual(await updateRole(store, 'ADMIN', { displayName: 'Admins' }), updated);
    await rejectsWith(updateRole(store, 'nope', { displayName: 'x' }), 404, 'app role "nope" not found');
    await rejectsWith(
      updateRole(store, 'admin', {}),
      400,
      'nothing to update: give a new display name and/or description',
    );
    await rejectsWith(
      updateRole(store, 'admin', { displayName: 'reader' }),
      409,
      'app role "reader" already has the display name "reader"',
    );
  });

  it('disables and enables roles; disabled ones are not assignable', async () => {
    const store = createMemoryStore();
    await seed(store);
    const tenant = await createTenant(store, { slug: 'acme' }, T0);
    assert.equal((await setRoleEnabled(store, 'READER', false)).enabled, false);
    assert.deepEqual(
      (await tenantAssignableRoles(store, tenant)).map((r) => r.value),
      ['sales.editor', 'Admin'],
    );
    assert.equal((await setRoleEnabled(store, 'reader', true)).enabled, true);
    await rejectsWith(setRoleEnabled(store, 'nope', false), 404, 'app role "nope" not found');
  });

  it('narrows a tenant by value or display name, stores canonical values, and widens again', async () => {
    const store = createMemoryStore();
    await seed(store);
    const tenant = await createTenant(store, { slug: 'acme' }, T0);
    const narrowed = await setTenantRoles(store, 'acme', ['ADMIN', 'Sales Editor', 'admin']);
    assert.deepEqual(narrowed.allowedRoles, ['Admin', 'sales.editor']);
    assert.deepEqual(
      (await tenantAssignableRoles(store, narrowed)).map((r) => r.value),
      ['sales.editor', 'Admin'],
    );
    await rejectsWith(
      setTenantRoles(store, 'acme', ['janitor']),
      400,
      'unknown app role "janitor" (declared: sales.editor, Admin, reader)',
    );
    const widened = await setTenantRoles(store, 'acme', null);
    assert.deepEqual(widened, tenant);
    await rejectsWith(setTenantRoles(store, 'nope', null), 404, 'tenant "nope" not found');
  });
});

describe('appRoles manifest export', () => {
  const dir = mkdtempSync(join(tmpdir(), 'scimd-manifest-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('prints every role, disabled ones with isEnabled false, keys in manifest order', async () => {
    const store = createMemoryStore();
    await seed(store);
    await setRoleEnabled(store, 'reader', false);
    const roles = await listRoles(store);
    const text = formatManifest(roles);
    const parsed = JSON.parse(text) as Record<string, unknown>[];
    assert.equal(text, JSON.stringify(parsed, null, 2));
    assert.deepEqual(
      parsed.map((entry) => Object.keys(entry)),
      roles.map(() => ['allowedMemberTypes', 'description', 'displayName', 'id', 'isEnabled', 'value']),
    );
    assert.deepEqual(parsed[2], {
      allowedMemberTypes: ['User'],
      description: 'Read only',
      displayName: 'Reader',
      id: roles[2]!.id,
      isEnabled: false,
      value: 'reader',
    });
  });

  it('round-trips the stored catalogue field by field, with GUIDs stable across runs and edits', async () => {
    const url = `file:${join(dir, 'scimd.db')}`;
    let store = await openStore(url);
    await seed(store);
    const first = JSON.parse(formatManifest(await listRoles(store))) as ReturnType<typeof manifestAppRoles>;
    await store.close();

    store = await openStore(url);
    await updateRole(store, 'sales.editor', { description: 'Edit and close deals' });
    await setRoleEnabled(store, 'Admin', false);
    const stored = await listRoles(store);
    const second = JSON.parse(formatManifest(stored)) as ReturnType<typeof manifestAppRoles>;
    await store.close();

    assert.equal(second.length, stored.length);
    for (const [i, entry] of second.entries()) {
      const role = stored[i]!;
      assert.equal(entry.id, role.id);
      assert.equal(entry.value, role.value);
      assert.equal(entry.displayName, role.displayName);
      assert.equal(entry.description, role.description);
      assert.equal(entry.isEnabled, role.enabled);
      assert.deepEqual(entry.allowedMemberTypes, role.allowedMemberTypes);
    }
    assert.deepEqual(
      second.map((e) => [e.value, e.id]),
      first.map((e) => [e.value, e.id]),
      'ids and order never change',
    );
    assert.deepEqual(
      second.map((e) => [e.description, e.isEnabled]),
      [
        ['Edit and close deals', true],
        ['Administrator', false],
        ['Read only', true],
      ],
    );
  });
});
