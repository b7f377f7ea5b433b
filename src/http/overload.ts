/**
 * Overload shedding (issue #16.3). Without it an overloaded scimd only queues: at 1,000
 * connections a load test saw 498 client time-outs and never a 429 or 503, while Entra gives up
 * on a request after 60 s. Here new requests are refused at once, 503 with Retry-After and a
 * SCIM error body, when
 * - @fastify/under-pressure sees the mean event-loop delay, the V8 heap in use or the resident
 *   set size past its bound (SCIMD_SHED_EVENT_LOOP_DELAY_MS, SCIMD_SHED_HEAP_BYTES,
 *   SCIMD_SHED_RSS_BYTES), sampled once a second; or
 * - SCIMD_MAX_IN_FLIGHT requests are already being served (with PostgreSQL, requests waiting for
 *   a pooled connection pile up there long before the event loop looks busy).
 * /healthz is never refused: the process is alive, and a liveness probe that restarts it would
 * throw away the work in flight and bring the same load to a cold process. /readyz answers 503
 * `overloaded` instead, so a load balancer drains the process until it recovers.
 */
import underPressure from '@fastify/under-pressure';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config/config.js';
import { unavailable } from '../scim/errors.js';
import { sendScimError } from './errors.js';

export type OverloadSettings = Partial<
  Pick<Config, 'shedEventLoopDelayMs' | 'shedHeapBytes' | 'shedRssBytes' | 'maxInFlight'>
>;

/** Retry-After of every overload 503, in seconds: long enough for a burst to drain. */
export const OVERLOAD_RETRY_AFTER_SECONDS = 10;

const LIVENESS = '/healthz';
const READINESS = '/readyz';

const RETRY_AFTER = { 'Retry-After': String(OVERLOAD_RETRY_AFTER_SECONDS) };

/** Path of the request without its query, for the two probes (registered at the root, exact). */
const pathOf = (request: FastifyRequest) => request.url.split('?')[0];

function overloaded(detail: string) {
  return unavailable(`The server is overloaded (${detail}); retry in ${OVERLOAD_RETRY_AFTER_SECONDS} s.`, {
    headers: RETRY_AFTER,
  });
}

/**
 * What under-pressure calls with the pressure it saw. Replies are sent here, the SCIM error for
 * every path (admin API and console included: their error handlers know no 503); under-pressure
 * then calls the hook's `next`, and Fastify runs nothing more for a sent reply. Returning
 * without sending lets the request through.
 */
function onPressure(request: FastifyRequest, reply: FastifyReply, type: string): void {
  const path = pathOf(request);
  if (path === LIVENESS) return;
  if (path === READINESS) {
    reply
      .code(503)
      .headers(RETRY_AFTER)
      .send({ status: 'overloaded', detail: `The server is shedding load (${type}).` });
    return;
  }
  sendScimError(reply, overloaded(type));
}

/** Counts requests from arrival until their response is finished or their connection closed. */
function capInFlight(app: FastifyInstance, max: number): void {
  let inFlight = 0;
  app.addHook('onRequest', (request, reply, done) => {
    const path = pathOf(request);
    if (path === LIVENESS || path === READINESS) return done();
    if (inFlight >= max) {
      // Sent without `done`: Fastify then runs no further hook for this request.
      sendScimError(reply, overloaded(`${max} requests in flight, SCIMD_MAX_IN_FLIGHT`));
      return;
    }
    inFlight++;
    let released = false;
    // 'close' comes after 'finish' and also when the client goes away first: counted down once.
    reply.raw.once('close', () => {
      if (released) return;
      released = true;
      inFlight--;
    });
    done();
  });
}

export interface OverloadOptions {
  /**
   * An extra pressure source, checked once at start and then every `probeIntervalMs`: true
   * means overloaded. Tests force overload with it.
   */
  readonly probe?: () => boolean;
  readonly probeIntervalMs?: number;
}

/** Registers shedding on `app`; call it before any route is added. 0 turns each bound off. */
export async function registerOverloadShedding(
  app: FastifyInstance,
  settings: OverloadSettings,
  options: OverloadOptions = {},
): Promise<void> {
  const { probe } = options;
  await app.register(underPressure, {
    maxEventLoopDelay: settings.shedEventLoopDelayMs ?? 0,
    maxHeapUsedBytes: settings.shedHeapBytes ?? 0,
    maxRssBytes: settings.shedRssBytes ?? 0,
    retryAfter: OVERLOAD_RETRY_AFTER_SECONDS,
    pressureHandler: onPressure,
    ...(probe ? { healthCheck: async () => !probe(), healthCheckInterval: options.probeIntervalMs ?? 1000 } : {}),
  });
  const max = settings.maxInFlight ?? 0;
  if (max > 0) capInFlight(app, max);
}
