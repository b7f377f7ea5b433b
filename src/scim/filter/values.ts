/**
 * Value semantics shared by the filter evaluator and sorting, and mirrored by the SQL backends:
 * presence, case folding, string order and typed comparison (RFC 7644 §3.4.2.2, §3.4.2.3).
 */
import { isObject } from '../json.js';
import type { AttributeDefinition } from '../schema/types.js';

/** xsd:dateTime with seconds and a time zone, the form RFC 7643 §2.3.5 values take. */
export const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

/**
 * Case folding for `caseExact: false` attributes: JavaScript's Unicode-aware `toLowerCase`.
 * SQL backends compare against columns folded with this same function, never SQL `lower()`.
 */
export function fold(text: string): string {
  return text.toLowerCase();
}

/**
 * Orders strings by Unicode code point: the order of UTF-8 bytes, which is what SQLite's BINARY
 * collation and PostgreSQL's "C" collation give, so memory and SQL results agree. (Plain `<`
 * compares UTF-16 code units and misorders astral characters against U+E000–U+FFFF.)
 */
export function compareCodePoints(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x === y) continue;
    const xs = x >= 0xd800 && x <= 0xdfff;
    const ys = y >= 0xd800 && y <= 0xdfff;
    if (xs === ys) return x - y;
    // A surrogate (code point >= U+10000) sorts after every BMP character.
    return xs ? 1 : -1;
  }
  return a.length - b.length;
}

/**
 * Milliseconds since the epoch of an xsd:dateTime, or undefined when it is not one (including
 * impossible dates such as February 30, which `Date.parse` would roll over).
 */
export function parseDateTime(value: string): number | undefined {
  if (!DATE_TIME.test(value)) return undefined;
  const [year, month, day] = value.slice(0, 10).split('-').map(Number) as [number, number, number];
  const calendar = new Date(0);
  calendar.setUTCFullYear(year, month - 1, day);
  if (calendar.getUTCMonth() !== month - 1 || calendar.getUTCDate() !== day) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : ms;
}

/**
 * Whether a value is assigned (RFC 7643 §2.5): not undefined, null, "", an empty array or an
 * object without an assigned member. `pr` is true exactly when this holds.
 */
export function isPresent(value: unknown): boolean {
  // Iterative, so no nesting of a stored value can overflow the stack (issue #12.2).
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const node = stack.pop();
    if (node === undefined || node === null || node === '') continue;
    if (Array.isArray(node)) for (const item of node) stack.push(item);
    else if (isObject(node)) for (const item of Object.values(node)) stack.push(item);
    else return true;
  }
  return false;
}

/**
 * Compares two assigned values of attribute `def`: negative, zero or positive, or undefined
 * when either value does not have the attribute's type. Strings fold first unless caseExact and
 * then compare by code point; dateTimes compare as instants; booleans order false < true.
 */
export function compareTyped(a: unknown, b: unknown, def: AttributeDefinition): number | undefined {
  switch (def.type) {
    case 'string':
    case 'reference':
    case 'binary':
      if (typeof a !== 'string' || typeof b !== 'string') return undefined;
      return def.caseExact ? compareCodePoints(a, b) : compareCodePoints(fold(a), fold(b));
    case 'boolean':
      if (typeof a !== 'boolean' || typeof b !== 'boolean') return undefined;
      return Number(a) - Number(b);
    case 'integer':
    case 'decimal':
      if (typeof a !== 'number' || typeof b !== 'number') return undefined;
      return a === b ? 0 : a < b ? -1 : 1;
    case 'dateTime': {
      const x = typeof a === 'string' ? parseDateTime(a) : undefined;
      const y = typeof b === 'string' ? parseDateTime(b) : undefined;
      if (x === undefined || y === undefined) return undefined;
      return x === y ? 0 : x < y ? -1 : 1;
    }
    case 'complex':
      return undefined;
  }
}
