/**
 * Value helpers of the PATCH engine: schema coercion of incoming values (delegating to the one
 * coercer in resource/coerce.ts), equality, and the identity of multi-valued elements.
 */
import { invalidValue, mutability } from '../errors.js';
import { deepEqual, isObject } from '../json.js';
import { coerceAttributeValue } from '../resource/coerce.js';
import { findAttribute } from '../schema/registry.js';
import type { AttributeDefinition } from '../schema/types.js';

/**
 * Coerces a whole attribute value (an array for multi-valued attributes; a lone element is
 * accepted as a one-element array). readOnly sub-attributes a client echoes back (a member's
 * `display`, `manager.displayName`) are dropped by the coercer (RFC 7643 §7). Returns undefined when the value is unassigned (null, "",
 * [], {}: RFC 7643 §2.5). Wrong types → 400 invalidValue naming `where`.
 */
export function coerceValue(def: AttributeDefinition, value: unknown, where: string): unknown {
  return coerceAttributeValue(def, value, where);
}

/** Coerces ONE element of a multi-valued attribute (a one-element array is unwrapped). */
export function coerceElement(def: AttributeDefinition, value: unknown, where: string): unknown {
  let single = value;
  if (Array.isArray(value)) {
    if (value.length !== 1) throw invalidValue(`${where} selects elements: "value" must be one element, not an array.`);
    single = value[0];
  }
  return coerceAttributeValue({ ...def, multiValued: false }, single, where);
}

function sameScalar(def: AttributeDefinition | undefined, a: unknown, b: unknown): boolean {
  if (typeof a === 'string' && typeof b === 'string' && def !== undefined && !def.caseExact) {
    return a.toLowerCase() === b.toLowerCase();
  }
  return deepEqual(a, b);
}

/**
 * Whether two elements of multi-valued `def` denote the same value: equal `value`
 * sub-attributes (ignoring case unless caseExact) whose `type`s do not disagree; elements
 * without a `value` (addresses) are the same only when equal. Adding such an element merges
 * into the existing one (RFC 7644 §3.5.2.1: "If the target location already contains the value
 * specified, no changes SHOULD be made"; entra.md §8: roles "Add merges by value").
 */
export function sameElement(def: AttributeDefinition, a: unknown, b: unknown): boolean {
  if (def.type !== 'complex') return sameScalar(def, a, b);
  if (!isObject(a) || !isObject(b)) return deepEqual(a, b);
  const valueDef = findAttribute(def.subAttributes ?? [], 'value');
  if (valueDef === undefined || a.value === undefined || b.value === undefined) return deepEqual(a, b);
  if (!sameScalar(valueDef, a.value, b.value)) return false;
  const typeDef = findAttribute(def.subAttributes ?? [], 'type');
  return a.type === undefined || b.type === undefined || sameScalar(typeDef, a.type, b.type);
}

/**
 * RFC 7643 §2.4: "primary" true appears at most once. When an operation makes one of `touched`
 * primary, every other element loses it (set to false); two touched primaries → invalidValue.
 */
export function settlePrimary(elements: unknown[], touched: readonly unknown[], where: string): void {
  const primaries = touched.filter((e) => isObject(e) && e.primary === true);
  if (primaries.length > 1) {
    throw invalidValue(`${where}: ${primaries.length} values would have "primary": true; at most one is allowed.`);
  }
  const winner = primaries[0];
  if (winner === undefined) return;
  elements.forEach((e, i) => {
    if (e !== winner && isObject(e) && e.primary === true) elements[i] = { ...e, primary: false };
  });
}

/**
 * RFC 7643 §2.2 "immutable": may be set once (also by PATCH add when unassigned), never changed
 * afterwards. Checks the attribute and, for complex values, each immutable sub-attribute.
 */
export function checkImmutable(def: AttributeDefinition, before: unknown, after: unknown, where: string): void {
  if (before === undefined) return;
  if (def.mutability === 'immutable' && !deepEqual(before, after)) {
    throw mutability(`${where} is immutable: it cannot be changed once set.`);
  }
  if (def.type !== 'complex' || def.multiValued || !isObject(before)) return;
  const next = isObject(after) ? after : {};
  for (const sub of def.subAttributes ?? []) {
    if (
      sub.mutability === 'immutable' &&
      before[sub.name] !== undefined &&
      !deepEqual(before[sub.name], next[sub.name])
    ) {
      throw mutability(`${where}.${sub.name} is immutable: it cannot be changed once set.`);
    }
  }
}
