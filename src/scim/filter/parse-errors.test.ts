import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ScimError } from '../errors.js';
import {
  MAX_FILTER_CONDITIONS,
  MAX_FILTER_DEPTH,
  MAX_FILTER_LENGTH,
  parseAttributeSelections,
  parseAttrPath,
  parseFilter,
  parsePatchPath,
} from './parse.js';

type Row = [text: string, scimType: string, message: string];

function assertRejects(run: () => unknown, scimType: string, message: string): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof ScimError, `expected a ScimError, got ${String(error)}`);
    assert.equal(error.status, 400);
    assert.equal(error.scimType, scimType);
    assert.equal(error.message, message);
    return true;
  });
}

describe('parseFilter rejects malformed filters with invalidFilter and the column', () => {
  const rows: Row[] = [
    ['', 'invalidFilter', 'filter is empty'],
    ['   ', 'invalidFilter', 'filter is empty'],
    ['userName', 'invalidFilter', 'expected an operator after "userName" at column 9'],
    ['userName ', 'invalidFilter', 'expected an operator after "userName" at column 10'],
    ['userName eq', 'invalidFilter', 'expected a comparison value after "eq" at column 12'],
    ['userName eq ', 'invalidFilter', 'expected a comparison value after "eq" at column 13'],
    ['(userName eq)', 'invalidFilter', 'expected a comparison value after "eq" at column 13'],
    ['emails[type eq]', 'invalidFilter', 'expected a comparison value after "eq" at column 15'],
    ['userName eq "abc', 'invalidFilter', 'unterminated string starting at column 13'],
    ['a eq "x\\q"', 'invalidFilter', 'invalid escape "\\q" in string at column 8'],
    ['a eq "\\u12G4"', 'invalidFilter', 'invalid escape "\\u12G4" in string at column 7'],
    ['a eq "abc\\', 'invalidFilter', 'unterminated escape in string at column 10'],
    ['a pr "x"', 'invalidFilter', '"pr" takes no value at column 6'],
    ['a pr b', 'invalidFilter', '"pr" takes no value at column 6'],
    ['a pr true', 'invalidFilter', '"pr" takes no value at column 6'],
    ['a xx 1', 'invalidFilter', 'unknown operator "xx", expected eq, ne, co, sw, ew, gt, ge, lt, le or pr at column 3'],
    [
      'a equals 1',
      'invalidFilter',
      'unknown operator "equals", expected eq, ne, co, sw, ew, gt, ge, lt, le or pr at column 3',
    ],
    ['a pr and', 'invalidFilter', 'expected a filter after "and" at column 9'],
    ['a pr or ', 'invalidFilter', 'expected a filter after "or" at column 9'],
    ['a pr and ()', 'invalidFilter', 'unexpected ")" at column 11'],
    ['(a pr', 'invalidFilter', 'missing ")" for "(" at column 1'],
    ['((a pr)', 'invalidFilter', 'missing ")" for "(" at column 1'],
    ['a pr)', 'invalidFilter', 'unexpected ")" at column 5'],
    ['a pr ]', 'invalidFilter', 'unexpected "]" at column 6'],
    ['emails[type eq "x"', 'invalidFilter', 'missing "]" for "[" at column 7'],
    ['emails[type eq "x"]]', 'invalidFilter', 'unexpected "]" at column 20'],
    ['not a pr', 'invalidFilter', 'expected "(" after "not" at column 5'],
    ['not', 'invalidFilter', 'expected "(" after "not" at column 4'],
    ['not (a pr', 'invalidFilter', 'missing ")" for "(" at column 5'],
    ['emails[members[value pr]]', 'invalidFilter', 'a value filter "[...]" cannot be nested in another at column 15'],
    ['emails[type.x eq 1]', 'invalidFilter', '"type.x" inside "[...]" must be a sub-attribute name at column 8'],
    [
      'emails[urn:x:type eq 1]',
      'invalidFilter',
      '"urn:x:type" inside "[...]" must be a sub-attribute name at column 8',
    ],
    ['name.givenName[value pr]', 'invalidFilter', 'unexpected "[" after sub-attribute "name.givenName" at column 15'],
    ['a.b.c pr', 'invalidFilter', 'invalid attribute path "a.b.c" at column 1'],
    ['1abc pr', 'invalidFilter', 'invalid attribute path "1abc" at column 1'],
    [':a pr', 'invalidFilter', 'invalid attribute path ":a" at column 1'],
    ['a. pr', 'invalidFilter', 'invalid attribute path "a." at column 1'],
    ['a.1 pr', 'invalidFilter', 'invalid attribute path "a.1" at column 1'],
    ['user@name eq 1', 'invalidFilter', 'unexpected "@name" at column 5'],
    ['"userName" eq 1', 'invalidFilter', 'unexpected string at column 1'],
    ['a eq 1e999', 'invalidFilter', 'number 1e999 is out of range at column 6'],
    ['a eq "x" "y"', 'invalidFilter', 'unexpected string at column 10'],
    ['a eq "x"y', 'invalidFilter', 'unexpected "y" at column 9'],
    ['a eq 1 b', 'invalidFilter', 'unexpected "b" at column 8'],
    ['emails[type eq "w"].value', 'invalidFilter', 'expected an operator after "value" at column 26'],
    ['emails[type eq "w"].', 'invalidFilter', 'expected a sub-attribute name after "." at column 21'],
    ['emails[type eq "w"].a.b eq 1', 'invalidFilter', '"a.b" inside "[...]" must be a sub-attribute name at column 21'],
    [')', 'invalidFilter', 'unexpected ")" at column 1'],
    ['[a pr]', 'invalidFilter', 'unexpected "[" at column 1'],
    ['a pr and and', 'invalidFilter', 'expected an operator after "and" at column 13'],
    ['emails[]', 'invalidFilter', 'unexpected "]" at column 8'],
    ['emails[type eq "w"]x', 'invalidFilter', 'unexpected "x" at column 20'],
  ];
  for (const [text, scimType, message] of rows) {
    it(JSON.stringify(text), () => assertRejects(() => parseFilter(text), scimType, message));
  }
});

describe('parsePatchPath: invalidPath for the path, invalidFilter inside the brackets', () => {
  const rows: Row[] = [
    ['', 'invalidPath', 'path is empty'],
    ['members[', 'invalidFilter', 'expected a filter after "[" at column 9'],
    ['members[value eq "x"', 'invalidFilter', 'missing "]" for "[" at column 8'],
    ['members[value eq]', 'invalidFilter', 'expected a comparison value after "eq" at column 17'],
    ['members[value eq "x"]x', 'invalidPath', 'unexpected "x" at column 22'],
    ['members[value eq "x"].', 'invalidPath', 'expected a sub-attribute name after "." at column 23'],
    ['members[value eq "x"].a.b', 'invalidPath', 'invalid sub-attribute "a.b" at column 23'],
    ['members[value eq "x"] .value', 'invalidPath', 'unexpected ".value" at column 23'],
    ['name.givenName[value pr]', 'invalidPath', 'unexpected "[" after sub-attribute "name.givenName" at column 15'],
    ['a.b.c', 'invalidPath', 'invalid attribute path "a.b.c" at column 1'],
    ['a b', 'invalidPath', 'unexpected "b" at column 3'],
    ['emails[type eq "w"][x pr]', 'invalidPath', 'unexpected "[" at column 20'],
    ['1a', 'invalidPath', 'invalid attribute path "1a" at column 1'],
    ['a@b', 'invalidPath', 'unexpected "@b" at column 2'],
  ];
  for (const [text, scimType, message] of rows) {
    it(JSON.stringify(text), () => assertRejects(() => parsePatchPath(text), scimType, message));
  }
});

describe('parseAttrPath and parseAttributeSelections reject with invalidPath', () => {
  const rows: Row[] = [
    ['', 'invalidPath', 'attribute path is empty'],
    ['a b', 'invalidPath', 'unexpected "b" at column 3'],
    ['a[x pr]', 'invalidPath', 'unexpected "[" at column 2'],
    ['a.b.c', 'invalidPath', 'invalid attribute path "a.b.c" at column 1'],
    [' 1a', 'invalidPath', 'invalid attribute path "1a" at column 2'],
  ];
  for (const [text, scimType, message] of rows) {
    it(JSON.stringify(text), () => assertRejects(() => parseAttrPath(text), scimType, message));
  }
  const lists: Row[] = [
    ['userName, 1a', 'invalidPath', 'invalid attribute path "1a" at column 11'],
    ['a,b c', 'invalidPath', 'unexpected "c" at column 5'],
  ];
  for (const [text, scimType, message] of lists) {
    it(`list ${JSON.stringify(text)}`, () => assertRejects(() => parseAttributeSelections(text), scimType, message));
  }
});

describe('limits keep hostile input cheap', () => {
  it(`accepts ${MAX_FILTER_DEPTH} levels of parentheses`, () => {
    const text = `${'('.repeat(MAX_FILTER_DEPTH)}a pr${')'.repeat(MAX_FILTER_DEPTH)}`;
    assert.deepStrictEqual(parseFilter(text), { kind: 'present', path: { attribute: 'a' } });
  });
  it(`rejects ${MAX_FILTER_DEPTH + 1} levels of parentheses at the offending one`, () => {
    const text = `${'('.repeat(MAX_FILTER_DEPTH + 1)}a pr${')'.repeat(MAX_FILTER_DEPTH + 1)}`;
    assertRejects(() => parseFilter(text), 'invalidFilter', 'filter nests deeper than 50 levels at column 51');
  });
  it('counts not ( and [ as levels too', () => {
    const text = `${'not ('.repeat(MAX_FILTER_DEPTH)}emails[value pr]${')'.repeat(MAX_FILTER_DEPTH)}`;
    assertRejects(() => parseFilter(text), 'invalidFilter', 'filter nests deeper than 50 levels at column 257');
  });
  it('rejects 100k open parentheses by length, before parsing', () => {
    assertRejects(() => parseFilter('('.repeat(100_000)), 'invalidFilter', 'filter is longer than 10000 characters');
  });
  it(`accepts a filter of exactly ${MAX_FILTER_LENGTH} characters`, () => {
    const text = `a eq "${'x'.repeat(MAX_FILTER_LENGTH - 7)}"`;
    assert.equal(text.length, MAX_FILTER_LENGTH);
    assert.equal(parseFilter(text).kind, 'compare');
  });
  it(`accepts ${MAX_FILTER_CONDITIONS} conditions and rejects one more`, () => {
    const ok = Array.from({ length: MAX_FILTER_CONDITIONS }, (_, i) => `id eq "${i}"`).join(' or ');
    assert.equal(parseFilter(ok).kind, 'or');
    const tooMany = `${ok} or id eq "x"`;
    assertRejects(
      () => parseFilter(tooMany),
      'invalidFilter',
      `filter has more than 200 conditions at column ${ok.length + 5}`,
    );
  });
  it('rejects an over-long PATCH path and attribute path with invalidPath', () => {
    const long = 'a'.repeat(MAX_FILTER_LENGTH + 1);
    assertRejects(() => parsePatchPath(long), 'invalidPath', 'path is longer than 10000 characters');
    assertRejects(() => parseAttrPath(long), 'invalidPath', 'attribute path is longer than 10000 characters');
  });
});
