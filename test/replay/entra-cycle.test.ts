/**
 * A Microsoft Entra ID provisioning job replayed through the real HTTP stack, with the exact
 * responses expected at each step (shared/reference/entra.md §2–§9): Test Connection, the
 * initial cycle, incremental updates, role changes, group membership, disable, unassign,
 * re-enable, hard delete and retries. The same cycle runs again with `?aadOptscim062020` on the
 * Tenant URL, sending the compliant PATCH dialect, and must leave identical stored state.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { type Harness, NOW, startHarness } from '../../src/http/test-support/harness.js';
import { describeEachBackend } from '../../src/store/test-support/backends.js';
import { addRole } from '../../src/tenancy/role-catalogue.js';
import { CORE_GROUP, CORE_USER, ENTERPRISE, emptyList, error, LIST, patchOp, Replayer } from './replay-support.js';

type Dialect = 'default' | 'aadOptscim062020';

const BASE = '/t/acme/scim/v2';
const ORIGIN = 'https://scim.example.com/t/acme/scim/v2';
const ADSCIM_GROUP = 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group';
const AAD_ROLE = 'WindowsAzureActiveDirectoryRole';
const PROBE = '6b7a1b2c-0f3e-4e2a-9c51-7d1f0b8e4a11';
const ALLOWED = 'allowed values: "Admin", "sales.editor", "reader"';

const q = (filter: string) => encodeURIComponent(filter);

function meta(type: 'User' | 'Group', name: string, version: number) {
  return {
    resourceType: type,
    created: '<ts>',
    lastModified: '<ts>',
    location: `${ORIGIN}/${type}s/<${name}>`,
    version: `W/"${version}"`,
  };
}

/** What Entra POSTs for a user with the single-role mapping (entra.md §5, §8). */
function entraUser(userName: string, externalId: string, given: string, family: string, role: string, number: string) {
  return {
    schemas: [CORE_USER, ENTERPRISE],
    externalId,
    userName,
    active: true,
    displayName: `${given} ${family}`,
    emails: [{ primary: true, type: 'work', value: userName }],
    meta: { resourceType: 'User' },
    name: { formatted: `${given} ${family}`, familyName: family, givenName: given },
    roles: [{ primary: 'True', type: AAD_ROLE, value: role }],
    [ENTERPRISE]: { employeeNumber: number, department: 'Sales' },
  };
}

const ADMIN_ROLE = { value: 'Admin', display: 'Administrator', type: AAD_ROLE, primary: true };
const EDITOR_ROLE = { value: 'sales.editor', display: 'Sales Editor', type: AAD_ROLE, primary: true };

function jdoeBody(version: number, extra: Record<string, unknown> = {}) {
  return {
    schemas: [CORE_USER, ENTERPRISE],
    id: '<jdoe>',
    externalId: 'jdoe',
    userName: 'jdoe@contoso.com',
    active: true,
    displayName: 'John Doe',
    emails: [{ primary: true, type: 'work', value: 'jdoe@contoso.com' }],
    name: { formatted: 'John Doe', familyName: 'Doe', givenName: 'John' },
    roles: [ADMIN_ROLE],
    [ENTERPRISE]: { employeeNumber: '701984', department: 'Sales' },
    ...extra,
    meta: meta('User', 'jdoe', version),
  };
}

const salesRef = { value: '<sales>', $ref: `${ORIGIN}/Groups/<sales>`, display: 'Sales', type: 'direct' };
const member = (name: string, display: string) => ({
  value: `<${name}>`,
  $ref: `${ORIGIN}/Users/<${name}>`,
  type: 'User',
  display,
});

/** The state of jdoe after the incremental update (step 4). */
const UPDATED = {
  displayName: 'John M. Doe',
  name: { formatted: 'John Doe', familyName: 'Doe', givenName: 'Johnny' },
  title: 'Account Executive',
  [ENTERPRISE]: { employeeNumber: '701984', department: 'Sales', manager: { value: '<boss>' } },
};

async function runCycle(r: Replayer, dialect: Dialect): Promise<void> {
  const compliant = dialect === 'aadOptscim062020';
  const op = (name: 'Add' | 'Replace' | 'Remove') => (compliant ? name.toLowerCase() : name);

  // 1. Test Connection: a user and a group that cannot exist → 200 + empty list; bad token → 401.
  await r.expect('GET', `/Users?filter=${q(`userName eq "${PROBE}"`)}`, undefined, 200, emptyList());
  await r.expect('GET', `/Users?filter=${q(`externalId eq "${PROBE}"`)}`, undefined, 200, emptyList());
  await r.expect(
    'GET',
    `/Groups?excludedAttributes=members&filter=${q(`displayName eq "${PROBE}"`)}`,
    undefined,
    200,
    emptyList(),
  );
  await r.expect(
    'GET',
    `/Users?filter=${q(`userName eq "${PROBE}"`)}`,
    undefined,
    401,
    error(401, undefined, 'Authentication is required: send a valid bearer token.'),
    { authorization: `Bearer ${r.harness.otherToken}` },
  );

  // 2. Initial cycle: match by userName (none), create; the manager first, then jdoe.
  for (const [name, userName, body] of [
    ['boss', 'boss@contoso.com', entraUser('boss@contoso.com', 'boss', 'Bo', 'Ss', 'Sales Editor', '1')],
    ['jdoe', 'jdoe@contoso.com', entraUser('jdoe@contoso.com', 'jdoe', 'John', 'Doe', 'admin', '701984')],
  ] as const) {
    await r.expect('GET', `/Users?filter=${q(`userName eq "${userName}"`)}`, undefined, 200, emptyList());
    const res = await r.harness.request('POST', r.url('/Users'), body);
    assert.equal(res.statusCode, 201, res.body);
    assert.equal(res.headers.location, `${ORIGIN}/Users/${res.json<{ id: string }>().id}`);
    r.name(name, res.json<{ id: string }>().id);
  }
  assert.deepEqual(r.normalize((await r.harness.request('GET', r.url(`/Users/${r.id('jdoe')}`))).body), jdoeBody(1));
  const boss = (await r.send('GET', `/Users/${r.id('boss')}`)).body as Record<string, unknown>;
  assert.deepEqual(boss.roles, [EDITOR_ROLE]);

  // Groups: lookup by displayName without members, create with the ADSCIM schema, add members.
  await r.expect(
    'GET',
    `/Groups?excludedAttributes=members&filter=${q('displayName eq "Sales"')}`,
    undefined,
    200,
    emptyList(),
  );
  const group = await r.harness.request('POST', r.url('/Groups'), {
    schemas: [CORE_GROUP, ADSCIM_GROUP],
    externalId: '8aa1a0c0-c4c3-4bc0-a4a5-2ef676900159',
    displayName: 'Sales',
    meta: { resourceType: 'Group' },
  });
  assert.equal(group.statusCode, 201, group.body);
  r.name('sales', group.json<{ id: string }>().id);
  assert.deepEqual(r.normalize(group.body), {
    schemas: [CORE_GROUP],
    id: '<sales>',
    externalId: '8aa1a0c0-c4c3-4bc0-a4a5-2ef676900159',
    displayName: 'Sales',
    meta: meta('Group', 'sales', 1),
  });
  const addMembers = patchOp({
    op: op('Add'),
    path: 'members',
    value: [
      { $ref: null, value: r.id('jdoe') },
      { $ref: null, value: r.id('boss') },
    ],
  });
  await r.expect('PATCH', `/Groups/${r.id('sales')}`, addMembers, 204, undefined);
  await r.expect('GET', `/Groups/${r.id('sales')}?excludedAttributes=members`, undefined, 200, {
    schemas: [CORE_GROUP],
    id: '<sales>',
    externalId: '8aa1a0c0-c4c3-4bc0-a4a5-2ef676900159',
    displayName: 'Sales',
    meta: meta('Group', 'sales', 2),
  });

  // 3. Incremental update: several attributes, "True" as a string, manager as a bare id.
  const manager = { op: op('Add'), path: `${ENTERPRISE}:manager`, value: r.id('boss') };
  const update = compliant
    ? patchOp(
        {
          op: 'replace',
          value: { displayName: 'John M. Doe', 'name.givenName': 'Johnny', title: 'Account Executive', active: true },
        },
        manager,
      )
    : patchOp(
        { op: 'Replace', path: 'displayName', value: 'John M. Doe' },
        { op: 'Replace', path: 'name.givenName', value: 'Johnny' },
        { op: 'Add', path: 'title', value: 'Account Executive' },
        { op: 'Replace', path: 'active', value: 'True' },
        manager,
      );
  const updated = jdoeBody(2, { ...UPDATED, groups: [salesRef] });
  await r.expect('PATCH', `/Users/${r.id('jdoe')}`, update, 200, updated);
  // A retried PATCH changes nothing: same version.
  await r.expect('PATCH', `/Users/${r.id('jdoe')}`, update, 200, updated);

  // 4. Role change: the complex mapping adds JSON-encoded roles; an unknown one is refused.
  const encoded = (value: string, displayName: string) => ({
    value: JSON.stringify({ id: '06b07648-ecfe-489f-9d2f-6f6b3f6e2a11', value, displayName }),
  });
  const addRoles = compliant
    ? patchOp({ op: 'add', path: 'roles', value: [{ value: 'sales.editor', displayName: 'Sales Editor' }] })
    : patchOp({ op: 'Add', path: 'roles', value: [encoded('sales.editor', 'Sales Editor')] });
  const twoRoles = [ADMIN_ROLE, { value: 'sales.editor', display: 'Sales Editor', primary: false }];
  await r.expect(
    'PATCH',
    `/Users/${r.id('jdoe')}`,
    addRoles,
    200,
    jdoeBody(3, { ...UPDATED, roles: twoRoles, groups: [salesRef] }),
  );
  await r.expect(
    'PATCH',
    `/Users/${r.id('jdoe')}`,
    patchOp({ op: op('Add'), path: 'roles', value: [encoded('Janitor', 'Janitor')] }),
    400,
    error(400, 'invalidValue', `roles: "Janitor" is not an app role of this application; ${ALLOWED}.`),
  );
  // AssertiveAppRoleAssignmentsComplex: replace with the full set.
  const assertive = patchOp({
    op: op('Replace'),
    path: 'roles',
    value: [
      { primary: false, displayName: 'Sales Editor', value: 'sales.editor' },
      { primary: false, displayName: 'Reader', value: 'Reader' },
    ],
  });
  const finalRoles = [
    { value: 'sales.editor', display: 'Sales Editor', primary: false },
    { value: 'reader', display: 'Reader', primary: false },
  ];
  await r.expect(
    'PATCH',
    `/Users/${r.id('jdoe')}`,
    assertive,
    200,
    jdoeBody(4, { ...UPDATED, roles: finalRoles, groups: [salesRef] }),
  );

  // 5. Group membership: drop boss (legacy value list vs compliant filter), re-adds are no-ops.
  const dropBoss = compliant
    ? patchOp({ op: 'remove', path: `members[value eq "${r.id('boss')}"]` })
    : patchOp({ op: 'Remove', path: 'members', value: [{ value: r.id('boss') }] });
  await r.expect('PATCH', `/Groups/${r.id('sales')}`, dropBoss, 204, undefined);
  await r.expect('PATCH', `/Groups/${r.id('sales')}`, dropBoss, 204, undefined);
  await r.expect(
    'PATCH',
    `/Groups/${r.id('sales')}`,
    patchOp({ op: op('Add'), path: 'members', value: [{ value: r.id('jdoe') }] }),
    204,
    undefined,
  );
  const salesWithJdoe = {
    schemas: [CORE_GROUP],
    id: '<sales>',
    externalId: '8aa1a0c0-c4c3-4bc0-a4a5-2ef676900159',
    displayName: 'Sales',
    members: [member('jdoe', 'John M. Doe')],
    meta: meta('Group', 'sales', 3),
  };
  await r.expect('GET', `/Groups/${r.id('sales')}`, undefined, 200, salesWithJdoe);

  // 6. Disable (soft delete / accountEnabled false) and unassign: active false; roles and
  // memberships stay, the inactive user is still found by filter.
  const disable = patchOp({ op: op('Replace'), path: 'active', value: compliant ? false : 'False' });
  const disabled = jdoeBody(5, { ...UPDATED, active: false, roles: finalRoles, groups: [salesRef] });
  await r.expect('PATCH', `/Users/${r.id('jdoe')}`, disable, 200, disabled);
  await r.expect('PATCH', `/Users/${r.id('jdoe')}`, disable, 200, disabled);
  await r.expect('GET', `/Users?filter=${q('userName eq "JDOE@contoso.com"')}`, undefined, 200, {
    schemas: [LIST],
    totalResults: 1,
    startIndex: 1,
    itemsPerPage: 1,
    Resources: [disabled],
  });
  await r.expect('GET', `/Groups/${r.id('sales')}`, undefined, 200, salesWithJdoe);

  // 7. Re-enable: active "True"; everything is still there.
  const enable = patchOp({ op: op('Replace'), path: 'active', value: compliant ? true : 'True' });
  await r.expect(
    'PATCH',
    `/Users/${r.id('jdoe')}`,
    enable,
    200,
    jdoeBody(6, { ...UPDATED, roles: finalRoles, groups: [salesRef] }),
  );

  // 8. Hard delete of the manager: 204, then 404 on read and on a retried DELETE.
  await r.expect('DELETE', `/Users/${r.id('boss')}`, undefined, 204, undefined);
  const gone = error(404, undefined, `User "${r.id('boss')}" not found.`);
  await r.expect('DELETE', `/Users/${r.id('boss')}`, undefined, 404, r.normalize(JSON.stringify(gone)));
  await r.expect('GET', `/Users/${r.id('boss')}`, undefined, 404, r.normalize(JSON.stringify(gone)));

  // 9. A retried POST of an existing user is a 409 uniqueness, never a second user.
  await r.expect(
    'POST',
    '/Users',
    entraUser('jdoe@contoso.com', 'jdoe', 'John', 'Doe', 'admin', '701984'),
    409,
    error(409, 'uniqueness', 'userName "jdoe@contoso.com" is already taken'),
  );
}

describeEachBackend('Entra provisioning cycle replayed through HTTP', (backend) => {
  let plain: Harness;
  let flagged: Harness;
  const runs: Record<Dialect, Replayer | undefined> = { default: undefined, aadOptscim062020: undefined };

  async function withCatalogue(): Promise<Harness> {
    const h = await startHarness({ backend });
    const at = (s: number) => new Date(NOW.getTime() + s * 1000);
    await addRole(h.store, { value: 'Admin', displayName: 'Administrator' }, at(0));
    await addRole(h.store, { value: 'sales.editor', displayName: 'Sales Editor' }, at(1));
    await addRole(h.store, { value: 'reader', displayName: 'Reader' }, at(2));
    return h;
  }

  before(async () => {
    plain = await withCatalogue();
    flagged = await withCatalogue();
  });
  after(async () => {
    await plain.close();
    await flagged.close();
  });

  it('default dialect: every step answers exactly as expected', async () => {
    runs.default = new Replayer(plain, BASE);
    await runCycle(runs.default, 'default');
  });

  it('?aadOptscim062020 with the compliant dialect: every step answers the same', async () => {
    runs.aadOptscim062020 = new Replayer(flagged, BASE, 'aadOptscim062020');
    await runCycle(runs.aadOptscim062020, 'aadOptscim062020');
  });

  it('both runs leave identical stored state', async () => {
    assert.ok(runs.default && runs.aadOptscim062020);
    const a = await runs.default.snapshot();
    const b = await runs.aadOptscim062020.snapshot();
    assert.deepEqual(a, b);
    assert.equal((a as { users: unknown[] }).users.length, 1);
  });
});
