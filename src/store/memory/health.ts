/** The memory store's tenant health rollups and states (the test oracle for sql/health.ts). */
import type { RequestLogEntry } from '../events-port.js';
import {
  type FailureCause,
  type HealthBucket,
  type HealthRepository,
  type HealthStateName,
  type HealthStateWriter,
  MAX_UNDECLARED_ATTRIBUTES,
  type StoredHealthState,
  totalsOf,
  type UndeclaredAttributeCount,
} from '../health-port.js';
import { noFailures, rollupOf } from '../health-rollup.js';

type Locked = <T>(fn: () => T | Promise<T>) => Promise<T>;

const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export class MemoryHealth {
  readonly buckets = new Map<string, HealthBucket>();
  /** tenant id → attribute → count. */
  readonly attributes = new Map<string, Map<string, UndeclaredAttributeCount>>();
  readonly states = new Map<string, StoredHealthState>();

  /** Adds the rollup of entries just appended to the log (called by the memory request log). */
  record(entries: readonly RequestLogEntry[]): void {
    const rollup = rollupOf(entries);
    for (const delta of rollup.buckets) {
      const key = `${delta.tenantId}\u0000${delta.hour}\u0000${delta.idp}`;
      const old = this.buckets.get(key);
      if (old === undefined) {
        this.buckets.set(key, { ...delta, causes: { ...delta.causes } });
        continue;
      }
      const causes = noFailures();
      for (const cause of Object.keys(causes) as FailureCause[])
        causes[cause] = old.causes[cause] + delta.causes[cause];
      this.buckets.set(key, {
        ...old,
        requests: old.requests + delta.requests,
        failures: old.failures + delta.failures,
        referenceFailures: old.referenceFailures + delta.referenceFailures,
        causes,
        latencySumMs: old.latencySumMs + delta.latencySumMs,
        latencyMaxMs: Math.max(old.latencyMaxMs, delta.latencyMaxMs),
        lastTime: delta.lastTime > old.lastTime ? delta.lastTime : old.lastTime,
      });
    }
    for (const delta of rollup.attributes) {
      let tenant = this.attributes.get(delta.tenantId);
      if (tenant === undefined) {
        tenant = new Map();
        this.attributes.set(delta.tenantId, tenant);
      }
      const old = tenant.get(delta.attribute);
      tenant.set(delta.attribute, {
        attribute: delta.attribute,
        count: (old?.count ?? 0) + delta.count,
        lastSeen: old !== undefined && old.lastSeen > delta.lastSeen ? old.lastSeen : delta.lastSeen,
      });
    }
  }

  deleteTenant(tenantId: string): void {
    for (const [key, bucket] of this.buckets) if (bucket.tenantId === tenantId) this.buckets.delete(key);
    this.attributes.delete(tenantId);
    this.states.delete(tenantId);
  }

  /** The writer half, for one unit of work: the swap shows at once and is undone by `rollback`. */
  writer(tenantId: string): HealthStateWriter & { rollback(): void } {
    let undo: (() => void) | undefined;
    return {
      swapHealthState: async (expected: HealthStateName | null, next: HealthStateName, since: string) => {
        const current = this.states.get(tenantId);
        if ((current?.state ?? null) !== expected) return false;
        const previous = undo;
        undo = () => {
          if (current === undefined) this.states.delete(tenantId);
          else this.states.set(tenantId, current);
          previous?.();
        };
        this.states.set(tenantId, { tenantId, state: next, since });
        return true;
      },
      rollback: () => undo?.(),
    };
  }
}

export function createMemoryHealthRepository(
  health: MemoryHealth,
  log: readonly RequestLogEntry[],
  locked: Locked,
): HealthRepository {
  return {
    buckets: (since, tenantId) =>
      locked(() =>
        [...health.buckets.values()]
          .filter((b) => b.hour >= since && (tenantId === undefined || b.tenantId === tenantId))
          .sort((a, b) => byName(a.tenantId, b.tenantId) || byName(a.hour, b.hour) || byName(a.idp, b.idp))
          .map((b) => ({ ...b, causes: { ...b.causes } })),
      ),
    totals: (starts, tenantIds) =>
      locked(() => {
        const only = tenantIds === undefined ? undefined : new Set(tenantIds);
        const buckets = [...health.buckets.values()].filter((b) => only === undefined || only.has(b.tenantId));
        return totalsOf(buckets, starts);
      }),
    undeclaredAttributes: (tenantId, limit) =>
      locked(() =>
        [...(health.attributes.get(tenantId)?.values() ?? [])]
          .sort((a, b) => b.count - a.count || byName(a.attribute, b.attribute))
          .slice(0, limit)
          .map((a) => ({ ...a })),
      ),
    slowest: (tenantId, since, limit) =>
      locked(() =>
        log
          .filter((e) => e.tenantId === tenantId && e.time >= since)
          .sort((a, b) => b.latencyMs - a.latencyMs || byName(b.time, a.time) || byName(b.id, a.id))
          .slice(0, limit)
          .map((e) => ({
            id: e.id,
            time: e.time,
            method: e.method,
            path: e.path,
            status: e.status,
            latencyMs: e.latencyMs,
          })),
      ),
    states: () =>
      locked(() => [...health.states.values()].sort((a, b) => byName(a.tenantId, b.tenantId)).map((s) => ({ ...s }))),
    prune: (before) =>
      locked(() => {
        let removed = 0;
        for (const [key, bucket] of health.buckets) {
          if (bucket.hour < before) {
            health.buckets.delete(key);
            removed++;
          }
        }
        for (const tenant of health.attributes.values()) {
          for (const [name, a] of tenant) {
            if (a.lastSeen < before) {
              tenant.delete(name);
              removed++;
            }
          }
          const kept = [...tenant.values()].sort((a, b) => b.count - a.count || byName(a.attribute, b.attribute));
          for (const a of kept.slice(MAX_UNDECLARED_ATTRIBUTES)) {
            tenant.delete(a.attribute);
            removed++;
          }
        }
        return removed;
      }),
  };
}
