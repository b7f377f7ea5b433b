import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { USER_RESOURCE_TYPE } from '../schema/registry.js';
import type { ResourceTypeDefinition } from '../schema/types.js';
import { URN } from '../schema/urns.js';
import { applyPatch } from './apply.js';
import { parsePatchRequest } from './parse.js';
import { assertScimError, ENTERPRISE, patchOp } from './test-support/fixtures.js';
import type { PatchResult } from './types.js';

const USER: Record<string, unknown> = {
  schemas: [URN.user],
  userName: 'jdoe@contoso.com',
  active: true,
  name: { givenName: 'John', familyName: 'Doe' },
  emails: [{ value: 'jdoe@contoso.com', type: 'work', primary: true }],
};

function patch(type: ResourceTypeDefinition, body: Record<string, unknown>, ...ops: unknown[]): PatchResult {
  return applyPatch(type, body, parsePatchRequest(patchOp(...ops)));
}

const user = (...ops: unknown[]) => patch(USER_RESOURCE_TYPE, USER, ...ops);

/** [name, operations, expected body, expected changedAttributes] for the User fixture. */
type Case = [string, unknown[], Record<string, unknown>, string[]];

const work = { value: 'jdoe@contoso.com', type: 'work', primary: true };

const USER_CASES: Case[] = [
  ['replace a boolean', [{ op: 'replace', path: 'active', value: false }], { ...USER, active: false }, ['active']],
  ['add a singular attribute', [{ op: 'add', path: 'title', value: 'CEO' }], { ...USER, title: 'CEO' }, ['title']],
  [
    'add on a set singular value replaces it',
    [{ op: 'add', path: 'userName', value: 'j@x' }],
    { ...USER, userName: 'j@x' },
    ['userName'],
  ],
  [
    'canonical spelling of the attribute name',
    [{ op: 'replace', path: 'USERNAME', value: 'j@x' }],
    { ...USER, userName: 'j@x' },
    ['userName'],
  ],
  [
    'set a sub-attribute',
    [{ op: 'replace', path: 'name.GIVENNAME', value: 'Jim' }],
    { ...USER, name: { givenName: 'Jim', familyName: 'Doe' } },
    ['name'],
  ],
  [
    'replace a complex attribute merges its sub-attributes (RFC 7644 §3.5.2.3)',
    [{ op: 'replace', path: 'name', value: { formatted: 'J. Doe' } }],
    { ...USER, name: { givenName: 'John', familyName: 'Doe', formatted: 'J. Doe' } },
    ['name'],
  ],
  [
    'remove a sub-attribute',
    [{ op: 'remove', path: 'name.givenName' }],
    { ...USER, name: { familyName: 'Doe' } },
    ['name'],
  ],
  [
    'removing the last sub-attribute unassigns the attribute',
    [
      { op: 'remove', path: 'name.givenName' },
      { op: 'remove', path: 'name.familyName' },
    ],
    { schemas: [URN.user], userName: 'jdoe@contoso.com', active: true, emails: [work] },
    ['name'],
  ],
  [
    'add appends to a multi-valued attribute',
    [{ op: 'add', path: 'emails', value: [{ value: 'j@home', type: 'home' }] }],
    { ...USER, emails: [work, { value: 'j@home', type: 'home' }] },
    ['emails'],
  ],
  [
    'add accepts a lone element for a multi-valued attribute',
    [{ op: 'add', path: 'emails', value: { value: 'j@home', type: 'home' } }],
    { ...USER, emails: [work, { value: 'j@home', type: 'home' }] },
    ['emails'],
  ],
  [
    'add of a value already present changes nothing (RFC 7644 §3.5.2.1)',
    [{ op: 'add', path: 'emails', value: [{ value: 'JDOE@contoso.com', type: 'work' }] }],
    { ...USER, emails: [{ value: 'JDOE@contoso.com', type: 'work', primary: true }] },
    ['emails'],
  ],
  ['add of an identical element is a no-op', [{ op: 'add', path: 'emails', value: [work] }], USER, []],
  [
    'a new primary takes primary away from the others (RFC 7643 §2.4)',
    [{ op: 'add', path: 'emails', value: [{ value: 'j@home', type: 'home', primary: true }] }],
    {
      ...USER,
      emails: [
        { ...work, primary: false },
        { value: 'j@home', type: 'home', primary: true },
      ],
    },
    ['emails'],
  ],
  [
    'replace of a multi-valued attribute swaps the whole set',
    [{ op: 'replace', path: 'emails', value: [{ value: 'a@x', type: 'other' }] }],
    { ...USER, emails: [{ value: 'a@x', type: 'other' }] },
    ['emails'],
  ],
  [
    'replace with [] unassigns (RFC 7643 §2.5)',
    [{ op: 'replace', path: 'emails', value: [] }],
    { schemas: [URN.user], userName: 'jdoe@contoso.com', active: true, name: USER.name },
    ['emails'],
  ],
  [
    'replace with null unassigns',
    [{ op: 'replace', path: 'active', value: null }],
    { schemas: [URN.user], userName: 'jdoe@contoso.com', name: USER.name, emails: [work] },
    ['active'],
  ],
  [
    'replace a sub-attribute of the matching elements',
    [{ op: 'replace', path: 'emails[type eq "work"].value', value: 'new@contoso.com' }],
    { ...USER, emails: [{ ...work, value: 'new@contoso.com' }] },
    ['emails'],
  ],
  [
    'replace matched elements merges a complex value',
    [{ op: 'replace', path: 'emails[type eq "work"]', value: { display: 'Work' } }],
    { ...USER, emails: [{ ...work, display: 'Work' }] },
    ['emails'],
  ],
  [
    'add to a filtered sub-attribute with no match creates the element (Entra)',
    [{ op: 'add', path: 'emails[type eq "home"].value', value: 'j@home' }],
    { ...USER, emails: [work, { type: 'home', value: 'j@home' }] },
    ['emails'],
  ],
  [
    'replace of a filtered sub-attribute with no match creates it too (Entra, docs/compat.md)',
    [{ op: 'replace', path: 'phoneNumbers[type eq "mobile"].value', value: '+1 555' }],
    { ...USER, phoneNumbers: [{ type: 'mobile', value: '+1 555' }] },
    ['phoneNumbers'],
  ],
  [
    'add with a filter pinning two sub-attributes creates both',
    [{ op: 'add', path: 'addresses[type eq "work" and primary eq true].locality', value: 'Paris' }],
    { ...USER, addresses: [{ type: 'work', primary: true, locality: 'Paris' }] },
    ['addresses'],
  ],
  [
    'add of a whole element under a filter with no match creates it',
    [{ op: 'add', path: 'emails[type eq "home"]', value: { value: 'j@home' } }],
    { ...USER, emails: [work, { type: 'home', value: 'j@home' }] },
    ['emails'],
  ],
  [
    'a string "True" in a valuePath filter compares as a boolean (Entra roles)',
    [{ op: 'replace', path: 'roles[primary eq "True"].value', value: 'Admin' }],
    { ...USER, roles: [{ primary: true, value: 'Admin' }] },
    ['roles'],
  ],
  [
    'a sub-attribute without a filter targets every element',
    [{ op: 'replace', path: 'emails.display', value: 'Mail' }],
    { ...USER, emails: [{ ...work, display: 'Mail' }] },
    ['emails'],
  ],
  [
    'remove the matching elements; none left unassigns',
    [{ op: 'remove', path: 'emails[type eq "work"]' }],
    { schemas: [URN.user], userName: 'jdoe@contoso.com', active: true, name: USER.name },
    ['emails'],
  ],
  [
    'remove a sub-attribute of the matching elements',
    [{ op: 'remove', path: 'emails[type eq "work"].primary' }],
    { ...USER, emails: [{ value: 'jdoe@contoso.com', type: 'work' }] },
    ['emails'],
  ],
  [
    'remove with a filter that matches nothing succeeds unchanged',
    [{ op: 'remove', path: 'emails[type eq "home"]' }],
    USER,
    [],
  ],
  ['remove of an absent attribute succeeds unchanged', [{ op: 'remove', path: 'title' }], USER, []],
  [
    'remove with a value list removes only those values',
    [
      { op: 'add', path: 'emails', value: [{ value: 'j@home', type: 'home' }] },
      { op: 'remove', path: 'emails', value: [{ value: 'j@HOME' }] },
    ],
    USER,
    [],
  ],
  [
    'path-less add merges: singular replaced, multi-valued appended',
    [{ op: 'add', value: { title: 'CEO', emails: [{ value: 'j@home', type: 'home' }] } }],
    { ...USER, title: 'CEO', emails: [work, { value: 'j@home', type: 'home' }] },
    ['emails', 'title'],
  ],
  [
    'path-less replace with an extension object adds the extension URN to schemas',
    [{ op: 'replace', value: { [ENTERPRISE]: { Department: 'Sales' } } }],
    { ...USER, schemas: [URN.user, ENTERPRISE], [ENTERPRISE]: { department: 'Sales' } },
    [`${ENTERPRISE}:department`],
  ],
  [
    'path-less replace ignores `schemas` and keys of unknown schema URNs',
    [{ op: 'replace', value: { schemas: [URN.user], 'urn:example:custom:2.0:User:badge': '7', active: false } }],
    { ...USER, active: false },
    ['active'],
  ],
  [
    'an unqualified extension attribute in a path-less value',
    [{ op: 'add', value: { department: 'Sales' } }],
    { ...USER, schemas: [URN.user, ENTERPRISE], [ENTERPRISE]: { department: 'Sales' } },
    [`${ENTERPRISE}:department`],
  ],
  [
    'a path into an unknown extension is ignored',
    [{ op: 'add', path: 'urn:example:custom:2.0:User:badge', value: '7' }],
    USER,
    [],
  ],
  [
    'an extension attribute by URN path',
    [{ op: 'add', path: `${ENTERPRISE}:manager`, value: { value: 'm1' } }],
    { ...USER, schemas: [URN.user, ENTERPRISE], [ENTERPRISE]: { manager: { value: 'm1' } } },
    [`${ENTERPRISE}:manager`],
  ],
  [
    'a readOnly sub-attribute inside a value is ignored (manager.displayName)',
    [{ op: 'add', path: `${ENTERPRISE}:manager`, value: { value: 'm1', displayName: 'Boss' } }],
    { ...USER, schemas: [URN.user, ENTERPRISE], [ENTERPRISE]: { manager: { value: 'm1' } } },
    [`${ENTERPRISE}:manager`],
  ],
  [
    'writeOnly password is accepted and not stored',
    [
      { op: 'replace', path: 'password', value: 's3cret' },
      { op: 'replace', value: { password: 'x' } },
    ],
    USER,
    [],
  ],
  [
    'an empty string unassigns',
    [{ op: 'replace', path: 'name.givenName', value: '' }],
    { ...USER, name: { familyName: 'Doe' } },
    ['name'],
  ],
];

describe('applyPatch on a User', () => {
  for (const [name, ops, body, changed] of USER_CASES) {
    it(name, () => {
      const result = user(...ops);
      assert.deepEqual(result.body, body);
      assert.deepEqual(result.changedAttributes, changed);
      assert.deepEqual(result.memberChanges, []);
    });
  }

  it('removes an extension attribute and, with the last one, the extension and its URN', () => {
    const withManager = { ...USER, schemas: [URN.user, ENTERPRISE], [ENTERPRISE]: { manager: { value: 'm1' } } };
    const result = patch(USER_RESOURCE_TYPE, withManager, { op: 'Remove', path: `${ENTERPRISE}:manager` });
    assert.deepEqual(result.body, USER);
    assert.deepEqual(result.changedAttributes, [`${ENTERPRISE}:manager`]);
  });

  it('removes a whole extension by its URN path', () => {
    const withExt = { ...USER, schemas: [URN.user, ENTERPRISE], [ENTERPRISE]: { department: 'x', division: 'y' } };
    const result = patch(USER_RESOURCE_TYPE, withExt, { op: 'remove', path: ENTERPRISE });
    assert.deepEqual(result.body, USER);
    assert.deepEqual(result.changedAttributes, [`${ENTERPRISE}:department`, `${ENTERPRISE}:division`]);
  });

  it('keeps a listed extension URN that never had attributes', () => {
    const listed = { ...USER, schemas: [URN.user, ENTERPRISE] };
    assert.deepEqual(patch(USER_RESOURCE_TYPE, listed, { op: 'replace', path: 'title', value: 'x' }).body, {
      ...listed,
      title: 'x',
    });
  });

  it('never mutates its input', () => {
    const input = structuredClone(USER);
    user({ op: 'replace', path: 'emails[type eq "work"].value', value: 'n@x' }, { op: 'remove', path: 'name' });
    assert.deepEqual(USER, input);
  });

  const ERRORS: [string, unknown[], number, string, string][] = [
    [
      'an unknown attribute',
      [{ op: 'add', path: 'foo', value: 1 }],
      400,
      'invalidPath',
      'Operations[0]: unknown attribute "foo"',
    ],
    [
      'an unknown sub-attribute',
      [{ op: 'add', path: 'name.nick', value: 'x' }],
      400,
      'invalidPath',
      '"name" has no sub-attribute "nick"',
    ],
    [
      'an unknown attribute in a path-less value',
      [{ op: 'replace', value: { title: 'x', foo: 1 } }],
      400,
      'invalidPath',
      'unknown attribute "foo"',
    ],
    [
      'an unknown attribute of a known extension',
      [{ op: 'replace', value: { [ENTERPRISE]: { badge: 1 } } }],
      400,
      'invalidPath',
      `unknown attribute "${ENTERPRISE}:badge"`,
    ],
    [
      'a filter on a single-valued attribute',
      [{ op: 'add', path: 'name[givenName eq "x"]', value: {} }],
      400,
      'invalidPath',
      '"name" is single-valued',
    ],
    [
      'a filter on an unknown sub-attribute',
      [{ op: 'remove', path: 'emails[kind eq "x"]' }],
      400,
      'invalidFilter',
      '"emails" has no sub-attribute "kind"',
    ],
    [
      'an ordering operator on a boolean',
      [{ op: 'remove', path: 'emails[primary gt true]' }],
      400,
      'invalidFilter',
      '"gt" cannot be used with boolean',
    ],
    ['readOnly id', [{ op: 'replace', path: 'id', value: 'x' }], 400, 'mutability', 'id is readOnly'],
    [
      'readOnly meta sub-attribute',
      [{ op: 'replace', path: 'meta.lastModified', value: '2024-01-01T00:00:00Z' }],
      400,
      'mutability',
      'meta is readOnly',
    ],
    [
      'readOnly groups',
      [{ op: 'add', path: 'groups', value: [{ value: 'g1' }] }],
      400,
      'mutability',
      'groups is readOnly',
    ],
    ['readOnly id in a path-less value', [{ op: 'replace', value: { id: 'x' } }], 400, 'mutability', 'id is readOnly'],
    [
      'readOnly manager.displayName by path',
      [{ op: 'replace', path: `${ENTERPRISE}:manager.displayName`, value: 'B' }],
      400,
      'mutability',
      `${ENTERPRISE}:manager.displayName is readOnly`,
    ],
    [
      'removing required userName (RFC 7644 §3.5.2.2)',
      [{ op: 'remove', path: 'userName' }],
      400,
      'mutability',
      'userName is required',
    ],
    [
      'unassigning required userName with null',
      [{ op: 'replace', path: 'userName', value: null }],
      400,
      'mutability',
      'userName is required',
    ],
    [
      'a string for a boolean',
      [{ op: 'replace', path: 'active', value: 'yes' }],
      400,
      'invalidValue',
      'active must be a boolean, got string "yes"',
    ],
    [
      'a number for a string',
      [{ op: 'replace', path: 'title', value: 7 }],
      400,
      'invalidValue',
      'title must be a string',
    ],
    [
      'a string for a complex attribute',
      [{ op: 'replace', path: 'name', value: 'John' }],
      400,
      'invalidValue',
      'name must be an object',
    ],
    [
      'an array for a singular attribute',
      [{ op: 'replace', path: 'title', value: ['a'] }],
      400,
      'invalidValue',
      'title is single-valued',
    ],
    [
      'an unknown sub-attribute inside a value',
      [{ op: 'add', path: 'emails', value: [{ value: 'a@x', kind: 'x' }] }],
      400,
      'invalidValue',
      'has no sub-attribute "kind"',
    ],
    [
      'two primaries in one value',
      [
        {
          op: 'add',
          path: 'emails',
          value: [
            { value: 'a@x', primary: true },
            { value: 'b@x', primary: true },
          ],
        },
      ],
      400,
      'invalidValue',
      'at most one is allowed',
    ],
    [
      'a sub-attribute of the wrong type',
      [{ op: 'replace', path: 'emails[type eq "work"].primary', value: 'yes' }],
      400,
      'invalidValue',
      'emails[...].primary must be a boolean',
    ],
    [
      'a path-less value that is not an object',
      [{ op: 'add', value: 'x' }],
      400,
      'invalidValue',
      'without "path", "value" must be an object',
    ],
    [
      'replace of a whole element with no match (RFC 7644 §3.5.2.3)',
      [{ op: 'replace', path: 'emails[type eq "home"]', value: { value: 'a@x' } }],
      400,
      'noTarget',
      'no value of emails matches',
    ],
    [
      'replace under a filter that pins nothing, no match',
      [{ op: 'replace', path: 'emails[value co "@nowhere"].type', value: 'home' }],
      400,
      'noTarget',
      'no value of emails matches',
    ],
    [
      'add of a whole element as an array of two under a filter',
      [{ op: 'add', path: 'emails[type eq "home"]', value: [{}, {}] }],
      400,
      'invalidValue',
      'must be one element',
    ],
  ];
  for (const [name, ops, status, scimType, detail] of ERRORS) {
    it(`rejects ${name}`, () => {
      assertScimError(() => user(...ops), { status, scimType: scimType as never, detail });
    });
  }

  it('names the failing operation and changes nothing when a later operation fails', () => {
    const input = structuredClone(USER);
    assertScimError(
      () =>
        user(
          { op: 'replace', path: 'active', value: false },
          { op: 'add', path: 'title', value: 'CEO' },
          { op: 'remove', path: 'userName' },
        ),
      { status: 400, scimType: 'mutability', detail: 'Operations[2]: userName is required' },
    );
    assert.deepEqual(USER, input);
  });
});

describe('applyPatch: remove of a single complex value under a filter (Entra manager, issue #13.1)', () => {
  const withManager = { ...USER, [ENTERPRISE]: { manager: { value: 'm1' }, department: 'D' } };
  const remove = (path: string) => patch(USER_RESOURCE_TYPE, withManager, { op: 'remove', path });

  it('clears the manager when the filter matches (URN-qualified and short paths)', () => {
    for (const path of [`${ENTERPRISE}:manager[value eq "m1"]`, 'manager[value eq "M1"]', 'manager[value pr]']) {
      const result = remove(path);
      assert.deepEqual(result.body[ENTERPRISE], { department: 'D' }, path);
      assert.deepEqual(result.changedAttributes, [`${ENTERPRISE}:manager`], path);
    }
  });

  it('changes nothing when the filter does not match or no manager is set', () => {
    assert.deepEqual(remove('manager[value eq "m2"]').changedAttributes, []);
    assert.deepEqual(user({ op: 'remove', path: 'manager[value eq "m1"]' }).changedAttributes, []);
  });

  it('add/replace, a sub-attribute after the filter and simple attributes stay invalidPath', () => {
    for (const op of [
      { op: 'replace', path: 'manager[value eq "m1"]', value: { value: 'm2' } },
      { op: 'remove', path: 'manager[value eq "m1"].value' },
      { op: 'remove', path: 'title[value eq "x"]' },
    ]) {
      assertScimError(() => patch(USER_RESOURCE_TYPE, withManager, op), {
        status: 400,
        scimType: 'invalidPath',
        detail: 'is single-valued',
      });
    }
  });
});
