/**
 * fast-check generators of bad or odd SCIM requests: requests shaped like what Entra and Okta
 * send, then mutated in every part (method, base path, path, query, headers, body text).
 * They only ever use the tested tenant's token, the control tenant's token against the tested
 * tenant's URL (a cross-tenant token), or bad tokens, so a correct server leaves the control
 * tenant's data untouched whatever it answers.
 */
import fc from 'fast-check';
import type { RawRequest } from './raw-http.js';

export const CORE_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const CORE_GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const SEARCH = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';
export const BULK = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';

export interface FuzzTenant {
  readonly slug: string;
  readonly token: string;
  readonly users: readonly string[];
  readonly groups: readonly string[];
}

export interface FuzzContext {
  /** The tenant under test: its token is the fuzz's credential. */
  readonly a: FuzzTenant;
  /** The control tenant: its ids appear in requests, its token only against A's URL. */
  readonly b: FuzzTenant;
}

/** Values that have broken SCIM servers: NUL, lone surrogates, huge and odd numbers, odd types. */
export const ODD_STRINGS = [
  '\u0000',
  'a\u0000b',
  '\ud800',
  'x\udfffy',
  '\ufeff',
  '\u202e',
  '',
  ' ',
  '%00',
  '"',
  '\\',
  '*',
  '../',
  '<script>',
  'x'.repeat(5000),
  '🙂'.repeat(300),
];
const ODD_VALUES: readonly unknown[] = [
  ...ODD_STRINGS,
  0,
  -0,
  -1,
  1.5,
  2 ** 53 + 1,
  1e308,
  -1e308,
  true,
  false,
  null,
  {},
  [],
  [[[]]],
  { value: '\u0000' },
  [{ value: '\ud800' }],
  { $ref: 'x', value: null },
];

const word = fc.stringMatching(/^[a-z0-9.@_-]{1,12}$/);

function userBody(userName: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    schemas: [CORE_USER, ENTERPRISE],
    externalId: userName.split('@')[0],
    userName,
    active: true,
    displayName: 'Fuzz User',
    name: { givenName: 'Fuzz', familyName: 'User', formatted: 'Fuzz User' },
    emails: [{ primary: true, type: 'work', value: userName }],
    [ENTERPRISE]: { employeeNumber: '1', department: 'QA' },
    meta: { resourceType: 'User' },
    roles: [],
    ...extra,
  };
}

interface Base {
  readonly method: string;
  /** The path after the SCIM base, starting with '/', with its query. */
  readonly path: string;
  readonly body?: unknown;
}

/** Request shapes Entra and Okta send, naming ids of either tenant. */
function baseRequests(ctx: FuzzContext): fc.Arbitrary<Base> {
  const ids = [...ctx.a.users, ...ctx.a.groups, ...ctx.b.users, ...ctx.b.groups];
  const anyId = fc.oneof(fc.constantFrom(...ids), fc.constantFrom(...ODD_STRINGS), fc.uuid());
  const userId = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...ctx.a.users) }, anyId);
  const groupId = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...ctx.a.groups) }, anyId);
  const name = word.map((w) => `${w}@fuzz.example`);
  const patch = (...operations: unknown[]) => ({ schemas: [PATCH_OP], Operations: operations });
  return fc.oneof(
    name.map((n) => ({ method: 'GET', path: `/Users?filter=userName eq "${n}"` })),
    fc.constant({ method: 'GET', path: '/Users?startIndex=1&count=100' }),
    groupId.map((id) => ({ method: 'GET', path: `/Groups?filter=id eq "${id}"&excludedAttributes=members` })),
    userId.map((id) => ({ method: 'GET', path: `/Users/${id}` })),
    groupId.map((id) => ({ method: 'GET', path: `/Groups/${id}?excludedAttributes=members` })),
    name.map((n) => ({ method: 'POST', path: '/Users', body: userBody(n) })),
    word.map((w) => ({ method: 'POST', path: '/Groups', body: { schemas: [CORE_GROUP], displayName: w } })),
    fc.tuple(userId, name).map(([id, n]) => ({ method: 'PUT', path: `/Users/${id}`, body: userBody(n) })),
    fc.tuple(userId, fc.constantFrom(...ODD_VALUES)).map(([id, v]) => ({
      method: 'PATCH',
      path: `/Users/${id}`,
      body: patch(
        { op: 'Replace', path: 'title', value: v },
        { op: 'Add', path: 'emails[type eq "work"].value', value: v },
        { op: 'Replace', path: `${ENTERPRISE}:manager`, value: v },
      ),
    })),
    fc.tuple(userId, fc.boolean()).map(([id, active]) => ({
      method: 'PATCH',
      path: `/Users/${id}`,
      body: patch({ op: 'replace', value: { active } }),
    })),
    fc.tuple(groupId, anyId, fc.constantFrom('add', 'remove', 'Add', 'Remove', 'replace')).map(([g, m, op]) => ({
      method: 'PATCH',
      path: `/Groups/${g}`,
      body: patch(
        op === 'remove' || op === 'Remove'
          ? { op, path: `members[value eq "${m}"]` }
          : { op, path: 'members', value: [{ value: m }] },
      ),
    })),
    fc.tuple(userId, fc.string()).map(([id, path]) => ({
      method: 'PATCH',
      path: `/Users/${id}`,
      body: patch({ op: 'remove', path }),
    })),
    fc
      .tuple(fc.constantFrom('Users', 'Groups'), anyId)
      .map(([type, id]) => ({ method: 'DELETE', path: `/${type}/${id}` })),
    fc
      .tuple(fc.constantFrom('/Users/.search', '/Groups/.search', '/.search'), fc.constantFrom(...ODD_VALUES), name)
      .map(([path, v, n]) => ({
        method: 'POST',
        path,
        body: { schemas: [SEARCH], filter: `userName eq "${n}"`, startIndex: v, count: 2, attributes: ['userName'] },
      })),
    fc.tuple(anyId, name).map(([id, n]) => ({
      method: 'POST',
      path: '/Bulk',
      body: {
        schemas: [BULK],
        Operations: [
          { method: 'POST', path: '/Users', bulkId: 'u1', data: userBody(n) },
          {
            method: 'POST',
            path: '/Groups',
            bulkId: 'g1',
            data: { schemas: [CORE_GROUP], displayName: n, members: [{ value: 'bulkId:u1' }, { value: id }] },
          },
          {
            method: 'PATCH',
            path: `/Groups/${id}`,
            data: patch({ op: 'add', path: 'members', value: [{ value: 'bulkId:u1' }] }),
          },
          { method: 'DELETE', path: `/Users/${id}` },
        ],
      },
    })),
    fc.constantFrom(
      { method: 'GET', path: '/ServiceProviderConfig' },
      { method: 'GET', path: '/ResourceTypes/User' },
      { method: 'GET', path: `/Schemas/${CORE_USER}` },
      { method: 'GET', path: '/Schemas' },
      { method: 'GET', path: '/' },
    ),
  );
}

const BAD_FILTER_TOKENS = [
  'userName',
  'emails[type eq "work"].value',
  'members[value eq "x"]',
  'meta.lastModified',
  'name.familyName',
  'eq',
  'ne',
  'co',
  'sw',
  'gt',
  'le',
  'pr',
  'and',
  'or',
  'not',
  '(',
  ')',
  '[',
  ']',
  '"x"',
  '"\u0000"',
  '"\ud800"',
  '1e400',
  '-0',
  'true',
  'null',
  '"2020-01-01T00:00:00Z"',
  'urn:ietf:params:scim:schemas:core:2.0:User:userName',
  '.',
  ',',
];

/** Query parameters, repeated and with odd values. */
const oddQuery: fc.Arbitrary<string> = fc
  .array(
    fc.tuple(
      fc.constantFrom(
        'filter',
        'startIndex',
        'count',
        'sortBy',
        'sortOrder',
        'attributes',
        'excludedAttributes',
        'cursor',
        'startindex',
        'FILTER',
      ),
      fc.oneof(
        fc.constantFrom(
          '1e20',
          '-1',
          '0',
          'NaN',
          '1.5',
          '0x10',
          '99999999999999999999',
          '',
          'descending',
          'userName',
          'emails[type eq "work"]',
          'a.b.c.d',
          'x'.repeat(3000),
        ),
        fc.array(fc.constantFrom(...BAD_FILTER_TOKENS), { minLength: 1, maxLength: 7 }).map((t) => t.join(' ')),
        fc.constantFrom(...ODD_STRINGS),
      ),
    ),
    { minLength: 1, maxLength: 4 },
  )
  .map((pairs) => pairs.map(([k, v]) => `${k}=${percentEncode(v, /[A-Za-z0-9._~-]/)}`).join('&'));

/** Mutations of the request target: trailing slashes, percent-encodings, NULs, odd ids. */
const pathMutation = fc.constantFrom<(path: string) => string>(
  (p) => p,
  (p) => p,
  (p) => p.replace(/(\?|$)/, '/$1'),
  (p) => p.replace(/^\/(\w)/, '//$1'),
  (p) => p.replace(/^\/U/, '/%55').replace(/^\/G/, '/%47'),
  (p) => p.replace(/(\?|$)/, '%00$1'),
  (p) => p.replace(/(\?|$)/, '%ED%A0%80$1'),
  (p) => p.replace(/(\?|$)/, '%FF%FE$1'),
  (p) => p.replace(/(\?|$)/, '%ZZ$1'),
  (p) => p.replace(/(\?|$)/, '%2F..%2F$1'),
  (p) => p.replace(/(\?|$)/, '/..$1'),
  (p) => p.replace(/(\?|$)/, ';x=1$1'),
  (p) => p.replace(/(\?|$)/, '#frag$1'),
  (p) => p.replace(/\/[^/?]+(\?|$)/, '/$1'),
  (p) => p.toLowerCase(),
  (p) => `${p}${p.includes('?') ? '&' : '?'}`,
);

/** Percent-encodes `text` byte by byte (a lone surrogate becomes U+FFFD's bytes), keeping `keep`. */
function percentEncode(text: string, keep: RegExp): string {
  let out = '';
  for (const byte of Buffer.from(text, 'utf8')) {
    const c = String.fromCharCode(byte);
    out += byte < 0x80 && keep.test(c) ? c : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/** Percent-encodes what may not appear raw in a request target, keeping '%' as it is. */
function encodeTarget(path: string): string {
  return percentEncode(path, /[\x21-\x7e]/).replace(/["<>\\^`{|}]/g, (c) => percentEncode(c, /^$/));
}

function bodyText(body: unknown): fc.Arbitrary<Buffer> {
  const json = JSON.stringify(body);
  const deep = (n: number, open: string, close: string) => Buffer.from(open.repeat(n) + close.repeat(n));
  return fc.oneof(
    { weight: 6, arbitrary: fc.constant(Buffer.from(json)) },
    {
      weight: 6,
      arbitrary: fc.tuple(fc.nat(), fc.constantFrom(...ODD_VALUES), fc.boolean()).map(([at, v, drop]) => {
        const mutated = mutateJson(body, at, v, drop);
        return Buffer.from(JSON.stringify(mutated) ?? 'null');
      }),
    },
    fc.nat({ max: json.length }).map((n) => Buffer.from(json.slice(0, n))),
    fc.constantFrom(10, 64, 65, 1000, 20_000).map((n) => deep(n, '[', ']')),
    fc.constantFrom(64, 65, 1000, 20_000).map((n) => Buffer.from(`${'{"a":'.repeat(n)}1${'}'.repeat(n)}`)),
    fc
      .constantFrom(64, 1000, 20_000)
      .map((n) =>
        Buffer.from(
          JSON.stringify({ schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'title', value: '<deep>' }] }).replace(
            '"<deep>"',
            `${'['.repeat(n)}${']'.repeat(n)}`,
          ),
        ),
      ),
    fc.constantFrom(
      Buffer.from(json.replace(/:(\d+|true|false)/, ':1e400')),
      Buffer.from(json.replace(/:(\d+|true|false)/, ':123456789012345678901234567890')),
      Buffer.from(json.replace('"', '"\u0000')),
      Buffer.concat([
        Buffer.from(json.slice(0, 20)),
        Buffer.from([0xed, 0xa0, 0x80, 0xff]),
        Buffer.from(json.slice(20)),
      ]),
      Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(json)]),
      Buffer.from(json.replace('{', '{"userName":"dup@x","userName":"dup2@x",')),
      Buffer.from(''),
      Buffer.from('null'),
      Buffer.from('[]'),
      Buffer.from('"text"'),
      Buffer.from('{"__proto__":{"polluted":true},"constructor":{"prototype":{"x":1}}}'),
      Buffer.from('<xml/>'),
    ),
  );
}

/** `body` with the `at`-th value (in a depth-first walk) replaced by `value`, or dropped. */
function mutateJson(body: unknown, at: number, value: unknown, drop: boolean): unknown {
  let index = 0;
  let target = -1;
  const count = (v: unknown): void => {
    index++;
    if (v !== null && typeof v === 'object') for (const c of Object.values(v)) count(c);
  };
  count(body);
  target = at % Math.max(index, 1);
  index = 0;
  const walk = (v: unknown): unknown => {
    if (index++ === target) return drop ? undefined : value;
    if (Array.isArray(v)) return v.map(walk).filter((x) => x !== undefined);
    if (v !== null && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, c] of Object.entries(v)) {
        const next = walk(c);
        if (next !== undefined) out[k] = next;
      }
      return out;
    }
    return v;
  };
  return walk(body);
}

const ENTRA_AGENT = 'Microsoft.Identity.Provisioning/1.0';
const OKTA_AGENT = 'Okta SCIM Client 1.0.0';

/** Bad, odd and cross-tenant credentials (the control tenant's token only ever against A). */
function authorization(ctx: FuzzContext, base: string): fc.Arbitrary<string | undefined> {
  const own = `Bearer ${ctx.a.token}`;
  return fc.oneof(
    { weight: 10, arbitrary: fc.constant(own) },
    fc.constantFrom(
      undefined,
      '',
      'Bearer',
      'Bearer ',
      `bearer ${ctx.a.token}`,
      `Bearer  ${ctx.a.token}`,
      `Bearer ${ctx.a.token}x`,
      `Bearer ${ctx.a.token.slice(0, -1)}`,
      `Basic ${Buffer.from(`u:${ctx.a.token}`).toString('base64')}`,
      `Bearer ${'A'.repeat(4000)}`,
      'Bearer %00',
      `${own}, ${own}`,
    ),
    fc.constant(base === `/t/${ctx.a.slug}/scim/v2` ? `Bearer ${ctx.b.token}` : own),
  );
}

const ODD_HEADER_VALUES = [
  '',
  ' ',
  '*',
  'W/"1"',
  'W/"99999999999999999999"',
  '"x"',
  'x'.repeat(2000),
  '\u00ff\u00fe',
  'a,b',
  'Bearer x',
];

const headerArb = fc.oneof(
  fc.tuple(
    fc.constantFrom(
      'If-Match',
      'If-None-Match',
      'X-Request-Id',
      'Accept',
      'Accept-Charset',
      'Accept-Encoding',
      'Content-Encoding',
      'X-Forwarded-For',
      'X-Forwarded-Proto',
      'Origin',
      'Cookie',
      'Range',
      'Expect',
    ),
    fc.constantFrom(...ODD_HEADER_VALUES),
  ),
  fc.constantFrom(
    ['User-Agent', ENTRA_AGENT],
    ['User-Agent', OKTA_AGENT],
    ['Accept', 'application/scim+json'],
    ['Content-Encoding', 'gzip'],
    ['Expect', '100-continue'],
  ) as fc.Arbitrary<[string, string]>,
);

const CONTENT_TYPES = [
  'application/scim+json',
  'application/json',
  'application/scim+json; charset=utf-8',
  'application/json;charset=latin1',
  'APPLICATION/SCIM+JSON',
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/json, text/plain',
  '',
  'application/scim+json; profile="\u0000"',
];

/** One generated request against the SCIM API. */
export function fuzzRequest(ctx: FuzzContext): fc.Arbitrary<RawRequest> {
  const bases = [
    `/t/${ctx.a.slug}/scim/v2`,
    '/scim/v2',
    `/t/${ctx.b.slug}/scim/v2`,
    '/t/no-such-tenant/scim/v2',
    `/t/${ctx.a.slug.toUpperCase()}/scim/v2`,
    `/t/${ctx.a.slug}/scim/v2/`,
    '/t//scim/v2',
    '/scim/v2/v2',
    '/admin/v1/tenants',
  ];
  return fc
    .tuple(
      fc.oneof({ weight: 8, arbitrary: fc.constantFrom(bases[0]!, bases[1]!) }, fc.constantFrom(...bases.slice(2))),
      baseRequests(ctx),
      fc.oneof(
        { weight: 6, arbitrary: fc.constant(undefined) },
        fc.constantFrom(
          'GET',
          'POST',
          'PUT',
          'PATCH',
          'DELETE',
          'HEAD',
          'OPTIONS',
          'TRACE',
          'PROPFIND',
          'SEARCH',
          'QUERY',
        ),
      ),
      pathMutation,
      fc.option(oddQuery, { freq: 3 }),
      fc.oneof(
        { weight: 4, arbitrary: fc.constant('application/scim+json') },
        fc.constantFrom(...CONTENT_TYPES),
        fc.constant(undefined),
      ),
      fc.array(headerArb, { maxLength: 3 }),
    )
    .chain(([base, request, method, mutate, query, contentType, extra]) =>
      fc
        .tuple(
          authorization(ctx, base),
          request.body === undefined
            ? fc.option(bodyText({ schemas: [CORE_USER], userName: 'x@fuzz.example' }), { freq: 4 })
            : bodyText(request.body),
        )
        .map(([auth, body]) => {
          let target = mutate(`${base}${request.path}`);
          if (query !== null) target += `${target.includes('?') ? '&' : '?'}${query}`;
          const headers: [string, string][] = [];
          if (auth !== undefined) headers.push(['Authorization', auth]);
          if (body !== null && contentType !== undefined) headers.push(['Content-Type', contentType]);
          headers.push(...extra);
          return {
            method: method ?? request.method,
            path: encodeTarget(target),
            headers: headers.map(([n, v]) => [n, Buffer.from(v, 'utf8').toString('latin1')] as const),
            ...(body !== null ? { body } : {}),
          };
        }),
    );
}
