/**
 * One webhook delivery over HTTP: a signed POST of the event JSON (docs/webhooks.md). Success
 * is any 2xx answer within the timeout; redirects are not followed (a 3xx is a failure, so a
 * moved endpoint shows up in the dead letters instead of silently posting elsewhere).
 *
 * Where it may connect (issue #12.6): the URL is checked against the target policy before
 * every attempt (it may have been stored before the policy existed), and a host name is
 * resolved by a `lookup` of our own that checks every address it returns and hands only those
 * to the socket. The address connected to is therefore the address checked: a DNS answer that
 * changes between a check and the connection (DNS rebinding) cannot slip through.
 *
 * What it reports: the status and words scimd chose. Nothing the target sends back (body,
 * reason phrase, headers) reaches `lastError`, so a webhook cannot be used to read an internal
 * service's answers through the admin API.
 */
import { lookup as systemLookup } from 'node:dns/promises';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import type { EndpointRecord } from '../store/events-port.js';
import type { EventJson } from './event-json.js';
import { activeSecrets, webhookHeaders } from './signing.js';
import { createTargetPolicy, type TargetPolicy } from './target-policy.js';

export interface DeliveryOutcome {
  readonly ok: boolean;
  /** The HTTP status, or null when no answer came (refused, timed out). */
  readonly status: number | null;
  /** What went wrong, in scimd's words: `HTTP 503 from the endpoint`, `timed out after 10 s`. */
  readonly error: string | null;
}

export interface ResolvedAddress {
  readonly address: string;
  /** 4 or 6. */
  readonly family: number;
}

/** Every address a host name resolves to. */
export type Resolve = (hostname: string) => Promise<readonly ResolvedAddress[]>;

export interface WebhookSenderOptions {
  /** Per request; default 10 s. */
  readonly timeoutMs?: number;
  readonly userAgent?: string;
  /** SCIMD_WEBHOOK_ALLOW_TARGETS: internal receivers allowed anyway (target-policy.ts). */
  readonly allowTargets?: readonly string[];
  /** Name resolution; default the system resolver (what any other Node connection would use). */
  readonly resolve?: Resolve;
}

export type WebhookSender = (endpoint: EndpointRecord, event: EventJson, now: Date) => Promise<DeliveryOutcome>;

export const DEFAULT_TIMEOUT_MS = 10_000;

/** A refusal by the target policy, raised inside the lookup so the socket never opens. */
class TargetRefused extends Error {}

const systemResolve: Resolve = (hostname) => systemLookup(hostname, { all: true, verbatim: true });

/** A `lookup` for node:net that resolves with `resolve` and passes on only checked addresses. */
function checkedLookup(policy: TargetPolicy, resolve: Resolve): LookupFunction {
  return (hostname, options, callback) => {
    const answer = async () => {
      const addresses = await resolve(hostname);
      for (const { address } of addresses) {
        const reason = policy.checkResolved(hostname, address);
        if (reason !== null) throw new TargetRefused(reason);
      }
      const family = options.family === 'IPv4' ? 4 : options.family === 'IPv6' ? 6 : options.family;
      const usable = addresses.filter((a) => !family || a.family === family);
      if (usable.length === 0) throw Object.assign(new Error(`no address for ${hostname}`), { code: 'ENOTFOUND' });
      return usable.map((a) => ({ address: a.address, family: a.family }));
    };
    answer().then(
      (usable) => (options.all ? callback(null, usable) : callback(null, usable[0]!.address, usable[0]!.family)),
      (error: NodeJS.ErrnoException) => callback(error, '', 0),
    );
  };
}

/** Node's error codes (never the target's bytes) turned into a short reason. */
const ERROR_REASONS: Readonly<Record<string, string>> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  EPIPE: 'connection reset',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed (temporary)',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ETIMEDOUT: 'connection timed out',
};

function describeError(error: unknown): string {
  if (error instanceof TargetRefused) return `target refused: ${error.message}`;
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string' || !/^[A-Z][A-Z0-9_]{1,60}$/.test(code)) return 'request failed';
  const known = ERROR_REASONS[code];
  if (known) return known;
  if (code.startsWith('HPE_')) return `invalid HTTP answer (${code})`;
  if (/^(ERR_TLS_|ERR_SSL_|CERT_|EPROTO$)|CERT|SIGNATURE|ISSUER/.test(code)) return `TLS failed (${code})`;
  return `request failed (${code})`;
}

function describeDuration(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

function statusOutcome(status: number): DeliveryOutcome {
  if (status >= 200 && status < 300) return { ok: true, status, error: null };
  const redirect = status >= 300 && status < 400 ? ' (redirects are not followed)' : '';
  return { ok: false, status, error: `HTTP ${status} from the endpoint${redirect}` };
}

/** A sender bound to its options (policy parsed once); the dispatcher's `deliver`. */
export function createWebhookSender(options: WebhookSenderOptions = {}): WebhookSender {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const policy = createTargetPolicy(options.allowTargets);
  const lookup = checkedLookup(policy, options.resolve ?? systemResolve);

  return async (endpoint, event, now) => {
    if (endpoint.url === null) return { ok: false, status: null, error: 'endpoint has no URL' };
    const verdict = policy.checkUrl(endpoint.url);
    if (!verdict.ok) return { ok: false, status: null, error: `target refused: ${verdict.reason}` };
    const { url } = verdict;
    const body = JSON.stringify(event);
    const headers = {
      'content-type': 'application/json',
      'content-length': String(Buffer.byteLength(body)),
      'user-agent': options.userAgent ?? 'scimd-webhooks',
      ...webhookHeaders(activeSecrets(endpoint.secrets, now), event.id, now, body),
    };
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    return new Promise<DeliveryOutcome>((settle) => {
      // A fresh connection per delivery (agent: false): every socket went through `lookup`.
      const request = send({
        protocol: url.protocol,
        hostname: url.hostname.startsWith('[') ? url.hostname.slice(1, -1) : url.hostname,
        port: url.port === '' ? undefined : Number(url.port),
        path: `${url.pathname}${url.search}`,
        method: 'POST',
        headers,
        agent: false,
        lookup,
      });
      let settled = false;
      const finish = (outcome: DeliveryOutcome) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        request.destroy();
        settle(outcome);
      };
      const timer = setTimeout(
        () => finish({ ok: false, status: null, error: `timed out after ${describeDuration(timeoutMs)}` }),
        timeoutMs,
      );
      request.on('response', (response) => {
        // The answer's body is never read: only its status counts.
        response.on('error', () => undefined);
        response.resume();
        finish(statusOutcome(response.statusCode ?? 0));
      });
      request.on('error', (error) => finish({ ok: false, status: null, error: describeError(error) }));
      request.end(body);
    });
  };
}

/** Posts `event` to the endpoint's URL, signed with its active secrets. */
export function sendWebhook(
  endpoint: EndpointRecord,
  event: EventJson,
  now: Date,
  options: WebhookSenderOptions = {},
): Promise<DeliveryOutcome> {
  return createWebhookSender(options)(endpoint, event, now);
}
