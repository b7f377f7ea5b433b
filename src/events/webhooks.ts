/**
 * One webhook delivery over HTTP: a signed POST of the event JSON (docs/webhooks.md). Success
 * is any 2xx answer within the timeout; redirects are not followed (a 3xx is a failure, so a
 * moved endpoint shows up in the dead letters instead of silently posting elsewhere).
 */
import type { EndpointRecord } from '../store/store.js';
import type { EventJson } from './event-json.js';
import { activeSecrets, webhookHeaders } from './signing.js';

export interface DeliveryOutcome {
  readonly ok: boolean;
  /** The HTTP status, or null when no answer came (refused, timed out). */
  readonly status: number | null;
  /** What went wrong, for operators: `HTTP 503: <start of the body>`, `timed out after 10000 ms`. */
  readonly error: string | null;
}

export interface WebhookSenderOptions {
  /** Per request; default 10 s. */
  readonly timeoutMs?: number;
  readonly userAgent?: string;
}

export const DEFAULT_TIMEOUT_MS = 10_000;
const ERROR_SNIPPET = 200;

function describe(error: unknown, timeoutMs: number): string {
  const e = error as { name?: string; cause?: { code?: string; message?: string }; message?: string };
  if (e?.name === 'TimeoutError' || e?.name === 'AbortError') return `timed out after ${timeoutMs} ms`;
  const cause = e?.cause?.code ?? e?.cause?.message;
  return cause ? `${e?.message ?? 'request failed'} (${cause})` : String(e?.message ?? error);
}

/** Posts `event` to the endpoint's URL, signed with its active secrets. */
export async function sendWebhook(
  endpoint: EndpointRecord,
  event: EventJson,
  now: Date,
  options: WebhookSenderOptions = {},
): Promise<DeliveryOutcome> {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  if (endpoint.url === null) return { ok: false, status: null, error: 'endpoint has no URL' };
  const body = JSON.stringify(event);
  const headers = {
    'content-type': 'application/json',
    'user-agent': options.userAgent ?? 'scimd-webhooks',
    ...webhookHeaders(activeSecrets(endpoint.secrets, now), event.id, now, body),
  };
  try {
    const response = await fetch(endpoint.url, {
      method: 'POST',
      headers,
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    const text = await response.text().catch(() => '');
    if (response.status >= 200 && response.status < 300) return { ok: true, status: response.status, error: null };
    const snippet = text.replace(/\s+/g, ' ').trim().slice(0, ERROR_SNIPPET);
    return { ok: false, status: response.status, error: `HTTP ${response.status}${snippet ? `: ${snippet}` : ''}` };
  } catch (error) {
    return { ok: false, status: null, error: describe(error, timeoutMs) };
  }
}
