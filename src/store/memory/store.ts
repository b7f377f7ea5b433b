/**
 * The memory store: the whole port in Maps, used as the test oracle and for `memory:` runs.
 * Units of work are serialised by one mutex per store (as SQLite's single connection does) and
 * roll back on throw through an undo log. Reads also queue behind the mutex, so they never see
 * a half-done unit of work; inside `transaction`, read through the writer, never the outer store.
 */
import { conflict } from '../../scim/errors.js';
import type { AccessDelta } from '../history-port.js';
import { createMutex } from '../mutex.js';
import { withOutbox } from '../outbox-writer.js';
import { normalizeTimestamp } from '../project-columns.js';
import type { Store, TenantRecord, TenantStore, TokenRecord } from '../store.js';
import { isTouchDue } from '../token-touch.js';
import { createMemoryConsole } from './console.js';
import { createMemoryEndpointRepository } from './endpoints.js';
import { createMemoryEventRepository, MemoryOutbox, memoryMembersAmong } from './events.js';
import { createMemoryGuardRepository, MemoryGuard } from './guard.js';
import { createMemoryHealthRepository, MemoryHealth } from './health.js';
import { MemoryHistory } from './history.js';
import { createMemoryRequestLog } from './request-log.js';
import { createMemoryRoles } from './roles.js';
import { MemoryTenantState } from './state.js';
import { createMemoryReader, createMemoryWriter } from './tenant.js';

export function createMemoryStore(): Store {
  const tenants = new Map<string, TenantRecord>();
  const states = new Map<string, MemoryTenantState>();
  const tokens = new Map<string, TokenRecord>();
  const mutex = createMutex();
  let closed = false;

  const locked = <T>(fn: () => T | Promise<T>): Promise<T> => mutex.run(async () => fn());
  const roles = createMemoryRoles(locked);
  const outbox = new MemoryOutbox();
  const consoleHalf = createMemoryConsole(locked, (id) => tenants.has(id));
  const health = new MemoryHealth();
  const history = new MemoryHistory();
  const guard = new MemoryGuard();

  function forTenant(tenantId: string): TenantStore {
    const reader = createMemoryReader(tenantId, () => states.get(tenantId));
    return {
      tenantId,
      getResource: (type, id) => locked(() => reader.getResource(type, id)),
      query: (type, query) => locked(() => reader.query(type, query)),
      listMembers: (groupId) => locked(() => reader.listMembers(groupId)),
      listGroupsOf: (memberId) => locked(() => reader.listGroupsOf(memberId)),
      listGroupsOfEach: (memberIds) => locked(() => reader.listGroupsOfEach(memberIds)),
      findTypes: (ids) => locked(() => reader.findTypes(ids)),
      getResourceWithGroups: (type, id) => locked(() => reader.getResourceWithGroups(type, id)),
      roleCatalogue: () =>
        locked(() => ({ roles: roles.list(), allowedRoles: tenants.get(tenantId)?.allowedRoles ?? null })),
      transaction(fn) {
        return mutex.run(async () => {
          const state = states.get(tenantId);
          if (!state) throw new Error(`tenant ${JSON.stringify(tenantId)} does not exist`);
          state.begin();
          const events = outbox.begin(tenantId);
          const healthState = health.writer(tenantId);
          const access = history.begin(tenantId);
          let hold: number | null | undefined;
          const guardWriter = guard.writer(tenantId, state, outbox, () => hold);
          try {
            const core = {
              ...createMemoryWriter(tenantId, state),
              swapHealthState: healthState.swapHealthState,
              appendAccessHistory: async (delta: AccessDelta) => access.append(delta),
              guard: guardWriter,
            };
            const writer = withOutbox(core, {
              appendEvents: async (list, delta) => {
                const appended = events.append(list);
                if (list.length > 0) hold = outbox.held.get(tenantId) ?? null;
                // The oracle applies a write's access delta at once (SQL defers it to a projector).
                const first = appended[0];
                if (delta !== undefined && first !== undefined) access.append({ ...delta, seq: first.seq });
                return appended;
              },
              membersAmong: async (groupId, ids) => memoryMembersAmong(state, groupId, ids),
            });
            const result = await fn(writer);
            state.commit();
            events.commit();
            access.commit();
            return result;
          } catch (error) {
            state.rollback();
            events.rollback();
            healthState.rollback();
            guardWriter.rollback();
            throw error;
          }
        });
      },
    };
  }

  return {
    capabilities: { sharedAcrossProcesses: false, durable: false },
    tenants: {
      create: (tenant) =>
        locked(() => {
          if (tenants.has(tenant.id)) throw conflict(`tenant id ${JSON.stringify(tenant.id)} already exists`);
          for (const t of tenants.values()) {
            if (t.slug === tenant.slug) throw conflict(`tenant slug ${JSON.stringify(tenant.slug)} is already taken`);
          }
          const record = { ...tenant, created: normalizeTimestamp(tenant.created) };
          tenants.set(record.id, record);
          states.set(record.id, new MemoryTenantState());
          return record;
        }),
      getById: (id) => locked(() => tenants.get(id)),
      getBySlug: (slug) => locked(() => [...tenants.values()].find((t) => t.slug === slug)),
      list: () => locked(() => [...tenants.values()].sort(byCreatedThenId)),
      setStatus: (id, status) =>
        locked(() => {
          const tenant = tenants.get(id);
          if (!tenant) return undefined;
          const updated = { ...tenant, status };
          tenants.set(id, updated);
          return updated;
        }),
      setAllowedRoles: (id, values) =>
        locked(() => {
          const tenant = tenants.get(id);
          if (!tenant) return undefined;
          const { allowedRoles: _previous, ...rest } = tenant;
          const updated: TenantRecord = values === null ? rest : { ...rest, allowedRoles: [...values] };
          tenants.set(id, updated);
          return updated;
        }),
      delete: (id) =>
        locked(() => {
          for (const token of [...tokens.values()]) if (token.tenantId === id) tokens.delete(token.id);
          outbox.deleteTenant(id);
          consoleHalf.deleteTenant(id);
          health.deleteTenant(id);
          history.deleteTenant(id);
          guard.deleteTenant(id);
          states.delete(id);
          return tenants.delete(id);
        }),
    },
    tokens: {
      insert: (token) =>
        locked(() => {
          if (!tenants.has(token.tenantId)) throw new Error(`tenant ${JSON.stringify(token.tenantId)} does not exist`);
          if (tokens.has(token.id)) throw conflict(`token id ${JSON.stringify(token.id)} already exists`);
          for (const t of tokens.values()) if (t.hash === token.hash) throw conflict('token hash already exists');
          const record: TokenRecord = {
            ...token,
            created: normalizeTimestamp(token.created),
            expiresAt: token.expiresAt === null ? null : normalizeTimestamp(token.expiresAt),
            revokedAt: token.revokedAt === null ? null : normalizeTimestamp(token.revokedAt),
            lastUsedAt: token.lastUsedAt === null ? null : normalizeTimestamp(token.lastUsedAt),
          };
          tokens.set(record.id, record);
          return record;
        }),
      findByHash: (hash) => locked(() => [...tokens.values()].find((t) => t.hash === hash)),
      listForTenant: (tenantId) =>
        locked(() => [...tokens.values()].filter((t) => t.tenantId === tenantId).sort(byCreatedThenId)),
      revoke: (tenantId, tokenId, now) =>
        locked(() => {
          const token = tokens.get(tokenId);
          if (token?.tenantId !== tenantId) return undefined;
          const revoked = { ...token, revokedAt: token.revokedAt ?? normalizeTimestamp(now) };
          tokens.set(tokenId, revoked);
          return revoked;
        }),
      touch: (tokenId, now) =>
        locked(() => {
          const token = tokens.get(tokenId);
          const at = normalizeTimestamp(now);
          if (!token || !isTouchDue(token.lastUsedAt, at)) return;
          tokens.set(tokenId, { ...token, lastUsedAt: at });
        }),
      setExpiry: (tenantId, tokenId, expiresAt) =>
        locked(() => {
          const token = tokens.get(tokenId);
          if (token?.tenantId !== tenantId) return undefined;
          const at = normalizeTimestamp(expiresAt);
          if (token.revokedAt !== null || (token.expiresAt !== null && token.expiresAt <= at)) return token;
          const updated = { ...token, expiresAt: at };
          tokens.set(tokenId, updated);
          return updated;
        }),
    },
    roles: roles.repository,
    console: consoleHalf.repositories,
    events: createMemoryEventRepository(outbox, locked),
    endpoints: createMemoryEndpointRepository(outbox, locked),
    requestLog: createMemoryRequestLog(
      outbox,
      locked,
      (id) => tenants.has(id),
      (entries) => health.record(entries),
    ),
    health: createMemoryHealthRepository(health, outbox.requestLog, locked),
    history: history.repository(locked),
    guard: createMemoryGuardRepository(guard, locked),
    forTenant,
    async ping() {
      if (closed) throw new Error('memory store is closed');
    },
    async close() {
      closed = true;
    },
  };
}

function byCreatedThenId(a: { created: string; id: string }, b: { created: string; id: string }): number {
  return a.created < b.created ? -1 : a.created > b.created ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
