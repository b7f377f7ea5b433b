/**
 * The change feed over the admin API (docs/events.md):
 * `GET /admin/v1/tenants/<slug>/events?after=<cursor>&limit=<n>&wait=<seconds>`. With `wait`
 * the request long-polls: it answers as soon as an event follows the cursor, or empty at the
 * deadline; a client that goes away or a server shutting down ends the wait.
 */
import type { FastifyPluginCallback } from 'fastify';
import { z } from 'zod';
import { FEED_MAX_LIMIT, FEED_MAX_WAIT_SECONDS, readChangeFeed } from '../../service/change-feed.js';
import type { Store } from '../../store/store.js';
import { feedPageSchema } from './response-schemas.js';
import { defineRoute, queryInteger, registerRoutes, slugParams } from './route-spec.js';

export interface EventRoutesOptions {
  readonly store: Store;
}

export const eventRoutes: FastifyPluginCallback<EventRoutesOptions> = (admin, options, done) => {
  const waits = new Set<AbortController>();
  let closing = false;
  // A long-poll must not hold up a shutdown for its whole wait, nor may one that reaches its
  // handler after the shutdown began start waiting.
  admin.addHook('preClose', async () => {
    closing = true;
    for (const controller of waits) controller.abort();
  });
  registerRoutes(admin, [
    defineRoute({
      method: 'GET',
      url: '/tenants/:slug/events',
      tag: 'events',
      summary: "Read a tenant's change events after a cursor, in order",
      description:
        'Events are numbered per tenant without gaps. Keep `nextCursor` and pass it as `after` next time. A cursor older than SCIMD_EVENT_RETENTION is refused (400, "has expired") instead of skipping events.',
      params: slugParams,
      query: z.object({
        after: z.string().optional().describe('A cursor; omitted: the oldest retained event'),
        limit: queryInteger(1, FEED_MAX_LIMIT).optional().describe('Default 100'),
        wait: queryInteger(0, FEED_MAX_WAIT_SECONDS).optional().describe('Long-poll up to this many seconds'),
      }),
      status: 200,
      response: feedPageSchema,
      errors: [400, 404],
      handle: async ({ params, query, reply }) => {
        const controller = new AbortController();
        if (closing) controller.abort();
        const abort = () => controller.abort();
        reply.raw.on('close', abort);
        waits.add(controller);
        try {
          return await readChangeFeed(
            options.store,
            params.slug,
            { after: query.after, limit: query.limit, waitSeconds: query.wait },
            { signal: controller.signal },
          );
        } finally {
          waits.delete(controller);
          reply.raw.off('close', abort);
        }
      },
    }),
  ]);
  done();
};
