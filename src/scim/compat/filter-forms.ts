/**
 * The filter and path forms identity providers send beyond the ABNF of RFC 7644, as a named
 * option of the one filter parser (src/scim/filter/parse.ts). The parser reads only RFC forms
 * unless a form is switched on here; every entry point switches on IDP_FILTER_FORMS, for every
 * client, since nothing an RFC client sends reads differently with them (docs/compat.md).
 */
export interface FilterForms {
  /**
   * Rule `entra-bare-filter-values`: `userName eq john@contoso.com`. An unquoted comparison value
   * that is not true/false/null or a JSON number is a string running to the next whitespace,
   * `)` or `]` (entra.md §3: Entra cannot quote some values; Microsoft's sample accepts them).
   */
  readonly bareStringValues: boolean;
  /**
   * Rule `entra-filter-sub-after-bracket`: `emails[type eq "work"].value eq "x"` reads as
   * `emails[type eq "work" and value eq "x"]`, the same selection in RFC form (entra.md §3:
   * Entra's matching attribute `emails[type eq "work"].value`).
   */
  readonly subAttributeAfterFilter: boolean;
  /**
   * Rule `microsoft-filtered-attribute-selections`: `attributes=emails[type eq "work"]` and
   * `attributes=emails[type eq "work"].value`. RFC 7644 §3.4.2.5 lists attribute paths only;
   * Microsoft's SCIM reference collection sends value filters, read with the PATCH path grammar.
   */
  readonly valueFiltersInAttributeLists: boolean;
}

/** The forms every filter is read with. */
export const IDP_FILTER_FORMS: FilterForms = {
  bareStringValues: true,
  subAttributeAfterFilter: true,
  valueFiltersInAttributeLists: true,
};
