/**
 * Validates a PatchOp request message (RFC 7644 §3.5.2) and turns it into typed operations.
 * Runs after the compat normalisers (src/scim/compat/), so it sees RFC-shaped input, but it
 * still accepts `op` and the member names `op`/`path`/`value`/`Operations` in any case
 * (RFC 7643 §2.1: attribute names are case-insensitive).
 */

import { MIN_PATCH_OPERATIONS } from '../compat/patch-rules.js';
import { invalidSyntax, invalidValue, noTarget } from '../errors.js';
import { parsePatchPath } from '../filter/parse.js';
import { isObject } from '../json.js';
import { URN } from '../schema/urns.js';
import { inOperation } from './errors.js';
import type { PatchOperation } from './types.js';

/** Most operations accepted in one PATCH request. */
export const MAX_PATCH_OPERATIONS = 1000;

const OPS: ReadonlySet<string> = new Set(['add', 'replace', 'remove']);

/** Reads `name` from `source` ignoring the key's case; the first matching key wins. */
function member(source: Record<string, unknown>, name: string): unknown {
  if (name in source) return source[name];
  const lower = name.toLowerCase();
  const key = Object.keys(source).find((k) => k.toLowerCase() === lower);
  return key === undefined ? undefined : source[key];
}

function parseOperation(raw: unknown): PatchOperation {
  if (!isObject(raw)) throw invalidSyntax('an operation must be an object with "op", "path" and "value".');
  const opText = member(raw, 'op');
  const op = typeof opText === 'string' ? opText.toLowerCase() : undefined;
  if (op === undefined || !OPS.has(op)) {
    throw invalidSyntax(`"op" must be "add", "remove" or "replace", got ${JSON.stringify(opText ?? null)}.`);
  }
  const pathText = member(raw, 'path');
  if (pathText !== undefined && pathText !== null && typeof pathText !== 'string') {
    throw invalidSyntax('"path" must be a string.');
  }
  // An empty path is read as no path: some clients send "" for a resource-level operation.
  const path = typeof pathText === 'string' && pathText.trim() !== '' ? parsePatchPath(pathText) : undefined;
  const value = member(raw, 'value');
  if (op === 'remove') {
    // RFC 7644 §3.5.2.2: "If "path" is unspecified, the operation fails with HTTP status code
    // 400 and a "scimType" error code of "noTarget"."
    if (path === undefined) throw noTarget('"remove" requires a "path".');
    return value === undefined || value === null ? { op, path } : { op, path, value };
  }
  if (value === undefined) throw invalidSyntax(`"${op}" requires a "value".`);
  return path === undefined ? { op: op as 'add' | 'replace', value } : { op: op as 'add' | 'replace', path, value };
}

/**
 * Parses a PATCH body. Errors: not an object, `schemas` without the PatchOp URN, `Operations`
 * missing or not an array (an empty array is a no-op), an operation that is not an object or has an unknown `op` or a
 * missing `value` → 400 invalidSyntax; more than MAX_PATCH_OPERATIONS → 400 invalidValue;
 * `remove` without `path` → 400 noTarget; a malformed path → 400 invalidPath (invalidFilter
 * inside `[...]`, as parsePatchPath documents).
 */
export function parsePatchRequest(body: unknown): PatchOperation[] {
  if (!isObject(body)) throw invalidSyntax('The PATCH body must be a JSON object (a PatchOp message).');
  const schemas = member(body, 'schemas');
  const patchOp = URN.patchOp.toLowerCase();
  if (!Array.isArray(schemas) || !schemas.some((s) => typeof s === 'string' && s.toLowerCase() === patchOp)) {
    throw invalidSyntax(`"schemas" must contain "${URN.patchOp}".`);
  }
  const operations = member(body, 'Operations');
  if (!Array.isArray(operations)) throw invalidSyntax('"Operations" must be an array of operations.');
  // compat sets the minimum: none, since Microsoft's SCIM Validator sends an empty array.
  if (operations.length < MIN_PATCH_OPERATIONS) {
    throw invalidSyntax(`"Operations" must hold at least ${MIN_PATCH_OPERATIONS} operation.`);
  }
  if (operations.length > MAX_PATCH_OPERATIONS) {
    throw invalidValue(
      `"Operations" has ${operations.length} operations; at most ${MAX_PATCH_OPERATIONS} are accepted per request.`,
    );
  }
  return operations.map((raw, index) => inOperation(index, () => parseOperation(raw)));
}
