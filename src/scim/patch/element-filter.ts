/**
 * valuePath filters of PATCH paths (`emails[type eq "work"]`, RFC 7644 §3.5.2) evaluated against
 * ONE element of a multi-valued attribute. Paths inside the brackets are relative: `attribute`
 * names a sub-attribute of the multi-valued attribute. Checking and matching delegate to the
 * filter module (checkFilter, matchesFilter), so PATCH selects exactly what a GET filter would.
 */
import { invalidFilter } from '../errors.js';
import type { AttrPath, Filter } from '../filter/ast.js';
import { checkInner } from '../filter/check.js';
import { matchesFilter } from '../filter/evaluate.js';
import { findAttribute } from '../schema/registry.js';
import type { AttributeDefinition, ResourceTypeDefinition } from '../schema/types.js';

/**
 * The complex attribute a filter selects elements of: multi-valued, or single-valued for
 * Entra's `remove manager[value eq "x"]` (rule `entra-remove-filter-single-value`).
 */
export interface ElementScope {
  readonly type: ResourceTypeDefinition;
  readonly attribute: AttributeDefinition;
  /** The schema URN of an extension attribute; undefined for core attributes. */
  readonly extension?: string;
}

function pathOf(scope: ElementScope): AttrPath {
  return scope.extension !== undefined
    ? { schema: scope.extension, attribute: scope.attribute.name }
    : { attribute: scope.attribute.name };
}

/** Unknown sub-attributes in a PATCH path are an error here, not a filter that matches nothing. */
function assertKnown(parent: AttributeDefinition, filter: Filter): void {
  switch (filter.kind) {
    case 'and':
    case 'or':
      assertKnown(parent, filter.left);
      assertKnown(parent, filter.right);
      return;
    case 'not':
      assertKnown(parent, filter.filter);
      return;
    case 'valuePath':
      throw invalidFilter(`a value filter cannot be nested inside "${parent.name}[...]".`);
    case 'present':
    case 'compare': {
      const { path } = filter;
      if (path.schema === undefined && path.subAttribute === undefined) {
        if (findAttribute(parent.subAttributes ?? [], path.attribute)) return;
      }
      const name = path.subAttribute === undefined ? path.attribute : `${path.attribute}.${path.subAttribute}`;
      throw invalidFilter(`"${parent.name}" has no sub-attribute "${name}" to filter on.`);
    }
  }
}

/**
 * Checks the filter of `attribute[filter]` against the sub-attributes of the attribute and
 * returns it with canonical names and typed literals (`primary eq "True"` → `true`, entra.md §8).
 * Unknown sub-attributes, nested value filters, operators the type does not support →
 * 400 invalidFilter.
 */
export function checkElementFilter(scope: ElementScope, filter: Filter): Filter {
  assertKnown(scope.attribute, filter);
  return checkInner(filter, scope.attribute);
}

/** True when `element` satisfies `filter`, a filter returned by checkElementFilter. */
export function matchesElement(scope: ElementScope, filter: Filter, element: unknown): boolean {
  const elements = [element];
  const resource =
    scope.extension !== undefined
      ? { [scope.extension]: { [scope.attribute.name]: elements } }
      : { [scope.attribute.name]: elements };
  return matchesFilter({ kind: 'valuePath', path: pathOf(scope), filter }, resource, scope.type);
}

/** Member ids when `filter` is `value eq "a"` or an `or` chain of such, else undefined. */
export function pinnedIds(filter: Filter): string[] | undefined {
  if (filter.kind === 'compare') {
    return filter.op === 'eq' && filter.path.attribute === 'value' && typeof filter.value === 'string'
      ? [filter.value]
      : undefined;
  }
  if (filter.kind !== 'or') return undefined;
  const left = pinnedIds(filter.left);
  const right = pinnedIds(filter.right);
  return left && right ? [...left, ...right] : undefined;
}
