/** The provisioning log over the admin API (docs/provisioning-log.md), as `scimd log`. */
import type { FastifyPluginCallback } from 'fastify';
import { z } from 'zod';
import { getRequestLogEntry, LOG_MAX_LIMIT, queryRequestLog } from '../../service/request-log.js';
import type { Store } from '../../store/store.js';
import { logEntrySchema, logPageSchema } from './response-schemas.js';
import { defineRoute, queryBoolean, queryInteger, registerRoutes, slugParams } from './route-spec.js';

export interface LogRoutesOptions {
  readonly store: Store;
  readonly clock: () => Date;
}

export const logRoutes: FastifyPluginCallback<LogRoutesOptions> = (admin, options, done) => {
  const { store, clock } = options;
  registerRoutes(admin, [
    defineRoute({
      method: 'GET',
      url: '/tenants/:slug/log',
      tag: 'provisioning log',
      summary: "A tenant's SCIM requests, newest first",
      description: 'Bodies are left out of lists; fetch one entry for its redacted request and response bodies.',
      params: slugParams,
      query: z.object({
        since: z.string().optional().describe('A duration back from now (30m, 1h, 7d) or an ISO 8601 time'),
        until: z.string().optional().describe('Same forms; exclusive'),
        status: z.string().optional().describe('An exact status (404) or a class (4xx, 5xx)'),
        errors: queryBoolean.optional().describe('Only status 400 and above'),
        resource: z.string().optional().describe('Requests about this resource id'),
        method: z.string().optional().describe('GET, POST, PUT, PATCH or DELETE'),
        resourceType: z
          .string()
          .optional()
          .describe('Users, Groups, or other (Bulk, discovery endpoints, unknown routes)'),
        authenticated: queryBoolean
          .optional()
          .describe('true: only authenticated requests; false: only those refused before authentication'),
        before: z.string().optional().describe('Paging: the previous page\'s "next"'),
        limit: queryInteger(1, LOG_MAX_LIMIT).optional().describe('Default 50'),
      }),
      status: 200,
      response: logPageSchema,
      errors: [400, 404],
      handle: async ({ params, query }) => queryRequestLog(store, params.slug, query, clock()),
    }),
    defineRoute({
      method: 'GET',
      url: '/tenants/:slug/log/:entryId',
      tag: 'provisioning log',
      summary: 'One SCIM request with its redacted request and response bodies',
      params: z.object({ slug: z.string(), entryId: z.string() }),
      status: 200,
      response: logEntrySchema,
      errors: [400, 404],
      handle: async ({ params }) => getRequestLogEntry(store, params.slug, params.entryId),
    }),
  ]);
  done();
};
