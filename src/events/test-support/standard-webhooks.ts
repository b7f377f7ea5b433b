/**
 * An independent implementation of the Standard Webhooks verification algorithm for tests
 * (WebCrypto, written from the specification, sharing no code with src/events/signing.ts).
 */
import type { IncomingHttpHeaders } from 'node:http';

export async function referenceSignature(secret: string, id: string, timestamp: string, body: string): Promise<string> {
  const raw = Uint8Array.from(atob(secret.replace(/^whsec_/, '')), (c) => c.charCodeAt(0));
  const key = await crypto.subtle.importKey('raw', raw, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = await crypto.subtle.sign('HMAC', key, new TextEncoder().encode(`${id}.${timestamp}.${body}`));
  return `v1,${btoa(String.fromCharCode(...new Uint8Array(mac)))}`;
}

export async function referenceVerify(
  secret: string,
  headers: IncomingHttpHeaders | Record<string, string>,
  body: string,
): Promise<boolean> {
  const id = String(headers['webhook-id']);
  const timestamp = String(headers['webhook-timestamp']);
  const expected = await referenceSignature(secret, id, timestamp, body);
  return String(headers['webhook-signature']).split(' ').includes(expected);
}
