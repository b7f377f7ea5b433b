/** Setup links over the admin API: the same use cases as `scimd tenants setup-link` (tenancy/setup-links.ts). */
import type { FastifyPluginCallback } from 'fastify';
import { z } from 'zod';
import type { SetupLinkEvent } from '../../store/console-port.js';
import type { Store } from '../../store/store.js';
import {
  createSetupLink,
  listSetupLinkEvents,
  listSetupLinks,
  revokeSetupLink,
  setupLinkUrl,
} from '../../tenancy/setup-links.js';
import { publicOrigin } from '../base-url.js';
import { createdSetupLinkSchema, setupLinkEventSchema, setupLinkSchema } from './response-schemas.js';
import { defineRoute, registerRoutes, slugParams } from './route-spec.js';

export interface SetupLinkRoutesOptions {
  readonly store: Store;
  readonly clock: () => Date;
  /** SCIMD_PUBLIC_URL: the base of a link's URL; else the origin the request came to. */
  readonly publicUrl: string | undefined;
}

/** How many of the latest events the list returns. */
const LISTED_EVENTS = 50;

const viewEvent = (event: SetupLinkEvent) => ({
  id: event.id,
  linkId: event.linkId,
  time: event.time,
  kind: event.kind,
  tokenId: event.tokenId,
  clientAddress: event.clientAddress,
  userAgent: event.userAgent,
});

export const setupLinkRoutes: FastifyPluginCallback<SetupLinkRoutesOptions> = (admin, options, done) => {
  const { store, clock } = options;
  registerRoutes(admin, [
    defineRoute({
      method: 'POST',
      url: '/tenants/:slug/setup-links',
      tag: 'setup-links',
      summary: "Create a link to the tenant's setup portal; the response is the only place its URL appears",
      description:
        "The customer's IT admin opens the URL to read the setup values and generate their own SCIM token (docs/console.md).",
      params: slugParams,
      body: z.object({
        expiresIn: z.string().optional().describe('30m, 12h, 7d (default) … at most 90d; never is refused'),
      }),
      status: 201,
      response: createdSetupLinkSchema,
      errors: [400, 404],
      handle: async ({ params, body, request }) => {
        const { opaque, record } = await createSetupLink(
          store,
          params.slug,
          { expiresIn: body.expiresIn, createdBy: 'admin-api' },
          clock(),
        );
        return {
          id: record.id,
          tenant: params.slug,
          url: setupLinkUrl(publicOrigin(options.publicUrl, request), opaque),
          hint: record.hint,
          status: 'active',
          created: record.created,
          createdBy: record.createdBy,
          expiresAt: record.expiresAt,
        };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/tenants/:slug/setup-links',
      tag: 'setup-links',
      summary: "List a tenant's setup links, newest first, with their use and the latest 50 events",
      params: slugParams,
      status: 200,
      response: z.object({ links: z.array(setupLinkSchema), events: z.array(setupLinkEventSchema) }),
      errors: [400, 404],
      handle: async ({ params }) => {
        const links = await listSetupLinks(store, params.slug, clock());
        const events = await listSetupLinkEvents(store, params.slug, { limit: LISTED_EVENTS });
        return { links, events: events.map(viewEvent) };
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/tenants/:slug/setup-links/:linkId/revoke',
      tag: 'setup-links',
      summary: 'Revoke a setup link (idempotent); tokens it generated keep working',
      params: z.object({ slug: z.string(), linkId: z.string() }),
      status: 200,
      response: setupLinkSchema,
      errors: [400, 404],
      handle: async ({ params }) => revokeSetupLink(store, params.slug, params.linkId, clock()),
    }),
  ]);
  done();
};
