import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { and, cmp, not, or, path, pr, vp } from './arbitraries.js';
import type { Filter, PatchPath } from './ast.js';
import { parseAttributeSelections, parseAttrPath, parseFilter, parsePatchPath } from './parse.js';

/** The attribute paths of an `attributes=` list without value filters. */
const attributeList = (text: string) => parseAttributeSelections(text).map((selection) => selection.path);

const ENT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
const CORE = 'urn:ietf:params:scim:schemas:core:2.0:User';

describe('parseFilter: RFC 7644 §3.4.2.2 examples and every operator', () => {
  const cases: [string, Filter][] = [
    ['userName eq "bjensen"', cmp('userName', 'eq', 'bjensen')],
    ['name.familyName co "O\'Malley"', cmp('name.familyName', 'co', "O'Malley")],
    ['userName sw "J"', cmp('userName', 'sw', 'J')],
    [`${CORE}:userName sw "J"`, cmp(`${CORE}:userName`, 'sw', 'J')],
    ['title pr', pr('title')],
    ['meta.lastModified gt "2011-05-13T04:42:34Z"', cmp('meta.lastModified', 'gt', '2011-05-13T04:42:34Z')],
    ['meta.lastModified ge "2011-05-13T04:42:34Z"', cmp('meta.lastModified', 'ge', '2011-05-13T04:42:34Z')],
    ['meta.lastModified lt "2011-05-13T04:42:34Z"', cmp('meta.lastModified', 'lt', '2011-05-13T04:42:34Z')],
    ['meta.lastModified le "2011-05-13T04:42:34Z"', cmp('meta.lastModified', 'le', '2011-05-13T04:42:34Z')],
    ['title pr and userType eq "Employee"', and(pr('title'), cmp('userType', 'eq', 'Employee'))],
    ['title pr or userType eq "Intern"', or(pr('title'), cmp('userType', 'eq', 'Intern'))],
    [
      'schemas eq "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"',
      cmp('schemas', 'eq', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'),
    ],
    [
      'userType eq "Employee" and (emails co "example.com" or emails.value co "example.org")',
      and(
        cmp('userType', 'eq', 'Employee'),
        or(cmp('emails', 'co', 'example.com'), cmp('emails.value', 'co', 'example.org')),
      ),
    ],
    [
      'userType ne "Employee" and not (emails co "example.com" or emails.value co "example.org")',
      and(
        cmp('userType', 'ne', 'Employee'),
        not(or(cmp('emails', 'co', 'example.com'), cmp('emails.value', 'co', 'example.org'))),
      ),
    ],
    [
      'userType eq "Employee" and (emails.type eq "work")',
      and(cmp('userType', 'eq', 'Employee'), cmp('emails.type', 'eq', 'work')),
    ],
    [
      'userType eq "Employee" and emails[type eq "work" and value co "@example.com"]',
      and(
        cmp('userType', 'eq', 'Employee'),
        vp('emails', and(cmp('type', 'eq', 'work'), cmp('value', 'co', '@example.com'))),
      ),
    ],
    [
      'emails[type eq "work" and value co "@example.com"] or ims[type eq "xmpp" and value co "@foo.com"]',
      or(
        vp('emails', and(cmp('type', 'eq', 'work'), cmp('value', 'co', '@example.com'))),
        vp('ims', and(cmp('type', 'eq', 'xmpp'), cmp('value', 'co', '@foo.com'))),
      ),
    ],
    ['displayName ew "ales"', cmp('displayName', 'ew', 'ales')],
    ['x ne 1', cmp('x', 'ne', 1)],
  ];
  for (const [text, expected] of cases) {
    it(text, () => assert.deepStrictEqual(parseFilter(text), expected));
  }
});

describe('parseFilter: case, whitespace, precedence', () => {
  const cases: [string, Filter][] = [
    ['userName EQ "a"', cmp('userName', 'eq', 'a')],
    ['userName Eq "a"', cmp('userName', 'eq', 'a')],
    ['title PR', pr('title')],
    ['a pr AND b pr', and(pr('a'), pr('b'))],
    ['a pr Or b pr', or(pr('a'), pr('b'))],
    ['NOT (a pr)', not(pr('a'))],
    ['Not(a pr)', not(pr('a'))],
    ['  userName   eq   "a"  ', cmp('userName', 'eq', 'a')],
    ['userName\teq\t"a"', cmp('userName', 'eq', 'a')],
    ['userName eq "a"and b pr', and(cmp('userName', 'eq', 'a'), pr('b'))],
    ['(a pr)and(b pr)', and(pr('a'), pr('b'))],
    ['userName eq"a"', cmp('userName', 'eq', 'a')],
    ['a pr or b pr and c pr', or(pr('a'), and(pr('b'), pr('c')))],
    ['a pr and b pr or c pr', or(and(pr('a'), pr('b')), pr('c'))],
    ['a pr and b pr and c pr', and(and(pr('a'), pr('b')), pr('c'))],
    ['a pr or b pr or c pr', or(or(pr('a'), pr('b')), pr('c'))],
    ['a pr and (b pr or c pr)', and(pr('a'), or(pr('b'), pr('c')))],
    ['(a pr or b pr) and c pr', and(or(pr('a'), pr('b')), pr('c'))],
    ['a pr or (b pr or c pr)', or(pr('a'), or(pr('b'), pr('c')))],
    ['not (a pr) and b pr', and(not(pr('a')), pr('b'))],
    ['not (a pr) or not (b pr)', or(not(pr('a')), not(pr('b')))],
    ['not (not (a pr))', not(not(pr('a')))],
    ['((((a pr))))', pr('a')],
    ['(a pr)', pr('a')],
    ['a pr and not (b pr or c pr)', and(pr('a'), not(or(pr('b'), pr('c'))))],
    ['andrew pr', pr('andrew')],
    ['orders pr and notes pr', and(pr('orders'), pr('notes'))],
    ['and pr', pr('and')],
    ['a pr and or pr', and(pr('a'), pr('or'))],
  ];
  for (const [text, expected] of cases) {
    it(JSON.stringify(text), () => assert.deepStrictEqual(parseFilter(text), expected));
  }
});

describe('parseFilter: values', () => {
  const cases: [string, Filter][] = [
    ['a eq true', cmp('a', 'eq', true)],
    ['a eq TRUE', cmp('a', 'eq', true)],
    ['a eq False', cmp('a', 'eq', false)],
    ['a eq null', cmp('a', 'eq', null)],
    ['a ne NULL', cmp('a', 'ne', null)],
    ['a eq "true"', cmp('a', 'eq', 'true')],
    ['a eq "null"', cmp('a', 'eq', 'null')],
    ['a eq 0', cmp('a', 'eq', 0)],
    ['a eq -0', cmp('a', 'eq', 0)],
    ['a eq 42', cmp('a', 'eq', 42)],
    ['a eq -17', cmp('a', 'eq', -17)],
    ['a eq 3.25', cmp('a', 'eq', 3.25)],
    ['a eq 1e3', cmp('a', 'eq', 1000)],
    ['a eq 1E-2', cmp('a', 'eq', 0.01)],
    ['a eq -2.5e+2', cmp('a', 'eq', -250)],
    ['a eq ""', cmp('a', 'eq', '')],
    ['a eq " spaced  out "', cmp('a', 'eq', ' spaced  out ')],
    ['a eq "and or not ( ) [ ]"', cmp('a', 'eq', 'and or not ( ) [ ]')],
    ['a eq "q\\"uote"', cmp('a', 'eq', 'q"uote')],
    ['a eq "back\\\\slash"', cmp('a', 'eq', 'back\\slash')],
    ['a eq "sl\\/ash"', cmp('a', 'eq', 'sl/ash')],
    ['a eq "\\b\\f\\n\\r\\t"', cmp('a', 'eq', '\b\f\n\r\t')],
    ['a eq "\\u00e9\\u00C9"', cmp('a', 'eq', 'éÉ')],
    ['a eq "\\ud83d\\ude00"', cmp('a', 'eq', '😀')],
    ['a eq "日本語 zoë"', cmp('a', 'eq', '日本語 zoë')],
    ['a eq "tab\tinside"', cmp('a', 'eq', 'tab\tinside')],
    // Entra's unquoted values (entra.md §3, Microsoft's sample).
    ['userName eq john@contoso.com', cmp('userName', 'eq', 'john@contoso.com')],
    ['userName eq Test_User_dfeef4c5', cmp('userName', 'eq', 'Test_User_dfeef4c5')],
    [
      'externalId eq 6b7a1b2c-0f3e-4e2a-9c51-7d1f0b8e4a11',
      cmp('externalId', 'eq', '6b7a1b2c-0f3e-4e2a-9c51-7d1f0b8e4a11'),
    ],
    ['externalId eq 12345678-0f3e', cmp('externalId', 'eq', '12345678-0f3e')],
    ['a eq 0123', cmp('a', 'eq', '0123')],
    ['a eq 1.', cmp('a', 'eq', '1.')],
    ['a eq Trueish', cmp('a', 'eq', 'Trueish')],
    ['(userName eq john)', cmp('userName', 'eq', 'john')],
    ['emails[value eq x@y.z]', vp('emails', cmp('value', 'eq', 'x@y.z'))],
    ['a eq b and c eq d', and(cmp('a', 'eq', 'b'), cmp('c', 'eq', 'd'))],
    ['displayName eq Sales(EU', cmp('displayName', 'eq', 'Sales(EU')],
    ['a eq ab"c', cmp('a', 'eq', 'ab"c')],
  ];
  for (const [text, expected] of cases) {
    it(JSON.stringify(text), () => assert.deepStrictEqual(parseFilter(text), expected));
  }
});

describe('parseFilter: paths', () => {
  const cases: [string, Filter][] = [
    [`${ENT}:department eq "Sales"`, cmp(`${ENT}:department`, 'eq', 'Sales')],
    [`${ENT}:manager.value eq "26118915"`, cmp(`${ENT}:manager.value`, 'eq', '26118915')],
    [`${CORE}:name.givenName eq "Ann"`, cmp(`${CORE}:name.givenName`, 'eq', 'Ann')],
    [
      'URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER:USERNAME pr',
      pr('URN:IETF:PARAMS:SCIM:SCHEMAS:CORE:2.0:USER:USERNAME'),
    ],
    ['USERNAME eq "a"', cmp('USERNAME', 'eq', 'a')],
    ['members.$ref pr', pr('members.$ref')],
    ['$ref eq "https://x/Users/1"', cmp('$ref', 'eq', 'https://x/Users/1')],
    ['members[$ref co "/Users/"]', vp('members', cmp('$ref', 'co', '/Users/'))],
    ['x-custom_attr1 pr', pr('x-custom_attr1')],
    ['urn:x:y:attr pr', pr('urn:x:y:attr')],
    [`${ENT}:manager pr`, pr(`${ENT}:manager`)],
  ];
  for (const [text, expected] of cases) {
    it(text, () => assert.deepStrictEqual(parseFilter(text), expected));
  }
});

describe('parseFilter: value paths', () => {
  const cases: [string, Filter][] = [
    ['emails[type eq "work"]', vp('emails', cmp('type', 'eq', 'work'))],
    ['emails [type eq "work"]', vp('emails', cmp('type', 'eq', 'work'))],
    ['emails[ type eq "work" ]', vp('emails', cmp('type', 'eq', 'work'))],
    ['emails[primary eq true]', vp('emails', cmp('primary', 'eq', true))],
    ['emails[value pr]', vp('emails', pr('value'))],
    ['emails[not (type eq "work")]', vp('emails', not(cmp('type', 'eq', 'work')))],
    [
      'emails[(type eq "work" or type eq "home") and primary eq true]',
      vp('emails', and(or(cmp('type', 'eq', 'work'), cmp('type', 'eq', 'home')), cmp('primary', 'eq', true))),
    ],
    ['not (emails[type eq "work"])', not(vp('emails', cmp('type', 'eq', 'work')))],
    [
      'emails[type eq "work"] and phoneNumbers[type eq "mobile"]',
      and(vp('emails', cmp('type', 'eq', 'work')), vp('phoneNumbers', cmp('type', 'eq', 'mobile'))),
    ],
    [`${CORE}:emails[type eq "work"]`, vp(`${CORE}:emails`, cmp('type', 'eq', 'work'))],
    ['members[value eq "2819c223"]', vp('members', cmp('value', 'eq', '2819c223'))],
    ['roles[primary eq "True"]', vp('roles', cmp('primary', 'eq', 'True'))],
    // Entra's matching form `valuePath.subAttr op value` reads as the RFC's valuePath with `and`.
    [
      'emails[type eq "work"].value eq "a@b.c"',
      vp('emails', and(cmp('type', 'eq', 'work'), cmp('value', 'eq', 'a@b.c'))),
    ],
    ['emails[type eq "work"].value pr', vp('emails', and(cmp('type', 'eq', 'work'), pr('value')))],
    [
      'roles[primary eq "True"].value eq "Admin" and active eq true',
      and(vp('roles', and(cmp('primary', 'eq', 'True'), cmp('value', 'eq', 'Admin'))), cmp('active', 'eq', true)),
    ],
    [
      'emails[type eq "work" or type eq "home"].value co "@x"',
      vp('emails', and(or(cmp('type', 'eq', 'work'), cmp('type', 'eq', 'home')), cmp('value', 'co', '@x'))),
    ],
    [
      'emails[type eq "work"].value eq x@y.z',
      vp('emails', and(cmp('type', 'eq', 'work'), cmp('value', 'eq', 'x@y.z'))),
    ],
  ];
  for (const [text, expected] of cases) {
    it(text, () => assert.deepStrictEqual(parseFilter(text), expected));
  }
});

describe('parseAttrPath and the attribute lists of parseAttributeSelections', () => {
  const paths: [string, ReturnType<typeof path>][] = [
    ['userName', { attribute: 'userName' }],
    [' name.givenName ', { attribute: 'name', subAttribute: 'givenName' }],
    [`${ENT}:department`, { schema: ENT, attribute: 'department' }],
    [`${CORE}:name.familyName`, { schema: CORE, attribute: 'name', subAttribute: 'familyName' }],
    ['meta.lastModified', { attribute: 'meta', subAttribute: 'lastModified' }],
    ['members.$ref', { attribute: 'members', subAttribute: '$ref' }],
  ];
  for (const [text, expected] of paths) {
    it(`parseAttrPath(${JSON.stringify(text)})`, () => assert.deepStrictEqual(parseAttrPath(text), expected));
  }

  it('splits, trims and skips empty items', () => {
    assert.deepStrictEqual(attributeList(`userName, name.givenName ,,${ENT}:department,`), [
      { attribute: 'userName' },
      { attribute: 'name', subAttribute: 'givenName' },
      { schema: ENT, attribute: 'department' },
    ]);
  });
  it('returns [] for an empty list', () => {
    assert.deepStrictEqual(attributeList(''), []);
    assert.deepStrictEqual(attributeList(' , '), []);
  });
});

describe('parsePatchPath: RFC 7644 §3.5.2 PATH', () => {
  const cases: [string, PatchPath][] = [
    ['members', { path: path('members') }],
    ['name.familyName', { path: path('name.familyName') }],
    [`${ENT}:manager`, { path: path(`${ENT}:manager`) }],
    [`${ENT}:manager.value`, { path: path(`${ENT}:manager.value`) }],
    ['members[value eq "2819c223"]', { path: path('members'), valueFilter: cmp('value', 'eq', '2819c223') }],
    [
      'emails[type eq "work"].value',
      { path: path('emails'), valueFilter: cmp('type', 'eq', 'work'), subAttribute: 'value' },
    ],
    [
      'roles[primary eq "True"].value',
      { path: path('roles'), valueFilter: cmp('primary', 'eq', 'True'), subAttribute: 'value' },
    ],
    [
      'addresses[type eq "work"].streetAddress',
      { path: path('addresses'), valueFilter: cmp('type', 'eq', 'work'), subAttribute: 'streetAddress' },
    ],
    [
      'members[value eq "a" or value eq "b"]',
      { path: path('members'), valueFilter: or(cmp('value', 'eq', 'a'), cmp('value', 'eq', 'b')) },
    ],
    [
      `${CORE}:emails[type eq "work"].value`,
      { path: path(`${CORE}:emails`), valueFilter: cmp('type', 'eq', 'work'), subAttribute: 'value' },
    ],
    [
      'members[value eq "x"].$ref',
      { path: path('members'), valueFilter: cmp('value', 'eq', 'x'), subAttribute: '$ref' },
    ],
    [' userName ', { path: path('userName') }],
  ];
  for (const [text, expected] of cases) {
    it(text, () => assert.deepStrictEqual(parsePatchPath(text), expected));
  }
});

describe('parseAttributeSelections (issue #13.3)', () => {
  it('reads plain paths and value-filtered paths; commas inside brackets or strings do not split', () => {
    assert.deepEqual(
      parseAttributeSelections('userName, emails[value eq "a,b" or type eq "w"].value ,name.givenName'),
      [
        { path: { attribute: 'userName' } },
        {
          path: { attribute: 'emails' },
          valueFilter: {
            kind: 'or',
            left: { kind: 'compare', path: { attribute: 'value' }, op: 'eq', value: 'a,b' },
            right: { kind: 'compare', path: { attribute: 'type' }, op: 'eq', value: 'w' },
          },
          subAttribute: 'value',
        },
        { path: { attribute: 'name', subAttribute: 'givenName' } },
      ],
    );
  });

  it('an error inside the brackets is invalidFilter, outside invalidPath', () => {
    assert.throws(() => parseAttributeSelections('emails[type zz "w"]'), { scimType: 'invalidFilter' });
    assert.throws(() => parseAttributeSelections('emails]'), { scimType: 'invalidPath' });
  });
});
