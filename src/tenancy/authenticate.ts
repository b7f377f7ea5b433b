/**
 * Bearer-token authentication (RFC 6750 §2.1) for SCIM requests.
 *
 * Every outcome is a return value (ARCHITECTURE principle 7): the HTTP layer answers any
 * failure with the same 401, and logs `reason` — never the token. The reasons are checked in
 * this order: missing, malformed, unknown, revoked, expired, wrong-tenant, tenant-disabled
 * (a token from another tenant learns nothing about that tenant's status).
 */
import { timingSafeEqual } from 'node:crypto';
import type { Store, TenantRecord, TokenRecord } from '../store/store.js';
import { hashToken, looksLikeToken } from './tokens.js';

export type AuthFailureReason =
  | 'missing'
  | 'malformed'
  | 'unknown'
  | 'expired'
  | 'revoked'
  | 'tenant-disabled'
  | 'wrong-tenant';

export type AuthResult =
  | { readonly ok: true; readonly tenant: TenantRecord; readonly token: TokenRecord }
  | { readonly ok: false; readonly reason: AuthFailureReason };

export interface AuthenticateOptions {
  /** Called when recording last use fails; authentication succeeds regardless. */
  readonly onTouchError?: (error: unknown) => void;
}

/**
 * The credential of an `Authorization` header: the part after a case-insensitive `Bearer `.
 * Undefined when the header is absent or blank; any other scheme yields the whole header, which
 * `authenticateToken` then reports as malformed.
 */
export function bearerCredential(authorization: string | undefined): string | undefined {
  const header = authorization?.trim();
  if (header === undefined || header === '') return undefined;
  const match = /^bearer\s+(\S+)$/i.exec(header);
  return match === null ? header : match[1];
}

function sameHash(storedHex: string, computedHex: string): boolean {
  const stored = Buffer.from(storedHex, 'hex');
  const computed = Buffer.from(computedHex, 'hex');
  return stored.length === computed.length && timingSafeEqual(stored, computed);
}

/**
 * Resolves a presented token to its tenant. `expectedTenantSlug` is the `<slug>` of a
 * `/t/<slug>/scim/v2` URL, when the request used one. On success the token's last use is
 * recorded through `store.tokens.touch` (a failure there does not fail authentication).
 */
export async function authenticateToken(
  store: Store,
  presented: string | undefined,
  now: Date,
  expectedTenantSlug?: string,
  options: AuthenticateOptions = {},
): Promise<AuthResult> {
  if (presented === undefined || presented === '') return { ok: false, reason: 'missing' };
  if (!looksLikeToken(presented)) return { ok: false, reason: 'malformed' };

  const hash = hashToken(presented);
  const token = await store.tokens.findByHash(hash);
  // The lookup is by an index on the hash; comparing in constant time as well costs nothing and
  // keeps the check safe should a backend ever match hashes loosely.
  if (token === undefined || !sameHash(token.hash, hash)) return { ok: false, reason: 'unknown' };
  if (token.revokedAt !== null) return { ok: false, reason: 'revoked' };
  if (token.expiresAt !== null && now.getTime() >= Date.parse(token.expiresAt)) {
    return { ok: false, reason: 'expired' };
  }

  const tenant = await store.tenants.getById(token.tenantId);
  if (tenant === undefined) return { ok: false, reason: 'unknown' };
  if (expectedTenantSlug !== undefined && tenant.slug !== expectedTenantSlug) {
    return { ok: false, reason: 'wrong-tenant' };
  }
  if (tenant.status !== 'active') return { ok: false, reason: 'tenant-disabled' };

  try {
    await store.tokens.touch(token.id, now.toISOString());
  } catch (error) {
    options.onTouchError?.(error);
  }
  return { ok: true, tenant, token };
}
