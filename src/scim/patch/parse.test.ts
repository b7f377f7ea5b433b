import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { URN } from '../schema/urns.js';
import { MAX_PATCH_OPERATIONS, parsePatchRequest } from './parse.js';
import { assertScimError, patchOp } from './test-support/fixtures.js';

describe('parsePatchRequest', () => {
  it('types each operation: op lower-cased, path parsed, value kept', () => {
    const ops = parsePatchRequest(
      patchOp(
        { op: 'Replace', path: 'active', value: false },
        { op: 'ADD', path: 'emails[type eq "work"].value', value: 'a@x' },
        { op: 'remove', path: 'members[value eq "u1"]' },
        { op: 'replace', value: { displayName: 'B' } },
      ),
    );
    assert.deepEqual(ops, [
      { op: 'replace', path: { path: { attribute: 'active' } }, value: false },
      {
        op: 'add',
        path: {
          path: { attribute: 'emails' },
          valueFilter: { kind: 'compare', path: { attribute: 'type' }, op: 'eq', value: 'work' },
          subAttribute: 'value',
        },
        value: 'a@x',
      },
      {
        op: 'remove',
        path: {
          path: { attribute: 'members' },
          valueFilter: { kind: 'compare', path: { attribute: 'value' }, op: 'eq', value: 'u1' },
        },
      },
      { op: 'replace', value: { displayName: 'B' } },
    ]);
  });

  it('accepts member names in any case and reads an empty path as no path', () => {
    const ops = parsePatchRequest({
      SCHEMAS: [URN.patchOp.toUpperCase()],
      operations: [{ Op: 'add', Path: '', Value: { title: 'x' } }],
    });
    assert.deepEqual(ops, [{ op: 'add', value: { title: 'x' } }]);
  });

  it('keeps the value of a remove (a list of values to remove) and allows null for replace', () => {
    assert.deepEqual(parsePatchRequest(patchOp({ op: 'remove', path: 'members', value: [{ value: 'u1' }] })), [
      { op: 'remove', path: { path: { attribute: 'members' } }, value: [{ value: 'u1' }] },
    ]);
    assert.deepEqual(parsePatchRequest(patchOp({ op: 'replace', path: 'title', value: null })), [
      { op: 'replace', path: { path: { attribute: 'title' } }, value: null },
    ]);
  });

  const errors: [string, unknown, number, string, string][] = [
    ['a non-object body', [], 400, 'invalidSyntax', 'must be a JSON object'],
    [
      'no schemas',
      { Operations: [{ op: 'add', value: {} }] },
      400,
      'invalidSyntax',
      `"schemas" must contain "${URN.patchOp}"`,
    ],
    ['the wrong schema', { schemas: [URN.user], Operations: [] }, 400, 'invalidSyntax', '"schemas" must contain'],
    ['no Operations', { schemas: [URN.patchOp] }, 400, 'invalidSyntax', '"Operations" must be an array'],
    [
      'Operations not an array',
      { schemas: [URN.patchOp], Operations: {} },
      400,
      'invalidSyntax',
      '"Operations" must be an array',
    ],
    [
      'an operation that is not an object',
      patchOp('add'),
      400,
      'invalidSyntax',
      'Operations[0]: an operation must be an object',
    ],
    [
      'an unknown op',
      patchOp({ op: 'merge', path: 'x', value: 1 }),
      400,
      'invalidSyntax',
      'Operations[0]: "op" must be "add", "remove" or "replace", got "merge"',
    ],
    ['a missing op', patchOp({ path: 'x', value: 1 }), 400, 'invalidSyntax', 'got null'],
    [
      'a path that is not a string',
      patchOp({ op: 'add', path: 3, value: 1 }),
      400,
      'invalidSyntax',
      '"path" must be a string',
    ],
    [
      'remove without a path',
      patchOp({ op: 'add', path: 'title', value: 'a' }, { op: 'Remove' }),
      400,
      'noTarget',
      'Operations[1]: "remove" requires a "path"',
    ],
    [
      'add without a value',
      patchOp({ op: 'add', path: 'title' }),
      400,
      'invalidSyntax',
      'Operations[0]: "add" requires a "value"',
    ],
    ['replace without a value', patchOp({ op: 'replace' }), 400, 'invalidSyntax', '"replace" requires a "value"'],
    [
      'a malformed path',
      patchOp({ op: 'add', path: 'emails[type eq', value: 1 }),
      400,
      'invalidFilter',
      'Operations[0]:',
    ],
    [
      'a path with a bad character',
      patchOp({ op: 'add', path: 'na me', value: 1 }),
      400,
      'invalidPath',
      'Operations[0]:',
    ],
  ];
  for (const [name, body, status, scimType, detail] of errors) {
    it(`rejects ${name}`, () => {
      assertScimError(() => parsePatchRequest(body), { status, scimType: scimType as never, detail });
    });
  }

  it(`accepts ${MAX_PATCH_OPERATIONS} operations and rejects one more with invalidValue`, () => {
    const op = { op: 'replace', path: 'title', value: 'x' };
    assert.equal(parsePatchRequest(patchOp(...Array(MAX_PATCH_OPERATIONS).fill(op))).length, MAX_PATCH_OPERATIONS);
    assertScimError(() => parsePatchRequest(patchOp(...Array(MAX_PATCH_OPERATIONS + 1).fill(op))), {
      status: 400,
      scimType: 'invalidValue',
      detail: `"Operations" has ${MAX_PATCH_OPERATIONS + 1} operations; at most ${MAX_PATCH_OPERATIONS}`,
    });
  });
});

describe('parsePatchRequest with an empty Operations array (issue #13.5)', () => {
  it('is a request with no operations, not an error (Microsoft SCIM Validator)', () => {
    assert.deepEqual(parsePatchRequest(patchOp()), []);
  });
});
