import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ScimError } from './errors.js';
import { parseSearchRequest } from './search-request.js';

describe('parseSearchRequest (RFC 7644 §3.4.3)', () => {
  const read: [string, unknown, unknown][] = [
    ['an empty object', {}, {}],
    [
      'every member with its own type',
      {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
        attributes: 'userName',
        excludedAttributes: 'emails',
        filter: 'userName sw "a"',
        sortBy: 'userName',
        sortOrder: 'descending',
        startIndex: 3,
        count: '10',
      },
      {
        attributes: 'userName',
        excludedAttributes: 'emails',
        filter: 'userName sw "a"',
        sortBy: 'userName',
        sortOrder: 'descending',
        startIndex: 3,
        count: '10',
      },
    ],
    ['attribute arrays joined by commas', { attributes: ['userName', 'emails'] }, { attributes: 'userName,emails' }],
    ['an empty attribute array', { excludedAttributes: [] }, { excludedAttributes: '' }],
    ['null members as absent', { filter: null, count: null, attributes: null, cursor: null }, {}],
    ['an empty cursor kept', { cursor: '' }, { cursor: '' }],
    ['a cursor of any type kept for the cursor check', { cursor: 7 }, { cursor: 7 }],
    ['a non-integer number kept for the list check', { startIndex: 1.5 }, { startIndex: 1.5 }],
  ];
  for (const [name, body, expected] of read) {
    it(`reads ${name}`, () => {
      assert.deepEqual(parseSearchRequest(body), expected);
    });
  }

  const refused: [string, unknown, string, string][] = [
    ['an array body', [], 'invalidSyntax', 'A SearchRequest body must be a JSON object.'],
    ['a null body', null, 'invalidSyntax', 'A SearchRequest body must be a JSON object.'],
    ['a string body', 'filter', 'invalidSyntax', 'A SearchRequest body must be a JSON object.'],
    ['a numeric filter', { filter: 1 }, 'invalidFilter', '"filter" must be a string, got number.'],
    ['an array filter', { filter: ['a'] }, 'invalidFilter', '"filter" must be a string, got array.'],
    ['a boolean sortBy', { sortBy: true }, 'invalidValue', '"sortBy" must be a string, got boolean.'],
    ['an object sortOrder', { sortOrder: {} }, 'invalidValue', '"sortOrder" must be a string, got object.'],
    ['a boolean startIndex', { startIndex: false }, 'invalidValue', '"startIndex" must be an integer, got boolean.'],
    ['an array count', { count: [1] }, 'invalidValue', '"count" must be an integer, got array.'],
    [
      'a numeric attributes',
      { attributes: 5 },
      'invalidValue',
      '"attributes" must be a string or an array of strings, got number.',
    ],
    [
      'a mixed excludedAttributes array',
      { excludedAttributes: ['a', 1] },
      'invalidValue',
      '"excludedAttributes" must be a string or an array of strings, got array.',
    ],
  ];
  for (const [name, body, scimType, detail] of refused) {
    it(`refuses ${name} with 400 ${scimType}`, () => {
      assert.throws(
        () => parseSearchRequest(body),
        (error: unknown) => {
          assert.ok(error instanceof ScimError);
          assert.deepEqual([error.status, error.scimType, error.detail], [400, scimType, detail]);
          return true;
        },
      );
    });
  }
});
