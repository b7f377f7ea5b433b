/**
 * Request limits by who is asking (issue #16.3), counted by @fastify/rate-limit with token
 * buckets (token-bucket.ts) of SCIMD_TENANT_RATE_LIMIT and SCIMD_AUTH_FAILURE_LIMIT
 * (src/config/request-rate.ts):
 * - per tenant, after authentication: strangers never spend a tenant's allowance, and one
 *   tenant's burst never slows another's;
 * - per client address, failed authentications only. Entra calls every customer's tenant from
 *   Microsoft's shared address ranges, so a limit on all requests from an address would let one
 *   customer's revoked token throttle every other customer: here a valid credential is never
 *   counted nor refused, and only further failures from that address get 429 instead of 401.
 * The plugin is used as a counter (`createRateLimit`), not as a route hook, so that each limit
 * runs exactly where the request's tenant or failure is known and answers the surface's own error.
 */
import rateLimit, { type CreateRateLimitOptions } from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { RequestRate } from '../config/config.js';
import { type ScimError, tooManyRequests } from '../scim/errors.js';
import { TokenBucketStore } from './token-bucket.js';

/** Counts failed authentications per client address (`request.ip`, after SCIMD_TRUST_PROXY). */
export interface AuthFailureLimit {
  /**
   * Records one failed authentication from the request's address. Returns the seconds to wait
   * when that address is over its limit (the request then gets 429 instead of 401), else undefined.
   */
  failed(request: FastifyRequest): Promise<number | undefined>;
}

/**
 * Counts one request of the tenant `request.scimContext` names (so: after authentication);
 * throws the 429 once the tenant is over its limit.
 */
export type TenantRateLimit = (request: FastifyRequest) => Promise<void>;

export interface RequestLimits {
  readonly tenant: TenantRateLimit;
  readonly authFailures: AuthFailureLimit;
}

export interface RequestLimitSettings {
  /** undefined or null: no limit. */
  readonly tenantRateLimit?: RequestRate | null | undefined;
  readonly authFailureLimit?: RequestRate | null | undefined;
}

type Checker = ReturnType<FastifyInstance['createRateLimit']>;
type Verdict = Awaited<ReturnType<Checker>>;

/** Tenants whose buckets are kept; a tenant beyond them starts with a full bucket (rare: LRU). */
export const TENANT_KEYS = 100_000;
/** Addresses whose failures are kept; the least recently seen is forgotten first. */
export const ADDRESS_KEYS = 50_000;

/** Seconds until the next token, never 0 (a client told `Retry-After: 0` retries at once). */
const retryAfterOf = (verdict: Verdict & { isAllowed: false }) => Math.max(1, verdict.ttlInSeconds);

/** The seconds to wait when `verdict` is over the limit, else undefined. */
const exceeded = (verdict: Verdict) => (!verdict.isAllowed && verdict.isExceeded ? retryAfterOf(verdict) : undefined);

/** The 429 a SCIM request over a limit gets. */
export function rateLimited(detail: string, seconds: number): ScimError {
  return tooManyRequests(`${detail} Retry after ${seconds} s.`, { headers: { 'Retry-After': String(seconds) } });
}

/**
 * Registers @fastify/rate-limit on `app` without any route hook (global: false) and makes the
 * two limits; a limit set to off (null) admits everything and counts nothing.
 */
export async function registerRequestLimits(
  app: FastifyInstance,
  settings: RequestLimitSettings,
): Promise<RequestLimits> {
  await app.register(rateLimit, { global: false, store: TokenBucketStore });
  // `cache` (how many keys the in-memory store keeps) is read by the store though not typed here.
  const checker = (rate: RequestRate, options: CreateRateLimitOptions & { cache: number }): Checker =>
    app.createRateLimit({ max: rate.max, timeWindow: rate.windowMs, ...options });

  const tenantRate = settings.tenantRateLimit ?? null;
  const perTenant =
    tenantRate === null
      ? undefined
      : checker(tenantRate, {
          keyGenerator: (request) => request.scimContext?.tenantId ?? '',
          cache: TENANT_KEYS,
        });
  const failureRate = settings.authFailureLimit ?? null;
  // The plugin's own key: request.ip, IPv6 addresses by /64 (one host holds a whole /64).
  const perAddress = failureRate === null ? undefined : checker(failureRate, { cache: ADDRESS_KEYS });

  return {
    tenant: async (request) => {
      if (perTenant === undefined) return;
      const seconds = exceeded(await perTenant(request));
      if (seconds !== undefined) {
        throw rateLimited(
          `This tenant is over its limit of ${tenantRate!.max} requests per ${tenantRate!.windowMs / 1000} s (SCIMD_TENANT_RATE_LIMIT).`,
          seconds,
        );
      }
    },
    authFailures: {
      failed: async (request) => {
        if (perAddress === undefined) return undefined;
        return exceeded(await perAddress(request));
      },
    },
  };
}
