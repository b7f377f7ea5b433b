/**
 * The memory store's deprovision guard (the test oracle for sql/guard.ts). Writes made in a
 * unit of work show at once (the store's mutex keeps every other reader out) and are undone by
 * `rollback`. The delivery hold lives in `MemoryOutbox.held`, where event reads and stream
 * claims consult it.
 */
import type { GuardCapture, GuardDecision, GuardRecord, GuardRepository, GuardWriter } from '../guard-port.js';
import type { MemoryOutbox } from './events.js';
import type { MemoryTenantState } from './state.js';

type Locked = <T>(fn: () => T | Promise<T>) => Promise<T>;

interface TenantGuardData {
  record: GuardRecord | undefined;
  /** userId → latest deprovision time. */
  deprovisions: Map<string, string>;
  captures: Map<string, GuardCapture>;
  decisions: GuardDecision[];
}

const copy = <T>(value: T): T => structuredClone(value);

export class MemoryGuard {
  readonly tenants = new Map<string, TenantGuardData>();

  data(tenantId: string): TenantGuardData {
    let data = this.tenants.get(tenantId);
    if (!data) {
      data = { record: undefined, deprovisions: new Map(), captures: new Map(), decisions: [] };
      this.tenants.set(tenantId, data);
    }
    return data;
  }

  deleteTenant(tenantId: string): void {
    this.tenants.delete(tenantId);
  }

  /**
   * The writer of one unit of work. `hold` is what its last append saw; `rollback` restores
   * the tenant's guard data and hold as they were when the unit began.
   */
  writer(
    tenantId: string,
    state: MemoryTenantState,
    outbox: MemoryOutbox,
    hold: () => number | null | undefined,
  ): GuardWriter & { rollback(): void } {
    // Saved at the unit's first guard write, so a unit that writes nothing copies nothing.
    let saved: { data: TenantGuardData | undefined; hold: number | undefined } | undefined;
    const data = () => this.data(tenantId);
    const changing = () => {
      if (saved !== undefined) return data();
      const existing = this.tenants.get(tenantId);
      saved = { data: existing === undefined ? undefined : copy(existing), hold: outbox.held.get(tenantId) };
      return data();
    };
    const countDeprovisions = async (since: string) =>
      [...data().deprovisions.values()].filter((time) => time > since).length;
    return {
      deliveryHold: hold,
      read: async () => copy(data().record),
      noteDeprovision: async (userId, time) => {
        changing().deprovisions.set(userId, time);
      },
      countDeprovisions,
      countBase: async (since) => {
        const recent = data().deprovisions;
        let active = 0;
        for (const [id, row] of state.rows) {
          if (row.resource.resourceType !== 'User' || row.resource.body['active'] === false) continue;
          const time = recent.get(id);
          if (time === undefined || time <= since) active++;
        }
        return active + (await countDeprovisions(since));
      },
      write: async (record) => {
        changing().record = copy(record);
        if (record.heldSeq === null) outbox.held.delete(tenantId);
        else outbox.held.set(tenantId, record.heldSeq);
      },
      capture: async (captures) => {
        const map = changing().captures;
        for (const c of captures) if (!map.has(c.resourceId)) map.set(c.resourceId, copy(c));
      },
      clearCaptures: async () => {
        changing().captures.clear();
      },
      forgetDeprovisions: async (time) => {
        const map = changing().deprovisions;
        for (const [id, at] of map) if (at <= time) map.delete(id);
      },
      recordDecision: async (decision) => {
        changing().decisions.push(copy(decision));
      },
      rollback: () => {
        if (saved === undefined) return;
        if (saved.data === undefined) this.tenants.delete(tenantId);
        else this.tenants.set(tenantId, saved.data);
        if (saved.hold === undefined) outbox.held.delete(tenantId);
        else outbox.held.set(tenantId, saved.hold);
      },
    };
  }
}

export function createMemoryGuardRepository(guard: MemoryGuard, locked: Locked): GuardRepository {
  return {
    list: () =>
      locked(() =>
        [...guard.tenants.values()]
          .flatMap((d) => (d.record === undefined ? [] : [copy(d.record)]))
          .sort((a, b) => (a.tenantId < b.tenantId ? -1 : a.tenantId > b.tenantId ? 1 : 0)),
      ),
    get: (tenantId) => locked(() => copy(guard.tenants.get(tenantId)?.record)),
    captures: (tenantId) =>
      locked(() =>
        [...(guard.tenants.get(tenantId)?.captures.values() ?? [])]
          .sort((a, b) => a.seq - b.seq || (a.resourceId < b.resourceId ? -1 : a.resourceId > b.resourceId ? 1 : 0))
          .map(copy),
      ),
    decisions: (tenantId, limit) =>
      locked(() =>
        [...(guard.tenants.get(tenantId)?.decisions ?? [])]
          .sort((a, b) => (a.time < b.time ? 1 : a.time > b.time ? -1 : a.id < b.id ? 1 : -1))
          .slice(0, limit)
          .map(copy),
      ),
  };
}
