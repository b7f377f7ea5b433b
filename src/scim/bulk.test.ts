import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  isRejected,
  orderOperations,
  parseBulkRequest,
  type RejectedOperation,
  referencesIn,
  replaceReferences,
} from './bulk.js';
import { ScimError } from './errors.js';
import { RESOURCE_TYPES } from './schema/registry.js';
import { URN } from './schema/urns.js';

const post = (bulkId: string, data: unknown = { userName: bulkId }, path = '/Users') => ({
  method: 'POST',
  path,
  bulkId,
  data,
});

function parse(operations: unknown[], extra: Record<string, unknown> = {}, max = 10) {
  return parseBulkRequest({ schemas: [URN.bulkRequest], Operations: operations, ...extra }, RESOURCE_TYPES, max);
}

function throwsScim(fn: () => unknown, status: number, scimType: string | undefined, detail: string): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof ScimError);
    assert.deepEqual([error.status, error.scimType, error.detail], [status, scimType, detail]);
    return true;
  });
}

describe('parseBulkRequest (RFC 7644 §3.7)', () => {
  it('reads operations, case-insensitively, with their targets and references', () => {
    const request = parse(
      [
        post('u1'),
        { METHOD: 'patch', Path: '/groups/g%201', version: 'W/"2"', data: { Operations: [] } },
        { method: 'DELETE', path: '/Users/bulkId:u1' },
        {
          method: 'PUT',
          path: '/Groups/abc',
          data: { displayName: 'x', members: [{ value: 'bulkId:u1' }, { value: 'bulkId:u2' }] },
        },
      ],
      { failOnErrors: 2 },
    );
    assert.equal(request.failOnErrors, 2);
    assert.deepEqual(request.operations, [
      { index: 0, method: 'POST', bulkId: 'u1', resourceType: 'User', data: { userName: 'u1' }, references: [] },
      {
        index: 1,
        method: 'PATCH',
        version: 'W/"2"',
        resourceType: 'Group',
        id: 'g 1',
        data: { Operations: [] },
        references: [],
      },
      { index: 2, method: 'DELETE', resourceType: 'User', id: 'bulkId:u1', references: ['u1'] },
      {
        index: 3,
        method: 'PUT',
        resourceType: 'Group',
        id: 'abc',
        data: { displayName: 'x', members: [{ value: 'bulkId:u1' }, { value: 'bulkId:u2' }] },
        references: ['u1', 'u2'],
      },
    ]);
  });

  it('answers an unreadable operation with its own error and keeps the others', () => {
    const cases: [unknown, string][] = [
      ['x', 'Operations[0]: must be an object with "method" and "path".'],
      [
        { method: 'GET', path: '/Users' },
        'Operations[0]: "method" must be one of POST, PUT, PATCH, DELETE; got "GET".',
      ],
      [{ method: 'POST', path: '/Users', data: {} }, 'Operations[0]: "bulkId" is required for POST.'],
      [{ method: 'DELETE' }, 'Operations[0]: "path" is required.'],
      [
        { method: 'DELETE', path: '/Widgets/1' },
        'Operations[0]: "path" must be /Users or /Groups, optionally followed by "/<id>"; got "/Widgets/1".',
      ],
      [
        { method: 'PUT', path: '/Users', data: {} },
        'Operations[0]: PUT "path" must name one resource, e.g. /Users/<id>.',
      ],
      [
        { method: 'POST', path: '/Users/1', bulkId: 'b', data: {} },
        'Operations[0]: POST "path" must be a resource type endpoint such as /Users.',
      ],
      [{ method: 'PATCH', path: '/Users/1' }, 'Operations[0]: "data" is required for PATCH and must be an object.'],
      [{ method: 'POST', path: '/Users', bulkId: 7, data: {} }, 'Operations[0]: "bulkId" must be a non-empty string.'],
    ];
    for (const [raw, detail] of cases) {
      const [op, ok] = parse([raw, post('fine')]).operations;
      assert.ok(op && isRejected(op), detail);
      assert.equal(op.error.detail, detail);
      assert.equal(op.error.status, 400);
      assert.ok(ok && !isRejected(ok));
    }
    const [rejected] = parse([{ method: 'post', bulkId: 'b1', path: 'Users' }]).operations as RejectedOperation[];
    assert.deepEqual([rejected!.method, rejected!.bulkId], ['POST', 'b1']);
  });

  it('refuses unreadable requests as a whole', () => {
    throwsScim(
      () => parseBulkRequest([], RESOURCE_TYPES, 10),
      400,
      'invalidSyntax',
      'A BulkRequest body must be a JSON object.',
    );
    throwsScim(
      () => parseBulkRequest({ Operations: {} }, RESOURCE_TYPES, 10),
      400,
      'invalidSyntax',
      'A BulkRequest needs "Operations": an array of operations.',
    );
    throwsScim(
      () => parseBulkRequest({ schemas: [URN.patchOp], Operations: [] }, RESOURCE_TYPES, 10),
      400,
      'invalidSyntax',
      `"schemas" must be ["${URN.bulkRequest}"].`,
    );
    for (const bad of [0, -1, 1.5, '1']) {
      throwsScim(
        () => parse([], { failOnErrors: bad }),
        400,
        'invalidValue',
        `"failOnErrors" must be a positive integer; got ${JSON.stringify(bad)}.`,
      );
    }
    throwsScim(
      () => parse([post('a'), post('a')]),
      400,
      'invalidValue',
      'bulkId "a" is used by more than one operation.',
    );
    throwsScim(
      () => parse([post('a'), post('b'), post('c')], {}, 2),
      413,
      undefined,
      'The bulk request has 3 operations, more than maxOperations (2).',
    );
    assert.equal(parse([post('a'), post('b')], {}, 2).operations.length, 2);
    assert.deepEqual(parseBulkRequest({ Operations: [] }, RESOURCE_TYPES, 1).operations, []);
  });
});

describe('bulkId references (RFC 7644 §3.7.2)', () => {
  it('finds whole-string references and quoted ones inside filters', () => {
    const data = {
      members: [{ value: 'bulkId:a' }, { value: 'plain' }],
      manager: { value: 'bulkId:b' },
      Operations: [{ op: 'remove', path: 'members[value eq "bulkId:c"]' }],
      note: 'mentions bulkId:d without quotes',
    };
    assert.deepEqual([...referencesIn(data)], ['a', 'b', 'c']);
    const ids: Record<string, string> = { a: 'id-a', b: 'id-b', c: 'id "c"' };
    assert.deepEqual(
      replaceReferences(data, (r) => ids[r]!),
      {
        members: [{ value: 'id-a' }, { value: 'plain' }],
        manager: { value: 'id-b' },
        Operations: [{ op: 'remove', path: 'members[value eq "id \\"c\\""]' }],
        note: 'mentions bulkId:d without quotes',
      },
    );
  });

  it('orders operations after the POSTs they reference, request order otherwise', () => {
    const { operations } = parse([
      { method: 'POST', path: '/Groups', bulkId: 'g', data: { displayName: 'G', members: [{ value: 'bulkId:u' }] } },
      { method: 'DELETE', path: '/Users/x' },
      post('u'),
      { method: 'PATCH', path: '/Groups/bulkId:g', data: { Operations: [] } },
      { method: 'DELETE', path: '/Users/bulkId:nobody' },
    ]);
    assert.deepEqual(orderOperations(operations), { order: [1, 2, 0, 3, 4], cyclic: [] });
  });

  it('reports cycles, self-references and what depends on them', () => {
    const group = (bulkId: string, member: string) => ({
      method: 'POST',
      path: '/Groups',
      bulkId,
      data: { displayName: bulkId, members: [{ value: `bulkId:${member}` }] },
    });
    const { operations } = parse([
      group('a', 'b'),
      group('b', 'a'),
      group('self', 'self'),
      { method: 'DELETE', path: '/Groups/bulkId:a' },
      post('free'),
    ]);
    assert.deepEqual(orderOperations(operations), { order: [4], cyclic: [0, 1, 2, 3] });
  });
});
