/**
 * The background health evaluator (docs/operations.md "Tenant health"): every interval it evaluates
 * every tenant from the hourly rollups and, when a tenant's state differs from the one last
 * recorded, records the new one and writes a `tenant.health_changed` event through the outbox,
 * both in the tenant's unit of work. The record is a compare-and-set, so when several processes
 * evaluate at once each change is emitted once: whoever swaps first emits, the others see a
 * state they did not expect and skip.
 */
import { WINDOWS, windowStart } from '../health/evaluate-health.js';
import type { HealthSettings } from '../health/health-settings.js';
import { readAllHealth, type TenantHealthEntry } from '../health/read-health.js';
import type { NewChangeEvent } from '../store/events-port.js';
import type { HealthStateName } from '../store/health-port.js';
import type { Store } from '../store/store.js';
import type { DispatchLog } from './dispatcher.js';

export const DEFAULT_HEALTH_INTERVAL_MS = 60_000;

/** Rollups are kept one hour longer than the 7-day window needs. */
const BUCKET_RETENTION_HOURS = WINDOWS['7d'] + 1;
const PRUNE_EVERY_MS = 60 * 60 * 1000;

export interface HealthTransition {
  readonly tenantId: string;
  readonly slug: string;
  readonly from: HealthStateName | null;
  readonly to: HealthStateName;
  /** Whether a `tenant.health_changed` event was written (not for a tenant's first, healthy record). */
  readonly emitted: boolean;
}

/** The event of a change from `from` to the entry's state: the tenant and its health as data. */
export function healthChangedEvent(entry: TenantHealthEntry, from: HealthStateName | null): NewChangeEvent {
  const day = entry.windows['24h'];
  return {
    type: 'tenant.health_changed',
    resourceType: 'Tenant',
    resourceId: entry.tenant.id,
    changedAttributes: ['state'],
    snapshot: {
      id: entry.tenant.id,
      slug: entry.tenant.slug,
      name: entry.tenant.name,
      state: entry.state,
      previousState: from,
      cause: entry.cause,
      fix: entry.fix,
      requests24h: day.requests,
      failures24h: day.failures,
      failureRatio24h: day.failureRatio,
      idps: entry.idps.map((a) => ({ idp: a.idp, lastRequest: a.lastRequest, silent: a.silent })),
    },
    member: null,
    time: entry.evaluatedAt,
    requestId: null,
  };
}

/**
 * One pass: evaluates every tenant and records each change. A tenant seen for the first time
 * is recorded without an event when healthy (nothing changed that anyone must hear about).
 */
export async function evaluateTenantHealth(
  store: Store,
  settings: HealthSettings,
  now: Date,
  /** Told how many tenants are in each state after the pass (the metrics gauge). */
  onCounts?: (counts: Readonly<Record<HealthStateName, number>>) => void,
): Promise<HealthTransition[]> {
  const [entries, stored] = await Promise.all([readAllHealth(store, now, settings), store.health.states()]);
  if (onCounts !== undefined) {
    const counts: Record<HealthStateName, number> = { at_risk: 0, silent: 0, degraded: 0, healthy: 0 };
    for (const entry of entries) counts[entry.state] += 1;
    onCounts(counts);
  }
  const last = new Map(stored.map((s) => [s.tenantId, s.state]));
  const transitions: HealthTransition[] = [];
  for (const entry of entries) {
    const from = last.get(entry.tenant.id) ?? null;
    if (from === entry.state) continue;
    const emit = !(from === null && entry.state === 'healthy');
    let swapped: boolean;
    try {
      swapped = await store.forTenant(entry.tenant.id).transaction(async (tx) => {
        if (!(await tx.swapHealthState(from, entry.state, entry.evaluatedAt))) return false;
        if (emit) await tx.appendEvents([healthChangedEvent(entry, from)]);
        return true;
      });
    } catch (error) {
      // A tenant deleted since the read has no health to record; any other failure stops the pass.
      if ((await store.tenants.getById(entry.tenant.id)) !== undefined) throw error;
      continue;
    }
    if (swapped) {
      transitions.push({ tenantId: entry.tenant.id, slug: entry.tenant.slug, from, to: entry.state, emitted: emit });
    }
  }
  return transitions;
}

export interface HealthMonitor {
  stop(): Promise<void>;
}

export interface HealthMonitorOptions {
  readonly store: Store;
  readonly settings: HealthSettings;
  /** SCIMD_HEALTH_INTERVAL; default 60 s. */
  readonly intervalMs?: number;
  readonly clock?: () => Date;
  readonly log: DispatchLog;
  /** Told the number of tenants in each state after every pass (`scimd_tenant_health_state`). */
  readonly onCounts?: (counts: Readonly<Record<HealthStateName, number>>) => void;
}

/** Runs a pass at once and then every interval; prunes rollups past the 7-day window hourly. */
export function startHealthMonitor(options: HealthMonitorOptions): HealthMonitor {
  const clock = options.clock ?? (() => new Date());
  let pass: Promise<unknown> = Promise.resolve();
  let running = false;
  let prunedAt = Number.NEGATIVE_INFINITY;
  const tick = () => {
    if (running) return; // a slow pass is never overlapped by the next
    running = true;
    pass = (async () => {
      const now = clock();
      if (now.getTime() - prunedAt >= PRUNE_EVERY_MS) {
        await options.store.health.prune(windowStart(now, BUCKET_RETENTION_HOURS));
        prunedAt = now.getTime();
      }
      await evaluateTenantHealth(options.store, options.settings, now, options.onCounts);
    })()
      .catch((error: unknown) => options.log.error({ err: error }, 'tenant health pass failed'))
      .finally(() => {
        running = false;
      });
  };
  tick();
  const timer = setInterval(tick, options.intervalMs ?? DEFAULT_HEALTH_INTERVAL_MS);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await pass;
    },
  };
}
