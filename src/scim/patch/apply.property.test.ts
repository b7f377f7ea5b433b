/**
 * Properties of the PATCH engine: atomicity (one invalid operation anywhere → throws, input
 * untouched) and idempotence of Entra-shaped requests (one operation per attribute: a repeated
 * PATCH changes nothing, entra.md §12).
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ScimError } from '../errors.js';
import { USER_RESOURCE_TYPE } from '../schema/registry.js';
import { URN } from '../schema/urns.js';
import { applyPatch } from './apply.js';
import { parsePatchRequest } from './parse.js';
import { ENTERPRISE, patchOp } from './test-support/fixtures.js';

const USER: Record<string, unknown> = {
  schemas: [URN.user],
  userName: 'jdoe@contoso.com',
  active: true,
  name: { givenName: 'John', familyName: 'Doe' },
  emails: [{ value: 'jdoe@contoso.com', type: 'work', primary: true }],
  roles: [{ value: 'reader', display: 'Reader' }],
};

const word = fc.constantFrom('a', 'Sales', 'Bob', 'x y', 'Ünïcode', '7');

/** For each attribute slot, the operations Entra or Okta may send to it (one per request). */
const SLOTS: fc.Arbitrary<Record<string, unknown>>[] = [
  fc.record({ op: fc.constantFrom('replace', 'add'), path: fc.constant('active'), value: fc.boolean() }),
  word.map((w) => ({ op: 'replace', path: 'displayName', value: w })),
  word.map((w) => ({ op: 'add', path: 'name.givenName', value: w })),
  fc.constant({ op: 'remove', path: 'name.familyName' }),
  word.map((w) => ({ op: 'replace', path: 'emails[type eq "work"].value', value: `${w}@x` })),
  word.map((w) => ({ op: 'add', path: 'phoneNumbers[type eq "mobile"].value', value: w })),
  word.map((w) => ({ op: 'add', path: 'addresses[type eq "work"].locality', value: w })),
  word.map((w) => ({ op: 'add', path: 'roles', value: [{ value: w, display: w, primary: true }] })),
  fc.constant({ op: 'remove', path: 'roles[value eq "reader"]' }),
  word.map((w) => ({ op: 'add', path: `${ENTERPRISE}:manager`, value: { value: w } })),
  word.map((w) => ({ op: 'replace', value: { title: w, [ENTERPRISE]: { department: w } } })),
  word.map((w) => ({ op: 'add', path: 'emails', value: [{ value: `${w}@home`, type: 'home' }] })),
  fc.constant({ op: 'replace', path: 'ims', value: [] }),
];

/** A valid Entra-shaped PATCH: at most one operation per slot, in any order. */
const validOps = fc
  .subarray(
    SLOTS.map((_, i) => i),
    { minLength: 1 },
  )
  .chain((slots) => fc.tuple(...slots.map((i) => SLOTS[i]!)))
  .chain((ops) => fc.shuffledSubarray(ops, { minLength: ops.length, maxLength: ops.length }));

const INVALID: Record<string, unknown>[] = [
  { op: 'remove', path: 'userName' },
  { op: 'replace', path: 'active', value: 'maybe' },
  { op: 'add', path: 'nickname.first', value: 'x' },
  { op: 'replace', path: 'id', value: 'other' },
  { op: 'replace', path: 'emails[type eq "other"]', value: { value: 'o@x' } },
  {
    op: 'add',
    path: 'emails',
    value: [
      { value: 'a', primary: true },
      { value: 'b', primary: true },
    ],
  },
  { op: 'replace', value: { userName: null } },
];

describe('applyPatch properties', () => {
  it('is atomic: one invalid operation anywhere throws naming it, and the input is untouched', () => {
    fc.assert(
      fc.property(validOps, fc.constantFrom(...INVALID), fc.nat(), (ops, bad, at) => {
        const position = at % (ops.length + 1);
        const all = [...ops.slice(0, position), bad, ...ops.slice(position)];
        const input = structuredClone(USER);
        const operations = parsePatchRequest(patchOp(...all));
        let thrown: unknown;
        try {
          applyPatch(USER_RESOURCE_TYPE, input, operations);
        } catch (error) {
          thrown = error;
        }
        assert.ok(thrown instanceof ScimError, 'an invalid operation must throw');
        assert.equal(thrown.status, 400);
        assert.ok(thrown.message.startsWith(`Operations[${position}]: `), thrown.message);
        assert.deepEqual(input, USER);
      }),
      { numRuns: 300 },
    );
  });

  it('is idempotent for Entra-shaped requests: the second application changes nothing', () => {
    fc.assert(
      fc.property(validOps, (ops) => {
        const operations = parsePatchRequest(patchOp(...ops));
        const first = applyPatch(USER_RESOURCE_TYPE, USER, operations);
        const second = applyPatch(USER_RESOURCE_TYPE, first.body, operations);
        assert.deepEqual(second.body, first.body);
        assert.deepEqual(second.changedAttributes, []);
      }),
      { numRuns: 300 },
    );
  });

  it('reports exactly the attributes whose value differs', () => {
    fc.assert(
      fc.property(validOps, (ops) => {
        const { body, changedAttributes } = applyPatch(USER_RESOURCE_TYPE, USER, parsePatchRequest(patchOp(...ops)));
        const read = (b: Record<string, unknown>, name: string) =>
          name.startsWith(`${ENTERPRISE}:`)
            ? (b[ENTERPRISE] as Record<string, unknown> | undefined)?.[name.slice(ENTERPRISE.length + 1)]
            : b[name];
        for (const name of changedAttributes) assert.notDeepEqual(read(body, name), read(USER, name));
        const names = ['active', 'displayName', 'name', 'emails', 'phoneNumbers', 'addresses', 'roles', 'title', 'ims'];
        const enterprise = ['manager', 'department'].map((n) => `${ENTERPRISE}:${n}`);
        for (const name of [...names, ...enterprise]) {
          if (!changedAttributes.includes(name)) assert.deepEqual(read(body, name), read(USER, name), name);
        }
      }),
      { numRuns: 200 },
    );
  });
});
