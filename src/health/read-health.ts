/**
 * Tenant health read through the storage port: the hourly rollups summed by the database per
 * tenant and IdP over the three windows (`HealthRepository.totals`, one row per tenant and IdP,
 * never one per hour), never a scan of the provisioning log except for one tenant's slowest
 * requests in its detail.
 */
import type { HealthStateName, HealthTotals, SlowRequest, UndeclaredAttributeCount } from '../store/health-port.js';
import type { Store, TenantRecord } from '../store/store.js';
import {
  evaluateTotals,
  HEALTH_STATES,
  type HeldDelivery,
  type TenantHealth,
  WINDOWS,
  windowStart,
  windowStarts,
} from './evaluate-health.js';
import { DEFAULT_HEALTH_SETTINGS, type HealthSettings } from './health-settings.js';

export interface TenantRef {
  readonly id: string;
  readonly slug: string;
  readonly name: string;
}

export interface TenantHealthEntry extends TenantHealth {
  readonly tenant: TenantRef;
}

export interface TenantHealthDetail extends TenantHealthEntry {
  /** The slowest logged requests of the last 24 hours. */
  readonly slowest: readonly SlowRequest[];
  /** Attributes the IdP keeps sending that no schema declares (ignored), most frequent first. */
  readonly undeclaredAttributes: readonly UndeclaredAttributeCount[];
}

export const SLOWEST_REQUESTS = 5;
export const TOP_UNDECLARED_ATTRIBUTES = 10;

/** Tenants whose deprovision guard holds their events (docs/guard.md), with when it tripped. */
async function heldTenants(store: Store): Promise<Map<string, HeldDelivery>> {
  const held = new Map<string, HeldDelivery>();
  for (const record of await store.guard.list()) {
    if (record.state === 'tripped') held.set(record.tenantId, { since: record.since });
  }
  return held;
}

function refOf(tenant: TenantRecord): TenantRef {
  return { id: tenant.id, slug: tenant.slug, name: tenant.name };
}

/**
 * Tenants whose totals one statement reads. On SQLite a statement runs on the event loop, so
 * the read of every tenant is cut into pages, each read and evaluated, with a turn of the loop
 * between them (requests are served in between); see docs/benchmarks.md "Health pass at
 * 10,000 tenants".
 */
export const HEALTH_PAGE_TENANTS = 100;

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Every tenant's health, ordered by slug. */
export async function readAllHealth(
  store: Store,
  now: Date,
  settings: HealthSettings = DEFAULT_HEALTH_SETTINGS,
): Promise<TenantHealthEntry[]> {
  const [tenants, held] = await Promise.all([store.tenants.list(), heldTenants(store)]);
  const starts = windowStarts(now);
  const bySlug = [...tenants].sort((a, b) => (a.slug < b.slug ? -1 : a.slug > b.slug ? 1 : 0));
  const entries: TenantHealthEntry[] = [];
  for (let i = 0; i < bySlug.length; i += HEALTH_PAGE_TENANTS) {
    if (i > 0) await nextTurn();
    const page = bySlug.slice(i, i + HEALTH_PAGE_TENANTS);
    const byTenant = new Map<string, HealthTotals[]>();
    for (const total of await store.health.totals(
      starts,
      page.map((t) => t.id),
    )) {
      const list = byTenant.get(total.tenantId);
      if (list === undefined) byTenant.set(total.tenantId, [total]);
      else list.push(total);
    }
    for (const tenant of page) {
      const totals = byTenant.get(tenant.id) ?? [];
      entries.push({
        tenant: refOf(tenant),
        ...evaluateTotals(totals, now, settings, tenant.slug, held.get(tenant.id)),
      });
    }
  }
  return entries;
}

/** One tenant's health with its slowest requests and undeclared attributes. */
export async function readTenantHealth(
  store: Store,
  tenant: TenantRecord,
  now: Date,
  settings: HealthSettings = DEFAULT_HEALTH_SETTINGS,
): Promise<TenantHealthDetail> {
  const [totals, slowest, undeclaredAttributes, guard] = await Promise.all([
    store.health.totals(windowStarts(now), [tenant.id]),
    store.health.slowest(tenant.id, windowStart(now, WINDOWS['24h']), SLOWEST_REQUESTS),
    store.health.undeclaredAttributes(tenant.id, TOP_UNDECLARED_ATTRIBUTES),
    store.guard.get(tenant.id),
  ]);
  const held = guard?.state === 'tripped' ? { since: guard.since } : undefined;
  return {
    tenant: refOf(tenant),
    ...evaluateTotals(totals, now, settings, tenant.slug, held),
    slowest,
    undeclaredAttributes,
  };
}

/**
 * How many tenants are in each state now, every state present (0 when none): what a
 * `scimd_tenant_health_state{state}` gauge reports.
 */
export async function countTenantsByState(
  store: Store,
  now: Date,
  settings: HealthSettings = DEFAULT_HEALTH_SETTINGS,
): Promise<Record<HealthStateName, number>> {
  const counts = Object.fromEntries(HEALTH_STATES.map((s) => [s, 0])) as Record<HealthStateName, number>;
  for (const entry of await readAllHealth(store, now, settings)) counts[entry.state]++;
  return counts;
}
