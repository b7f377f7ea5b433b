/** Shared fixtures of the PATCH and compat tests (test-only: excluded from the build). */
import assert from 'node:assert/strict';
import { ScimError, type ScimType } from '../../errors.js';
import { URN } from '../../schema/urns.js';

export const ENTERPRISE = URN.enterpriseUser;

/** A PatchOp message around `operations`. */
export function patchOp(...operations: unknown[]): Record<string, unknown> {
  return { schemas: [URN.patchOp], Operations: operations };
}

/** Asserts that `fn` throws a ScimError with this status, scimType and detail fragment. */
export function assertScimError(
  fn: () => unknown,
  expected: { status: number; scimType: ScimType | undefined; detail: string },
): void {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  assert.ok(thrown instanceof ScimError, `expected a ScimError, got ${String(thrown)}`);
  assert.equal(thrown.status, expected.status);
  assert.equal(thrown.scimType, expected.scimType);
  assert.ok(thrown.message.includes(expected.detail), `"${thrown.message}" should contain "${expected.detail}"`);
}
