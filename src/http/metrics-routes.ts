/**
 * The HTTP side of the metrics (src/metrics/, docs/operations.md): a response hook counting and
 * timing every SCIM request, and `/metrics` on the main port for a bearer credential whose
 * SHA-256 is `SCIMD_METRICS_TOKEN_HASH` (checked like the admin token).
 */
import type { FastifyInstance } from 'fastify';
import type { ScimdMetrics } from '../metrics/scimd-metrics.js';
import { verifyAdminToken } from '../tenancy/admin-token.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The slug of the tenant the request authenticated as; undefined before (or without) that. */
    scimTenantSlug: string | undefined;
  }
}

/** Counts and times every request of `scope` (a SCIM mount), after the response is sent. */
export function registerRequestMetrics(scope: FastifyInstance, metrics: ScimdMetrics): void {
  if (!scope.hasRequestDecorator('scimTenantSlug')) scope.decorateRequest('scimTenantSlug', undefined);
  // A callback hook: no promise per request.
  scope.addHook('onResponse', (request, reply, done) => {
    metrics.observeRequest({
      route: request.routeOptions.url,
      method: request.method,
      status: reply.statusCode,
      userAgent: request.headers['user-agent'],
      tenant: request.scimTenantSlug,
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
