/**
 * The in-memory filter evaluator (RFC 7644 §3.4.2.2): the memory store's query engine and the
 * oracle the SQL backends are tested against. Input: a filter that went through `checkFilter`
 * and a resource's full representation (canonical body + `id` + `meta` + `members`/`groups`),
 * extension attributes under their schema URN key.
 *
 * Semantics, each of which the SQL compiler must mirror:
 * - A value is present when `isPresent` holds (not null, "", [] or {}); absent values never
 *   satisfy a comparison. Unknown attributes are always absent.
 * - Multi-valued attributes (and sub-attributes of them, `emails.value`) match when ANY value
 *   satisfies the comparison.
 * - `ne` is the negation of `eq`: true when no value equals (so also when the attribute is absent).
 * - `eq null` holds when the attribute is not present (like `not (x pr)`), `ne null` when it is.
 * - Strings fold with `fold` unless the schema says caseExact; gt/ge/lt/le order strings by code
 *   point after folding, dateTimes as instants, numbers numerically (see `compareTyped`).
 * - `attr[inner]` holds when one element of `attr` satisfies the whole inner filter.
 */
import { isObject } from '../json.js';
import { type ResolvedAttribute, resolveAttribute, resolveSubAttribute } from '../schema/registry.js';
import type { AttributeDefinition, ResourceTypeDefinition } from '../schema/types.js';
import type { AttrPath, CompareOperator, Filter, FilterValue } from './ast.js';
import { compareTyped, fold, isPresent } from './values.js';

/** Where paths are evaluated: the resource, or one element of a multi-valued attribute. */
type Scope =
  | { readonly kind: 'resource'; readonly resource: Record<string, unknown>; readonly type: ResourceTypeDefinition }
  | { readonly kind: 'element'; readonly element: Record<string, unknown>; readonly parent: AttributeDefinition };

function asArray(value: unknown): readonly unknown[] {
  if (value === undefined || value === null) return [];
  return Array.isArray(value) ? value : [value];
}

/** The raw value of a resolved attribute's top-level attribute in a full representation. */
export function readAttribute(resource: Record<string, unknown>, resolved: ResolvedAttribute): unknown {
  const container = resolved.inExtension ? resource[resolved.schema] : resource;
  return isObject(container) ? container[resolved.attribute.name] : undefined;
}

/** Every value a path designates in scope, with the definition they share. */
function lookup(path: AttrPath, scope: Scope): { def: AttributeDefinition; values: readonly unknown[] } | undefined {
  if (scope.kind === 'element') {
    if (path.schema !== undefined || path.subAttribute !== undefined) return undefined;
    const sub = resolveSubAttribute(scope.parent, path.attribute);
    return sub ? { def: sub, values: asArray(scope.element[sub.name]) } : undefined;
  }
  const resolved = resolveAttribute(scope.type, path);
  if (!resolved) return undefined;
  const raw = asArray(readAttribute(scope.resource, resolved));
  const sub = resolved.subAttribute;
  if (!sub) return { def: resolved.target, values: raw };
  return { def: sub, values: raw.flatMap((item) => (isObject(item) ? asArray(item[sub.name]) : [])) };
}

/** Whether one present value satisfies `op value` (never called for `ne` or null). */
function satisfies(op: CompareOperator, actual: unknown, expected: FilterValue, def: AttributeDefinition): boolean {
  if (op === 'co' || op === 'sw' || op === 'ew') {
    if (typeof actual !== 'string' || typeof expected !== 'string') return false;
    const a = def.caseExact ? actual : fold(actual);
    const e = def.caseExact ? expected : fold(expected);
    return op === 'co' ? a.includes(e) : op === 'sw' ? a.startsWith(e) : a.endsWith(e);
  }
  const order = compareTyped(actual, expected, def);
  if (order === undefined) return false;
  switch (op) {
    case 'gt':
      return order > 0;
    case 'ge':
      return order >= 0;
    case 'lt':
      return order < 0;
    case 'le':
      return order <= 0;
    default:
      return order === 0;
  }
}

function evaluateCompare(filter: Filter & { kind: 'compare' }, scope: Scope): boolean {
  const found = lookup(filter.path, scope);
  const present = found ? found.values.filter(isPresent) : [];
  if (filter.value === null) {
    if (filter.op === 'eq') return present.length === 0;
    if (filter.op === 'ne') return present.length > 0;
    return false;
  }
  if (!found) return filter.op === 'ne';
  const { def } = found;
  const value = filter.value;
  if (filter.op === 'ne') return !present.some((v) => satisfies('eq', v, value, def));
  return present.some((v) => satisfies(filter.op, v, value, def));
}

function evaluate(filter: Filter, scope: Scope): boolean {
  switch (filter.kind) {
    case 'and':
      return evaluate(filter.left, scope) && evaluate(filter.right, scope);
    case 'or':
      return evaluate(filter.left, scope) || evaluate(filter.right, scope);
    case 'not':
      return !evaluate(filter.filter, scope);
    case 'present':
      return (lookup(filter.path, scope)?.values ?? []).some(isPresent);
    case 'compare':
      return evaluateCompare(filter, scope);
    case 'valuePath': {
      if (scope.kind === 'element') return false;
      const resolved = resolveAttribute(scope.type, filter.path);
      if (!resolved || resolved.subAttribute || resolved.target.type !== 'complex') return false;
      const parent = resolved.target;
      return asArray(readAttribute(scope.resource, resolved)).some(
        (element) => isObject(element) && evaluate(filter.filter, { kind: 'element', element, parent }),
      );
    }
  }
}

/** Whether `resource` (a full representation of `type`) matches a checked `filter`. */
export function matchesFilter(
  filter: Filter,
  resource: Record<string, unknown>,
  type: ResourceTypeDefinition,
): boolean {
  return evaluate(filter, { kind: 'resource', resource, type });
}

/**
 * Whether one value of complex attribute `parent` (an element of a multi-valued attribute, or a
 * single complex value) matches `filter`, a filter relative to it (`type eq "work"`) as
 * `checkInner` returns it.
 */
export function matchesValue(filter: Filter, value: unknown, parent: AttributeDefinition): boolean {
  return isObject(value) && evaluate(filter, { kind: 'element', element: value, parent });
}
