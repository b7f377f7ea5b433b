/**
 * The one AST for SCIM attribute paths and filters (RFC 7644 §3.4.2.2, §3.5.2 PATH grammar).
 * Filters, PATCH paths, `attributes=`/`excludedAttributes=` and `sortBy` all parse into these
 * shapes. Evaluation, SQL compilation and printing are exhaustive `switch`es over `kind`.
 */

/**
 * An attribute path: `[schemaURN ":"] attribute ["." subAttribute]`.
 * Names keep the client's spelling; resolution against the schema ignores case.
 * Inside a valuePath filter (`emails[type eq "work"]`) paths are relative to the multi-valued
 * attribute: `attribute` then names a sub-attribute (`type`) and `subAttribute` is absent.
 */
export interface AttrPath {
  readonly schema?: string;
  readonly attribute: string;
  readonly subAttribute?: string;
}

export type CompareOperator = 'eq' | 'ne' | 'co' | 'sw' | 'ew' | 'gt' | 'ge' | 'lt' | 'le';

/** JSON literal of a comparison: string, number, true, false or null. DateTimes stay strings. */
export type FilterValue = string | number | boolean | null;

export type Filter =
  | { readonly kind: 'compare'; readonly path: AttrPath; readonly op: CompareOperator; readonly value: FilterValue }
  | { readonly kind: 'present'; readonly path: AttrPath }
  | { readonly kind: 'and'; readonly left: Filter; readonly right: Filter }
  | { readonly kind: 'or'; readonly left: Filter; readonly right: Filter }
  | { readonly kind: 'not'; readonly filter: Filter }
  /** `emails[type eq "work" and value co "@acme"]`: `path` names the multi-valued attribute. */
  | { readonly kind: 'valuePath'; readonly path: AttrPath; readonly filter: Filter };

/**
 * A PATCH operation path (RFC 7644 §3.5.2):
 * `attrPath` | `valuePath ["." subAttr]`, e.g. `members[value eq "2819c223"]`, `emails[type eq "work"].value`.
 */
export interface PatchPath {
  readonly path: AttrPath;
  /** The valuePath filter selecting elements of a multi-valued attribute. */
  readonly valueFilter?: Filter;
  /** Sub-attribute after a valuePath filter: the `value` of `emails[type eq "work"].value`. */
  readonly subAttribute?: string;
}
