/**
 * Schema-aware validation of a parsed filter (RFC 7644 §3.4.2.2). `checkFilter` returns a
 * normalised filter that the evaluator and the SQL compiler can trust:
 * - every known path in canonical spelling; core attributes without a schema URN, extension
 *   attributes with their extension's URN (so `resolveAttribute` finds them directly);
 * - a multi-valued complex attribute compared without a sub-attribute means its `value`
 *   (`emails co "@x"` becomes `emails.value co "@x"`);
 * - values coerced to the attribute's type: "true"/"false" in any case to booleans (Entra sends
 *   `primary eq "True"`: rule `entra-boolean-strings`, compat/boolean-strings.ts), dateTimes to `Date.prototype.toISOString()` form.
 * It rejects, with `invalidFilter` naming the attribute: operators the type does not support,
 * values of the wrong type, complex attributes compared as a whole, `[...]` on anything but a
 * multi-valued complex attribute, and attributes that are never returned (`password`).
 * Unknown attributes are kept unchanged: a filter on them matches no value (RFC 7644 §3.4.2.2).
 */
import { booleanOfString } from '../compat/boolean-strings.js';
import { invalidFilter } from '../errors.js';
import { findAttribute, type ResolvedAttribute, resolveAttribute, resolveSubAttribute } from '../schema/registry.js';
import type { AttributeDefinition, ResourceTypeDefinition } from '../schema/types.js';
import type { AttrPath, CompareOperator, Filter, FilterValue } from './ast.js';
import { printAttrPath, printFilterValue } from './print.js';
import { DATE_TIME, parseDateTime } from './values.js';

const ORDERING: ReadonlySet<CompareOperator> = new Set(['gt', 'ge', 'lt', 'le']);
const SUBSTRING: ReadonlySet<CompareOperator> = new Set(['co', 'sw', 'ew']);

/** The canonical path of a resolved attribute: a schema URN only for extension attributes. */
export function canonicalPath(resolved: ResolvedAttribute): AttrPath {
  return {
    ...(resolved.inExtension ? { schema: resolved.schema } : {}),
    attribute: resolved.attribute.name,
    ...(resolved.subAttribute ? { subAttribute: resolved.subAttribute.name } : {}),
  };
}

/**
 * The definition a path of a checked filter designates: resolved against the resource type, or,
 * inside a valuePath, against the multi-valued `parent`. Undefined for unknown attributes.
 */
export function resolveFilterPath(
  type: ResourceTypeDefinition,
  path: AttrPath,
  parent?: AttributeDefinition,
): AttributeDefinition | undefined {
  if (parent === undefined) return resolveAttribute(type, path)?.target;
  if (path.schema !== undefined || path.subAttribute !== undefined) return undefined;
  return resolveSubAttribute(parent, path.attribute);
}

export function checkFilter(filter: Filter, type: ResourceTypeDefinition): Filter {
  switch (filter.kind) {
    case 'and':
    case 'or':
      return { kind: filter.kind, left: checkFilter(filter.left, type), right: checkFilter(filter.right, type) };
    case 'not':
      return { kind: 'not', filter: checkFilter(filter.filter, type) };
    case 'present':
    case 'compare':
      return checkTopLevel(filter, type);
    case 'valuePath':
      return checkValuePath(filter, type);
  }
}

function rejectNever(resolved: ResolvedAttribute): void {
  if (resolved.attribute.returned === 'never' || resolved.target.returned === 'never') {
    throw invalidFilter(`${printAttrPath(canonicalPath(resolved))} cannot be filtered`);
  }
}

function checkTopLevel(filter: Filter & { kind: 'present' | 'compare' }, type: ResourceTypeDefinition): Filter {
  const resolved = resolveAttribute(type, filter.path);
  if (!resolved) return filter;
  rejectNever(resolved);
  let path = canonicalPath(resolved);
  if (filter.kind === 'present') return { kind: 'present', path };
  let target = resolved.target;
  if (target.type === 'complex') {
    const value = target.multiValued ? findAttribute(target.subAttributes ?? [], 'value') : undefined;
    if (!value) {
      const example = target.subAttributes?.[0]?.name ?? 'value';
      throw invalidFilter(
        `${printAttrPath(path)} is complex: compare one of its sub-attributes, e.g. ${printAttrPath(path)}.${example}`,
      );
    }
    path = { ...path, subAttribute: value.name };
    target = value;
  }
  return checkComparison(path, filter.op, filter.value, target, printAttrPath(path));
}

function checkValuePath(filter: Filter & { kind: 'valuePath' }, type: ResourceTypeDefinition): Filter {
  const resolved = resolveAttribute(type, filter.path);
  if (!resolved) return filter;
  rejectNever(resolved);
  const path = canonicalPath(resolved);
  const parent = resolved.target;
  if (resolved.subAttribute || parent.type !== 'complex' || !parent.multiValued) {
    throw invalidFilter(
      `a value filter "[...]" needs a multi-valued complex attribute; ${printAttrPath(path)} is not one`,
    );
  }
  return { kind: 'valuePath', path, filter: checkInner(filter.filter, parent) };
}

/**
 * Checks the filter inside `parent[...]`, whose paths name sub-attributes of `parent`. Exported
 * for selections of one complex value (PATCH `manager[value eq "x"]`, `attributes=emails[...]`).
 */
export function checkInner(filter: Filter, parent: AttributeDefinition): Filter {
  switch (filter.kind) {
    case 'and':
    case 'or':
      return { kind: filter.kind, left: checkInner(filter.left, parent), right: checkInner(filter.right, parent) };
    case 'not':
      return { kind: 'not', filter: checkInner(filter.filter, parent) };
    case 'valuePath':
      throw invalidFilter(`a value filter "[...]" cannot be nested inside ${parent.name}[...]`);
    case 'present':
    case 'compare': {
      if (filter.path.schema !== undefined || filter.path.subAttribute !== undefined) {
        throw invalidFilter(`"${printAttrPath(filter.path)}" inside ${parent.name}[...] must be a sub-attribute name`);
      }
      const sub = resolveSubAttribute(parent, filter.path.attribute);
      if (!sub) return filter;
      const path = { attribute: sub.name };
      if (filter.kind === 'present') return { kind: 'present', path };
      const name = `${parent.name}.${sub.name}`;
      if (sub.type === 'complex') throw invalidFilter(`${name} is complex: compare one of its sub-attributes`);
      return checkComparison(path, filter.op, filter.value, sub, name);
    }
  }
}

/** Checks `op` against the attribute's type and coerces `value` to it. */
function checkComparison(
  path: AttrPath,
  op: CompareOperator,
  value: FilterValue,
  def: AttributeDefinition,
  name: string,
): Filter {
  if (ORDERING.has(op) && (def.type === 'boolean' || def.type === 'binary')) {
    throw invalidFilter(`"${op}" cannot be used with ${def.type} attribute ${name}`);
  }
  if (SUBSTRING.has(op) && def.type !== 'string' && def.type !== 'reference' && def.type !== 'binary') {
    throw invalidFilter(`"${op}" needs a string attribute; ${name} is ${def.type}`);
  }
  if (value === null) {
    if (op !== 'eq' && op !== 'ne') throw invalidFilter(`"${op}" cannot compare ${name} with null`);
    return { kind: 'compare', path, op, value };
  }
  return { kind: 'compare', path, op, value: coerceValue(value, def, name) };
}

function coerceValue(value: string | number | boolean, def: AttributeDefinition, name: string): FilterValue {
  const article = def.type === 'integer' ? 'an' : 'a';
  const mismatch = (expected: string) =>
    invalidFilter(`${name} is ${article} ${def.type} attribute; ${printFilterValue(value)} is not ${expected}`);
  switch (def.type) {
    case 'string':
    case 'reference':
    case 'binary':
      if (typeof value !== 'string') throw mismatch('a string');
      return value;
    case 'boolean': {
      const boolean = typeof value === 'boolean' ? value : booleanOfString(value);
      if (boolean === undefined) throw mismatch('true or false');
      return boolean;
    }
    case 'integer':
      if (typeof value !== 'number' || !Number.isInteger(value)) throw mismatch('an integer');
      return value;
    case 'decimal':
      if (typeof value !== 'number') throw mismatch('a number');
      return value;
    case 'dateTime': {
      const ms = typeof value === 'string' ? parseDateTime(value) : undefined;
      const iso = ms === undefined ? '' : new Date(ms).toISOString();
      if (!DATE_TIME.test(iso)) throw mismatch('an xsd:dateTime such as "2024-05-01T12:00:00Z"');
      return iso;
    }
    case 'complex':
      throw invalidFilter(`${name} is complex: compare one of its sub-attributes`);
  }
}
