/**
 * Issue #12.2: no walker of src/scim/ overflows the stack, whatever the nesting of its input.
 * Each function is called directly (as Bulk or an embedder would, with no HTTP depth limit in
 * front) with values nested 20,000 deep: it answers, or throws a SCIM 400 — never a RangeError.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseBulkRequest, referencesIn, replaceReferences } from './bulk.js';
import { normalizePatchRequest, normalizeResourceBody } from './compat/normalize.js';
import { sieveResourceBody } from './compat/undeclared-body.js';
import { sievePatchOperations } from './compat/undeclared-patch.js';
import { ScimError } from './errors.js';
import { isPresent } from './filter/values.js';
import { deepEqual } from './json.js';
import { applyPatch } from './patch/apply.js';
import { parsePatchRequest } from './patch/parse.js';
import { checkResourceLimits, DEFAULT_RESOURCE_LIMITS } from './resource/limits.js';
import { applyProjection, parseProjection } from './resource/project.js';
import { prepareResourceBody } from './resource/validate.js';
import { GROUP_RESOURCE_TYPE, USER_RESOURCE_TYPE } from './schema/registry.js';
import { URN } from './schema/urns.js';

const DEPTH = 20_000;

function deepArray(leaf: unknown = 'x'): unknown {
  let value: unknown = leaf;
  for (let i = 0; i < DEPTH; i++) value = [value];
  return value;
}

function deepObject(key = 'a', leaf: unknown = 'x'): Record<string, unknown> {
  let value: Record<string, unknown> = { [key]: leaf };
  for (let i = 0; i < DEPTH; i++) value = { [key]: value };
  return value;
}

/** 'ok' when `fn` returns, `<status> <scimType>` when it throws a ScimError; anything else fails. */
function outcome(fn: () => unknown): string {
  try {
    fn();
    return 'ok';
  } catch (error) {
    assert.ok(error instanceof ScimError, `expected a ScimError, got ${String(error)}`);
    assert.equal(error.status, 400);
    return `${error.status} ${error.scimType}`;
  }
}

const patchOp = (...operations: unknown[]) => ({ schemas: [URN.patchOp], Operations: operations });
const CORE = URN.user;
const DEEP_VALUES = [deepArray(), deepObject(), deepObject('value'), deepArray({ value: 'x' })];

describe('20,000-deep input never overflows the stack (issue #12.2)', () => {
  it('the Entra/Okta normalisers on POST/PUT bodies', () => {
    for (const deep of DEEP_VALUES) {
      for (const body of [
        { userName: 'u', active: deep, roles: deep, emails: deep, name: deep },
        { userName: 'u', urn: deep, [CORE]: deep, [URN.enterpriseUser]: { manager: deep } },
        { [CORE]: deepObject(CORE) },
      ]) {
        assert.equal(
          outcome(() => normalizeResourceBody(USER_RESOURCE_TYPE, body)),
          'ok',
        );
        assert.equal(
          outcome(() => normalizeResourceBody(GROUP_RESOURCE_TYPE, { displayName: 'g', members: deep })),
          'ok',
        );
      }
    }
    const dotted = `${'a.'.repeat(DEPTH)}b`;
    assert.equal(
      outcome(() => normalizeResourceBody(USER_RESOURCE_TYPE, { [dotted]: 1 })),
      'ok',
    );
  });

  it('the normalisers on PATCH bodies, path-less and pathed', () => {
    for (const deep of DEEP_VALUES) {
      const body = patchOp(
        { op: 'Replace', path: 'active', value: deep },
        { op: 'Add', path: 'roles', value: deep },
        { op: 'add', path: `${URN.enterpriseUser}:manager`, value: deep },
        { op: 'replace', value: { active: deep, emails: deep, [`${URN.enterpriseUser}:manager`]: deep } },
        { op: 'replace', path: URN.enterpriseUser, value: deepObject(URN.enterpriseUser) },
      );
      assert.equal(
        outcome(() => normalizePatchRequest(USER_RESOURCE_TYPE, body, 'id')),
        'ok',
      );
      assert.equal(
        outcome(() => normalizePatchRequest(USER_RESOURCE_TYPE, deep, 'id')),
        'ok',
      );
    }
  });

  it('the undeclared-attribute sieve, validation and coercion', () => {
    for (const deep of DEEP_VALUES) {
      const body = { userName: 'u', title: deep, name: deep, emails: deep, shoeSize: deep, 'urn:x:y': deep };
      const sieved = sieveResourceBody(USER_RESOURCE_TYPE, normalizeResourceBody(USER_RESOURCE_TYPE, body), 'ignore');
      assert.equal(
        outcome(() => prepareResourceBody(USER_RESOURCE_TYPE, sieved.body)),
        '400 invalidValue',
      );
      assert.equal(
        outcome(() => prepareResourceBody(USER_RESOURCE_TYPE, body)),
        '400 invalidValue',
      );
      assert.equal(
        outcome(() => prepareResourceBody(USER_RESOURCE_TYPE, { userName: 'u' }, { userName: deep })),
        'ok',
      );
      assert.equal(
        outcome(() => prepareResourceBody(GROUP_RESOURCE_TYPE, { displayName: 'g', members: deep })),
        '400 invalidValue',
      );
    }
  });

  it('the PATCH engine: deep values, and a deep stored resource', () => {
    for (const deep of DEEP_VALUES) {
      const ops = parsePatchRequest(
        patchOp(
          { op: 'add', path: 'title', value: deep },
          { op: 'add', path: 'emails', value: deep },
          { op: 'add', value: { name: deep } },
        ),
      );
      const sieved = sievePatchOperations(USER_RESOURCE_TYPE, ops, 'ignore');
      assert.equal(
        outcome(() => applyPatch(USER_RESOURCE_TYPE, { userName: 'u' }, sieved.operations)),
        '400 invalidValue',
      );
      const remove = parsePatchRequest(patchOp({ op: 'remove', path: 'emails', value: deep }));
      assert.equal(
        outcome(() => applyPatch(USER_RESOURCE_TYPE, { userName: 'u' }, remove)),
        '400 invalidValue',
      );
      const title = parsePatchRequest(patchOp({ op: 'replace', path: 'title', value: 't' }));
      assert.equal(
        outcome(() => applyPatch(USER_RESOURCE_TYPE, { userName: 'u', title: deep }, title)),
        '400 invalidValue',
      );
    }
  });

  it('equality, presence, projection and the resource limits', () => {
    for (const deep of DEEP_VALUES) {
      assert.equal(deepEqual(deep, deepArray()), deep === DEEP_VALUES[0]);
      assert.equal(isPresent(deep), true);
      const projection = parseProjection(USER_RESOURCE_TYPE, 'emails.value,name', undefined);
      assert.equal(
        outcome(() => applyProjection(USER_RESOURCE_TYPE, { id: '1', emails: deep, name: deep }, projection)),
        'ok',
      );
      assert.equal(
        outcome(() => checkResourceLimits({ title: deep }, DEFAULT_RESOURCE_LIMITS)),
        '400 invalidValue',
      );
    }
  });

  it('Bulk: bulkId references in deep data', () => {
    for (const deep of [deepArray('bulkId:a'), deepObject('a', 'bulkId:a')]) {
      assert.equal(
        outcome(() => referencesIn(deep)),
        'ok',
      );
      assert.deepEqual([...referencesIn(deep)], ['a']);
      assert.equal(
        outcome(() => replaceReferences(deep, () => 'id')),
        '400 invalidValue',
      );
      const request = {
        schemas: [URN.bulkRequest],
        Operations: [{ method: 'POST', path: '/Users', bulkId: 'b', data: { userName: 'u', title: deep } }],
      };
      assert.equal(
        outcome(() => parseBulkRequest(request, [USER_RESOURCE_TYPE, GROUP_RESOURCE_TYPE], 10)),
        'ok',
      );
    }
  });
});
