/**
 * The PATCH engine's departures from RFC 7644 §3.5.2 that identity providers force. The engine
 * (src/scim/patch/) asks these predicates at the one place each decision is made instead of
 * hard-coding the quirk; each carries the id of its rule in rules.ts and docs/compat.md.
 * They depend on the filter AST and schema types only, so the engine can import them freely.
 */
import type { Filter, FilterValue } from '../filter/ast.js';
import type { AttributeDefinition } from '../schema/types.js';

/**
 * Rule `microsoft-empty-operations`: the fewest operations a PATCH may carry. RFC 7644 §3.5.2
 * asks for "one or more"; Microsoft's SCIM Validator sends `"Operations": []` (scimmyjs/scimmy
 * #59), answered as a PATCH that changes nothing.
 */
export const MIN_PATCH_OPERATIONS = 0;

/**
 * Rule `entra-filtered-add-creates`: Entra sends `Add` or `Replace` of
 * `emails[type eq "work"].value` whether or not the element exists (entra.md §6). Whether an
 * add/replace whose selection matches no element creates one: an add always; a replace of a
 * sub-attribute (`emails[type eq "work"].value`) or of every element (`emails.value`) too. A
 * replace of a whole filtered element (`emails[type eq "home"]`) stays `noTarget` (§3.5.2.3).
 */
export function createsUnmatchedElement(
  op: 'add' | 'replace' | 'remove',
  selection: { filter?: Filter; sub?: unknown },
): boolean {
  return op === 'add' || selection.sub !== undefined || selection.filter === undefined;
}

/**
 * Rule `entra-filtered-add-creates`: the sub-attribute values a filter pins with `eq` when it is
 * a conjunction of `eq` comparisons (`type eq "work"`, `type eq "work" and primary eq true`), the
 * element created from them; undefined when the filter pins nothing (`value co "x"`), so the
 * engine answers noTarget.
 */
export function pinnedValues(filter: Filter): Record<string, FilterValue> | undefined {
  if (filter.kind === 'compare') {
    return filter.op === 'eq' && filter.value !== null ? { [filter.path.attribute]: filter.value } : undefined;
  }
  if (filter.kind !== 'and') return undefined;
  const left = pinnedValues(filter.left);
  const right = pinnedValues(filter.right);
  if (!left || !right) return undefined;
  for (const [key, value] of Object.entries(right)) {
    if (key in left && left[key] !== value) return undefined;
  }
  return { ...left, ...right };
}

/**
 * Rule `entra-remove-value-list`: Entra's default dialect drops a member with
 * `{"op":"Remove","path":"members","value":[{"value":"u1"}]}` (entra.md §6). RFC 7644 §3.5.2.2
 * defines no `value` for remove; read literally, the request empties the group. Whether a remove
 * of `attribute` carrying `value` removes only the listed values (multi-valued attributes).
 */
export function removesListedValues(attribute: AttributeDefinition, value: unknown): boolean {
  return attribute.multiValued && value !== undefined;
}

/**
 * Rule `entra-remove-filter-single-value`: Entra unlinks a manager with
 * `manager[value eq "<id>"]` (thomaspoignant/scim-patch #453). RFC 7644 §3.5.2 defines `[...]`
 * for multi-valued attributes only. Whether a path with a value filter on the single-valued
 * `attribute` is accepted: for remove of a complex value, with no sub-attribute after the filter
 * (it then clears the value when it matches and changes nothing otherwise).
 */
export function acceptsFilterOnSingleValue(
  op: 'add' | 'replace' | 'remove',
  attribute: AttributeDefinition,
  subAttributeAfterFilter: string | undefined,
): boolean {
  return op === 'remove' && attribute.type === 'complex' && subAttributeAfterFilter === undefined;
}
