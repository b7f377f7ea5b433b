import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ScimError } from '../errors.js';
import { USER_RESOURCE_TYPE } from '../schema/registry.js';
import { attribute } from '../schema/types.js';
import { arbitraryUserResource } from './arbitraries.js';
import type { AttrPath } from './ast.js';
import { parseAttrPath } from './parse.js';
import { checkSortBy, compareForSort, sortDefinition, sortValue } from './sort.js';
import { compareCodePoints } from './values.js';

const ENT = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

const users: Record<string, unknown>[] = [
  {
    id: 'a',
    userName: 'bob',
    emails: [
      { value: 'z@x', type: 'home' },
      { value: 'A@x', type: 'work', primary: true },
    ],
    [ENT]: { department: 'sales' },
    meta: { lastModified: '2024-01-01T01:00:00+02:00' },
  },
  {
    id: 'b',
    userName: 'Alice',
    emails: [{ value: 'm@x' }, { value: 'b@x' }],
    meta: { lastModified: '2023-12-31T23:30:00Z' },
  },
  { id: 'c', userName: 'alice', [ENT]: { department: 'Engineering' }, meta: {} },
  { id: 'd', userName: 'Émile', emails: [{ type: 'work', primary: true }, { value: 'c@x' }] },
];

function sortIds(by: string, descending = false): string[] {
  const path = checkSortBy(parseAttrPath(by), USER_RESOURCE_TYPE);
  const def = sortDefinition(path, USER_RESOURCE_TYPE);
  assert.ok(def);
  return [...users]
    .sort((x, y) => {
      const order = compareForSort(sortValue(x, path, USER_RESOURCE_TYPE), sortValue(y, path, USER_RESOURCE_TYPE), def);
      return (descending ? -order : order) || compareCodePoints(String(x.id), String(y.id));
    })
    .map((u) => String(u.id));
}

describe('checkSortBy', () => {
  const cases: [string, AttrPath][] = [
    ['USERNAME', { attribute: 'userName' }],
    ['department', { schema: ENT, attribute: 'department' }],
    [`${ENT.toUpperCase()}:DEPARTMENT`, { schema: ENT, attribute: 'department' }],
    ['emails', { attribute: 'emails', subAttribute: 'value' }],
    ['emails.TYPE', { attribute: 'emails', subAttribute: 'type' }],
    ['meta.lastmodified', { attribute: 'meta', subAttribute: 'lastModified' }],
    ['urn:ietf:params:scim:schemas:core:2.0:User:name.givenName', { attribute: 'name', subAttribute: 'givenName' }],
    ['nope', { attribute: 'nope' }],
  ];
  for (const [text, expected] of cases) {
    it(text, () => assert.deepStrictEqual(checkSortBy(parseAttrPath(text), USER_RESOURCE_TYPE), expected));
  }
  const rejected: [string, string][] = [
    ['name', 'cannot sort by complex attribute name: name one of its sub-attributes'],
    ['manager', `cannot sort by complex attribute ${ENT}:manager: name one of its sub-attributes`],
    ['password', 'cannot sort by password'],
  ];
  for (const [text, message] of rejected) {
    it(`rejects ${text}`, () =>
      assert.throws(
        () => checkSortBy(parseAttrPath(text), USER_RESOURCE_TYPE),
        (e: unknown) => e instanceof ScimError && e.scimType === 'invalidPath' && e.message === message,
      ));
  }
});

describe('sortValue: primary element, else the first (RFC 7644 §3.4.2.3)', () => {
  const value = (user: number, by: string) =>
    sortValue(users[user]!, checkSortBy(parseAttrPath(by), USER_RESOURCE_TYPE), USER_RESOURCE_TYPE);
  it('reads singular, extension and meta attributes', () => {
    assert.equal(value(0, 'userName'), 'bob');
    assert.equal(value(0, 'department'), 'sales');
    assert.equal(value(0, 'meta.lastModified'), '2024-01-01T01:00:00+02:00');
    assert.equal(value(2, 'meta.lastModified'), undefined);
    assert.equal(value(3, 'department'), undefined);
  });
  it('takes the primary element of a multi-valued attribute, else the first', () => {
    assert.equal(value(0, 'emails'), 'A@x');
    assert.equal(value(0, 'emails.type'), 'work');
    assert.equal(value(1, 'emails.value'), 'm@x');
    assert.equal(value(2, 'emails'), undefined);
    assert.equal(value(3, 'emails'), undefined, 'the primary element has no value');
  });
  it('is undefined for unknown attributes', () => assert.equal(value(0, 'nope'), undefined));
});

describe('compareForSort', () => {
  const str = attribute('s', 'string');
  const exact = attribute('s', 'string', { caseExact: true });
  const date = attribute('d', 'dateTime');
  const bool = attribute('b', 'boolean');
  const int = attribute('i', 'integer');
  const cases: [unknown, unknown, ReturnType<typeof attribute>, number][] = [
    ['alice', 'Bob', str, -1],
    ['Alice', 'alice', str, 0],
    ['Alice', 'alice', exact, -1],
    ['b', 'B', exact, 1],
    ['z', undefined, str, -1],
    [undefined, 'z', str, 1],
    [undefined, null, str, 0],
    ['', 'a', str, 1],
    ['\uffff', '😀', str, -1],
    ['2024-01-01T01:00:00+02:00', '2023-12-31T23:30:00Z', date, -1],
    ['2024-01-01T00:00:00+01:00', '2023-12-31T23:00:00.000Z', date, 0],
    ['not a date', '2023-12-31T23:00:00Z', date, 1],
    [false, true, bool, -1],
    [10, 9, int, 1],
    ['10', 9, int, 1],
  ];
  for (const [a, b, def, sign] of cases) {
    it(`${JSON.stringify(a)} vs ${JSON.stringify(b)} (${def.type}${def.caseExact ? ', caseExact' : ''})`, () => {
      assert.equal(Math.sign(compareForSort(a, b, def)), sign);
      assert.equal(Math.sign(compareForSort(b, a, def)), sign === 0 ? 0 : -sign);
    });
  }
  it('is a total preorder on generated users (antisymmetric and transitive)', () => {
    const by = checkSortBy(parseAttrPath('emails.value'), USER_RESOURCE_TYPE);
    const def = sortDefinition(by, USER_RESOURCE_TYPE)!;
    fc.assert(
      fc.property(fc.array(arbitraryUserResource(), { maxLength: 8 }), (list) => {
        const values = list.map((u) => sortValue(u, by, USER_RESOURCE_TYPE));
        const sorted = [...values].sort((x, y) => compareForSort(x, y, def));
        for (let i = 1; i < sorted.length; i++) assert.ok(compareForSort(sorted[i - 1], sorted[i], def) <= 0);
        for (const x of values)
          for (const y of values) {
            assert.equal(Math.sign(compareForSort(x, y, def)), -Math.sign(compareForSort(y, x, def)) || 0);
          }
      }),
      { numRuns: 200 },
    );
  });
});

describe('sorting users', () => {
  it('sorts ascending ignoring case, absent last, ties by id', () => {
    assert.deepStrictEqual(sortIds('userName'), ['b', 'c', 'a', 'd']);
    assert.deepStrictEqual(sortIds('department'), ['c', 'a', 'b', 'd']);
    assert.deepStrictEqual(sortIds('emails'), ['a', 'b', 'c', 'd']);
    assert.deepStrictEqual(sortIds('meta.lastModified'), ['a', 'b', 'c', 'd']);
  });
  it('sorts descending with absent values first', () => {
    assert.deepStrictEqual(sortIds('department', true), ['b', 'd', 'a', 'c']);
    assert.deepStrictEqual(sortIds('meta.lastModified', true), ['c', 'd', 'b', 'a']);
  });
});
