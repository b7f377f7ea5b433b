/**
 * Answering an oversize body (issue #13.6). Fastify refuses a body over the limit as soon as it
 * knows (at once from Content-Length, or once the running count passes the limit) and closes
 * the connection after its 413. A client that writes the whole body before it reads (Node's
 * fetch under load, .NET's HttpClient) then meets a reset: the kernel discards the unread 413.
 *
 * So before answering, the rest of the body is read and thrown away, up to `DRAIN_FACTOR`
 * times the route's body limit; a client sending more than that is cut off as before. Time is
 * bounded by the server's request timeout (SCIMD_BODY_TIMEOUT_MS), which closes a stalled body.
 */
import type { FastifyRequest } from 'fastify';

/** How many times the body limit is read and discarded before an oversize request is answered. */
const DRAIN_FACTOR = 16;

/** Reads and discards what is left of `request`'s body, up to `maxBytes`; never rejects. */
export function drainBody(request: FastifyRequest, maxBytes: number): Promise<void> {
  const raw = request.raw;
  if (raw.complete || raw.destroyed) return Promise.resolve();
  return new Promise((resolve) => {
    let seen = 0;
    const finish = () => {
      raw.off('data', onData);
      raw.off('end', finish);
      raw.off('error', finish);
      raw.off('close', finish);
      resolve();
    };
    const onData = (chunk: Buffer) => {
      seen += chunk.length;
      if (seen > maxBytes) {
        raw.pause();
        finish();
      }
    };
    raw.on('data', onData);
    raw.on('end', finish);
    raw.on('error', finish);
    raw.on('close', finish);
    raw.resume();
  });
}

/** The most bytes drained for a request to a route with `bodyLimit`. */
export function drainLimit(request: FastifyRequest): number {
  const limit = request.routeOptions.bodyLimit ?? 1024 * 1024;
  return limit * DRAIN_FACTOR;
}
