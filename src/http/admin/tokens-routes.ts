/** Tokens over the admin API: the same use cases and shapes as `scimd tokens`. */
import type { FastifyPluginCallback } from 'fastify';
import { z } from 'zod';
import type { Store } from '../../store/store.js';
import { issueToken, listTokens, revokeToken } from '../../tenancy/tenants.js';
import { scimBaseUrl } from '../base-url.js';
import { issuedTokenSchema, tokenSchema } from './response-schemas.js';
import { defineRoute, registerRoutes, slugParams } from './route-spec.js';

export interface TokenRoutesOptions {
  readonly store: Store;
  readonly clock: () => Date;
  /** SCIMD_PUBLIC_URL: the base of an issued token's `scimUrl`; else the origin the request came to. */
  readonly publicUrl: string | undefined;
}

export const tokenRoutes: FastifyPluginCallback<TokenRoutesOptions> = (admin, options, done) => {
  const { store, clock } = options;
  registerRoutes(admin, [
    defineRoute({
      method: 'GET',
      url: '/tenants/:slug/tokens',
      tag: 'tokens',
      summary: "List a tenant's tokens, oldest first (never the tokens themselves)",
      params: slugParams,
      status: 200,
      response: z.object({ tokens: z.array(tokenSchema) }),
      errors: [400, 404],
      handle: async ({ params }) => ({ tokens: await listTokens(store, params.slug, clock()) }),
    }),
    defineRoute({
      method: 'POST',
      url: '/tenants/:slug/tokens',
      tag: 'tokens',
      summary: 'Issue a SCIM bearer token; the response is the only place it appears',
      description: 'Existing tokens stay valid: rotate by issuing, switching the IdP over, then revoking the old one.',
      params: slugParams,
      body: z.object({
        expiresIn: z.string().optional().describe('30m, 12h, 90d, 2w, 1y or never (default)'),
        label: z.string().optional(),
      }),
      status: 201,
      response: issuedTokenSchema,
      errors: [400, 404],
      handle: async ({ params, body, request }) => {
        const { token, record } = await issueToken(store, params.slug, body, clock());
        return {
          id: record.id,
          token,
          tenant: params.slug,
          label: record.label,
          hint: record.hint,
          created: record.created,
          expiresAt: record.expiresAt,
          scimUrl: scimBaseUrl(options.publicUrl, request, params.slug),
        };
      },
    }),
    defineRoute({
      method: 'DELETE',
      url: '/tenants/:slug/tokens/:tokenId',
      tag: 'tokens',
      summary: 'Revoke a token (idempotent)',
      params: z.object({ slug: z.string(), tokenId: z.string() }),
      status: 200,
      response: tokenSchema,
      errors: [400, 404],
      handle: async ({ params }) => revokeToken(store, params.slug, params.tokenId, clock()),
    }),
  ]);
  done();
};
