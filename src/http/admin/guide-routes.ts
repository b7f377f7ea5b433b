/**
 * `GET /admin/v1/tenants/<slug>/guide?format=html|md|json`: a tenant's setup guide for the
 * customer's admin (docs/guide.md), HTML by default. Never includes a token: tokens are shown
 * once, by `scimd tokens issue --with-guide`.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { loadGuideInput } from '../../guide/load.js';
import { GUIDE_CONTENT_TYPES, GUIDE_FORMATS, isGuideFormat, renderGuide } from '../../guide/render.js';
import { badRequest } from '../../scim/errors.js';
import type { AdminContext } from './admin-plugin.js';

function baseUrl(context: AdminContext, request: FastifyRequest): string {
  return context.config.publicUrl ?? `${request.protocol}://${request.host}`;
}

export function registerGuideRoutes(admin: FastifyInstance, context: AdminContext): void {
  admin.get<{ Params: { slug: string }; Querystring: { format?: string } }>(
    '/tenants/:slug/guide',
    async (request, reply) => {
      const format = request.query.format ?? 'html';
      if (!isGuideFormat(format)) {
        throw badRequest(`unknown guide format ${JSON.stringify(format)}: use ${GUIDE_FORMATS.join(', ')}`);
      }
      const input = await loadGuideInput(context.store, request.params.slug, {
        baseUrl: baseUrl(context, request),
        entraClientIdTest: context.config.entraClientIdTest,
        entraClientIdProd: context.config.entraClientIdProd,
      });
      reply
        .header('Cache-Control', 'no-store')
        .header('X-Content-Type-Options', 'nosniff')
        .type(GUIDE_CONTENT_TYPES[format]);
      if (format === 'html') {
        reply.header(
          'Content-Security-Policy',
          "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
        );
      }
      return reply.send(renderGuide(input, format));
    },
  );
}
