/**
 * Bearer-token authentication for SCIM routes (RFC 6750). Every failure is the same 401 with a
 * WWW-Authenticate challenge: the response never says whether a tenant or token exists.
 * The reason is logged (never the token) so operators can tell expired from revoked.
 */
import type { FastifyRequest } from 'fastify';
import { unauthorized } from '../scim/errors.js';
import type { Store, TenantRecord } from '../store/store.js';
import { type AuthFailureReason, authenticateToken, bearerCredential } from '../tenancy/authenticate.js';

export async function authenticateRequest(
  store: Store,
  request: FastifyRequest,
  expectedTenantSlug: string | undefined,
  now: Date,
  onFailure?: (reason: AuthFailureReason) => void,
): Promise<TenantRecord> {
  const presented = bearerCredential(request.headers.authorization);
  const result = await authenticateToken(store, presented, now, expectedTenantSlug, {
    onTouchError: (error) => request.log.warn({ err: error }, 'could not record token use'),
  });
  if (!result.ok) {
    request.log.info({ reason: result.reason }, 'authentication failed');
    onFailure?.(result.reason);
    throw unauthorized();
  }
  return result.tenant;
}
