import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { isScimError, ScimError } from '../errors.js';
import { GROUP_RESOURCE_TYPE, resolveAttribute, USER_RESOURCE_TYPE } from '../schema/registry.js';
import { attribute, type ResourceTypeDefinition } from '../schema/types.js';
import { and, arbitraryFilterAst, arbitraryUserFilter, cmp, not, or, pr, vp } from './arbitraries.js';
import type { Filter } from './ast.js';
import { checkFilter, resolveFilterPath } from './check.js';
import { parseFilter } from './parse.js';

const ENT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const CORE = 'urn:ietf:params:scim:schemas:core:2.0:User';

/** A resource type with the attribute types User and Group lack (integer, decimal). */
const WIDGET: ResourceTypeDefinition = {
  ...USER_RESOURCE_TYPE,
  schema: {
    id: 'urn:example:Widget',
    name: 'Widget',
    description: '',
    attributes: [
      attribute('count', 'integer'),
      attribute('weight', 'decimal'),
      attribute('blob', 'binary'),
      attribute('secret', 'string', { returned: 'never' }),
      attribute('parts', 'complex', {
        multiValued: true,
        subAttributes: [attribute('size', 'integer'), attribute('label', 'string')],
      }),
    ],
  },
  extensions: [],
};

function check(text: string, type = USER_RESOURCE_TYPE): Filter {
  return checkFilter(parseFilter(text), type);
}

describe('checkFilter canonicalises paths and values', () => {
  const cases: [string, Filter][] = [
    ['USERNAME eq "x"', cmp('userName', 'eq', 'x')],
    ['username Eq "X"', cmp('userName', 'eq', 'X')],
    [`${CORE}:userName eq "x"`, cmp('userName', 'eq', 'x')],
    [`${CORE.toUpperCase()}:NAME.GIVENNAME sw "j"`, cmp('name.givenName', 'sw', 'j')],
    ['department eq "Sales"', cmp(`${ENT}:department`, 'eq', 'Sales')],
    ['DEPARTMENT eq "Sales"', cmp(`${ENT}:department`, 'eq', 'Sales')],
    [`${ENT.toLowerCase()}:Department pr`, pr(`${ENT}:department`)],
    [`${ENT}:manager.VALUE eq "m1"`, cmp(`${ENT}:manager.value`, 'eq', 'm1')],
    ['manager.value eq "m1"', cmp(`${ENT}:manager.value`, 'eq', 'm1')],
    [`${ENT}:manager pr`, pr(`${ENT}:manager`)],
    ['ID eq "abc"', cmp('id', 'eq', 'abc')],
    ['externalid eq "AbC"', cmp('externalId', 'eq', 'AbC')],
    ['emails co "@x"', cmp('emails.value', 'co', '@x')],
    ['Emails eq "a@x"', cmp('emails.value', 'eq', 'a@x')],
    ['emails eq null', cmp('emails.value', 'eq', null)],
    ['roles sw "Adm"', cmp('roles.value', 'sw', 'Adm')],
    ['emails pr', pr('emails')],
    ['name pr', pr('name')],
    ['EMAILS.TYPE eq "work"', cmp('emails.type', 'eq', 'work')],
    ['EMAILS[TYPE eq "work"]', vp('emails', cmp('type', 'eq', 'work'))],
    ['emails[type eq "work"].VALUE eq "a@x"', vp('emails', and(cmp('type', 'eq', 'work'), cmp('value', 'eq', 'a@x')))],
    [
      'roles[primary eq "True"].value eq "Admin"',
      vp('roles', and(cmp('primary', 'eq', true), cmp('value', 'eq', 'Admin'))),
    ],
    ['emails[PRIMARY eq "FALSE"]', vp('emails', cmp('primary', 'eq', false))],
    ['emails.primary ne "true"', cmp('emails.primary', 'ne', true)],
    ['active eq "True"', cmp('active', 'eq', true)],
    ['active eq "false"', cmp('active', 'eq', false)],
    ['active eq TRUE', cmp('active', 'eq', true)],
    ['active ne null', cmp('active', 'ne', null)],
    ['userName eq null', cmp('userName', 'eq', null)],
    ['meta.LASTMODIFIED gt "2011-05-13T04:42:34Z"', cmp('meta.lastModified', 'gt', '2011-05-13T04:42:34.000Z')],
    ['meta.created le "2011-05-13T06:42:34.5+02:00"', cmp('meta.created', 'le', '2011-05-13T04:42:34.500Z')],
    ['meta.version eq "W/\\"3\\""', cmp('meta.version', 'eq', 'W/"3"')],
    ['profileUrl sw "https://"', cmp('profileUrl', 'sw', 'https://')],
    ['x509Certificates.value co "MIIC"', cmp('x509Certificates.value', 'co', 'MIIC')],
    ['x509Certificates.value eq "MIIC"', cmp('x509Certificates.value', 'eq', 'MIIC')],
    ['groups.value eq "g1"', cmp('groups.value', 'eq', 'g1')],
    ['groups[display sw "Sal"]', vp('groups', cmp('display', 'sw', 'Sal'))],
    ['userName gt "m"', cmp('userName', 'gt', 'm')],
    [
      'not (userName eq "a") or (Title pr and DisplayName co "b")',
      or(not(cmp('userName', 'eq', 'a')), and(pr('title'), cmp('displayName', 'co', 'b'))),
    ],
    ['nickname eq "x"', cmp('nickName', 'eq', 'x')],
    // Unknown attributes are kept exactly as written (RFC 7644 §3.4.2.2: not an error).
    ['foo eq 1', cmp('foo', 'eq', 1)],
    ['Foo.Bar pr', pr('Foo.Bar')],
    ['name.nickName eq "x"', cmp('name.nickName', 'eq', 'x')],
    ['urn:example:unknown:2.0:User:foo eq "x"', cmp('urn:example:unknown:2.0:User:foo', 'eq', 'x')],
    [`${CORE}:department eq "x"`, cmp(`${CORE}:department`, 'eq', 'x')],
    ['members.value eq "x"', cmp('members.value', 'eq', 'x')],
    ['emails[Foo eq 1]', vp('emails', cmp('Foo', 'eq', 1))],
    ['FOO[bar eq 1]', vp('FOO', cmp('bar', 'eq', 1))],
  ];
  for (const [text, expected] of cases) {
    it(text, () => assert.deepStrictEqual(check(text), expected));
  }
});

describe('checkFilter on Group', () => {
  const cases: [string, Filter][] = [
    ['DisplayName eq "Sales"', cmp('displayName', 'eq', 'Sales')],
    ['members[value eq "u1"]', vp('members', cmp('value', 'eq', 'u1'))],
    ['MEMBERS.VALUE eq "u1"', cmp('members.value', 'eq', 'u1')],
    ['members eq "u1"', cmp('members.value', 'eq', 'u1')],
    [
      'members[type eq "User"].$REF co "/Users/"',
      vp('members', and(cmp('type', 'eq', 'User'), cmp('$ref', 'co', '/Users/'))),
    ],
    ['externalId eq "x"', cmp('externalId', 'eq', 'x')],
    ['department eq "x"', cmp('department', 'eq', 'x')],
    ['userName eq "x"', cmp('userName', 'eq', 'x')],
  ];
  for (const [text, expected] of cases) {
    it(text, () => assert.deepStrictEqual(check(text, GROUP_RESOURCE_TYPE), expected));
  }
});

describe('checkFilter with integer, decimal and binary attributes', () => {
  const cases: [string, Filter][] = [
    ['count gt 3', cmp('count', 'gt', 3)],
    ['weight le 2.5', cmp('weight', 'le', 2.5)],
    ['parts[size ge 2 and label sw "a"]', vp('parts', and(cmp('size', 'ge', 2), cmp('label', 'sw', 'a')))],
    ['blob eq "AAEC"', cmp('blob', 'eq', 'AAEC')],
    ['blob co "AE"', cmp('blob', 'co', 'AE')],
  ];
  for (const [text, expected] of cases) {
    it(text, () => assert.deepStrictEqual(check(text, WIDGET), expected));
  }
});

function rejects(run: () => unknown, message: string): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof ScimError);
    assert.equal(error.status, 400);
    assert.equal(error.scimType, 'invalidFilter');
    assert.equal(error.message, message);
    return true;
  });
}

describe('checkFilter rejects with invalidFilter naming the attribute', () => {
  const DT = 'is not an xsd:dateTime such as "2024-05-01T12:00:00Z"';
  const cases: [string, string, ResourceTypeDefinition?][] = [
    ['active gt true', '"gt" cannot be used with boolean attribute active'],
    ['active le false', '"le" cannot be used with boolean attribute active'],
    ['emails[primary lt true]', '"lt" cannot be used with boolean attribute emails.primary'],
    ['x509Certificates.value ge "a"', '"ge" cannot be used with binary attribute x509Certificates.value'],
    ['active co "t"', '"co" needs a string attribute; active is boolean'],
    ['meta.lastModified sw "2011"', '"sw" needs a string attribute; meta.lastModified is dateTime'],
    ['emails.primary ew "e"', '"ew" needs a string attribute; emails.primary is boolean'],
    ['userName eq 5', 'userName is a string attribute; 5 is not a string'],
    ['userName eq true', 'userName is a string attribute; true is not a string'],
    ['externalId eq 12345', 'externalId is a string attribute; 12345 is not a string'],
    ['emails[value gt 5]', 'emails.value is a string attribute; 5 is not a string'],
    ['emails co 1', 'emails.value is a string attribute; 1 is not a string'],
    ['active eq "yes"', 'active is a boolean attribute; "yes" is not true or false'],
    ['active eq 1', 'active is a boolean attribute; 1 is not true or false'],
    ['roles[primary eq "Truthy"]', 'roles.primary is a boolean attribute; "Truthy" is not true or false'],
    ['meta.lastModified gt "yesterday"', `meta.lastModified is a dateTime attribute; "yesterday" ${DT}`],
    ['meta.lastModified gt "2011-05-13"', `meta.lastModified is a dateTime attribute; "2011-05-13" ${DT}`],
    [
      'meta.lastModified gt "2011-05-13T04:42:34"',
      `meta.lastModified is a dateTime attribute; "2011-05-13T04:42:34" ${DT}`,
    ],
    ['meta.created eq "2011-13-45T04:42:34Z"', `meta.created is a dateTime attribute; "2011-13-45T04:42:34Z" ${DT}`],
    ['meta.created ge "2023-02-29T00:00:00Z"', `meta.created is a dateTime attribute; "2023-02-29T00:00:00Z" ${DT}`],
    ['meta.lastModified gt 5', `meta.lastModified is a dateTime attribute; 5 ${DT}`],
    ['meta.lastModified gt null', '"gt" cannot compare meta.lastModified with null'],
    ['userName co null', '"co" cannot compare userName with null'],
    ['name eq "x"', 'name is complex: compare one of its sub-attributes, e.g. name.formatted'],
    ['meta gt "x"', 'meta is complex: compare one of its sub-attributes, e.g. meta.resourceType'],
    [
      `${ENT}:manager eq "m1"`,
      `${ENT}:manager is complex: compare one of its sub-attributes, e.g. ${ENT}:manager.value`,
    ],
    ['userName[value eq "x"]', 'a value filter "[...]" needs a multi-valued complex attribute; userName is not one'],
    ['name[givenName eq "x"]', 'a value filter "[...]" needs a multi-valued complex attribute; name is not one'],
    ['password eq "secret"', 'password cannot be filtered'],
    ['PASSWORD pr', 'password cannot be filtered'],
    [`${CORE}:password co "a"`, 'password cannot be filtered'],
    ['userName eq "a" or not (password pr)', 'password cannot be filtered'],
    ['count gt 1.5', 'count is an integer attribute; 1.5 is not an integer', WIDGET],
    ['count eq "3"', 'count is an integer attribute; "3" is not an integer', WIDGET],
    ['weight lt "2.5"', 'weight is a decimal attribute; "2.5" is not a number', WIDGET],
    ['count co "1"', '"co" needs a string attribute; count is integer', WIDGET],
    ['parts[size sw "1"]', '"sw" needs a string attribute; parts.size is integer', WIDGET],
    ['blob gt "A"', '"gt" cannot be used with binary attribute blob', WIDGET],
    ['secret eq "x"', 'secret cannot be filtered', WIDGET],
  ];
  for (const [text, message, type] of cases) {
    it(text, () => rejects(() => check(text, type), message));
  }

  it('rejects ASTs the parser would not produce', () => {
    rejects(
      () => checkFilter(vp('emails', vp('phoneNumbers', pr('value'))), USER_RESOURCE_TYPE),
      'a value filter "[...]" cannot be nested inside emails[...]',
    );
    rejects(
      () => checkFilter(vp('emails', pr('emails.value')), USER_RESOURCE_TYPE),
      '"emails.value" inside emails[...] must be a sub-attribute name',
    );
    rejects(
      () => checkFilter(vp('emails.value', pr('value')), USER_RESOURCE_TYPE),
      'a value filter "[...]" needs a multi-valued complex attribute; emails.value is not one',
    );
  });
});

describe('checked paths resolve directly', () => {
  it('resolveAttribute finds every checked top-level path; resolveFilterPath every inner one', () => {
    const f = check('department eq "x" and emails[TYPE eq "work"] and NAME.givenName pr');
    assert.deepStrictEqual(
      f,
      and(and(cmp(`${ENT}:department`, 'eq', 'x'), vp('emails', cmp('type', 'eq', 'work'))), pr('name.givenName')),
    );
    assert.equal(
      resolveAttribute(USER_RESOURCE_TYPE, { schema: ENT, attribute: 'department' })?.target.name,
      'department',
    );
    const emails = resolveAttribute(USER_RESOURCE_TYPE, { attribute: 'emails' })!.target;
    assert.equal(resolveFilterPath(USER_RESOURCE_TYPE, { attribute: 'type' }, emails)?.name, 'type');
    assert.equal(resolveFilterPath(USER_RESOURCE_TYPE, { attribute: 'emails', subAttribute: 'value' })?.type, 'string');
    assert.equal(
      resolveFilterPath(USER_RESOURCE_TYPE, { attribute: 'emails', subAttribute: 'type' }, emails),
      undefined,
    );
    assert.equal(resolveFilterPath(USER_RESOURCE_TYPE, { attribute: 'nope' }), undefined);
  });
});

describe('checkFilter properties', () => {
  it('leaves arbitraryUserFilter() output unchanged (it is canonical and type-correct)', () => {
    fc.assert(
      fc.property(arbitraryUserFilter(), (f) => {
        assert.deepStrictEqual(checkFilter(f, USER_RESOURCE_TYPE), f);
      }),
      { numRuns: 500 },
    );
  });
  it('is idempotent, and fails only with invalidFilter, on any parseable AST', () => {
    fc.assert(
      fc.property(arbitraryFilterAst(), fc.constantFrom(USER_RESOURCE_TYPE, GROUP_RESOURCE_TYPE), (f, type) => {
        let once: Filter;
        try {
          once = checkFilter(f, type);
        } catch (error) {
          assert.ok(isScimError(error) && error.scimType === 'invalidFilter', String(error));
          return;
        }
        assert.deepStrictEqual(checkFilter(once, type), once);
      }),
      { numRuns: 500 },
    );
  });
});
