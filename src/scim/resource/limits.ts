/**
 * What one stored resource may cost (issue #12.3, docs/errors.md "Size limits"): a bound on
 * every string attribute value and on the whole canonical body. Checked on the body about to be
 * stored (POST, PUT, the result of a PATCH, each Bulk operation), so a rejected write changes
 * nothing. The walk is iterative: no input nesting can exhaust the stack.
 */

import { invalidValue } from '../errors.js';
import { isObject, MAX_JSON_DEPTH } from '../json.js';

export interface ResourceLimits {
  /** Largest string attribute value, in UTF-8 bytes. */
  readonly maxAttributeBytes: number;
  /** Largest canonical body (JSON, without group members), in UTF-8 bytes. */
  readonly maxResourceBytes: number;
}

/**
 * 32 KiB per string: Entra's longest attributes (a few KB at most) and Okta's fit many times over;
 * 256 KiB per resource: a user with dozens of multi-valued entries and extensions stays far below,
 * while 200 resources of a page stay around 50 MB at worst.
 */
export const DEFAULT_RESOURCE_LIMITS: ResourceLimits = { maxAttributeBytes: 32 * 1024, maxResourceBytes: 256 * 1024 };

/** `urn:…:User:manager` style names: extension keys joined with `:`, sub-attributes with `.`. */
function join(parent: string, key: string, parentIsUrn: boolean): string {
  if (parent === '') return key;
  return parentIsUrn ? `${parent}:${key}` : `${parent}.${key}`;
}

/**
 * Throws 400 invalidValue when a string value of `body` exceeds the attribute limit (naming the
 * attribute and the limit) or the canonical JSON of `body` exceeds the resource limit. With
 * `before` (PATCH), values already stored unchanged are not re-judged, and a body that was already
 * over the resource limit may be written when it does not grow, so a limit lowered by the operator
 * never blocks the PATCH that shrinks a resource.
 */
export function checkResourceLimits(body: Record<string, unknown>, limits: ResourceLimits, before?: unknown): void {
  const stack: { value: unknown; was: unknown; path: string; urn: boolean; depth: number }[] = [
    { value: body, was: before, path: '', urn: false, depth: 0 },
  ];
  while (stack.length > 0) {
    const { value, was, path, urn, depth } = stack.pop()!;
    if (depth > MAX_JSON_DEPTH) throw invalidValue(`the resource nests deeper than ${MAX_JSON_DEPTH} levels.`);
    if (typeof value === 'string') {
      if (value === was) continue;
      const bytes = Buffer.byteLength(value, 'utf8');
      if (bytes > limits.maxAttributeBytes) {
        throw invalidValue(
          `"${path}" is ${bytes} bytes long; this server accepts at most ${limits.maxAttributeBytes} bytes per attribute value.`,
        );
      }
    } else if (Array.isArray(value)) {
      const old = Array.isArray(was) ? was : [];
      for (let i = 0; i < value.length; i++)
        stack.push({ value: value[i], was: old[i], path, urn: false, depth: depth + 1 });
    } else if (isObject(value)) {
      const old = isObject(was) ? was : {};
      for (const [key, item] of Object.entries(value)) {
        stack.push({
          value: item,
          was: old[key],
          path: join(path, key, urn),
          urn: key.toLowerCase().startsWith('urn:'),
          depth: depth + 1,
        });
      }
    }
  }
  const bytes = Buffer.byteLength(JSON.stringify(body), 'utf8');
  if (bytes <= limits.maxResourceBytes) return;
  if (isObject(before) && bytes <= Buffer.byteLength(JSON.stringify(before), 'utf8')) return;
  throw invalidValue(
    `the resource would be ${bytes} bytes of JSON; this server stores at most ${limits.maxResourceBytes} bytes per resource.`,
  );
}
