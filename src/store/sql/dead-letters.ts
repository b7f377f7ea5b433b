/**
 * Dead letters in SQL: events an endpoint gave up on, kept for inspection and manual
 * redelivery. A redelivery is claimed and fenced like a stream (see event-streams.ts).
 */
import type { Kysely, Selectable } from 'kysely';
import type { DeadLetterRecord, DeadLetterState, EndpointRepository } from '../events-port.js';
import { normalizeTimestamp } from '../project-columns.js';
import type { SqlDialect } from './dialect.js';
import type { Database, EventDeadLettersTable } from './tables.js';

function toDeadLetter(row: Selectable<EventDeadLettersTable>): DeadLetterRecord {
  return {
    id: row.id,
    endpointId: row.endpoint_id,
    tenantId: row.tenant_id,
    seq: Number(row.seq),
    attempts: Number(row.attempts),
    lastError: row.last_error,
    lastStatus: row.last_status === null ? null : Number(row.last_status),
    deadAt: row.dead_at,
    state: row.state as DeadLetterState,
    nextAttemptAt: row.next_attempt_at,
    leaseOwner: row.lease_owner,
    leaseUntil: row.lease_until,
  };
}

type DeadLetterFunctions = Pick<
  EndpointRepository,
  'insertDeadLetter' | 'listDeadLetters' | 'getDeadLetter' | 'redeliver' | 'claimDeadLetters' | 'updateDeadLetter'
>;

export function createDeadLetterFunctions(db: Kysely<Database>, dialect: SqlDialect): DeadLetterFunctions {
  const select = () => db.selectFrom('event_dead_letters').selectAll();
  return {
    async insertDeadLetter(d) {
      await db
        .insertInto('event_dead_letters')
        .values({
          id: d.id,
          endpoint_id: d.endpointId,
          tenant_id: d.tenantId,
          seq: d.seq,
          attempts: d.attempts,
          last_error: d.lastError,
          last_status: d.lastStatus,
          dead_at: normalizeTimestamp(d.deadAt),
          state: d.state,
          next_attempt_at: d.nextAttemptAt,
          lease_owner: d.leaseOwner,
          lease_until: d.leaseUntil,
        })
        .execute();
    },
    async listDeadLetters(endpointId, filter) {
      let query = select().where('endpoint_id', '=', endpointId);
      if (filter.tenantId !== undefined) query = query.where('tenant_id', '=', filter.tenantId);
      if (filter.state !== undefined) query = query.where('state', '=', filter.state);
      const rows = await query.orderBy('dead_at', 'desc').orderBy('id', 'desc').limit(filter.limit).execute();
      return rows.map(toDeadLetter);
    },
    async getDeadLetter(endpointId, id) {
      const row = await select().where('endpoint_id', '=', endpointId).where('id', '=', id).executeTakeFirst();
      return row && toDeadLetter(row);
    },
    async redeliver(endpointId, id, now) {
      const row = await db
        .updateTable('event_dead_letters')
        .set({
          state: 'retrying',
          attempts: 0,
          next_attempt_at: normalizeTimestamp(now),
          lease_owner: null,
          lease_until: null,
        })
        .where('endpoint_id', '=', endpointId)
        .where('id', '=', id)
        .returningAll()
        .executeTakeFirst();
      return row && toDeadLetter(row);
    },
    async claimDeadLetters(request) {
      let due = db
        .selectFrom('event_dead_letters as d')
        .innerJoin('event_endpoints as e', 'e.id', 'd.endpoint_id')
        .select('d.id')
        .where('d.state', '=', 'retrying')
        .where('e.kind', '=', request.kind)
        .where('e.enabled', '=', dialect.codec.encodeBoolean(true))
        .where('d.next_attempt_at', '<=', request.now)
        .where((eb) => eb.or([eb('d.lease_until', 'is', null), eb('d.lease_until', '<=', request.now)]))
        .orderBy('d.next_attempt_at')
        .limit(request.limit);
      if (request.endpointId !== undefined) due = due.where('e.id', '=', request.endpointId);
      const locked = dialect.fragments.rowLocking ? due.forUpdate('d').skipLocked() : due;
      const rows = await db
        .updateTable('event_dead_letters')
        .set({ lease_owner: request.owner, lease_until: normalizeTimestamp(request.leaseUntil) })
        .where('id', 'in', locked)
        .returningAll()
        .execute();
      return rows.map(toDeadLetter).sort((a, b) => ((a.nextAttemptAt ?? '') < (b.nextAttemptAt ?? '') ? -1 : 1));
    },
    async updateDeadLetter(id, owner, update) {
      const result = await db
        .updateTable('event_dead_letters')
        .set({
          state: update.state,
          attempts: update.attempts,
          next_attempt_at: update.nextAttemptAt,
          last_error: update.lastError,
          last_status: update.lastStatus,
          lease_owner: null,
          lease_until: null,
        })
        .where('id', '=', id)
        .where('lease_owner', '=', owner)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
  };
}
