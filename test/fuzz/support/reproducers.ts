/**
 * The request-level reproducers of issues #12 and #13, replayed by the fuzz suite on every
 * backend before the generated requests: each must get no 5xx, a SCIM Error when it fails, and
 * the status the issue asks for.
 */

import type { RawRequest, RawResponse } from './raw-http.js';
import type { FuzzContext } from './request-shapes.js';
import { CORE_USER, PATCH_OP, SEARCH } from './urns.js';

export interface Reproducer {
  readonly name: string;
  request(ctx: FuzzContext): RawRequest;
  /** A further check of the answer; returns the problem, if any. */
  expect?(response: RawResponse): string | undefined;
}

const status =
  (...wanted: number[]) =>
  (response: RawResponse) =>
    wanted.includes(response.status)
      ? undefined
      : `status ${response.status}, wanted ${wanted.join(' or ')}: ${response.body.slice(0, 200)}`;

const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const auth = (ctx: FuzzContext): [string, string] => ['Authorization', `Bearer ${ctx.a.token}`];
const scimJson: [string, string] = ['Content-Type', 'application/scim+json'];
const base = (ctx: FuzzContext) => `/t/${ctx.a.slug}/scim/v2`;
const get = (name: string, path: (ctx: FuzzContext) => string, wanted: number[]): Reproducer => ({
  name,
  request: (ctx) => ({ method: 'GET', path: `${base(ctx)}${path(ctx)}`, headers: [auth(ctx)] }),
  expect: status(...wanted),
});
const send = (
  name: string,
  method: string,
  path: (ctx: FuzzContext) => string,
  body: (ctx: FuzzContext) => Buffer,
  wanted: number[],
): Reproducer => ({
  name,
  request: (ctx) => ({ method, path: `${base(ctx)}${path(ctx)}`, headers: [auth(ctx), scimJson], body: body(ctx) }),
  expect: status(...wanted),
});
const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;

export const KNOWN_REPRODUCERS: readonly Reproducer[] = [
  {
    name: '#12.1 NUL as an id, no token',
    request: (ctx) => ({ method: 'GET', path: `${base(ctx)}/Users/%00`, headers: [] }),
    expect: status(401, 404),
  },
  get('#12.1 NUL as an id', () => '/Users/%00', [404]),
  get('#12.1 NUL in a filter', () => `/Users?filter=${encodeURIComponent('userName eq "a\u0000b"')}`, [200, 400]),
  send(
    '#12.1 NUL as a group member value',
    'PATCH',
    (ctx) => `/Groups/${ctx.a.groups[0]}`,
    () => json({ schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: [{ value: '\u0000' }] }] }),
    [400, 404],
  ),
  send(
    '#12.1 NUL in a userName',
    'POST',
    () => '/Users',
    () => json({ schemas: [CORE_USER], userName: 'nul\u0000@example.com' }),
    [400],
  ),
  get('#12.2 repeated filter', () => '/Users?filter=userName%20eq%20%22a%22&filter=userName%20eq%20%22b%22', [400]),
  get('#12.2 repeated sortBy', () => '/Users?sortBy=userName&sortBy=id', [400]),
  get('#12.2 repeated sortOrder', () => '/Users?sortOrder=ascending&sortOrder=descending', [400]),
  get('#12.2 repeated attributes', () => '/Users?attributes=userName&attributes=id', [400]),
  get('#12.2 repeated excludedAttributes', () => '/Users?excludedAttributes=userName&excludedAttributes=id', [400]),
  get('#12.2 startIndex=1e20', () => '/Users?startIndex=1e20', [400]),
  send(
    '#12.2 startIndex 1e20 in .search',
    'POST',
    () => '/Users/.search',
    () => json({ schemas: [SEARCH], startIndex: 1e20 }),
    [400],
  ),
  send(
    '#12.2 non-string filter in .search',
    'POST',
    () => '/Users/.search',
    () => json({ schemas: [SEARCH], filter: 7 }),
    [400],
  ),
  send(
    '#12.2 array nested 20,000 deep (create)',
    'POST',
    () => '/Users',
    () => Buffer.from(`{"schemas":["${CORE_USER}"],"userName":"deep@example.com","x":${deep(20_000)}}`),
    [400],
  ),
  send(
    '#12.2 array nested 20,000 deep (PATCH value)',
    'PATCH',
    (ctx) => `/Users/${ctx.a.users[0]}`,
    () => Buffer.from(`{"schemas":["${PATCH_OP}"],"Operations":[{"op":"add","path":"title","value":${deep(20_000)}}]}`),
    [400],
  ),
  send(
    '#12.4 body nested 65 deep',
    'POST',
    () => '/Users',
    () => Buffer.from(`{"schemas":["${CORE_USER}"],"userName":"deep65@example.com","x":${deep(65)}}`),
    [400],
  ),
  get(
    '#13.2 trailing slash after the collection',
    () => `/Users/?filter=${encodeURIComponent('userName eq "nobody@example.com"')}`,
    [200],
  ),
  get('#13.2 trailing slash after Groups', () => '/Groups/', [200]),
  get(
    '#13.3 value filter in attributes',
    () => `/Users?attributes=${encodeURIComponent('emails[type eq "work"]')}`,
    [200],
  ),
  send(
    '#13.5 PATCH with an empty Operations array',
    'PATCH',
    (ctx) => `/Users/${ctx.a.users[1]}`,
    () => json({ schemas: [PATCH_OP], Operations: [] }),
    [200],
  ),
  // Found by this fuzz (not in the issues): errors raised before scimd's handlers run come back
  // in Fastify's or Node's own format instead of as SCIM Errors.
  get('fuzz: an invalid percent-encoding in the path (FST_ERR_BAD_URL)', () => '/Users%FF%FE', [400, 404]),
  get(
    'fuzz: an id longer than the router allows (FST_ERR_MAX_PARAM_LENGTH)',
    () => `/Users/${'x'.repeat(101)}`,
    [404, 414],
  ),
  {
    name: 'fuzz: a NUL in a header value (Node parser error)',
    request: (ctx) => ({
      method: 'GET',
      path: `${base(ctx)}/Users`,
      headers: [auth(ctx), ['X-Request-Id', 'a\u0000b']],
    }),
    expect: status(400),
  },
  {
    name: 'fuzz: headers over the size limit (Node parser error)',
    request: (ctx) => ({
      method: 'GET',
      path: `${base(ctx)}/Users`,
      headers: [auth(ctx), ['Cookie', 'x'.repeat(20_000)]],
    }),
    expect: status(431),
  },
  {
    name: 'fuzz: an Expect header other than 100-continue (Node answers itself)',
    request: (ctx) => ({ method: 'GET', path: `${base(ctx)}/Users`, headers: [auth(ctx), ['Expect', 'W/"1"']] }),
    expect: status(417),
  },
];
