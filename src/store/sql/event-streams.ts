/**
 * Delivery streams in SQL: claiming due streams with a lease, recording progress under that
 * lease (fencing), and replay. A claim is one UPDATE whose subquery picks the due streams; with
 * `fragments.rowLocking` (PostgreSQL) the subquery is `FOR UPDATE OF s SKIP LOCKED`, so
 * concurrent dispatchers take disjoint streams without waiting for each other. Without it
 * (SQLite) the UPDATE is atomic under the database's single writer.
 */
import type { Kysely, Selectable } from 'kysely';
import type { ClaimRequest, EndpointRepository, StreamRecord } from '../events-port.js';
import { normalizeTimestamp } from '../project-columns.js';
import type { SqlDialect } from './dialect.js';
import { streamId } from './events.js';
import type { Database, EventStreamsTable } from './tables.js';

function toStream(row: Selectable<EventStreamsTable>): StreamRecord {
  return {
    id: row.id,
    endpointId: row.endpoint_id,
    tenantId: row.tenant_id,
    deliveredSeq: Number(row.delivered_seq),
    attempts: Number(row.attempts),
    nextAttemptAt: row.next_attempt_at,
    lastAttemptAt: row.last_attempt_at,
    lastError: row.last_error,
    lastStatus: row.last_status === null ? null : Number(row.last_status),
    leaseOwner: row.lease_owner,
    leaseUntil: row.lease_until,
  };
}

type StreamFunctions = Pick<EndpointRepository, 'listStreams' | 'claimStreams' | 'updateStream' | 'setStreamPosition'>;

export function createStreamFunctions(db: Kysely<Database>, dialect: SqlDialect): StreamFunctions {
  function dueStreams(request: ClaimRequest) {
    let due = db
      .selectFrom('event_streams as s')
      .innerJoin('event_endpoints as e', 'e.id', 's.endpoint_id')
      .innerJoin('event_sequences as q', 'q.tenant_id', 's.tenant_id')
      .select('s.id')
      .where('e.kind', '=', request.kind)
      .where('e.enabled', '=', dialect.codec.encodeBoolean(true))
      // A held tenant's streams are due only up to its hold (guard-port.ts): no busy claiming.
      .where((eb) => eb(eb.fn.coalesce('q.held_seq', 'q.last_seq'), '>', eb.ref('s.delivered_seq')))
      .where('s.next_attempt_at', '<=', request.now)
      .where((eb) => eb.or([eb('s.lease_until', 'is', null), eb('s.lease_until', '<=', request.now)]))
      .orderBy('s.next_attempt_at')
      .limit(request.limit);
    if (request.endpointId !== undefined) due = due.where('e.id', '=', request.endpointId);
    return dialect.fragments.rowLocking ? due.forUpdate('s').skipLocked() : due;
  }

  return {
    async listStreams(endpointId) {
      const rows = await db
        .selectFrom('event_streams')
        .selectAll()
        .where('endpoint_id', '=', endpointId)
        .orderBy('tenant_id')
        .execute();
      return rows.map(toStream);
    },
    async claimStreams(request) {
      const rows = await db
        .updateTable('event_streams')
        .set({ lease_owner: request.owner, lease_until: normalizeTimestamp(request.leaseUntil) })
        .where('id', 'in', dueStreams(request))
        .returningAll()
        .execute();
      return rows.map(toStream).sort((a, b) => (a.nextAttemptAt < b.nextAttemptAt ? -1 : 1));
    },
    async updateStream(id, owner, progress, release) {
      const result = await db
        .updateTable('event_streams')
        .set({
          delivered_seq: progress.deliveredSeq,
          attempts: progress.attempts,
          next_attempt_at: progress.nextAttemptAt,
          last_attempt_at: progress.lastAttemptAt,
          last_error: progress.lastError,
          last_status: progress.lastStatus,
          ...(release ? { lease_owner: null, lease_until: null } : {}),
        })
        .where('id', '=', id)
        .where('lease_owner', '=', owner)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
    async setStreamPosition(endpointId, tenantId, deliveredSeq, now) {
      const at = normalizeTimestamp(now);
      // Clearing the lease fences off a dispatcher that is mid-delivery on the old position.
      const reset = {
        delivered_seq: deliveredSeq,
        attempts: 0,
        next_attempt_at: at,
        last_error: null,
        last_status: null,
        lease_owner: null,
        lease_until: null,
      };
      const row = await db
        .insertInto('event_streams')
        .values({ id: streamId(endpointId, tenantId), endpoint_id: endpointId, tenant_id: tenantId, ...reset })
        .onConflict((oc) => oc.column('id').doUpdateSet(reset))
        .returningAll()
        .executeTakeFirstOrThrow();
      return toStream(row);
    },
  };
}
