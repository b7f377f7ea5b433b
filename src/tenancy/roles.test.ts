import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isScimError } from '../scim/errors.js';
import type { AppRoleRecord, RoleCatalogue } from '../store/store.js';
import { assignableRoles, checkRoleText, checkRoleValue, matchRole, resolveRoles } from './roles.js';

function role(value: string, displayName: string, overrides: Partial<AppRoleRecord> = {}): AppRoleRecord {
  return {
    id: `id-${value}`,
    value,
    displayName,
    description: `${displayName} role`,
    enabled: true,
    allowedMemberTypes: ['User'],
    created: '2024-01-01T00:00:00.000Z',
    ...overrides,
  };
}

const ADMIN = role('Admin', 'Administrator');
const EDITOR = role('sales.editor', 'Sales Editor');
const READER = role('reader', 'Reader', { enabled: false });
const AUDITOR = role('auditor', 'Auditor');
const CATALOGUE: RoleCatalogue = { roles: [ADMIN, EDITOR, READER, AUDITOR], allowedRoles: null };
const NARROWED: RoleCatalogue = { ...CATALOGUE, allowedRoles: ['ADMIN', 'sales.editor', 'reader'] };

function rejects(fn: () => unknown, detail: string): void {
  assert.throws(fn, (error) => {
    assert.ok(isScimError(error), String(error));
    assert.equal(error.status, 400);
    assert.equal(error.scimType, 'invalidValue');
    assert.equal(error.detail, detail);
    return true;
  });
}

describe('checkRoleValue (Microsoft Graph appRole.value rules)', () => {
  it('accepts letters, digits and the allowed punctuation', () => {
    for (const value of [
      'Admin',
      'sales.editor',
      'a',
      'x'.repeat(120),
      "!#$%&'()*+,-./:;<=>?@[]^_`{|}~",
      'Task.Read:All',
    ]) {
      assert.equal(checkRoleValue(value), value);
    }
  });

  it('rejects spaces, other characters, a leading dot, empty and too long values with the reason', () => {
    const form =
      'use 1 to 120 characters: letters A-Z a-z, digits 0-9 and ! # $ % & \' ( ) * + , - . / : ; < = > ? @ [ ] ^ _ ` { | } ~ (no spaces), not starting with "." (e.g. sales.editor)';
    const cases: [string, string][] = [
      ['Sales Editor', 'it contains a space'],
      ['café', 'it contains "é"'],
      ['a"b', 'it contains "\\""'],
      ['a\\b', 'it contains "\\\\"'],
      ['.hidden', 'it starts with "."'],
      ['', 'it is empty'],
      ['x'.repeat(121), 'it is longer than 120 characters'],
    ];
    for (const [value, why] of cases) {
      assert.throws(() => checkRoleValue(value), {
        status: 400,
        message: `invalid app role value ${JSON.stringify(value)}: ${why}; ${form}`,
      });
    }
  });

  it('checks display names and descriptions', () => {
    assert.equal(checkRoleText('display name', '  Sales Editor '), 'Sales Editor');
    assert.throws(() => checkRoleText('display name', '  '), { message: 'app role display name must not be empty' });
    assert.throws(() => checkRoleText('description', 'a\nb'), {
      message: 'app role description must not contain control characters',
    });
    assert.throws(() => checkRoleText('display name', 'x'.repeat(121)), {
      message: 'app role display name must be at most 120 characters',
    });
  });
});

describe('assignableRoles and matchRole', () => {
  it('keeps enabled roles, narrowed ignoring case, in catalogue order', () => {
    assert.deepEqual(
      assignableRoles(CATALOGUE).map((r) => r.value),
      ['Admin', 'sales.editor', 'auditor'],
    );
    assert.deepEqual(
      assignableRoles(NARROWED).map((r) => r.value),
      ['Admin', 'sales.editor'],
    );
    assert.deepEqual(assignableRoles({ ...CATALOGUE, allowedRoles: [] }), []);
  });

  it('matches the value first, then the display name, ignoring case', () => {
    assert.equal(matchRole(CATALOGUE.roles, 'admin'), ADMIN);
    assert.equal(matchRole(CATALOGUE.roles, 'SALES EDITOR'), EDITOR);
    assert.equal(matchRole(CATALOGUE.roles, 'administrator'), ADMIN);
    const tricky = [role('Admin', 'Owner'), role('owner', 'Admin')];
    assert.equal(matchRole(tricky, 'admin'), tricky[0], 'a value wins over another role’s display name');
    assert.equal(matchRole(CATALOGUE.roles, 'nobody'), undefined);
  });
});

describe('resolveRoles', () => {
  const type = 'WindowsAzureActiveDirectoryRole';

  it('stores roles as sent when no role is declared at all', () => {
    const sent = [{ value: 'Anything', primary: true }];
    assert.equal(resolveRoles(sent, { roles: [], allowedRoles: null }, undefined), sent);
  });

  it('canonicalises the single-role shape: value, display name, type as sent, boolean primary', () => {
    assert.deepEqual(resolveRoles([{ primary: true, type, value: 'admin' }], CATALOGUE, undefined), [
      { value: 'Admin', display: 'Administrator', type, primary: true },
    ]);
  });

  it('resolves a role sent by its display name and one without primary', () => {
    assert.deepEqual(resolveRoles([{ value: 'Sales Editor', display: 'whatever' }], CATALOGUE, undefined), [
      { value: 'sales.editor', display: 'Sales Editor', primary: false },
    ]);
    assert.deepEqual(resolveRoles([{ display: 'Administrator' }], CATALOGUE, undefined), [
      { value: 'Admin', display: 'Administrator', primary: false },
    ]);
  });

  it('merges elements naming the same role, keeping primary and the first type', () => {
    const sent = [
      { value: 'sales.editor', primary: false },
      { value: 'Sales Editor', type, primary: true },
      { value: 'admin' },
    ];
    assert.deepEqual(resolveRoles(sent, CATALOGUE, undefined), [
      { value: 'sales.editor', display: 'Sales Editor', type, primary: true },
      { value: 'Admin', display: 'Administrator', primary: false },
    ]);
  });

  it('rejects unknown, disabled and narrowed-away roles naming the allowed values', () => {
    rejects(
      () => resolveRoles([{ value: 'Janitor' }], CATALOGUE, undefined),
      'roles: "Janitor" is not an app role of this application; allowed values: "Admin", "sales.editor", "auditor".',
    );
    rejects(
      () => resolveRoles([{ value: 'Reader' }], CATALOGUE, undefined),
      'roles: app role "reader" is disabled; allowed values: "Admin", "sales.editor", "auditor".',
    );
    rejects(
      () => resolveRoles([{ value: 'Admin' }, { value: 'Auditor' }], NARROWED, undefined),
      'roles: app role "auditor" is not allowed for this tenant; allowed values: "Admin", "sales.editor".',
    );
    rejects(
      () => resolveRoles([{ value: 'Admin' }], { ...CATALOGUE, allowedRoles: [] }, undefined),
      'roles: app role "Admin" is not allowed for this tenant; this tenant may assign no app roles.',
    );
    rejects(
      () => resolveRoles([{ primary: true }], CATALOGUE, undefined),
      'roles: every element must name an app role in "value".',
    );
  });

  it('keeps roles the user already holds even when they are no longer assignable', () => {
    const previous = [{ value: 'reader', display: 'Reader', primary: true }];
    assert.deepEqual(resolveRoles([...previous, { value: 'admin' }], CATALOGUE, previous), [
      { value: 'reader', display: 'Reader', primary: true },
      { value: 'Admin', display: 'Administrator', primary: false },
    ]);
    rejects(
      () => resolveRoles([{ value: 'reader' }], CATALOGUE, [{ value: 'admin' }]),
      'roles: app role "reader" is disabled; allowed values: "Admin", "sales.editor", "auditor".',
    );
  });

  it('passes an absent or empty roles value through', () => {
    assert.equal(resolveRoles(undefined, CATALOGUE, undefined), undefined);
    assert.deepEqual(resolveRoles([], CATALOGUE, undefined), []);
  });
});
