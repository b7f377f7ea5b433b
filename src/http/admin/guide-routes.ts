/**
 * `GET /admin/v1/tenants/<slug>/guide?format=html|md|json`: a tenant's setup guide for the
 * customer's admin (docs/guide.md), HTML by default. Never includes a token: tokens are shown
 * once, by `scimd tokens issue --with-guide`.
 */
import type { FastifyPluginCallback } from 'fastify';
import { z } from 'zod';
import { loadGuideInput } from '../../guide/load.js';
import { GUIDE_CONTENT_TYPES, GUIDE_FORMATS, isGuideFormat, renderGuide } from '../../guide/render.js';
import { badRequest } from '../../scim/errors.js';
import type { Store } from '../../store/store.js';
import { publicOrigin } from '../base-url.js';
import { defineRoute, registerRoutes, slugParams } from './route-spec.js';

export interface GuideRoutesOptions {
  readonly store: Store;
  /** SCIMD_PUBLIC_URL: the base of the guide's SCIM URL; else the origin the request came to. */
  readonly publicUrl: string | undefined;
  readonly entraClientIdTest?: string | undefined;
  readonly entraClientIdProd?: string | undefined;
}

// Any text passes the schema so that an unknown format gets the message naming the formats;
// the enum is for the OpenAPI document.
const guideQuery = z.object({
  format: z
    .string()
    .optional()
    .meta({ enum: [...GUIDE_FORMATS] }),
});

export const guideRoutes: FastifyPluginCallback<GuideRoutesOptions> = (admin, options, done) => {
  registerRoutes(admin, [
    defineRoute({
      method: 'GET',
      url: '/tenants/:slug/guide',
      tag: 'tenants',
      summary: "A tenant's setup guide for the customer's IT admin (never contains a token)",
      params: slugParams,
      query: guideQuery,
      status: 200,
      responseDescription: 'The guide, HTML by default',
      errors: [400, 404],
      handle: async ({ params, query, request, reply }) => {
        const format = query.format ?? 'html';
        if (!isGuideFormat(format)) {
          throw badRequest(`unknown guide format ${JSON.stringify(format)}: use ${GUIDE_FORMATS.join(', ')}`);
        }
        const input = await loadGuideInput(options.store, params.slug, {
          baseUrl: publicOrigin(options.publicUrl, request),
          entraClientIdTest: options.entraClientIdTest,
          entraClientIdProd: options.entraClientIdProd,
        });
        reply.header('X-Content-Type-Options', 'nosniff').type(GUIDE_CONTENT_TYPES[format]);
        if (format === 'html') {
          reply.header(
            'Content-Security-Policy',
            "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
          );
        }
        return renderGuide(input, format);
      },
    }),
  ]);
  done();
};
