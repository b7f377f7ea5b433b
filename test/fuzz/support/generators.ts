/**
 * fast-check generators of bad or odd SCIM requests: requests shaped like what Entra and Okta
 * send (request-shapes.ts), then mutated in every part (mutations.ts): method, base path, path,
 * query, headers, body text. They only ever use the tested tenant's token, the control tenant's
 * token against the tested tenant's URL (a cross-tenant token), or bad tokens, so a correct
 * server leaves the control tenant's data untouched whatever it answers.
 */
import fc from 'fast-check';
import { bodyText, encodeTarget, oddQuery, pathMutation } from './mutations.js';
import { CONTENT_TYPES, ODD_HEADER_VALUES } from './odd-values.js';
import type { RawRequest } from './raw-http.js';
import { baseRequests, type FuzzContext } from './request-shapes.js';
import { CORE_USER } from './urns.js';

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
