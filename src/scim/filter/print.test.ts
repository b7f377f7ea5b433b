import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import {
  and,
  arbitraryFilterAst,
  arbitraryUserFilter,
  arbitraryValueFilterAst,
  cmp,
  not,
  or,
  path,
  pr,
  vp,
} from './arbitraries.js';
import type { Filter, PatchPath } from './ast.js';
import { parseAttrPath, parseFilter, parsePatchPath } from './parse.js';
import { printAttrPath, printFilter, printPatchPath } from './print.js';

describe('printFilter: canonical text', () => {
  const cases: [Filter, string][] = [
    [cmp('userName', 'eq', 'bjensen'), 'userName eq "bjensen"'],
    [cmp('a', 'eq', 'q"uote\\back/slash\n\t\u0001'), 'a eq "q\\"uote\\\\back/slash\\n\\t\\u0001"'],
    [cmp('a', 'eq', '日本 😀'), 'a eq "日本 😀"'],
    [cmp('a', 'eq', 12), 'a eq 12'],
    [cmp('a', 'eq', -1.5e-7), 'a eq -1.5e-7'],
    [cmp('a', 'eq', 1e21), 'a eq 1e+21'],
    [cmp('a', 'eq', true), 'a eq true'],
    [cmp('a', 'ne', false), 'a ne false'],
    [cmp('a', 'eq', null), 'a eq null'],
    [cmp('a', 'eq', 'null'), 'a eq "null"'],
    [pr('title'), 'title pr'],
    [
      cmp('urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value', 'eq', 'x'),
      'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value eq "x"',
    ],
    [and(pr('a'), pr('b')), 'a pr and b pr'],
    [and(and(pr('a'), pr('b')), pr('c')), 'a pr and b pr and c pr'],
    [and(pr('a'), and(pr('b'), pr('c'))), 'a pr and (b pr and c pr)'],
    [or(or(pr('a'), pr('b')), pr('c')), 'a pr or b pr or c pr'],
    [or(pr('a'), or(pr('b'), pr('c'))), 'a pr or (b pr or c pr)'],
    [or(and(pr('a'), pr('b')), pr('c')), 'a pr and b pr or c pr'],
    [or(pr('a'), and(pr('b'), pr('c'))), 'a pr or b pr and c pr'],
    [and(or(pr('a'), pr('b')), pr('c')), '(a pr or b pr) and c pr'],
    [and(pr('a'), or(pr('b'), pr('c'))), 'a pr and (b pr or c pr)'],
    [not(pr('a')), 'not (a pr)'],
    [not(or(pr('a'), pr('b'))), 'not (a pr or b pr)'],
    [and(not(pr('a')), not(pr('b'))), 'not (a pr) and not (b pr)'],
    [vp('emails', cmp('type', 'eq', 'work')), 'emails[type eq "work"]'],
    [
      vp('emails', and(or(cmp('type', 'eq', 'work'), cmp('type', 'eq', 'home')), pr('value'))),
      'emails[(type eq "work" or type eq "home") and value pr]',
    ],
    [and(vp('emails', pr('value')), pr('a')), 'emails[value pr] and a pr'],
  ];
  for (const [filter, text] of cases) {
    it(text, () => {
      assert.equal(printFilter(filter), text);
      assert.deepStrictEqual(parseFilter(text), filter);
    });
  }

  it('normalises client spelling: lower-case keywords, quoted unquoted values, RFC value paths', () => {
    const pairs: [string, string][] = [
      ['userName EQ john@contoso.com', 'userName eq "john@contoso.com"'],
      ['NOT(a PR)AND(b pr OR c pr)', 'not (a pr) and (b pr or c pr)'],
      ['((a pr))', 'a pr'],
      ['emails[type eq "work"].value eq "x"', 'emails[type eq "work" and value eq "x"]'],
      ['a eq TRUE', 'a eq true'],
      ['a eq 1E3', 'a eq 1000'],
      ['a eq "\\u0041\\/"', 'a eq "A/"'],
    ];
    for (const [input, output] of pairs) assert.equal(printFilter(parseFilter(input)), output, input);
  });
});

describe('printAttrPath and printPatchPath', () => {
  it('prints paths in their parsed spelling', () => {
    for (const text of ['userName', 'name.givenName', 'urn:x:2.0:User:department', 'urn:x:2.0:User:name.givenName']) {
      assert.equal(printAttrPath(parseAttrPath(text)), text);
    }
    assert.equal(printAttrPath(path('members.$ref')), 'members.$ref');
  });
  const patchCases: [PatchPath, string][] = [
    [{ path: path('members') }, 'members'],
    [{ path: path('name.familyName') }, 'name.familyName'],
    [{ path: path('members'), valueFilter: cmp('value', 'eq', '2819c223') }, 'members[value eq "2819c223"]'],
    [
      { path: path('emails'), valueFilter: cmp('type', 'eq', 'work'), subAttribute: 'value' },
      'emails[type eq "work"].value',
    ],
    [
      { path: path('emails'), valueFilter: or(cmp('type', 'eq', 'work'), not(pr('primary'))), subAttribute: 'value' },
      'emails[type eq "work" or not (primary pr)].value',
    ],
  ];
  for (const [patchPath, text] of patchCases) {
    it(text, () => {
      assert.equal(printPatchPath(patchPath), text);
      assert.deepStrictEqual(parsePatchPath(text), patchPath);
    });
  }
});

describe('round trip properties', () => {
  it('parseFilter(printFilter(f)) deep-equals f for any parseable AST', () => {
    fc.assert(
      fc.property(arbitraryFilterAst(), (f) => {
        assert.deepStrictEqual(parseFilter(printFilter(f)), f);
      }),
      { numRuns: 1000 },
    );
  });
  it('printing is a fixed point: print(parse(print(f))) === print(f)', () => {
    fc.assert(
      fc.property(arbitraryUserFilter(), (f) => {
        const text = printFilter(f);
        assert.equal(printFilter(parseFilter(text)), text);
      }),
      { numRuns: 300 },
    );
  });
  it('parsePatchPath(printPatchPath(p)) deep-equals p', () => {
    const arbitrary = fc.record(
      {
        path: fc.constantFrom(path('emails'), path('members'), path('urn:x:2.0:User:roles')),
        valueFilter: arbitraryValueFilterAst(),
        subAttribute: fc.constantFrom('value', 'display', '$ref'),
      },
      { requiredKeys: ['path', 'valueFilter'], noNullPrototype: true },
    );
    fc.assert(
      fc.property(arbitrary, (p) => {
        assert.deepStrictEqual(parsePatchPath(printPatchPath(p)), p);
      }),
      { numRuns: 300 },
    );
  });
});
