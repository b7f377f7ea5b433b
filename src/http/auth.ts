/**
 * Bearer-token authentication for SCIM routes (RFC 6750). Every failure is the same 401 with a
 * WWW-Authenticate challenge: the response never says whether a tenant or token exists. Past
 * the failed-authentication limit of the client's address (src/http/rate-limits.ts), failures
 * get 429 instead.
 * The reason is logged (never the token) so operators can tell expired from revoked.
 */
import type { FastifyRequest } from 'fastify';
import { unauthorized } from '../scim/errors.js';
import type { Store, TenantRecord } from '../store/store.js';
import { type AuthFailureReason, authenticateToken, bearerCredential } from '../tenancy/authenticate.js';
import { type AuthFailureLimit, rateLimited } from './rate-limits.js';

export async function authenticateRequest(
  store: Store,
  request: FastifyRequest,
  expectedTenantSlug: string | undefined,
  now: Date,
  hooks: { readonly onFailure?: (reason: AuthFailureReason) => void; readonly failures?: AuthFailureLimit } = {},
): Promise<TenantRecord> {
  const presented = bearerCredential(request.headers.authorization);
  const result = await authenticateToken(store, presented, now, expectedTenantSlug, {
    onTouchError: (error) => request.log.warn({ err: error }, 'could not record token use'),
  });
  if (!result.ok) {
    request.log.info({ reason: result.reason }, 'authentication failed');
    hooks.onFailure?.(result.reason);
    // Past SCIMD_AUTH_FAILURE_LIMIT from this address: 429, so a guesser learns nothing more.
    const wait = await hooks.failures?.failed(request);
    if (wait !== undefined) throw rateLimited('Too many failed authentications from this address.', wait);
    throw unauthorized();
  }
  return result.tenant;
}
