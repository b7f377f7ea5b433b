/**
 * Standard Webhooks signatures (https://www.standardwebhooks.com, spec "Signature scheme"):
 *
 * - a secret is `whsec_` + base64 of 32 random bytes; the HMAC key is the decoded bytes;
 * - the signed content is `${webhook-id}.${webhook-timestamp}.${body}` (timestamp in seconds);
 * - `webhook-signature` is a space-separated list of `v1,<base64 HMAC-SHA256>`, one per active
 *   secret, so a receiver that knows either the old or the new secret verifies during a
 *   rotation.
 *
 * `verifyWebhook` is the receiver's side, exported for vendors who embed scimd.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { SigningSecret } from '../store/events-port.js';

export const SECRET_PREFIX = 'whsec_';
const SECRET_BYTES = 32;
/** Receivers should refuse messages whose timestamp is further than this from their clock. */
const DEFAULT_TOLERANCE_SECONDS = 300;

export function generateSigningSecret(): string {
  return SECRET_PREFIX + randomBytes(SECRET_BYTES).toString('base64');
}

function keyOf(secret: string): Buffer {
  const encoded = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  return Buffer.from(encoded, 'base64');
}

/** `v1,<base64 HMAC-SHA256 of "id.timestamp.body">`. */
export function signMessage(secret: string, id: string, timestamp: number, body: string): string {
  const mac = createHmac('sha256', keyOf(secret)).update(`${id}.${timestamp}.${body}`, 'utf8').digest('base64');
  return `v1,${mac}`;
}

/** Secrets that sign at `now`: those without expiry or expiring later, newest first. */
export function activeSecrets(secrets: readonly SigningSecret[], now: Date): string[] {
  const at = now.toISOString();
  return [...secrets]
    .filter((s) => s.expiresAt === null || s.expiresAt > at)
    .sort((a, b) => (a.created > b.created ? -1 : a.created < b.created ? 1 : 0))
    .map((s) => s.secret);
}

/** The three Standard Webhooks headers for one delivery. */
export function webhookHeaders(
  secrets: readonly string[],
  id: string,
  now: Date,
  body: string,
): { 'webhook-id': string; 'webhook-timestamp': string; 'webhook-signature': string } {
  const timestamp = Math.floor(now.getTime() / 1000);
  return {
    'webhook-id': id,
    'webhook-timestamp': String(timestamp),
    'webhook-signature': secrets.map((secret) => signMessage(secret, id, timestamp, body)).join(' '),
  };
}

/**
 * True when `headers` carry a `v1` signature of `body` by `secret` and a timestamp within
 * `toleranceSeconds` of `now`. Compares in constant time.
 */
export function verifyWebhook(
  secret: string,
  headers: Readonly<Record<string, string | undefined>>,
  body: string,
  now = new Date(),
  toleranceSeconds = DEFAULT_TOLERANCE_SECONDS,
): boolean {
  const id = headers['webhook-id'];
  const timestamp = Number(headers['webhook-timestamp']);
  const signatures = headers['webhook-signature'];
  if (id === undefined || signatures === undefined || !Number.isInteger(timestamp)) return false;
  if (Math.abs(now.getTime() / 1000 - timestamp) > toleranceSeconds) return false;
  const expected = Buffer.from(signMessage(secret, id, timestamp, body));
  return signatures.split(' ').some((candidate) => {
    const given = Buffer.from(candidate);
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}
