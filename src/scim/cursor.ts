/**
 * Opaque cursors for cursor-based pagination (RFC 9865 §2).
 *
 * A cursor is `<payload>.<mac>`, both base64url without padding, so it only uses characters of
 * the RFC 3986 unreserved set as RFC 9865 §2 requires. The payload is JSON: a version, a hash of
 * the query the cursor belongs to (so a cursor replayed with another filter or sort order is
 * refused), the issue time (for `cursorTimeout`) and the caller's state (the keyset position of
 * the last resource returned). The MAC is HMAC-SHA-256 over the payload under a per-tenant key,
 * so a cursor cannot be forged, altered or used in another tenant: anything but a cursor this
 * server issued for this tenant and query is `invalidCursor`, a stale one `expiredCursor`.
 *
 * The MAC guards integrity, not access: what a request can read is decided by its token's
 * tenant, whatever the cursor says (RFC 9865 §7.2).
 *
 * Uses the Web Crypto API (`globalThis.crypto.subtle`), not `node:crypto`, to keep src/scim free
 * of Node modules.
 */
import { expiredCursor, invalidCursor } from './errors.js';

/** Seconds a cursor stays valid after it is issued (advertised as `pagination.cursorTimeout`). */
const DEFAULT_CURSOR_TIMEOUT_SECONDS = 3600;

const VERSION = 1;
const encoder = new TextEncoder();

export interface CursorSettings {
  /**
   * Deployment-wide secret mixed into every tenant's key. The tenant's internal id (never shown to
   * SCIM clients) is mixed in too, so the empty default still yields keys that every process
   * sharing the database derives alike and that clients cannot compute.
   */
  readonly secret: string;
  readonly timeoutSeconds: number;
}

export const DEFAULT_CURSOR_SETTINGS: CursorSettings = { secret: '', timeoutSeconds: DEFAULT_CURSOR_TIMEOUT_SECONDS };

/** Everything needed to issue and read the cursors of one query in one tenant. */
export interface CursorContext {
  readonly settings: CursorSettings;
  readonly tenantId: string;
  /** Canonical text of the query (resource types, filter, sortBy, sortOrder), not of the page. */
  readonly query: string;
  readonly now: Date;
}

function toBase64Url(bytes: Uint8Array): string {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): Uint8Array | undefined {
  if (!/^[A-Za-z0-9_-]*$/.test(text)) return undefined;
  try {
    const binary = atob(text.replaceAll('-', '+').replaceAll('_', '/'));
    return Uint8Array.from(binary, (c) => c.charCodeAt(0));
  } catch {
    return undefined;
  }
}

type HmacKey = Awaited<ReturnType<typeof crypto.subtle.importKey>>;

async function keyFor(settings: CursorSettings, tenantId: string): Promise<HmacKey> {
  const material = encoder.encode(`scimd-cursor-v${VERSION}\u0000${settings.secret}\u0000${tenantId}`);
  return crypto.subtle.importKey('raw', material, { name: 'HMAC', hash: 'SHA-256' }, false, ['sign', 'verify']);
}

async function queryHash(query: string): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(query)));
  return toBase64Url(digest.slice(0, 16));
}

/** Issues a cursor carrying `state` (any JSON value) for the query of `context`. */
export async function encodeCursor(context: CursorContext, state: unknown): Promise<string> {
  const payload = {
    v: VERSION,
    q: await queryHash(context.query),
    t: Math.floor(context.now.getTime() / 1000),
    s: state,
  };
  const body = toBase64Url(encoder.encode(JSON.stringify(payload)));
  const key = await keyFor(context.settings, context.tenantId);
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, encoder.encode(body)));
  return `${body}.${toBase64Url(mac)}`;
}

const RESTART = 'request the first page again with an empty cursor';

interface Payload {
  readonly v: number;
  readonly q: string;
  readonly t: number;
  readonly s: unknown;
}

/** The payload when it is JSON of the expected shape, else undefined (never throws). */
function readPayload(bytes: Uint8Array): Payload | undefined {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes));
  } catch {
    return undefined;
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const p = value as Record<string, unknown>;
  const shaped = typeof p.v === 'number' && typeof p.q === 'string' && Number.isSafeInteger(p.t) && 's' in p;
  return shaped ? (p as unknown as Payload) : undefined;
}

/**
 * Reads a cursor issued by `encodeCursor` for the same tenant and query and returns its state.
 * Throws `invalidCursor` for anything else (garbage, altered, another tenant's or another
 * query's cursor) and `expiredCursor` once `timeoutSeconds` have passed since it was issued.
 */
export async function decodeCursor(context: CursorContext, cursor: string): Promise<unknown> {
  const [body, mac, extra] = cursor.split('.');
  const macBytes = fromBase64Url(mac ?? '');
  const bodyBytes = fromBase64Url(body ?? '');
  const key = await keyFor(context.settings, context.tenantId);
  const authentic =
    extra === undefined &&
    body !== undefined &&
    bodyBytes !== undefined &&
    macBytes !== undefined &&
    (await crypto.subtle.verify('HMAC', key, macBytes, encoder.encode(body)));
  if (!authentic) {
    throw invalidCursor(`The cursor is not one this server issued for this tenant; ${RESTART}.`);
  }
  const payload = readPayload(bodyBytes);
  if (payload === undefined) {
    // Signed by this server yet unreadable: issued by a version with another format (issue #12.2).
    throw invalidCursor(`The cursor is not one this version of the server can read; ${RESTART}.`);
  }
  if (payload.v !== VERSION || payload.q !== (await queryHash(context.query))) {
    throw invalidCursor(
      `The cursor belongs to a different query: keep filter, sortBy and sortOrder unchanged between pages, or ${RESTART}.`,
    );
  }
  const age = Math.floor(context.now.getTime() / 1000) - payload.t;
  if (age > context.settings.timeoutSeconds) {
    throw expiredCursor(
      `The cursor expired: cursors are valid for ${context.settings.timeoutSeconds} seconds (cursorTimeout); ${RESTART}.`,
    );
  }
  return payload.s;
}
