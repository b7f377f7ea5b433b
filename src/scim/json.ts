/**
 * Walks over arbitrary JSON values, written with explicit stacks so no nesting of the input can
 * exhaust the call stack (issue #12.2): structural equality and a nesting check.
 */

/** Deepest nesting of arrays and objects a walker of src/scim/ accepts before answering 400. */
export const MAX_JSON_DEPTH = 256;

/** A JSON object (not an array, not null), as a record of its members. */
export type Json = Record<string, unknown>;

/** Whether `value` is a JSON object: the one such check of the code base (issue #14.6). */
export function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Structural equality of JSON values; object key order is ignored. */
export function deepEqual(a: unknown, b: unknown): boolean {
  const stack: [unknown, unknown][] = [[a, b]];
  while (stack.length > 0) {
    const [x, y] = stack.pop()!;
    if (x === y) continue;
    if (Array.isArray(x) || Array.isArray(y)) {
      if (!Array.isArray(x) || !Array.isArray(y) || x.length !== y.length) return false;
      for (let i = 0; i < x.length; i++) stack.push([x[i], y[i]]);
      continue;
    }
    if (!isObject(x) || !isObject(y)) return false;
    const keys = Object.keys(x);
    if (keys.length !== Object.keys(y).length) return false;
    for (const key of keys) {
      if (!(key in y)) return false;
      stack.push([x[key], y[key]]);
    }
  }
  return true;
}

/** Whether `value` nests arrays/objects more than `max` levels deep (a scalar is depth 0). */
export function nestsDeeperThan(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (typeof node !== 'object' || node === null) continue;
    if (depth + 1 > max) return true;
    const children = Array.isArray(node) ? node : Object.values(node);
    for (const child of children) stack.push([child, depth + 1]);
  }
  return false;
}
