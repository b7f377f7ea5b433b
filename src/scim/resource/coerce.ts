/**
 * Checks one attribute value against its definition (RFC 7643 §2.3 data types) and returns it
 * in canonical form: canonical sub-attribute spelling, unassigned values (null, "", [], {})
 * dropped. Returns `undefined` when the value is unassigned (RFC 7643 §2.5).
 */
import { invalidValue } from '../errors.js';
import { parseDateTime } from '../filter/values.js';
import { findAttribute } from '../schema/registry.js';
import type { AttributeDefinition } from '../schema/types.js';

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `${typeof value} ${JSON.stringify(value)}`;
}

function coerceSingle(def: AttributeDefinition, value: unknown, where: string): unknown {
  if (value === null || value === undefined) return undefined;
  const wrong = (expected: string) => invalidValue(`${where} must be ${expected}, got ${describe(value)}.`);
  switch (def.type) {
    case 'string':
    case 'reference':
    case 'binary':
      if (typeof value !== 'string') throw wrong('a string');
      // NUL is legal JSON but no database text type stores it (PostgreSQL rejects it outright).
      if (value.includes('\u0000')) throw invalidValue(`${where} must not contain the NUL character (\\u0000).`);
      // A lone UTF-16 surrogate is legal in JSON text but is not Unicode: it cannot be stored as UTF-8.
      if (!value.isWellFormed())
        throw invalidValue(`${where} contains an unpaired UTF-16 surrogate (\\uD800–\\uDFFF).`);
      return value === '' ? undefined : value;
    case 'boolean':
      if (typeof value !== 'boolean') throw wrong('a boolean');
      return value;
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value)) throw wrong('an integer');
      return value;
    case 'decimal':
      if (typeof value !== 'number' || !Number.isFinite(value)) throw wrong('a number');
      return value;
    case 'dateTime':
      if (typeof value !== 'string' || parseDateTime(value) === undefined) {
        throw wrong('an xsd:dateTime such as "2024-05-01T12:00:00Z"');
      }
      return value;
    case 'complex':
      return coerceComplex(def, value, where);
  }
}

function coerceComplex(def: AttributeDefinition, value: unknown, where: string): Record<string, unknown> | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw invalidValue(`${where} must be an object, got ${describe(value)}.`);
  }
  const out: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(value)) {
    const sub = findAttribute(def.subAttributes ?? [], key);
    if (!sub) throw invalidValue(`${where} has no sub-attribute "${key}".`);
    // readOnly sub-attributes (manager.displayName, members.display) are the server's to set:
    // a client echoing them back is ignored, not rejected (RFC 7643 §7).
    if (sub.mutability === 'readOnly') continue;
    const coerced = coerceSingle(sub, raw, `${where}.${sub.name}`);
    if (coerced !== undefined) out[sub.name] = coerced;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/**
 * Coerces a value of attribute `def`; `where` names it in error messages (e.g. `emails[1]`).
 * A multi-valued attribute must be an array (a lone object is accepted as a one-element array);
 * at most one element may be `primary: true` (RFC 7643 §2.4).
 */
export function coerceAttributeValue(def: AttributeDefinition, value: unknown, where: string = def.name): unknown {
  if (!def.multiValued) {
    if (Array.isArray(value)) throw invalidValue(`${where} is single-valued but got an array.`);
    return coerceSingle(def, value, where);
  }
  if (value === null || value === undefined) return undefined;
  const items = Array.isArray(value) ? value : [value];
  const out: unknown[] = [];
  items.forEach((item, index) => {
    const coerced = coerceSingle(def, item, `${where}[${index}]`);
    if (coerced !== undefined) out.push(coerced);
  });
  const primaries = out.filter((v) => (v as { primary?: unknown })?.primary === true).length;
  if (primaries > 1)
    throw invalidValue(`${where} has ${primaries} values with "primary": true; at most one is allowed.`);
  return out.length > 0 ? out : undefined;
}
