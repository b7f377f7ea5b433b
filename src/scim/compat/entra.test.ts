import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ENTERPRISE, patchOp } from '../patch/test-support/fixtures.js';
import { ENTERPRISE_USER_SCHEMA } from '../schema/enterprise-user.js';
import { GROUP_SCHEMA } from '../schema/group.js';
import { findAttribute, GROUP_RESOURCE_TYPE, USER_RESOURCE_TYPE } from '../schema/registry.js';
import { URN } from '../schema/urns.js';
import { USER_SCHEMA } from '../schema/user.js';
import {
  coerceBooleanStrings,
  decodeRoleStrings,
  dropNullMemberRefs,
  expandAttributeKeys,
  expandPathlessKeys,
  normalizeManager,
  normalizeOpNames,
} from './entra.js';
import { normalizePatchRequest, normalizeResourceBody } from './normalize.js';

const MANAGER = findAttribute(ENTERPRISE_USER_SCHEMA.attributes, 'manager')!;
const ROLES = findAttribute(USER_SCHEMA.attributes, 'roles')!;
const ACTIVE = findAttribute(USER_SCHEMA.attributes, 'active')!;
const EMAILS = findAttribute(USER_SCHEMA.attributes, 'emails')!;
const MEMBERS = findAttribute(GROUP_SCHEMA.attributes, 'members')!;
const VALUE = { kind: 'value' } as const;

describe('normalizeOpNames', () => {
  it('lower-cases op and spells the member names as RFC 7644 does', () => {
    assert.deepEqual(
      normalizeOpNames({
        schemas: [URN.patchOp],
        operations: [
          { Op: 'Replace', PATH: 'active', Value: 'False' },
          { op: 'REMOVE', path: 'title' },
        ],
      }),
      patchOp({ op: 'replace', path: 'active', value: 'False' }, { op: 'remove', path: 'title' }),
    );
  });

  it('passes anything malformed through for the parser to reject', () => {
    assert.equal(normalizeOpNames('x'), 'x');
    assert.deepEqual(normalizeOpNames({ schemas: [], Operations: 'x' }), { schemas: [], Operations: 'x' });
    assert.deepEqual(normalizeOpNames(patchOp(7, { op: 3 })), patchOp(7, { op: 3 }));
  });
});

describe('expandAttributeKeys', () => {
  it('expands dotted, URN-prefixed and core-URN keys into nested canonical objects', () => {
    assert.deepEqual(
      expandAttributeKeys(USER_RESOURCE_TYPE, {
        displayName: 'B',
        'name.givenName': 'K',
        'name.familyName': 'L',
        [`${ENTERPRISE}:employeeNumber`]: '7',
        [`${ENTERPRISE}:manager.value`]: 'm1',
        [ENTERPRISE]: { department: 'Sales', 'manager.$ref': '../Users/m1' },
        [`${URN.user}:nickName`]: 'Kay',
        'urn:example:custom:2.0:User:badge': 'x',
      }),
      {
        displayName: 'B',
        name: { givenName: 'K', familyName: 'L' },
        [ENTERPRISE]: { employeeNumber: '7', manager: { value: 'm1', $ref: '../Users/m1' }, department: 'Sales' },
        nickName: 'Kay',
        'urn:example:custom:2.0:User:badge': 'x',
      },
    );
  });

  it('matches schema URNs ignoring case and stores them canonically', () => {
    assert.deepEqual(expandAttributeKeys(USER_RESOURCE_TYPE, { [`${ENTERPRISE.toUpperCase()}:Department`]: 'x' }), {
      [ENTERPRISE]: { Department: 'x' },
    });
  });
});

describe('expandPathlessKeys', () => {
  it('splits flattened filter keys of a path-less value into operations of their own', () => {
    const body = patchOp({
      op: 'replace',
      value: { displayName: 'B', 'emails[type eq "work"].value': 'b@x', 'name.givenName': 'K' },
    });
    assert.deepEqual(
      expandPathlessKeys(USER_RESOURCE_TYPE, body),
      patchOp(
        { op: 'replace', value: { displayName: 'B', name: { givenName: 'K' } } },
        { op: 'replace', path: 'emails[type eq "work"].value', value: 'b@x' },
      ),
    );
  });

  it('leaves operations with a path alone', () => {
    const body = patchOp({ op: 'add', path: 'name', value: { 'a.b': 1 } });
    assert.deepEqual(expandPathlessKeys(USER_RESOURCE_TYPE, body), body);
  });
});

describe('value visitors', () => {
  it('coerceBooleanStrings: "True"/"False" in any case wherever the schema says boolean', () => {
    assert.equal(coerceBooleanStrings(ACTIVE, 'False', VALUE), false);
    assert.equal(coerceBooleanStrings(ACTIVE, 'TRUE', VALUE), true);
    assert.equal(coerceBooleanStrings(ACTIVE, 'yes', VALUE), 'yes');
    assert.deepEqual(coerceBooleanStrings(EMAILS, [{ value: 'True', primary: 'true' }], VALUE), [
      { value: 'True', primary: true },
    ]);
    assert.deepEqual(coerceBooleanStrings(EMAILS, { primary: 'False' }, { kind: 'element' }), { primary: false });
    const primary = findAttribute(EMAILS.subAttributes!, 'primary')!;
    assert.equal(coerceBooleanStrings(EMAILS, 'true', { kind: 'sub', sub: primary }), true);
    const display = findAttribute(EMAILS.subAttributes!, 'display')!;
    assert.equal(coerceBooleanStrings(EMAILS, 'true', { kind: 'sub', sub: display }), 'true');
  });

  it('normalizeManager: bare string, {value} and [{$ref, value}] all become {value}', () => {
    assert.deepEqual(normalizeManager(MANAGER, '2c2f6fb8', VALUE), { value: '2c2f6fb8' });
    assert.deepEqual(normalizeManager(MANAGER, { value: '2c2f6fb8' }, VALUE), { value: '2c2f6fb8' });
    assert.deepEqual(normalizeManager(MANAGER, [{ $ref: '../Users/2c2f6fb8', value: '2c2f6fb8' }], VALUE), {
      value: '2c2f6fb8',
    });
    assert.deepEqual(normalizeManager(MANAGER, ['2c2f6fb8'], VALUE), { value: '2c2f6fb8' });
    assert.equal(normalizeManager(MANAGER, '', VALUE), null);
    assert.equal(normalizeManager(MANAGER, [], VALUE), null);
    assert.equal(normalizeManager(ACTIVE, 'x', VALUE), 'x');
  });

  it('decodeRoleStrings: JSON-encoded roles decoded to value/display/type/primary', () => {
    assert.deepEqual(
      decodeRoleStrings(
        ROLES,
        [
          { value: '{"id":"06b0c1e2","value":"Admin","displayName":"Admin"}' },
          { value: 'Reader', displayName: 'Reader' },
        ],
        VALUE,
      ),
      [
        { value: 'Admin', display: 'Admin' },
        { value: 'Reader', display: 'Reader' },
      ],
    );
    assert.deepEqual(
      decodeRoleStrings(
        ROLES,
        { primary: 'True', value: '{"value":"Admin","type":"WindowsAzureActiveDirectoryRole"}' },
        {
          kind: 'element',
        },
      ),
      { value: 'Admin', type: 'WindowsAzureActiveDirectoryRole', primary: 'True' },
    );
    assert.deepEqual(decodeRoleStrings(ROLES, [{ value: '{not json' }], VALUE), [{ value: '{not json' }]);
  });

  it('dropNullMemberRefs: "$ref": null dropped, other members untouched', () => {
    assert.deepEqual(
      dropNullMemberRefs(
        MEMBERS,
        [
          { $ref: null, value: 'u1' },
          { $ref: 'x', value: 'u2' },
        ],
        VALUE,
      ),
      [{ value: 'u1' }, { $ref: 'x', value: 'u2' }],
    );
  });
});

describe('normalizePatchRequest', () => {
  it('applies each visitor to pathed and path-less values', () => {
    const raw = patchOp(
      { op: 'Replace', path: 'active', value: 'False' },
      { op: 'Add', path: `${ENTERPRISE}:manager`, value: 'm1' },
      { op: 'Add', path: 'roles', value: [{ value: '{"id":"1","value":"Admin","displayName":"Admin"}' }] },
      { op: 'Replace', value: { 'roles[primary eq "True"].value': 'Admin', [`${ENTERPRISE}:manager`]: ['m2'] } },
      { op: 'Add', path: 'emails[type eq "work"]', value: { value: 'a@x', primary: 'True' } },
    );
    assert.deepEqual(
      normalizePatchRequest(USER_RESOURCE_TYPE, raw),
      patchOp(
        { op: 'replace', path: 'active', value: false },
        { op: 'add', path: `${ENTERPRISE}:manager`, value: { value: 'm1' } },
        { op: 'add', path: 'roles', value: [{ value: 'Admin', display: 'Admin' }] },
        { op: 'replace', value: { [ENTERPRISE]: { manager: { value: 'm2' } } } },
        { op: 'replace', path: 'roles[primary eq "True"].value', value: 'Admin' },
        { op: 'add', path: 'emails[type eq "work"]', value: { value: 'a@x', primary: true } },
      ),
    );
  });

  it('is the identity on RFC-shaped requests', () => {
    const rfc = patchOp(
      { op: 'add', path: 'members', value: [{ value: 'u1', type: 'User' }] },
      { op: 'remove', path: 'members[value eq "u2"]' },
      { op: 'replace', value: { displayName: 'Sales' } },
    );
    assert.deepEqual(normalizePatchRequest(GROUP_RESOURCE_TYPE, rfc), rfc);
  });

  it('leaves unparseable paths alone for the parser to reject', () => {
    const raw = patchOp({ op: 'add', path: 'emails[type eq', value: 'True' });
    assert.deepEqual(normalizePatchRequest(USER_RESOURCE_TYPE, raw), raw);
  });
});

describe('normalizeResourceBody', () => {
  it('normalises an Entra POST: roles with "True" primary or displayName, manager string, dotted keys', () => {
    const raw = {
      schemas: [URN.user, ENTERPRISE],
      externalId: 'jdoe',
      userName: 'jdoe@contoso.com',
      active: 'True',
      'name.givenName': 'John',
      emails: [{ primary: 'true', type: 'work', value: 'jdoe@contoso.com' }],
      roles: [
        { primary: 'True', type: 'WindowsAzureActiveDirectoryRole', value: 'Admin' },
        { primary: false, displayName: 'Sales Editor', value: 'sales.editor' },
      ],
      [ENTERPRISE]: { manager: '2c2f6fb8' },
      meta: { resourceType: 'User' },
    };
    assert.deepEqual(normalizeResourceBody(USER_RESOURCE_TYPE, raw), {
      schemas: [URN.user, ENTERPRISE],
      externalId: 'jdoe',
      userName: 'jdoe@contoso.com',
      active: true,
      name: { givenName: 'John' },
      emails: [{ primary: true, type: 'work', value: 'jdoe@contoso.com' }],
      roles: [
        { value: 'Admin', type: 'WindowsAzureActiveDirectoryRole', primary: true },
        { value: 'sales.editor', display: 'Sales Editor', primary: false },
      ],
      [ENTERPRISE]: { manager: { value: '2c2f6fb8' } },
      meta: { resourceType: 'User' },
    });
  });

  it('drops "$ref": null from members of a Group POST', () => {
    assert.deepEqual(
      normalizeResourceBody(GROUP_RESOURCE_TYPE, { displayName: 'G', members: [{ $ref: null, value: 'u1' }] }),
      { displayName: 'G', members: [{ value: 'u1' }] },
    );
  });

  it('returns non-objects unchanged', () => {
    assert.equal(normalizeResourceBody(USER_RESOURCE_TYPE, null), null);
  });
});
