/**
 * Limits for slow and greedy clients (issue #12.7): a client that sends its headers or its body
 * a byte at a time, or that opens sockets and sends nothing, must not hold the server's sockets
 * for ever.
 * - headers must arrive within `headersTimeoutMs` (Node's `server.headersTimeout`);
 * - a body, once its headers are in, within `bodyTimeoutMs` (checked here, per request);
 * - the whole request within `requestTimeoutMs` (Node's `server.requestTimeout`), the backstop
 *   for bodies scimd never reads, e.g. after a 401;
 * - an idle keep-alive connection closes after `keepAliveTimeoutMs`;
 * - at most `maxConnections` sockets are open at once; more are closed on arrival.
 * Node answers a late request 408 and closes; a stalled body gets the same 408 here.
 */
import type { Server } from 'node:http';
import type { FastifyInstance } from 'fastify';
import type { Config } from '../config/config.js';
import { REQUEST_TIMEOUT_RESPONSE } from './client-errors.js';

export type TimeoutSettings = Pick<
  Config,
  'headersTimeoutMs' | 'bodyTimeoutMs' | 'requestTimeoutMs' | 'keepAliveTimeoutMs' | 'maxConnections'
>;

export const DEFAULT_TIMEOUTS: TimeoutSettings = {
  headersTimeoutMs: 10_000,
  bodyTimeoutMs: 30_000,
  requestTimeoutMs: 60_000,
  keepAliveTimeoutMs: 72_000,
  maxConnections: 1000,
};

/**
 * How often Node looks for requests past their headers or request timeout. Its default (30 s)
 * would let a stalled request live up to 30 s past its deadline; a quarter of the shortest
 * timeout keeps the overshoot small, and once a second is cheap.
 */
function checkingIntervalMs(settings: TimeoutSettings): number {
  const shortest = Math.min(settings.headersTimeoutMs, settings.requestTimeoutMs);
  return Math.max(10, Math.min(1000, Math.floor(shortest / 4)));
}

/** Fastify options carrying the settings Node reads at server creation. */
export function serverOptions(settings: TimeoutSettings) {
  return {
    http: { connectionsCheckingInterval: checkingIntervalMs(settings) },
    keepAliveTimeout: settings.keepAliveTimeoutMs,
    requestTimeout: settings.requestTimeoutMs,
  };
}

/** Applies the settings Node reads from the server object, and the per-request body timeout. */
export function applyTimeouts(app: FastifyInstance, settings: TimeoutSettings): void {
  const server: Server = app.server;
  // Node stops checking request timeouts when the headers timeout exceeds the request timeout.
  server.headersTimeout = Math.min(settings.headersTimeoutMs, settings.requestTimeoutMs);
  server.maxConnections = settings.maxConnections;
  app.addHook('preParsing', async (request, _reply, payload) => {
    const raw = request.raw;
    // `complete` is false only on a real socket with body bytes still to come (not under inject).
    if (raw.complete !== false) return payload;
    const timer = setTimeout(() => {
      const socket = raw.socket;
      if (raw.complete || !socket || socket.destroyed) return;
      request.log.info({ timeoutMs: settings.bodyTimeoutMs }, 'request body too slow; connection closed');
      socket.end(REQUEST_TIMEOUT_RESPONSE);
      socket.destroySoon();
    }, settings.bodyTimeoutMs);
    timer.unref();
    const clear = () => clearTimeout(timer);
    raw.once('end', clear);
    raw.once('close', clear);
    return payload;
  });
}
