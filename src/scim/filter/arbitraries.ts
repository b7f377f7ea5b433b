/**
 * Test support for filters: terse AST builders for tables, and fast-check arbitraries for any
 * parseable filter AST (print/parse round trips) and for checked-valid User filters with
 * matching User bodies (differential tests: memory evaluator vs SQL backends).
 * Imported only by tests; excluded from the production build.
 */
import fc from 'fast-check';
import { URN } from '../schema/urns.js';
import type { AttrPath, CompareOperator, Filter, FilterValue } from './ast.js';
import { fold } from './values.js';

// ---------------------------------------------------------------- terse AST builders for tables

/** `attr`, `attr.sub`, `urn:...:attr` or `urn:...:attr.sub` as an AttrPath (split like the parser). */
export function path(text: string): AttrPath {
  const colon = text.lastIndexOf(':');
  const rest = text.slice(colon + 1);
  const [attribute, subAttribute] = rest.split('.') as [string, string | undefined];
  return {
    ...(colon >= 0 ? { schema: text.slice(0, colon) } : {}),
    attribute,
    ...(subAttribute !== undefined ? { subAttribute } : {}),
  };
}

export function cmp(p: string, op: CompareOperator, value: FilterValue): Filter {
  return { kind: 'compare', path: path(p), op, value };
}

export function pr(p: string): Filter {
  return { kind: 'present', path: path(p) };
}

export function and(left: Filter, right: Filter): Filter {
  return { kind: 'and', left, right };
}

export function or(left: Filter, right: Filter): Filter {
  return { kind: 'or', left, right };
}

export function not(filter: Filter): Filter {
  return { kind: 'not', filter };
}

export function vp(p: string, filter: Filter): Filter {
  return { kind: 'valuePath', path: path(p), filter };
}

const OPERATORS: readonly CompareOperator[] = ['eq', 'ne', 'co', 'sw', 'ew', 'gt', 'ge', 'lt', 'le'];
const ORDERING: readonly CompareOperator[] = ['eq', 'ne', 'gt', 'ge', 'lt', 'le'];

// ---------------------------------------------------------------- any parseable AST

const attrName = fc.oneof(
  { weight: 9, arbitrary: fc.stringMatching(/^[A-Za-z][A-Za-z0-9_-]{0,7}$/).filter((n) => n.toLowerCase() !== 'not') },
  { weight: 1, arbitrary: fc.constantFrom('$ref', '$REF') },
  {
    weight: 6,
    arbitrary: fc.constantFrom(
      ...['userName', 'USERNAME', 'displayName', 'active', 'name', 'givenName', 'emails', 'EMAILS', 'members'],
      ...['value', 'type', 'primary', 'meta', 'lastModified', 'department', 'manager', 'password', 'x509Certificates'],
    ),
  },
);
const urnSegment = fc.stringMatching(/^[A-Za-z0-9][A-Za-z0-9.-]{0,5}$/);
const schemaUrn = fc.oneof(
  fc.constantFrom(URN.user, URN.enterpriseUser, 'URN:IETF:params:scim:schemas:core:2.0:Group'),
  fc.array(urnSegment, { minLength: 1, maxLength: 4 }).map((segments) => `urn:${segments.join(':')}`),
);

const absolutePath: fc.Arbitrary<AttrPath> = fc
  .record(
    { schema: schemaUrn, attribute: attrName, subAttribute: attrName },
    { requiredKeys: ['attribute'], noNullPrototype: true },
  )
  .map((p) => p as AttrPath);
const relativePath: fc.Arbitrary<AttrPath> = attrName.map((attribute) => ({ attribute }));

const anyValue: fc.Arbitrary<FilterValue> = fc.oneof(
  // Any Unicode string but NUL; the parser refuses NUL and unpaired surrogates on purpose (no
  // database stores them).
  fc.string({ unit: 'binary', maxLength: 12 }).map((s) => s.toWellFormed().replaceAll('\u0000', '\u0001')),
  fc.string({ unit: 'grapheme-ascii', maxLength: 12 }),
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }).map((n) => (n === 0 ? 0 : n)),
  fc.boolean(),
  fc.constant(null),
);

function attributeExpression(path: fc.Arbitrary<AttrPath>): fc.Arbitrary<Filter> {
  return fc.oneof(
    fc.record(
      {
        kind: fc.constant('compare' as const),
        path,
        op: fc.constantFrom(...OPERATORS),
        value: anyValue,
      },
      { noNullPrototype: true },
    ),
    fc.record({ kind: fc.constant('present' as const), path }, { noNullPrototype: true }),
  );
}

function logical(leaf: fc.Arbitrary<Filter>, maxDepth: number): fc.Arbitrary<Filter> {
  return fc.letrec<{ f: Filter }>((tie) => ({
    f: fc.oneof(
      { depthSize: 'small', maxDepth, withCrossShrink: true },
      leaf,
      fc.record(
        { kind: fc.constantFrom('and' as const, 'or' as const), left: tie('f'), right: tie('f') },
        { noNullPrototype: true },
      ),
      fc.record({ kind: fc.constant('not' as const), filter: tie('f') }, { noNullPrototype: true }),
    ),
  })).f;
}

/** Any filter that can stand between brackets: paths are bare sub-attribute names. */
export function arbitraryValueFilterAst(maxDepth = 3): fc.Arbitrary<Filter> {
  return logical(attributeExpression(relativePath), maxDepth);
}

/** Any filter `parseFilter` can produce (no nested `[...]`, relative paths inside brackets). */
export function arbitraryFilterAst(maxDepth = 5): fc.Arbitrary<Filter> {
  const valuePath = fc.record(
    {
      kind: fc.constant('valuePath' as const),
      path: fc.record(
        { schema: schemaUrn, attribute: attrName },
        { requiredKeys: ['attribute'], noNullPrototype: true },
      ),
      filter: arbitraryValueFilterAst(),
    },
    { noNullPrototype: true },
  );
  return logical(fc.oneof({ weight: 4, arbitrary: attributeExpression(absolutePath) }, valuePath), maxDepth);
}

// ---------------------------------------------------------------- Users and checked filters

export interface UserArbitraryOptions {
  /** Only ASCII text (for backends that cannot fold Unicode); default false. */
  readonly asciiOnly?: boolean;
}

const UNICODE_WORDS = ['zoë', 'ÉMILE', 'straße', 'İlker', 'ǅemal', '日本', 'x😀y', 'Ωmega'];
const ASCII_WORDS = [
  'alice',
  'Alice',
  'bob',
  'BOB',
  'a_b',
  '100%',
  "o'brien",
  'Sales',
  'sales',
  'back\\slash',
  'qu"ote',
];
const DOMAINS = ['acme.com', 'ACME.com', 'contoso.com'];
const EMAIL_TYPES = ['work', 'home', 'other', 'Work'];

/** Instants used by generated users' meta and by generated dateTime comparisons. */
export const DATE_POOL: readonly string[] = [
  '2023-01-01T00:00:00.000Z',
  '2024-02-29T12:00:00.000Z',
  '2024-02-29T12:00:00.001Z',
  '2025-06-15T08:30:00.000Z',
];

function words(options: UserArbitraryOptions): readonly string[] {
  return options.asciiOnly ? ASCII_WORDS : [...ASCII_WORDS, ...UNICODE_WORDS];
}

/** A word from the pool in its own, upper or lower case. */
function caseVariant(pool: readonly string[]): fc.Arbitrary<string> {
  return fc
    .tuple(fc.constantFrom(...pool), fc.constantFrom('same', 'upper', 'lower'))
    .map(([w, c]) => (c === 'upper' ? w.toUpperCase() : c === 'lower' ? w.toLowerCase() : w));
}

/** Comparison strings likely to hit generated users: words, fragments, domains, case variants. */
function filterString(options: UserArbitraryOptions): fc.Arbitrary<string> {
  const pool = [...words(options), ...DOMAINS, ...EMAIL_TYPES];
  return fc.oneof(
    caseVariant(pool),
    fc
      .tuple(caseVariant(pool), fc.nat(), fc.nat())
      // Sliced by code point: cutting an emoji's surrogate pair would make a string no client can send.
      .map(([w, a, b]) => {
        const points = Array.from(w);
        const at = (n: number) => n % (points.length + 1);
        return points.slice(at(Math.min(a, b)), at(Math.max(a, b))).join('');
      }),
    fc.constantFrom('@', '', '1'),
  );
}

function drop<T extends Record<string, unknown>>(value: T): T | undefined {
  return Object.keys(value).length > 0 ? value : undefined;
}

/** A canonical User body (no id/meta/groups), as the store keeps it. */
function arbitraryUser(options: UserArbitraryOptions = {}): fc.Arbitrary<Record<string, unknown>> {
  const word = caseVariant(words(options));
  const email = fc
    .record(
      {
        value: fc.tuple(word, fc.constantFrom(...DOMAINS)).map(([w, d]) => `${w}@${d}`),
        type: fc.constantFrom(...EMAIL_TYPES),
        primary: fc.boolean(),
      },
      { requiredKeys: ['value'], noNullPrototype: true },
    )
    .map((e) => e as Record<string, unknown>);
  return fc
    .record(
      {
        userName: fc.tuple(word, fc.nat(9), fc.constantFrom(...DOMAINS)).map(([w, n, d]) => `${w}${n}@${d}`),
        displayName: word,
        externalId: word,
        title: word,
        active: fc.boolean(),
        name: fc.record({ givenName: word, familyName: word }, { requiredKeys: [], noNullPrototype: true }),
        emails: fc.array(email, { minLength: 1, maxLength: 3 }),
        department: word,
      },
      { requiredKeys: ['userName'], noNullPrototype: true },
    )
    .map(({ department, name, ...rest }) => {
      const body: Record<string, unknown> = { schemas: [URN.user], ...rest };
      const givenOrFamily = name ? drop(name) : undefined;
      if (givenOrFamily) body.name = givenOrFamily;
      if (department !== undefined) {
        body.schemas = [URN.user, URN.enterpriseUser];
        body[URN.enterpriseUser] = { department };
      }
      return body;
    });
}

/** Several users whose userNames differ after folding (userName is unique ignoring case). */
export function arbitraryUsers(
  options: UserArbitraryOptions & { readonly maxLength?: number } = {},
): fc.Arbitrary<Record<string, unknown>[]> {
  return fc.uniqueArray(arbitraryUser(options), {
    maxLength: options.maxLength ?? 12,
    selector: (u) => fold(String(u.userName)),
  });
}

/** A User's full representation: a body plus `id` and `meta` with instants from `DATE_POOL`. */
export function arbitraryUserResource(options: UserArbitraryOptions = {}): fc.Arbitrary<Record<string, unknown>> {
  return fc
    .tuple(arbitraryUser(options), fc.uuid(), fc.constantFrom(...DATE_POOL), fc.constantFrom(...DATE_POOL))
    .map(([body, id, created, lastModified]) => ({
      ...body,
      id,
      meta: { resourceType: 'User', created, lastModified, version: 'W/"1"' },
    }));
}

const STRING_PATHS: readonly AttrPath[] = [
  { attribute: 'userName' },
  { attribute: 'displayName' },
  { attribute: 'externalId' },
  { attribute: 'title' },
  { attribute: 'emails', subAttribute: 'value' },
  { attribute: 'emails', subAttribute: 'type' },
  { attribute: 'name', subAttribute: 'givenName' },
  { schema: URN.enterpriseUser, attribute: 'department' },
];
const DATE_PATHS: readonly AttrPath[] = [
  { attribute: 'meta', subAttribute: 'lastModified' },
  { attribute: 'meta', subAttribute: 'created' },
];
const PRESENT_PATHS: readonly AttrPath[] = [
  ...STRING_PATHS,
  { attribute: 'active' },
  { attribute: 'emails' },
  { attribute: 'name' },
  { attribute: 'emails', subAttribute: 'primary' },
];

function compare(path: AttrPath, op: CompareOperator, value: FilterValue): Filter {
  return { kind: 'compare', path, op, value };
}

/** Attribute expressions over paths relative to `emails` (inside `emails[...]`). */
function emailExpression(options: UserArbitraryOptions): fc.Arbitrary<Filter> {
  const sub = fc.constantFrom<AttrPath>({ attribute: 'value' }, { attribute: 'type' });
  return fc.oneof(
    fc.tuple(sub, fc.constantFrom(...OPERATORS), filterString(options)).map(([p, op, v]) => compare(p, op, v)),
    fc
      .tuple(fc.constantFrom<CompareOperator>('eq', 'ne'), fc.boolean())
      .map(([op, v]) => compare({ attribute: 'primary' }, op, v)),
    fc
      .constantFrom<AttrPath>({ attribute: 'value' }, { attribute: 'type' }, { attribute: 'primary' })
      .map((path): Filter => ({ kind: 'present', path })),
  );
}

/**
 * Filters over the attributes `arbitraryUser` fills that `checkFilter(f, USER_RESOURCE_TYPE)`
 * returns unchanged (already canonical and type-correct).
 */
export function arbitraryUserFilter(
  options: UserArbitraryOptions & { readonly maxDepth?: number } = {},
): fc.Arbitrary<Filter> {
  const leaf = fc.oneof(
    {
      weight: 5,
      arbitrary: fc
        .tuple(fc.constantFrom(...STRING_PATHS), fc.constantFrom(...OPERATORS), filterString(options))
        .map(([p, op, v]) => compare(p, op, v)),
    },
    fc
      .tuple(fc.constantFrom<CompareOperator>('eq', 'ne'), fc.boolean())
      .map(([op, v]) => compare({ attribute: 'active' }, op, v)),
    fc
      .tuple(fc.constantFrom(...DATE_PATHS), fc.constantFrom(...ORDERING), fc.constantFrom(...DATE_POOL))
      .map(([p, op, v]) => compare(p, op, v)),
    fc
      .tuple(fc.constantFrom(...STRING_PATHS, { attribute: 'active' }), fc.constantFrom<CompareOperator>('eq', 'ne'))
      .map(([p, op]) => compare(p, op, null)),
    fc.constantFrom(...PRESENT_PATHS).map((path): Filter => ({ kind: 'present', path })),
    logical(emailExpression(options), 2).map(
      (filter): Filter => ({ kind: 'valuePath', path: { attribute: 'emails' }, filter }),
    ),
  );
  return logical(leaf, options.maxDepth ?? 4);
}
