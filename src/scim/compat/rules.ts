/**
 * Every way scimd departs from RFC 7643/7644 because an identity provider (or a tool or client
 * it ships with) sends something else: one entry per rule, one row per rule in docs/compat.md,
 * and rules.test.ts keeps the three — this list, the page, the code and tests it names — in step.
 *
 * Rules inside src/scim/ live in this folder: the request normalisers (entra.ts, okta.ts), the
 * undeclared-attribute sieve (undeclared-*.ts), and hooks the engine asks (patch-rules.ts,
 * filter-forms.ts, boolean-strings.ts; `askedBy` names the engine code that asks). Rules about
 * HTTP answers stay in src/http and src/service; their entry says where.
 * Behaviour an IdP relies on that is the RFC's own (add on a set single value replaces it,
 * writeOnly passwords) is not a departure and has no entry; docs/compat.md lists it apart.
 */

/** Who sends the form a rule absorbs. */
export type Sender = 'Entra' | 'Okta' | 'Microsoft SCIM tools' | 'HTTP clients';

/** A name (function, constant, option, route text) that occurs in `file`, a path from the repository root. */
export interface CodeRef {
  readonly file: string;
  readonly name: string;
}

/** A test title (or a stable part of it) in the test file named `file` (a base name, anywhere under src/ or test/). */
export interface TestRef {
  readonly file: string;
  readonly title: string;
}

export interface CompatRule {
  /** Stable id, also written next to the code (`rule \`id\``) and in docs/compat.md. */
  readonly id: string;
  readonly senders: readonly Sender[];
  readonly summary: string;
  /** Where the rule is implemented. */
  readonly home: readonly CodeRef[];
  /** Engine code outside this folder that asks the rule's hook. */
  readonly askedBy?: readonly CodeRef[];
  readonly tests: readonly TestRef[];
}

const ENTRA = 'src/scim/compat/entra.ts';
const PATCH_RULES = 'src/scim/compat/patch-rules.ts';
const FILTER_FORMS = 'src/scim/compat/filter-forms.ts';
const FILTER_PARSER = 'src/scim/filter/parse.ts';

export const COMPAT_RULES: readonly CompatRule[] = [
  {
    id: 'entra-op-names',
    senders: ['Entra'],
    summary: '`Add`/`Replace`/`Remove` and member names in any case are spelt as RFC 7644 does.',
    home: [{ file: ENTRA, name: 'normalizeOpNames' }],
    tests: [{ file: 'entra.test.ts', title: 'lower-cases op and spells the member names as RFC 7644 does' }],
  },
  {
    id: 'entra-boolean-strings',
    senders: ['Entra'],
    summary: '"True"/"False" in any case are booleans wherever the schema says boolean, filter literals too.',
    home: [
      { file: 'src/scim/compat/boolean-strings.ts', name: 'booleanOfString' },
      { file: ENTRA, name: 'coerceBooleanStrings' },
    ],
    askedBy: [{ file: 'src/scim/filter/check.ts', name: 'booleanOfString' }],
    tests: [
      {
        file: 'entra.test.ts',
        title: 'coerceBooleanStrings: "True"/"False" in any case wherever the schema says boolean',
      },
      { file: 'apply.test.ts', title: 'a string "True" in a valuePath filter compares as a boolean (Entra roles)' },
    ],
  },
  {
    id: 'entra-pathless-attribute-keys',
    senders: ['Entra'],
    summary: 'Dotted and URN-prefixed keys of path-less values and bodies become nested canonical objects.',
    home: [{ file: ENTRA, name: 'expandAttributeKeys' }],
    tests: [
      { file: 'entra.test.ts', title: 'expands dotted, URN-prefixed and core-URN keys into nested canonical objects' },
      { file: 'entra-replay.test.ts', title: 'update many attributes' },
    ],
  },
  {
    id: 'entra-pathless-filtered-keys',
    senders: ['Entra'],
    summary: 'A path-less value key with a `[...]` filter becomes an operation of its own with that path.',
    home: [{ file: ENTRA, name: 'expandPathlessKeys' }],
    tests: [
      {
        file: 'entra.test.ts',
        title: 'splits flattened filter keys of a path-less value into operations of their own',
      },
      { file: 'entra-replay.test.ts', title: 'set a work phone that does not exist yet' },
    ],
  },
  {
    id: 'entra-filtered-add-creates',
    senders: ['Entra'],
    summary: 'add/replace of `emails[type eq "work"].value` with no such element creates it from the pinned values.',
    home: [
      { file: PATCH_RULES, name: 'createsUnmatchedElement' },
      { file: PATCH_RULES, name: 'pinnedValues' },
    ],
    askedBy: [{ file: 'src/scim/patch/attribute-ops.ts', name: 'createsUnmatchedElement' }],
    tests: [
      { file: 'apply.test.ts', title: 'add to a filtered sub-attribute with no match creates the element (Entra)' },
      { file: 'apply.test.ts', title: 'replace of a filtered sub-attribute with no match creates it too' },
      { file: 'apply.test.ts', title: 'replace of a whole element with no match (RFC 7644 §3.5.2.3)' },
    ],
  },
  {
    id: 'entra-remove-value-list',
    senders: ['Entra'],
    summary: '`Remove` of a multi-valued attribute with a value list removes only the listed values.',
    home: [{ file: PATCH_RULES, name: 'removesListedValues' }],
    askedBy: [
      { file: 'src/scim/patch/attribute-ops.ts', name: 'removesListedValues' },
      { file: 'src/scim/patch/members.ts', name: 'removesListedValues' },
    ],
    tests: [
      { file: 'apply-members.test.ts', title: 'remove with a value list removes only those (legacy Entra)' },
      { file: 'apply.test.ts', title: 'remove with a value list removes only those values' },
      { file: 'entra-replay.test.ts', title: 'drop a member' },
    ],
  },
  {
    id: 'entra-null-member-refs',
    senders: ['Entra'],
    summary: '`"$ref": null` in member values is dropped.',
    home: [{ file: ENTRA, name: 'dropNullMemberRefs' }],
    tests: [{ file: 'entra.test.ts', title: 'dropNullMemberRefs: "$ref": null dropped, other members untouched' }],
  },
  {
    id: 'entra-manager-shapes',
    senders: ['Entra'],
    summary: 'The enterprise `manager` as a bare id, `{value}` or `[{$ref, value}]` becomes `{value}`.',
    home: [{ file: ENTRA, name: 'normalizeManager' }],
    tests: [
      { file: 'entra.test.ts', title: 'normalizeManager: bare string, {value} and [{$ref, value}] all become {value}' },
      { file: 'entra-replay.test.ts', title: 'create → link manager → disable → re-enable → unlink manager' },
    ],
  },
  {
    id: 'entra-role-strings',
    senders: ['Entra'],
    summary: 'App roles sent as JSON-encoded strings are decoded to `value`/`display`/`type`/`primary`.',
    home: [{ file: ENTRA, name: 'decodeRoleStrings' }],
    tests: [
      { file: 'entra.test.ts', title: 'decodeRoleStrings: JSON-encoded roles decoded to value/display/type/primary' },
      { file: 'entra-replay.test.ts', title: 'Complex role mapping: Add merges by value' },
    ],
  },
  {
    id: 'entra-undeclared-attributes',
    senders: ['Entra', 'Microsoft SCIM tools'],
    summary:
      'Attributes no schema declares are dropped and logged (or refused with `SCIMD_UNKNOWN_ATTRIBUTES=reject`).',
    home: [
      { file: 'src/scim/compat/undeclared-body.ts', name: 'sieveResourceBody' },
      { file: 'src/scim/compat/undeclared-patch.ts', name: 'sievePatchOperations' },
    ],
    tests: [
      { file: 'undeclared.test.ts', title: 'ignore: drops what no schema declares and reports each path' },
      {
        file: 'undeclared.test.ts',
        title: 'ignore: drops operations on undeclared paths and undeclared keys of values',
      },
      {
        file: 'unknown-attributes.test.ts',
        title: 'PUT /Users (the reference collection misspells addresses as adreses) answers 200',
      },
    ],
  },
  {
    id: 'entra-remove-filter-single-value',
    senders: ['Entra'],
    summary: '`remove` of `manager[value eq "<id>"]` clears the manager when it matches, else changes nothing.',
    home: [{ file: PATCH_RULES, name: 'acceptsFilterOnSingleValue' }],
    askedBy: [{ file: 'src/scim/patch/apply.ts', name: 'acceptsFilterOnSingleValue' }],
    tests: [
      { file: 'apply.test.ts', title: 'clears the manager when the filter matches (URN-qualified and short paths)' },
      { file: 'entra-gaps.test.ts', title: 'path: clears the manager when the filter matches' },
    ],
  },
  {
    id: 'entra-bare-filter-values',
    senders: ['Entra'],
    summary: 'An unquoted filter value (`userName eq john@contoso.com`) is a string.',
    home: [{ file: FILTER_FORMS, name: 'bareStringValues' }],
    askedBy: [{ file: FILTER_PARSER, name: 'bareStringValues' }],
    tests: [{ file: 'filter-forms.test.ts', title: 'bare string values: userName eq john@contoso.com is a string' }],
  },
  {
    id: 'entra-filter-sub-after-bracket',
    senders: ['Entra'],
    summary: '`emails[type eq "work"].value eq "x"` reads as `emails[type eq "work" and value eq "x"]`.',
    home: [{ file: FILTER_FORMS, name: 'subAttributeAfterFilter' }],
    askedBy: [{ file: FILTER_PARSER, name: 'subAttributeAfterFilter' }],
    tests: [{ file: 'filter-forms.test.ts', title: 'a sub-attribute after the brackets joins the filter' }],
  },
  {
    id: 'microsoft-filtered-attribute-selections',
    senders: ['Microsoft SCIM tools'],
    summary: '`attributes=emails[type eq "work"]` (and `.value`, and in `excludedAttributes`) selects matching values.',
    home: [{ file: FILTER_FORMS, name: 'valueFiltersInAttributeLists' }],
    askedBy: [{ file: FILTER_PARSER, name: 'valueFiltersInAttributeLists' }],
    tests: [
      { file: 'filter-forms.test.ts', title: 'value filters in attribute lists' },
      { file: 'entra-gaps.test.ts', title: 'attributes=emails[type eq "work"] returns only the matching emails' },
    ],
  },
  {
    id: 'microsoft-empty-operations',
    senders: ['Microsoft SCIM tools'],
    summary: 'A PATCH with `"Operations": []` changes nothing and succeeds.',
    home: [{ file: PATCH_RULES, name: 'MIN_PATCH_OPERATIONS' }],
    askedBy: [{ file: 'src/scim/patch/parse.ts', name: 'MIN_PATCH_OPERATIONS' }],
    tests: [
      { file: 'parse.test.ts', title: 'is a request with no operations, not an error (Microsoft SCIM Validator)' },
      { file: 'entra-gaps.test.ts', title: 'groups: 204, same version, no event' },
    ],
  },
  {
    id: 'okta-echoed-id',
    senders: ['Okta'],
    summary: "A group rename whose value echoes the group's own `id` drops it instead of failing `mutability`.",
    home: [{ file: 'src/scim/compat/okta.ts', name: 'dropEchoedId' }],
    tests: [
      { file: 'okta.test.ts', title: 'renames a group whose value echoes its own id' },
      { file: 'okta.test.ts', title: 'rejects an id that is not the resource id with 400 mutability' },
    ],
  },
  {
    id: 'entra-group-patch-204',
    senders: ['Entra'],
    summary: 'A group PATCH answers `204` unless `attributes`/`excludedAttributes` asks for a body.',
    home: [{ file: 'src/service/dispatch.ts', name: 'noContent' }],
    tests: [{ file: 'patch.test.ts', title: 'legacy Remove with a value list removes only those, 204' }],
  },
  {
    id: 'entra-put-group-keeps-members',
    senders: ['Entra', 'Okta'],
    summary: 'A group PUT without `members` keeps the membership; with `members` it replaces it.',
    home: [{ file: 'src/service/resources.ts', name: 'replaceResource' }],
    tests: [{ file: 'groups.test.ts', title: 'PUT with members replaces the membership; without members keeps it' }],
  },
  {
    id: 'microsoft-trailing-slash',
    senders: ['Microsoft SCIM tools'],
    summary: '`/Users/?filter=…` is the `/Users` collection, for every collection and method.',
    home: [{ file: 'src/http/app.ts', name: 'ignoreTrailingSlash' }],
    tests: [{ file: 'trailing-slash.test.ts', title: 'GET lists with the query and POST creates, on' }],
  },
  {
    id: 'microsoft-endpoint-case',
    senders: ['Microsoft SCIM tools'],
    summary: 'Endpoint names in any letter case (`/users`); ids and slugs keep their case.',
    home: [{ file: 'src/http/app.ts', name: 'caseSensitive' }],
    tests: [
      { file: 'endpoint-spelling.test.ts', title: 'lists and creates through lower- and upper-case endpoint names' },
    ],
  },
  {
    id: 'microsoft-service-configuration',
    senders: ['Microsoft SCIM tools'],
    summary: '`/ServiceConfiguration` serves the `/ServiceProviderConfig` document.',
    home: [{ file: 'src/http/scim-routes.ts', name: '/ServiceConfiguration' }],
    tests: [
      { file: 'endpoint-spelling.test.ts', title: 'serves the ServiceProviderConfig at /ServiceConfiguration too' },
    ],
  },
  {
    id: 'http-oversize-body-drain',
    senders: ['HTTP clients'],
    summary: 'An oversize body is read and discarded before the `413`, so a client writing it all sees the answer.',
    home: [{ file: 'src/http/body-drain.ts', name: 'drainBody' }],
    tests: [
      { file: 'oversize-body.test.ts', title: 'a client that writes the whole body before reading still gets the 413' },
    ],
  },
];
