/**
 * `sortBy` semantics (RFC 7644 §3.4.2.3), shared by the memory store and mirrored by SQL:
 * - the sort key of a multi-valued attribute is taken from its `primary: true` element, else
 *   its first element ("the primary value, if any, or else the first value in the list");
 * - a multi-valued complex attribute without a sub-attribute sorts by its `value`;
 * - ordering follows the attribute's type and caseExact (`compareTyped`);
 * - resources without a present value (see `isPresent`) are "ordered last if ascending and first
 *   if descending": `compareForSort` treats absence as greater than any value, and descending
 *   order simply negates it. Ties (including fold-equal strings) compare 0; callers break them
 *   by `id` so pages are stable.
 */

import { invalidPath } from '../errors.js';
import { isObject } from '../json.js';
import { findAttribute, resolveAttribute } from '../schema/registry.js';
import type { AttributeDefinition, ResourceTypeDefinition } from '../schema/types.js';
import type { AttrPath } from './ast.js';
import { canonicalPath } from './check.js';
import { readAttribute } from './evaluate.js';
import { printAttrPath } from './print.js';
import { compareTyped, isPresent } from './values.js';

/**
 * Validates a parsed `sortBy` path and returns it canonical (as `checkFilter` spells paths),
 * with `.value` added to a multi-valued complex attribute. Unknown attributes are kept (every
 * resource then lacks the value). Throws `invalidPath` for a single-valued complex attribute
 * without sub-attribute and for attributes that are never returned.
 */
export function checkSortBy(path: AttrPath, type: ResourceTypeDefinition): AttrPath {
  const resolved = resolveAttribute(type, path);
  if (!resolved) return path;
  const canonical = canonicalPath(resolved);
  const name = printAttrPath(canonical);
  if (resolved.attribute.returned === 'never' || resolved.target.returned === 'never') {
    throw invalidPath(`cannot sort by ${name}`);
  }
  if (resolved.target.type !== 'complex') return canonical;
  const value = resolved.target.multiValued ? findAttribute(resolved.target.subAttributes ?? [], 'value') : undefined;
  if (!value) throw invalidPath(`cannot sort by complex attribute ${name}: name one of its sub-attributes`);
  return { ...canonical, subAttribute: value.name };
}

/** The attribute definition values of a checked sort path compare by, or undefined if unknown. */
export function sortDefinition(path: AttrPath, type: ResourceTypeDefinition): AttributeDefinition | undefined {
  return resolveAttribute(type, path)?.target;
}

/** The value a resource sorts by for a checked sort path; undefined when it has none. */
export function sortValue(resource: Record<string, unknown>, path: AttrPath, type: ResourceTypeDefinition): unknown {
  const resolved = resolveAttribute(type, path);
  if (!resolved || resolved.target.type === 'complex') return undefined;
  let value = readAttribute(resource, resolved);
  if (resolved.attribute.multiValued) {
    const elements = Array.isArray(value) ? value : [value];
    value = elements.find((e) => isObject(e) && e.primary === true) ?? elements[0];
  }
  if (resolved.subAttribute) value = isObject(value) ? value[resolved.subAttribute.name] : undefined;
  return isPresent(value) ? value : undefined;
}

/**
 * Ascending order of two sort values of attribute `def`: absent values last, values that do not
 * have the attribute's type just before them, so the order is total.
 */
export function compareForSort(a: unknown, b: unknown, def: AttributeDefinition): number {
  const rank = (v: unknown) => (!isPresent(v) ? 2 : compareTyped(v, v, def) === undefined ? 1 : 0);
  const ra = rank(a);
  const rb = rank(b);
  if (ra !== rb || ra !== 0) return ra - rb;
  return compareTyped(a, b, def) ?? 0;
}
