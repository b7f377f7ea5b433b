/** Okta request shapes (entra.md §11, developer.okta.com/docs/reference/scim/scim-20/). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyPatch } from '../patch/apply.js';
import { parsePatchRequest } from '../patch/parse.js';
import { assertScimError, patchOp } from '../patch/test-support/fixtures.js';
import type { PatchResult } from '../patch/types.js';
import { GROUP_RESOURCE_TYPE, USER_RESOURCE_TYPE } from '../schema/registry.js';
import type { ResourceTypeDefinition } from '../schema/types.js';
import { URN } from '../schema/urns.js';
import { normalizePatchRequest } from './normalize.js';
import { dropEchoedId } from './okta.js';

function replay(type: ResourceTypeDefinition, body: Record<string, unknown>, raw: unknown, id?: string): PatchResult {
  return applyPatch(type, body, parsePatchRequest(normalizePatchRequest(type, raw, id)));
}

const USER = { schemas: [URN.user], userName: 'ann@example.com', active: true, externalId: '00u1okta' };
const GROUP = { schemas: [URN.group], displayName: 'Engineering' };

describe('dropEchoedId', () => {
  it('drops an id equal to the resource id from path-less values only', () => {
    assert.deepEqual(
      dropEchoedId(
        patchOp(
          { op: 'replace', value: { id: 'g1', displayName: 'X' } },
          { op: 'replace', path: 'displayName', value: { id: 'g1' } },
        ),
        'g1',
      ),
      patchOp(
        { op: 'replace', value: { displayName: 'X' } },
        { op: 'replace', path: 'displayName', value: { id: 'g1' } },
      ),
    );
  });

  it('keeps a different id so the engine rejects it', () => {
    const raw = patchOp({ op: 'replace', value: { id: 'other', displayName: 'X' } });
    assert.deepEqual(dropEchoedId(raw, 'g1'), raw);
  });
});

describe('Okta PATCH shapes', () => {
  it('deactivates with a path-less replace', () => {
    const result = replay(USER_RESOURCE_TYPE, USER, patchOp({ op: 'replace', value: { active: false } }));
    assert.deepEqual(result.body, { ...USER, active: false });
    assert.deepEqual(result.changedAttributes, ['active']);
  });

  it('renames a group whose value echoes its own id', () => {
    const result = replay(
      GROUP_RESOURCE_TYPE,
      GROUP,
      patchOp({ op: 'replace', value: { id: 'g1', displayName: 'Platform' } }),
      'g1',
    );
    assert.deepEqual(result.body, { ...GROUP, displayName: 'Platform' });
    assert.deepEqual(result.changedAttributes, ['displayName']);
  });

  it('a rename resent with every membership change is idempotent', () => {
    const raw = patchOp({ op: 'replace', value: { id: 'g1', displayName: 'Engineering' } });
    assert.deepEqual(replay(GROUP_RESOURCE_TYPE, GROUP, raw, 'g1').changedAttributes, []);
  });

  it('rejects an id that is not the resource id with 400 mutability', () => {
    assertScimError(
      () => replay(GROUP_RESOURCE_TYPE, GROUP, patchOp({ op: 'replace', value: { id: 'g2', displayName: 'X' } }), 'g1'),
      { status: 400, scimType: 'mutability', detail: 'Operations[0]: id is readOnly' },
    );
  });

  it('Group Push membership: remove by filter then add with display', () => {
    const result = replay(
      GROUP_RESOURCE_TYPE,
      GROUP,
      patchOp(
        { op: 'replace', value: { id: 'g1', displayName: 'Engineering' } },
        { op: 'remove', path: 'members[value eq "00u2"]' },
        { op: 'add', path: 'members', value: [{ value: '00u3', display: 'bob@example.com' }] },
      ),
      'g1',
    );
    assert.deepEqual(result.body, GROUP);
    assert.deepEqual(result.memberChanges, [
      { kind: 'remove', ids: ['00u2'] },
      { kind: 'add', members: [{ value: '00u3' }] },
    ]);
    assert.deepEqual(result.changedAttributes, ['members']);
  });

  it('Group Push full replace of members', () => {
    const result = replay(
      GROUP_RESOURCE_TYPE,
      GROUP,
      patchOp({
        op: 'replace',
        path: 'members',
        value: [
          { value: '00u1', display: 'a' },
          { value: '00u2', display: 'b' },
        ],
      }),
    );
    assert.deepEqual(result.memberChanges, [
      { kind: 'removeAll' },
      { kind: 'add', members: [{ value: '00u1' }, { value: '00u2' }] },
    ]);
  });

  it('a password sync is accepted and nothing is stored', () => {
    const result = replay(USER_RESOURCE_TYPE, USER, patchOp({ op: 'replace', value: { password: 'hunter2!' } }));
    assert.deepEqual(result.body, USER);
    assert.deepEqual(result.changedAttributes, []);
  });
});
