/**
 * Entra ID request shapes replayed through the whole door: normalizePatchRequest →
 * parsePatchRequest → applyPatch. Each pair sends the same change in the default dialect and
 * in the `?aadOptscim062020` one (entra.md §6–8); both must give the same result.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyPatch } from '../patch/apply.js';
import { parsePatchRequest } from '../patch/parse.js';
import { ENTERPRISE, patchOp } from '../patch/test-support/fixtures.js';
import type { PatchResult } from '../patch/types.js';
import { prepareResourceBody } from '../resource/validate.js';
import { GROUP_RESOURCE_TYPE, USER_RESOURCE_TYPE } from '../schema/registry.js';
import type { ResourceTypeDefinition } from '../schema/types.js';
import { URN } from '../schema/urns.js';
import { normalizePatchRequest, normalizeResourceBody } from './normalize.js';

function replay(type: ResourceTypeDefinition, body: Record<string, unknown>, raw: unknown, id?: string): PatchResult {
  return applyPatch(type, body, parsePatchRequest(normalizePatchRequest(type, raw, id)));
}

/** entra.md §5: the POST Entra sends, stored as the service would store it. */
const ENTRA_POST = {
  schemas: [URN.user, ENTERPRISE],
  externalId: 'jdoe',
  userName: 'jdoe@contoso.com',
  active: true,
  emails: [{ primary: true, type: 'work', value: 'jdoe@contoso.com' }],
  meta: { resourceType: 'User' },
  roles: [],
};
const USER = prepareResourceBody(USER_RESOURCE_TYPE, normalizeResourceBody(USER_RESOURCE_TYPE, ENTRA_POST)).body;
const GROUP = { schemas: [URN.group], displayName: 'Sales' };

type Pair = {
  name: string;
  type: ResourceTypeDefinition;
  base: Record<string, unknown>;
  standard: unknown[];
  compliant: unknown[];
  body: Record<string, unknown>;
  memberChanges?: unknown[];
};

const PAIRS: Pair[] = [
  {
    name: 'disable a user',
    type: USER_RESOURCE_TYPE,
    base: USER,
    standard: [{ op: 'Replace', path: 'active', value: 'False' }],
    compliant: [{ op: 'replace', path: 'active', value: false }],
    body: { ...USER, active: false },
  },
  {
    name: 'update many attributes',
    type: USER_RESOURCE_TYPE,
    base: USER,
    standard: [
      { op: 'Replace', path: 'displayName', value: 'B' },
      { op: 'Add', path: 'name.givenName', value: 'K' },
      { op: 'Replace', path: `${ENTERPRISE}:employeeNumber`, value: '7' },
      { op: 'Replace', path: 'emails[type eq "work"].value', value: 'k@contoso.com' },
    ],
    compliant: [
      {
        op: 'replace',
        value: {
          displayName: 'B',
          'name.givenName': 'K',
          [`${ENTERPRISE}:employeeNumber`]: '7',
          'emails[type eq "work"].value': 'k@contoso.com',
        },
      },
    ],
    body: {
      ...USER,
      schemas: [URN.user, ENTERPRISE],
      displayName: 'B',
      name: { givenName: 'K' },
      emails: [{ primary: true, type: 'work', value: 'k@contoso.com' }],
      [ENTERPRISE]: { employeeNumber: '7' },
    },
  },
  {
    name: 'set a work phone that does not exist yet',
    type: USER_RESOURCE_TYPE,
    base: USER,
    standard: [{ op: 'Add', path: 'phoneNumbers[type eq "work"].value', value: '+1 555 0100' }],
    compliant: [{ op: 'replace', value: { 'phoneNumbers[type eq "work"].value': '+1 555 0100' } }],
    body: { ...USER, phoneNumbers: [{ type: 'work', value: '+1 555 0100' }] },
  },
  {
    name: 'link a manager (bare string vs object)',
    type: USER_RESOURCE_TYPE,
    base: USER,
    standard: [{ op: 'Add', path: `${ENTERPRISE}:manager`, value: '2c2f6fb8' }],
    compliant: [{ op: 'add', path: `${ENTERPRISE}:manager`, value: { value: '2c2f6fb8' } }],
    body: { ...USER, schemas: [URN.user, ENTERPRISE], [ENTERPRISE]: { manager: { value: '2c2f6fb8' } } },
  },
  {
    name: 'link a manager (old sample array vs path-less URN key)',
    type: USER_RESOURCE_TYPE,
    base: USER,
    standard: [{ op: 'Add', path: `${ENTERPRISE}:manager`, value: [{ $ref: '../Users/2c2f6fb8', value: '2c2f6fb8' }] }],
    compliant: [{ op: 'add', value: { [`${ENTERPRISE}:manager`]: '2c2f6fb8' } }],
    body: { ...USER, schemas: [URN.user, ENTERPRISE], [ENTERPRISE]: { manager: { value: '2c2f6fb8' } } },
  },
  {
    name: 'assign a role (JSON-encoded string vs object)',
    type: USER_RESOURCE_TYPE,
    base: USER,
    standard: [
      {
        op: 'Add',
        path: 'roles',
        value: [{ value: '{"id":"06b0c1e2-0000-4000-8000-000000000001","value":"Admin","displayName":"Admin"}' }],
      },
    ],
    compliant: [{ op: 'add', path: 'roles', value: [{ value: 'Admin', display: 'Admin' }] }],
    body: { ...USER, roles: [{ value: 'Admin', display: 'Admin' }] },
  },
  {
    name: 'single app role through roles[primary eq "True"].value',
    type: USER_RESOURCE_TYPE,
    base: USER,
    standard: [{ op: 'Add', path: 'roles[primary eq "True"].value', value: 'Admin' }],
    compliant: [{ op: 'add', path: 'roles[primary eq true].value', value: 'Admin' }],
    body: { ...USER, roles: [{ primary: true, value: 'Admin' }] },
  },
  {
    name: 'drop a member',
    type: GROUP_RESOURCE_TYPE,
    base: GROUP,
    standard: [{ op: 'Remove', path: 'members', value: [{ value: 'u1091' }] }],
    compliant: [{ op: 'remove', path: 'members[value eq "u1091"]' }],
    body: GROUP,
    memberChanges: [{ kind: 'remove', ids: ['u1091'] }],
  },
  {
    name: 'drop several members',
    type: GROUP_RESOURCE_TYPE,
    base: GROUP,
    standard: [{ op: 'Remove', path: 'members', value: [{ value: 'u1' }, { value: 'u2' }] }],
    compliant: [
      { op: 'remove', path: 'members[value eq "u1"]' },
      { op: 'remove', path: 'members[value eq "u2"]' },
    ],
    body: GROUP,
    memberChanges: [{ kind: 'remove', ids: ['u1', 'u2'] }],
  },
  {
    name: 'add members',
    type: GROUP_RESOURCE_TYPE,
    base: GROUP,
    standard: [
      {
        op: 'Add',
        path: 'members',
        value: [
          { $ref: null, value: 'u1' },
          { $ref: null, value: 'u2' },
        ],
      },
    ],
    compliant: [{ op: 'add', path: 'members', value: [{ value: 'u1' }, { value: 'u2' }] }],
    body: GROUP,
    memberChanges: [{ kind: 'add', members: [{ value: 'u1' }, { value: 'u2' }] }],
  },
];

describe('Entra dialects normalise to the same result', () => {
  for (const pair of PAIRS) {
    it(pair.name, () => {
      const standard = replay(pair.type, pair.base, patchOp(...pair.standard));
      const compliant = replay(pair.type, pair.base, patchOp(...pair.compliant));
      assert.deepEqual(standard, compliant);
      assert.deepEqual(standard.body, pair.body);
      assert.deepEqual(standard.memberChanges, pair.memberChanges ?? []);
    });

    it(`${pair.name}: a repeated request changes nothing`, () => {
      const first = replay(pair.type, pair.base, patchOp(...pair.standard));
      const again = replay(pair.type, first.body, patchOp(...pair.standard));
      assert.deepEqual(again.body, first.body);
      assert.deepEqual(
        again.changedAttributes,
        pair.memberChanges === undefined ? [] : ['members'],
        'member steps repeat; the store reports 0 rows changed',
      );
    });
  }
});

describe('Entra sequences', () => {
  it('stores the §5 POST as canonical SCIM with empty roles and client meta dropped', () => {
    assert.deepEqual(USER, {
      schemas: [URN.user],
      externalId: 'jdoe',
      userName: 'jdoe@contoso.com',
      active: true,
      emails: [{ primary: true, type: 'work', value: 'jdoe@contoso.com' }],
    });
  });

  it('create → link manager → disable → re-enable → unlink manager', () => {
    const steps = [
      [{ op: 'Add', path: `${ENTERPRISE}:manager`, value: 'm-1' }],
      [{ op: 'Replace', path: 'active', value: 'False' }],
      [{ op: 'Replace', path: 'active', value: 'True' }],
      [{ op: 'Remove', path: `${ENTERPRISE}:manager` }],
    ];
    const changed: unknown[] = [];
    let body = USER;
    for (const ops of steps) {
      const result = replay(USER_RESOURCE_TYPE, body, patchOp(...ops));
      changed.push(result.changedAttributes);
      body = result.body;
    }
    assert.deepEqual(changed, [[`${ENTERPRISE}:manager`], ['active'], ['active'], [`${ENTERPRISE}:manager`]]);
    assert.deepEqual(body, USER);
  });

  it('Complex role mapping: Add merges by value, AssertiveAppRoleAssignmentsComplex replace swaps the set', () => {
    const encoded = (value: string) => ({ value: JSON.stringify({ id: `id-${value}`, value, displayName: value }) });
    let body = replay(
      USER_RESOURCE_TYPE,
      USER,
      patchOp({ op: 'Add', path: 'roles', value: [encoded('Admin'), encoded('Reader')] }),
    ).body;
    body = replay(USER_RESOURCE_TYPE, body, patchOp({ op: 'Add', path: 'roles', value: [encoded('admin')] })).body;
    assert.deepEqual(body.roles, [
      { value: 'admin', display: 'admin' },
      { value: 'Reader', display: 'Reader' },
    ]);
    body = replay(
      USER_RESOURCE_TYPE,
      body,
      patchOp({ op: 'replace', path: 'roles', value: [{ value: 'Editor', displayName: 'Editor', primary: false }] }),
    ).body;
    assert.deepEqual(body.roles, [{ value: 'Editor', display: 'Editor', primary: false }]);
  });

  it('a failing operation in an Entra batch leaves the stored body as it was', () => {
    const before = structuredClone(USER);
    assert.throws(() =>
      replay(
        USER_RESOURCE_TYPE,
        USER,
        patchOp({ op: 'Replace', path: 'displayName', value: 'B' }, { op: 'Replace', path: 'active', value: 'Maybe' }),
      ),
    );
    assert.deepEqual(USER, before);
  });
});
