import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { GROUP_RESOURCE_TYPE } from '../schema/registry.js';
import { URN } from '../schema/urns.js';
import { applyPatch } from './apply.js';
import { parsePatchRequest } from './parse.js';
import { assertScimError, patchOp } from './test-support/fixtures.js';

const GROUP: Record<string, unknown> = { schemas: [URN.group], displayName: 'Sales' };

const group = (...ops: unknown[]) => applyPatch(GROUP_RESOURCE_TYPE, GROUP, parsePatchRequest(patchOp(...ops)));

describe('applyPatch on Group members', () => {
  const MEMBER_CASES: [string, unknown[], unknown[]][] = [
    [
      'add members: display and $ref ignored, type canonicalised',
      [
        {
          op: 'add',
          path: 'members',
          value: [
            { value: 'u1', display: 'Ann' },
            { value: 'g2', type: 'group', $ref: null },
          ],
        },
      ],
      [{ kind: 'add', members: [{ value: 'u1' }, { value: 'g2', type: 'Group' }] }],
    ],
    ['remove all members', [{ op: 'remove', path: 'members' }], [{ kind: 'removeAll' }]],
    [
      'remove one member by filter',
      [{ op: 'remove', path: 'members[value eq "u1"]' }],
      [{ kind: 'remove', ids: ['u1'] }],
    ],
    [
      'remove several by an or-filter',
      [{ op: 'remove', path: 'members[value eq "u1" or value eq "u2"]' }],
      [{ kind: 'remove', ids: ['u1', 'u2'] }],
    ],
    [
      'remove with a value list removes only those (legacy Entra)',
      [{ op: 'remove', path: 'members', value: [{ value: 'u1' }, { value: 'u2' }] }],
      [{ kind: 'remove', ids: ['u1', 'u2'] }],
    ],
    [
      'remove by another filter becomes removeWhere with the checked filter',
      [{ op: 'remove', path: 'members[TYPE eq "Group"]' }],
      [{ kind: 'removeWhere', filter: { kind: 'compare', path: { attribute: 'type' }, op: 'eq', value: 'Group' } }],
    ],
    [
      'replace members = removeAll then add',
      [{ op: 'replace', path: 'members', value: [{ value: 'u3' }] }],
      [{ kind: 'removeAll' }, { kind: 'add', members: [{ value: 'u3' }] }],
    ],
    [
      'replace members with [] empties the group',
      [{ op: 'replace', path: 'members', value: [] }],
      [{ kind: 'removeAll' }],
    ],
    [
      'replace members[filter] = remove the matched then add',
      [{ op: 'replace', path: 'members[value eq "u1"]', value: { value: 'u9' } }],
      [
        { kind: 'remove', ids: ['u1'] },
        { kind: 'add', members: [{ value: 'u9' }] },
      ],
    ],
    [
      'adjacent steps of one kind merge; duplicates collapse',
      [
        { op: 'add', path: 'members', value: [{ value: 'u1' }] },
        { op: 'add', path: 'members', value: [{ value: 'u2' }, { value: 'u1' }] },
        { op: 'remove', path: 'members[value eq "u3"]' },
        { op: 'remove', path: 'members[value eq "u4"]' },
      ],
      [
        { kind: 'add', members: [{ value: 'u1' }, { value: 'u2' }] },
        { kind: 'remove', ids: ['u3', 'u4'] },
      ],
    ],
    [
      'steps before a removeAll are dropped',
      [
        { op: 'add', path: 'members', value: [{ value: 'u1' }] },
        { op: 'remove', path: 'members' },
        { op: 'add', path: 'members', value: [{ value: 'u2' }] },
      ],
      [{ kind: 'removeAll' }, { kind: 'add', members: [{ value: 'u2' }] }],
    ],
  ];
  for (const [name, ops, changes] of MEMBER_CASES) {
    it(name, () => {
      const result = group(...ops);
      assert.deepEqual(result.memberChanges, changes);
      assert.deepEqual(result.body, GROUP);
      assert.deepEqual(result.changedAttributes, ['members']);
    });
  }

  it('path-less replace renames and replaces members', () => {
    const result = group({ op: 'replace', value: { displayName: 'Sales EU', members: [{ value: 'u1' }] } });
    assert.deepEqual(result.body, { schemas: [URN.group], displayName: 'Sales EU' });
    assert.deepEqual(result.memberChanges, [{ kind: 'removeAll' }, { kind: 'add', members: [{ value: 'u1' }] }]);
    assert.deepEqual(result.changedAttributes, ['displayName', 'members']);
  });

  const ERRORS: [string, unknown[], number, string, string][] = [
    [
      'add with a filter',
      [{ op: 'add', path: 'members[value eq "u1"]', value: [{ value: 'u1' }] }],
      400,
      'invalidPath',
      'add members with "path": "members"',
    ],
    [
      'a member sub-attribute',
      [{ op: 'replace', path: 'members[value eq "u1"].display', value: 'x' }],
      400,
      'mutability',
      'members.display cannot be modified',
    ],
    [
      'a member without value',
      [{ op: 'add', path: 'members', value: [{ display: 'x' }] }],
      400,
      'invalidValue',
      'members[0].value must be the id',
    ],
    [
      'a member of an unknown type',
      [{ op: 'add', path: 'members', value: [{ value: 'u1', type: 'Device' }] }],
      400,
      'invalidValue',
      'members[0].type must be "User" or "Group"',
    ],
    [
      'a filter on an unknown member sub-attribute',
      [{ op: 'remove', path: 'members[name eq "x"]' }],
      400,
      'invalidFilter',
      '"members" has no sub-attribute "name"',
    ],
    [
      'removing required displayName',
      [{ op: 'remove', path: 'displayName' }],
      400,
      'mutability',
      'displayName is required',
    ],
  ];
  for (const [name, ops, status, scimType, detail] of ERRORS) {
    it(`rejects ${name}`, () => {
      assertScimError(() => group(...ops), { status, scimType: scimType as never, detail });
    });
  }
});
