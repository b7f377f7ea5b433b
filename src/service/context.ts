/**
 * What every use case receives explicitly: the tenant-bound store, the clock reading, the
 * request id and a logger. No global state (ARCHITECTURE.md principle 8).
 */
import type { UnknownAttributeMode } from '../scim/compat/undeclared-body.js';
import { DEFAULT_RESOURCE_LIMITS, type ResourceLimits } from '../scim/resource/limits.js';
import type { SchemaRegistry } from '../scim/schema/registry.js';
import type { GuardSettings } from '../store/guard-port.js';
import type { TenantStore } from '../store/store.js';

export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  debug(obj: object, msg?: string): void;
}

export interface RequestContext {
  readonly tenantId: string;
  /** The tenant's slug, for what reports per tenant (metrics); absent where no request made it. */
  readonly tenantSlug?: string;
  /** Scoped to `tenantId` by construction: it cannot name another tenant. */
  readonly store: TenantStore;
  readonly now: Date;
  readonly requestId: string;
  readonly log: Logger;
  /** Absolute SCIM base URL the client used, e.g. `https://x/t/acme/scim/v2` (no trailing slash). */
  readonly baseUrl: string;
  /** Resource types and schemas, with any operator-declared extensions. */
  readonly registry: SchemaRegistry;
  /** Largest page a list returns (advertised as filter.maxResults). */
  readonly maxResults: number;
  /** What the request did besides its answer, for the provisioning log (filled by use cases). */
  readonly notes: RequestNotes;
  /** Attributes no schema declares: ignored and noted (default) or rejected (issue #13.4). */
  readonly unknownAttributes?: UnknownAttributeMode;
  /** Bounds of one stored resource (issue #12.3); DEFAULT_RESOURCE_LIMITS for what is absent. */
  readonly resourceLimits?: { readonly [K in keyof ResourceLimits]?: number | undefined };
  /** Record the access history (docs/history.md); `false` with SCIMD_HISTORY=off. Absent: record. */
  readonly recordAccessHistory?: boolean;
  /** The deprovision guard's global settings (`SCIMD_GUARD_*`); DEFAULT_GUARD_SETTINGS when absent. */
  readonly guard?: GuardSettings;
}

/** Per-request observations that the provisioning log records with the request's entry. */
export interface RequestNotes {
  /** Attribute paths the request sent that no schema declares and that were ignored. */
  readonly ignoredAttributes: Set<string>;
}

export function newRequestNotes(): RequestNotes {
  return { ignoredAttributes: new Set() };
}

export function unknownAttributeMode(ctx: RequestContext): UnknownAttributeMode {
  return ctx.unknownAttributes ?? 'ignore';
}

export function resourceLimits(ctx: RequestContext): ResourceLimits {
  return {
    maxAttributeBytes: ctx.resourceLimits?.maxAttributeBytes ?? DEFAULT_RESOURCE_LIMITS.maxAttributeBytes,
    maxResourceBytes: ctx.resourceLimits?.maxResourceBytes ?? DEFAULT_RESOURCE_LIMITS.maxResourceBytes,
  };
}

/** Adds the attribute paths a use case ignored to the request's notes (provisioning log). */
export function noteIgnoredAttributes(ctx: RequestContext, paths: readonly string[]): void {
  for (const path of paths) ctx.notes.ignoredAttributes.add(path);
}

/** ISO 8601 with milliseconds, UTC: the one timestamp format stored and returned. */
export function timestamp(ctx: RequestContext): string {
  return ctx.now.toISOString();
}
