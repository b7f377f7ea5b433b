import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { describeEachBackend } from '../store/test-support/backends.js';
import { addRole, setRoleEnabled, setTenantRoles } from '../tenancy/role-catalogue.js';
import { type Harness, NOW, scimError, startHarness } from './test-support/harness.js';

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const AAD_ROLE = 'WindowsAzureActiveDirectoryRole';
const ALLOWED = 'allowed values: "Admin", "sales.editor", "auditor"';

function patch(...operations: unknown[]) {
  return { schemas: [PATCH_OP], Operations: operations };
}

/** A role as the complex mapping's PATCH carries it: a JSON-encoded string (entra.md §8). */
function encoded(value: string, displayName: string) {
  return { value: JSON.stringify({ id: '06b07648-ecfe-489f-9d2f-6f6b3f6e2a11', value, displayName }) };
}

type User = { id: string; roles?: unknown[]; active?: boolean; groups?: unknown[]; meta: { version: string } };

describeEachBackend('app roles through HTTP (catalogue declared)', (backend) => {
  let h: Harness;
  let seq = 0;
  before(async () => {
    h = await startHarness({ backend });
    const at = (s: number) => new Date(NOW.getTime() + s * 1000);
    await addRole(h.store, { value: 'Admin', displayName: 'Administrator' }, at(0));
    await addRole(h.store, { value: 'sales.editor', displayName: 'Sales Editor', description: 'Edit deals' }, at(1));
    await addRole(h.store, { value: 'reader', displayName: 'Reader' }, at(2));
    await addRole(h.store, { value: 'auditor', displayName: 'Auditor' }, at(3));
    await setRoleEnabled(h.store, 'reader', false);
  });
  after(() => h.close());

  async function create(roles: unknown[], extra: Record<string, unknown> = {}): Promise<User> {
    const res = await h.request('POST', '/scim/v2/Users', { userName: `user${++seq}@contoso.com`, roles, ...extra });
    assert.equal(res.statusCode, 201, res.body);
    return res.json<User>();
  }

  async function patchUser(id: string, ...operations: unknown[]) {
    return h.request('PATCH', `/scim/v2/Users/${id}`, patch(...operations));
  }

  it('POST with the single-role shape stores the canonical role ("True", value ignoring case)', async () => {
    const user = await create([{ primary: 'True', type: AAD_ROLE, value: 'admin' }]);
    assert.deepEqual(user.roles, [{ value: 'Admin', display: 'Administrator', type: AAD_ROLE, primary: true }]);
    const read = (await h.request('GET', `/scim/v2/Users/${user.id}`)).json<User>();
    assert.deepEqual(read.roles, user.roles);
  });

  it('POST with the complex shape resolves display names too', async () => {
    const user = await create([
      { primary: false, displayName: 'Sales Editor', value: 'Sales Editor' },
      { primary: false, displayName: 'Auditor', value: 'auditor' },
    ]);
    assert.deepEqual(user.roles, [
      { value: 'sales.editor', display: 'Sales Editor', primary: false },
      { value: 'auditor', display: 'Auditor', primary: false },
    ]);
  });

  it('rejects an unknown or disabled role with 400 invalidValue naming the allowed values; nothing is created', async () => {
    for (const [value, why] of [
      ['Janitor', '"Janitor" is not an app role of this application'],
      ['Reader', 'app role "reader" is disabled'],
    ]) {
      const res = await h.request('POST', '/scim/v2/Users', {
        userName: 'nobody@contoso.com',
        roles: [{ primary: true, value }],
      });
      assert.equal(res.statusCode, 400);
      assert.deepEqual(res.json(), scimError(400, 'invalidValue', `roles: ${why}; ${ALLOWED}.`));
    }
    const list = await h.request('GET', '/scim/v2/Users?filter=userName%20eq%20%22nobody@contoso.com%22');
    assert.equal(list.json().totalResults, 0);
  });

  it('single-role mapping: add/replace of roles[primary eq "True"].value swaps the role', async () => {
    const user = await create([]);
    let res = await patchUser(user.id, { op: 'Add', path: 'roles[primary eq "True"].value', value: 'Sales Editor' });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json<User>().roles, [{ value: 'sales.editor', display: 'Sales Editor', primary: true }]);
    res = await patchUser(user.id, { op: 'Replace', path: 'roles[primary eq "True"].value', value: 'Admin' });
    assert.deepEqual(res.json<User>().roles, [{ value: 'Admin', display: 'Administrator', primary: true }]);
    const version = res.json<User>().meta.version;
    const again = await patchUser(user.id, {
      op: 'Replace',
      path: 'roles[primary eq "True"].value',
      value: 'administrator',
    });
    assert.equal(again.json<User>().meta.version, version, 'same role by display name: nothing changes');
    res = await patchUser(user.id, { op: 'Replace', path: 'roles[primary eq "True"].value', value: 'Janitor' });
    assert.deepEqual(
      res.json(),
      scimError(400, 'invalidValue', `roles: "Janitor" is not an app role of this application; ${ALLOWED}.`),
    );
  });

  it('complex mapping: Add with JSON-encoded roles merges; assertive replace swaps the set', async () => {
    const user = await create([]);
    let res = await patchUser(user.id, {
      op: 'Add',
      path: 'roles',
      value: [encoded('Admin', 'Administrator'), encoded('sales.editor', 'Sales Editor')],
    });
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json<User>().roles, [
      { value: 'Admin', display: 'Administrator', primary: false },
      { value: 'sales.editor', display: 'Sales Editor', primary: false },
    ]);
    const version = res.json<User>().meta.version;
    res = await patchUser(user.id, { op: 'Add', path: 'roles', value: [encoded('admin', 'Administrator')] });
    assert.equal(res.json<User>().meta.version, version, 'a re-sent role changes nothing');
    res = await patchUser(user.id, {
      op: 'replace',
      path: 'roles',
      value: [{ value: 'auditor', displayName: 'Auditor', primary: false }],
    });
    assert.deepEqual(res.json<User>().roles, [{ value: 'auditor', display: 'Auditor', primary: false }]);
    res = await patchUser(user.id, { op: 'Add', path: 'roles', value: [encoded('Janitor', 'Janitor')] });
    assert.equal(res.statusCode, 400);
    const read = (await h.request('GET', `/scim/v2/Users/${user.id}`)).json<User>();
    assert.deepEqual(read.roles, [{ value: 'auditor', display: 'Auditor', primary: false }], 'nothing changed');
  });

  it('path-less replace carrying roles and PUT are validated too', async () => {
    const user = await create([]);
    let res = await patchUser(user.id, { op: 'replace', value: { roles: [{ value: 'Sales Editor', primary: true }] } });
    assert.deepEqual(res.json<User>().roles, [{ value: 'sales.editor', display: 'Sales Editor', primary: true }]);
    res = await h.request('PUT', `/scim/v2/Users/${user.id}`, {
      userName: `user${seq}@contoso.com`,
      roles: [{ value: 'nope' }],
    });
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().scimType, 'invalidValue');
    res = await h.request('PUT', `/scim/v2/Users/${user.id}`, {
      userName: `user${seq}@contoso.com`,
      roles: [{ value: 'admin' }],
    });
    assert.deepEqual(res.json<User>().roles, [{ value: 'Admin', display: 'Administrator', primary: false }]);
  });

  it('filters users by role', async () => {
    const admin = await create([{ value: 'Admin', primary: true }], { userName: 'filter-admin@contoso.com' });
    await create([{ value: 'auditor' }], { userName: 'filter-auditor@contoso.com' });
    const res = await h.request(
      'GET',
      `/scim/v2/Users?filter=${encodeURIComponent('roles[value eq "Admin"] and userName sw "filter-"')}`,
    );
    assert.equal(res.statusCode, 200);
    const body = res.json<{ totalResults: number; Resources: User[] }>();
    assert.deepEqual([body.totalResults, body.Resources.map((u) => u.id)], [1, [admin.id]]);
    const dotted = await h.request(
      'GET',
      `/scim/v2/Users?filter=${encodeURIComponent('roles.value eq "auditor" and userName sw "filter-"')}`,
    );
    assert.equal(dotted.json().totalResults, 1);
  });

  it('inactive users keep roles and memberships; a role disabled later never blocks deprovisioning', async () => {
    const user = await create([{ value: 'auditor', primary: true }]);
    const group = await h.request('POST', '/scim/v2/Groups', {
      displayName: 'Auditors',
      members: [{ value: user.id }],
    });
    assert.equal(group.statusCode, 201);
    const groupId = group.json<{ id: string }>().id;
    await setRoleEnabled(h.store, 'auditor', false);
    try {
      const res = await patchUser(user.id, { op: 'Replace', path: 'active', value: 'False' });
      assert.equal(res.statusCode, 200, res.body);
      const read = (await h.request('GET', `/scim/v2/Users/${user.id}`)).json<User>();
      assert.equal(read.active, false);
      assert.deepEqual(read.roles, [{ value: 'auditor', display: 'Auditor', primary: true }]);
      assert.deepEqual(read.groups, [
        {
          value: groupId,
          $ref: `https://scim.example.com/scim/v2/Groups/${groupId}`,
          display: 'Auditors',
          type: 'direct',
        },
      ]);
      const members = (await h.request('GET', `/scim/v2/Groups/${groupId}`)).json<{ members: { value: string }[] }>();
      assert.deepEqual(
        members.members.map((m) => m.value),
        [user.id],
      );
      // Re-sending the held role (Entra's complex Add) is accepted although it is disabled now.
      const resent = await patchUser(user.id, { op: 'Add', path: 'roles', value: [encoded('auditor', 'Auditor')] });
      assert.equal(resent.statusCode, 200, resent.body);
      const enabled = await patchUser(user.id, { op: 'Replace', path: 'active', value: 'True' });
      assert.deepEqual(enabled.json<User>().roles, [{ value: 'auditor', display: 'Auditor', primary: true }]);
    } finally {
      await setRoleEnabled(h.store, 'auditor', true);
    }
  });

  it('a tenant narrowed to some roles refuses the others; other tenants are not affected', async () => {
    await setTenantRoles(h.store, 'acme', ['sales.editor']);
    try {
      const res = await h.request('POST', '/scim/v2/Users', {
        userName: 'narrow@contoso.com',
        roles: [{ value: 'Admin' }],
      });
      assert.deepEqual(
        res.json(),
        scimError(
          400,
          'invalidValue',
          'roles: app role "Admin" is not allowed for this tenant; allowed values: "sales.editor".',
        ),
      );
      const other = await h.request(
        'POST',
        '/scim/v2/Users',
        { userName: 'narrow@contoso.com', roles: [{ value: 'Admin' }] },
        { authorization: `Bearer ${h.otherToken}` },
      );
      assert.equal(other.statusCode, 201, other.body);
    } finally {
      await setTenantRoles(h.store, 'acme', null);
    }
  });
});

describeEachBackend('app roles through HTTP (no catalogue declared)', (backend) => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ backend });
  });
  after(() => h.close());

  it('stores roles as sent, normalised, so provisioning works before roles are declared', async () => {
    const res = await h.request('POST', '/scim/v2/Users', {
      userName: 'early@contoso.com',
      roles: [{ primary: 'True', type: AAD_ROLE, value: 'Anything' }],
    });
    assert.equal(res.statusCode, 201, res.body);
    assert.deepEqual(res.json<User>().roles, [{ value: 'Anything', type: AAD_ROLE, primary: true }]);
    const id = res.json<User>().id;
    const added = await h.request(
      'PATCH',
      `/scim/v2/Users/${id}`,
      patch({ op: 'Add', path: 'roles', value: [encoded('Other', 'Other')] }),
    );
    assert.deepEqual(added.json<User>().roles, [
      { value: 'Anything', type: AAD_ROLE, primary: true },
      { value: 'Other', display: 'Other' },
    ]);
  });
});
