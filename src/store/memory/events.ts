/**
 * The memory store's outbox (the test oracle for sql/events.ts): per-tenant event lists and
 * sequence counters, plus the endpoint and stream state the retention rule consults. Appends
 * happen inside a unit of work and are undone when it rolls back. Every function here runs
 * under the memory store's mutex.
 */
import type {
  ChangeEvent,
  DeadLetterRecord,
  EndpointRecord,
  EventPage,
  EventRepository,
  NewChangeEvent,
  RequestLogEntry,
  StreamRecord,
} from '../events-port.js';
import type { MemberRef } from '../shapes.js';
import type { MemoryTenantState } from './state.js';

interface Sequence {
  lastSeq: number;
  prunedThrough: number;
}

/** A unit of work's view of the outbox. */
interface OutboxTransaction {
  append(events: readonly NewChangeEvent[]): ChangeEvent[];
  commit(): void;
  rollback(): void;
}

/** All outbox-related data of one memory store. */
export class MemoryOutbox {
  readonly sequences = new Map<string, Sequence>();
  /** tenantId → events ascending by seq. */
  readonly events = new Map<string, ChangeEvent[]>();
  readonly endpoints = new Map<string, EndpointRecord>();
  /** streamId → stream. */
  readonly streams = new Map<string, StreamRecord>();
  readonly deadLetters = new Map<string, DeadLetterRecord>();
  readonly requestLog: RequestLogEntry[] = [];
  /** tenantId → the deprovision guard's delivery hold (guard-port.ts), while held. */
  readonly held = new Map<string, number>();

  sequence(tenantId: string): Sequence {
    let sequence = this.sequences.get(tenantId);
    if (!sequence) {
      sequence = { lastSeq: 0, prunedThrough: 0 };
      this.sequences.set(tenantId, sequence);
    }
    return sequence;
  }

  begin(tenantId: string): OutboxTransaction {
    const pending: ChangeEvent[] = [];
    const startSeq = this.sequences.get(tenantId)?.lastSeq ?? 0;
    return {
      append: (events) => {
        const first = startSeq + pending.length + 1;
        const stored = events.map((e, i) => ({ ...structuredClone(e), tenantId, seq: first + i }));
        pending.push(...stored);
        return stored.map((e) => structuredClone(e));
      },
      commit: () => {
        if (pending.length === 0) return;
        const sequence = this.sequence(tenantId);
        sequence.lastSeq = startSeq + pending.length;
        const list = this.events.get(tenantId) ?? [];
        list.push(...pending);
        this.events.set(tenantId, list);
        this.ensureStreams(tenantId, startSeq, pending[0]!.time);
      },
      rollback: () => undefined,
    };
  }

  /** Streams of endpoints covering the tenant that it lacks, positioned at `deliveredSeq`. */
  ensureStreams(tenantId: string, deliveredSeq: number, now: string): void {
    for (const endpoint of this.endpoints.values()) {
      if (endpoint.tenantId !== null && endpoint.tenantId !== tenantId) continue;
      const id = `${endpoint.id}:${tenantId}`;
      if (this.streams.has(id)) continue;
      this.streams.set(id, newStream(endpoint.id, tenantId, deliveredSeq, now));
    }
  }

  deleteTenant(tenantId: string): void {
    this.sequences.delete(tenantId);
    this.events.delete(tenantId);
    this.held.delete(tenantId);
    for (const [id, endpoint] of this.endpoints) if (endpoint.tenantId === tenantId) this.deleteEndpoint(id);
    for (const [id, stream] of this.streams) if (stream.tenantId === tenantId) this.streams.delete(id);
    for (const [id, d] of this.deadLetters) if (d.tenantId === tenantId) this.deadLetters.delete(id);
    for (let i = this.requestLog.length - 1; i >= 0; i--) {
      if (this.requestLog[i]!.tenantId === tenantId) this.requestLog.splice(i, 1);
    }
  }

  deleteEndpoint(id: string): boolean {
    for (const [streamId, stream] of this.streams) if (stream.endpointId === id) this.streams.delete(streamId);
    for (const [deadId, d] of this.deadLetters) if (d.endpointId === id) this.deadLetters.delete(deadId);
    return this.endpoints.delete(id);
  }
}

export function newStream(endpointId: string, tenantId: string, deliveredSeq: number, now: string): StreamRecord {
  return {
    id: `${endpointId}:${tenantId}`,
    endpointId,
    tenantId,
    deliveredSeq,
    attempts: 0,
    nextAttemptAt: now,
    lastAttemptAt: null,
    lastError: null,
    lastStatus: null,
    leaseOwner: null,
    leaseUntil: null,
  };
}

/** Which of `ids` (every member when undefined) are members of the group, with their type. */
export function memoryMembersAmong(
  state: MemoryTenantState,
  groupId: string,
  ids: readonly string[] | undefined,
): Map<string, MemberRef['type']> {
  const members = state.members.get(groupId);
  const found = new Map<string, MemberRef['type']>();
  if (!members) return found;
  for (const id of ids ?? members.keys()) {
    const membership = members.get(id);
    if (membership) found.set(id, membership.type);
  }
  return found;
}

type Locked = <T>(fn: () => T | Promise<T>) => Promise<T>;

export function createMemoryEventRepository(outbox: MemoryOutbox, locked: Locked): EventRepository {
  return {
    list: (tenantId, after, limit) =>
      locked((): EventPage => {
        const sequence = outbox.sequences.get(tenantId);
        const events = (outbox.events.get(tenantId) ?? []).filter((e) => e.seq > after).slice(0, Math.max(0, limit));
        return {
          events: events.map((e) => structuredClone(e)),
          lastSeq: sequence?.lastSeq ?? 0,
          prunedThrough: sequence?.prunedThrough ?? 0,
          heldSeq: outbox.held.get(tenantId) ?? null,
        };
      }),
    prune: (before) =>
      locked(() => {
        let removed = 0;
        for (const [tenantId, sequence] of outbox.sequences) {
          const events = outbox.events.get(tenantId) ?? [];
          let bound = events.filter((e) => e.time < before).reduce((max, e) => Math.max(max, e.seq), 0);
          for (const stream of outbox.streams.values()) {
            if (stream.tenantId !== tenantId || !outbox.endpoints.get(stream.endpointId)?.enabled) continue;
            bound = Math.min(bound, stream.deliveredSeq);
          }
          if (bound <= sequence.prunedThrough) continue;
          sequence.prunedThrough = bound;
          const kept = events.filter((e) => e.seq > bound);
          removed += events.length - kept.length;
          outbox.events.set(tenantId, kept);
        }
        for (const [id, d] of outbox.deadLetters) {
          if (d.deadAt < before && d.state !== 'retrying') outbox.deadLetters.delete(id);
        }
        return removed;
      }),
  };
}
