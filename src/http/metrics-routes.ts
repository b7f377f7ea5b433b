/**
 * The HTTP side of the metrics (src/metrics/, docs/operations.md): a response hook counting and
 * timing every SCIM request, and `/metrics` on the main port for a bearer credential whose
 * SHA-256 is `SCIMD_METRICS_TOKEN_HASH` (checked like the admin token).
 */
import type { FastifyInstance } from 'fastify';
import type { ScimdMetrics } from '../metrics/scimd-metrics.js';
import { verifyAdminToken } from '../tenancy/admin-token.js';

/**
 * Counts and times every request of `scope` (a SCIM mount), after the response is sent. The
 * tenant is the one the request authenticated as (its `scimContext`), none before that. No
 * request decorator of its own: a property added to every request only when metrics are on
 * would give requests a different shape with and without them.
 */
export function registerRequestMetrics(scope: FastifyInstance, metrics: ScimdMetrics): void {
  // A callback hook: no promise per request.
  scope.addHook('onResponse', (request, reply, done) => {
    metrics.observeRequest({
      route: request.routeOptions.url,
      method: request.method,
      status: reply.statusCode,
      userAgent: request.headers['user-agent'],
      tenant: request.scimContext?.tenantSlug,
      seconds: reply.elapsedTime / 1000,
    });
    done();
  });
}

/** `GET /metrics` on the main port, for the holder of the metrics credential only. */
export function registerMetricsRoute(app: FastifyInstance, metrics: ScimdMetrics, tokenHash: string): void {
  app.get('/metrics', async (request, reply) => {
    // The Bearer scheme only (RFC 6750 §2.1): a bare credential in the header is refused too.
    const presented = /^bearer\s+(\S+)$/i.exec(request.headers.authorization?.trim() ?? '')?.[1];
    if (!verifyAdminToken(presented, tokenHash)) {
      return reply
        .code(401)
        .header('www-authenticate', 'Bearer realm="scimd-metrics"')
        .type('text/plain; charset=utf-8')
        .send('A valid metrics bearer credential is required.\n');
    }
    return reply.type(metrics.contentType).send(await metrics.exposition());
  });
}
