/**
 * The memory store's EndpointRepository (the test oracle for sql/event-endpoints.ts,
 * event-streams.ts and dead-letters.ts). Runs under the memory store's mutex, so a claim is
 * trivially exclusive.
 */
import { conflict } from '../../scim/errors.js';
import type { ClaimRequest, DeadLetterRecord, EndpointKind, EndpointRepository, StreamRecord } from '../events-port.js';
import { normalizeTimestamp } from '../project-columns.js';
import { type MemoryOutbox, newStream } from './events.js';

type Locked = <T>(fn: () => T | Promise<T>) => Promise<T>;

const copy = <T>(value: T): T => structuredClone(value);

function leaseFree(leaseUntil: string | null, now: string): boolean {
  return leaseUntil === null || leaseUntil <= now;
}

export function createMemoryEndpointRepository(outbox: MemoryOutbox, locked: Locked): EndpointRepository {
  function claimable(request: ClaimRequest, endpointId: string): boolean {
    const endpoint = outbox.endpoints.get(endpointId);
    if (!endpoint?.enabled || endpoint.kind !== request.kind) return false;
    return request.endpointId === undefined || request.endpointId === endpointId;
  }

  return {
    create: (endpoint, start) =>
      locked(() => {
        if (outbox.endpoints.has(endpoint.id)) throw conflict(`endpoint ${JSON.stringify(endpoint.id)} exists`);
        if (endpoint.name !== null && [...outbox.endpoints.values()].some((e) => e.name === endpoint.name)) {
          throw conflict(`an event consumer named ${JSON.stringify(endpoint.name)} exists`);
        }
        const record = { ...copy(endpoint), created: normalizeTimestamp(endpoint.created) };
        outbox.endpoints.set(record.id, record);
        for (const [tenantId, sequence] of outbox.sequences) {
          if (record.tenantId !== null && record.tenantId !== tenantId) continue;
          const position = start === 'latest' ? sequence.lastSeq : sequence.prunedThrough;
          outbox.streams.set(`${record.id}:${tenantId}`, newStream(record.id, tenantId, position, record.created));
        }
        return copy(record);
      }),
    get: (id) => locked(() => copy(outbox.endpoints.get(id))),
    getByName: (name) => locked(() => copy([...outbox.endpoints.values()].find((e) => e.name === name))),
    list: () =>
      locked(() =>
        [...outbox.endpoints.values()]
          .sort((a, b) => (a.created < b.created ? -1 : a.created > b.created ? 1 : a.id < b.id ? -1 : 1))
          .map(copy),
      ),
    update: (id, changes) =>
      locked(() => {
        const endpoint = outbox.endpoints.get(id);
        if (!endpoint) return undefined;
        const defined = Object.entries(copy(changes)).filter(([, value]) => value !== undefined);
        const updated = { ...endpoint, ...Object.fromEntries(defined) };
        outbox.endpoints.set(id, updated);
        return copy(updated);
      }),
    delete: (id) => locked(() => outbox.deleteEndpoint(id)),
    listStreams: (endpointId) =>
      locked(() =>
        [...outbox.streams.values()]
          .filter((s) => s.endpointId === endpointId)
          .sort((a, b) => (a.tenantId < b.tenantId ? -1 : 1))
          .map(copy),
      ),
    claimStreams: (request) =>
      locked(() => {
        const due = [...outbox.streams.values()]
          .filter(
            (s) =>
              claimable(request, s.endpointId) &&
              // A held tenant's streams are due only up to its hold (guard-port.ts).
              Math.min(outbox.sequences.get(s.tenantId)?.lastSeq ?? 0, outbox.held.get(s.tenantId) ?? Infinity) >
                s.deliveredSeq &&
              s.nextAttemptAt <= request.now &&
              leaseFree(s.leaseUntil, request.now),
          )
          .sort((a, b) => (a.nextAttemptAt < b.nextAttemptAt ? -1 : a.nextAttemptAt > b.nextAttemptAt ? 1 : 0))
          .slice(0, request.limit);
        const leaseUntil = normalizeTimestamp(request.leaseUntil);
        return due.map((s) => {
          const leased: StreamRecord = { ...s, leaseOwner: request.owner, leaseUntil };
          outbox.streams.set(s.id, leased);
          return copy(leased);
        });
      }),
    updateStream: (id, owner, progress, release) =>
      locked(() => {
        const stream = outbox.streams.get(id);
        if (stream?.leaseOwner !== owner) return false;
        const lease = release ? { leaseOwner: null, leaseUntil: null } : {};
        outbox.streams.set(id, { ...stream, ...progress, ...lease });
        return true;
      }),
    setStreamPosition: (endpointId, tenantId, deliveredSeq, now) =>
      locked(() => {
        const stream = newStream(endpointId, tenantId, deliveredSeq, normalizeTimestamp(now));
        const previous = outbox.streams.get(stream.id);
        const next = previous ? { ...previous, ...stream, lastAttemptAt: previous.lastAttemptAt } : stream;
        outbox.streams.set(stream.id, next);
        return copy(next);
      }),
    insertDeadLetter: (deadLetter) =>
      locked(() => {
        outbox.deadLetters.set(deadLetter.id, { ...copy(deadLetter), deadAt: normalizeTimestamp(deadLetter.deadAt) });
      }),
    listDeadLetters: (endpointId, filter) =>
      locked(() =>
        [...outbox.deadLetters.values()]
          .filter(
            (d) =>
              d.endpointId === endpointId &&
              (filter.tenantId === undefined || d.tenantId === filter.tenantId) &&
              (filter.state === undefined || d.state === filter.state),
          )
          .sort((a, b) => (a.deadAt > b.deadAt ? -1 : a.deadAt < b.deadAt ? 1 : a.id > b.id ? -1 : 1))
          .slice(0, filter.limit)
          .map(copy),
      ),
    getDeadLetter: (endpointId, id) =>
      locked(() => {
        const d = outbox.deadLetters.get(id);
        return d?.endpointId === endpointId ? copy(d) : undefined;
      }),
    redeliver: (endpointId, id, now) =>
      locked(() => {
        const d = outbox.deadLetters.get(id);
        if (d?.endpointId !== endpointId) return undefined;
        const retrying: DeadLetterRecord = {
          ...d,
          state: 'retrying',
          attempts: 0,
          nextAttemptAt: normalizeTimestamp(now),
          leaseOwner: null,
          leaseUntil: null,
        };
        outbox.deadLetters.set(id, retrying);
        return copy(retrying);
      }),
    claimDeadLetters: (request) =>
      locked(() => {
        const due = [...outbox.deadLetters.values()]
          .filter(
            (d) =>
              d.state === 'retrying' &&
              claimable(request, d.endpointId) &&
              (d.nextAttemptAt ?? '') <= request.now &&
              leaseFree(d.leaseUntil, request.now),
          )
          .sort((a, b) => ((a.nextAttemptAt ?? '') < (b.nextAttemptAt ?? '') ? -1 : 1))
          .slice(0, request.limit);
        const leaseUntil = normalizeTimestamp(request.leaseUntil);
        return due.map((d) => {
          const leased = { ...d, leaseOwner: request.owner, leaseUntil };
          outbox.deadLetters.set(d.id, leased);
          return copy(leased);
        });
      }),
    updateDeadLetter: (id, owner, update) =>
      locked(() => {
        const d = outbox.deadLetters.get(id);
        if (d?.leaseOwner !== owner) return false;
        outbox.deadLetters.set(id, { ...d, ...update, leaseOwner: null, leaseUntil: null });
        return true;
      }),
    backlog: () =>
      locked(() => {
        const byKind = new Map<EndpointKind, { events: number; streams: number }>();
        for (const stream of outbox.streams.values()) {
          const endpoint = outbox.endpoints.get(stream.endpointId);
          const behind = (outbox.sequences.get(stream.tenantId)?.lastSeq ?? 0) - stream.deliveredSeq;
          if (!endpoint?.enabled || behind <= 0) continue;
          const sum = byKind.get(endpoint.kind) ?? { events: 0, streams: 0 };
          byKind.set(endpoint.kind, { events: sum.events + behind, streams: sum.streams + 1 });
        }
        return [...byKind].sort(([a], [b]) => (a < b ? -1 : 1)).map(([kind, sum]) => ({ kind, ...sum }));
      }),
  };
}
