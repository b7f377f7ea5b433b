import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parsePatchRequest } from '../patch/parse.js';
import { assertScimError, patchOp } from '../patch/test-support/fixtures.js';
import { GROUP_RESOURCE_TYPE, USER_RESOURCE_TYPE } from '../schema/registry.js';
import { URN } from '../schema/urns.js';
import { sieveResourceBody } from './undeclared-body.js';
import { sievePatchOperations } from './undeclared-patch.js';

const CUSTOM = 'urn:ietf:params:scim:schemas:extension:CustomExtension:2.0:User';

describe('sieveResourceBody (issue #13.4)', () => {
  it('ignore: drops what no schema declares and reports each path; declared attributes stay as sent', () => {
    const { body, ignored } = sieveResourceBody(
      USER_RESOURCE_TYPE,
      {
        schemas: [URN.user, 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group'],
        UserName: 'u',
        adreses: 1,
        name: { givenName: 'G', nick: 'n' },
        emails: [{ value: 'a', kind: 'k' }, 'not an object'],
        [URN.enterpriseUser]: { department: 'D', badge: 1, manager: { value: 'm', foo: 1 } },
        [CUSTOM]: { a: 1, b: 2 },
        'urn:empty': null,
      },
      'ignore',
    );
    assert.deepEqual(body, {
      schemas: [URN.user, 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group'],
      UserName: 'u',
      name: { givenName: 'G' },
      emails: [{ value: 'a' }, 'not an object'],
      [URN.enterpriseUser]: { department: 'D', manager: { value: 'm' } },
    });
    assert.deepEqual(ignored, [
      'adreses',
      'name.nick',
      'emails.kind',
      `${URN.enterpriseUser}:badge`,
      `${URN.enterpriseUser}:manager.foo`,
      `${CUSTOM}:a`,
      `${CUSTOM}:b`,
      'urn:empty',
    ]);
  });

  it('reject: the first undeclared attribute is 400 invalidValue', () => {
    assertScimError(
      () => sieveResourceBody(GROUP_RESOURCE_TYPE, { displayName: 'g', members: [{ value: 'x', foo: 1 }] }, 'reject'),
      {
        status: 400,
        scimType: 'invalidValue',
        detail: 'members[0] has no sub-attribute "foo".',
      },
    );
  });

  it('is the identity on bodies that only use declared attributes, and leaves non-objects alone', () => {
    const clean = { userName: 'u', name: { givenName: 'G' }, [URN.enterpriseUser]: { department: 'D' } };
    assert.deepEqual(sieveResourceBody(USER_RESOURCE_TYPE, clean, 'reject'), { body: clean, ignored: [] });
    assert.deepEqual(sieveResourceBody(USER_RESOURCE_TYPE, [1], 'ignore'), { body: [1], ignored: [] });
  });
});

describe('sievePatchOperations (issue #13.4)', () => {
  const ops = () =>
    parsePatchRequest(
      patchOp(
        { op: 'add', path: 'shoeSize', value: 1 },
        { op: 'replace', path: 'name.nick', value: 'x' },
        { op: 'replace', path: 'emails[type eq "work"]', value: { value: 'w', kind: 1 } },
        { op: 'add', value: { adreses: 1, [CUSTOM]: { c: 1 } } },
        { op: 'add', value: { title: 'T', department: 'D' } },
        { op: 'remove', path: `${CUSTOM}:c` },
        { op: 'replace', path: CUSTOM, value: { d: 1, e: 2 } },
      ),
    );

  it('ignore: drops operations on undeclared paths and undeclared keys of values, reporting each', () => {
    const { operations, ignored } = sievePatchOperations(USER_RESOURCE_TYPE, ops(), 'ignore');
    assert.deepEqual(
      operations.map((op) => op.value),
      [{ value: 'w' }, { title: 'T', department: 'D' }],
    );
    assert.deepEqual(ignored, [
      'shoeSize',
      'name.nick',
      'emails.kind',
      'adreses',
      `${CUSTOM}:c`,
      `${CUSTOM}:c`,
      `${CUSTOM}:d`,
      `${CUSTOM}:e`,
    ]);
  });

  it('reject: 400 invalidPath naming the operation', () => {
    assertScimError(() => sievePatchOperations(USER_RESOURCE_TYPE, ops(), 'reject'), {
      status: 400,
      scimType: 'invalidPath',
      detail: 'Operations[0]: unknown attribute "shoeSize".',
    });
  });
});
