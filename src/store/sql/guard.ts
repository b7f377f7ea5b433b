/**
 * The deprovision guard in SQL (guard-port.ts). The writer's statements run on the unit of
 * work's connection, so a trip commits with the change that caused it; writers of a tenant are
 * serialised (SQLite's single writer, PostgreSQL's tenant lock), so a guard trips once.
 */
import type { Kysely, Selectable } from 'kysely';
import type {
  GuardAction,
  GuardBeforeState,
  GuardCapture,
  GuardDecision,
  GuardOverrides,
  GuardRecord,
  GuardRepository,
  GuardStateName,
  GuardWriter,
} from '../guard-port.js';
import type { SqlScope } from './scope.js';
import type { Database, GuardCapturesTable, GuardDecisionsTable, TenantGuardsTable } from './tables.js';

const numberOrNull = (value: number | string | null): number | null => (value === null ? null : Number(value));

function toRecord(row: Selectable<TenantGuardsTable>): GuardRecord {
  return {
    tenantId: row.tenant_id,
    overrides: JSON.parse(row.overrides) as GuardOverrides,
    state: row.state as GuardStateName,
    since: row.since,
    heldSeq: numberOrNull(row.held_seq),
    countFrom: row.count_from,
    trippedAt: row.tripped_at,
    tripDeprovisioned: numberOrNull(row.trip_deprovisioned),
    tripBase: numberOrNull(row.trip_base),
  };
}

function toCapture(row: Selectable<GuardCapturesTable>): GuardCapture {
  return {
    resourceType: row.resource_type as GuardCapture['resourceType'],
    resourceId: row.resource_id,
    seq: Number(row.seq),
    before: JSON.parse(row.before) as GuardBeforeState,
  };
}

function toDecision(row: Selectable<GuardDecisionsTable>): GuardDecision {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    time: row.time,
    action: row.action as GuardAction,
    actor: row.actor,
    detail: JSON.parse(row.detail) as Record<string, unknown>,
  };
}

/** `tx.guard`; `hold` is what the unit's last `appendEvents` read (sql-store.ts sets it). */
export function createGuardWriter(scope: SqlScope, hold: () => number | null | undefined): GuardWriter {
  const { db, dialect, tenantId } = scope;
  async function countDeprovisions(since: string): Promise<number> {
    const row = await db
      .selectFrom('guard_deprovisions')
      .select((eb) => eb.fn.countAll().as('n'))
      .where('tenant_id', '=', tenantId)
      .where('time', '>', since)
      .executeTakeFirst();
    return Number(row?.n ?? 0);
  }
  return {
    deliveryHold: hold,
    async read() {
      const row = await db.selectFrom('tenant_guards').selectAll().where('tenant_id', '=', tenantId).executeTakeFirst();
      return row === undefined ? undefined : toRecord(row);
    },
    async noteDeprovision(userId, time) {
      await db
        .insertInto('guard_deprovisions')
        .values({ tenant_id: tenantId, user_id: userId, time })
        .onConflict((oc) => oc.columns(['tenant_id', 'user_id']).doUpdateSet({ time }))
        .execute();
    },
    countDeprovisions,
    async countBase(since) {
      const row = await db
        .selectFrom('resources as r')
        .select((eb) => eb.fn.countAll().as('n'))
        .where('r.tenant_id', '=', tenantId)
        .where('r.resource_type', '=', 'User')
        .where((eb) => eb.or([eb('r.active', 'is', null), eb('r.active', '=', dialect.codec.encodeBoolean(true))]))
        .where((eb) =>
          eb.not(
            eb.exists(
              eb
                .selectFrom('guard_deprovisions as d')
                .select('d.user_id')
                .where('d.tenant_id', '=', tenantId)
                .whereRef('d.user_id', '=', 'r.id')
                .where('d.time', '>', since),
            ),
          ),
        )
        .executeTakeFirst();
      return Number(row?.n ?? 0) + (await countDeprovisions(since));
    },
    async write(record) {
      const values = {
        overrides: JSON.stringify(record.overrides),
        state: record.state,
        since: record.since,
        held_seq: record.heldSeq,
        count_from: record.countFrom,
        tripped_at: record.trippedAt,
        trip_deprovisioned: record.tripDeprovisioned,
        trip_base: record.tripBase,
      };
      await db
        .insertInto('tenant_guards')
        .values({ tenant_id: tenantId, ...values })
        .onConflict((oc) => oc.column('tenant_id').doUpdateSet(values))
        .execute();
      await db
        .updateTable('event_sequences')
        .set({ held_seq: record.heldSeq })
        .where('tenant_id', '=', tenantId)
        .execute();
    },
    async capture(captures) {
      if (captures.length === 0) return;
      await db
        .insertInto('guard_captures')
        .values(
          captures.map((c) => ({
            tenant_id: tenantId,
            resource_id: c.resourceId,
            resource_type: c.resourceType,
            seq: c.seq,
            before: JSON.stringify(c.before),
          })),
        )
        .onConflict((oc) => oc.columns(['tenant_id', 'resource_id']).doNothing())
        .execute();
    },
    async clearCaptures() {
      await db.deleteFrom('guard_captures').where('tenant_id', '=', tenantId).execute();
    },
    async forgetDeprovisions(time) {
      await db.deleteFrom('guard_deprovisions').where('tenant_id', '=', tenantId).where('time', '<=', time).execute();
    },
    async recordDecision(decision) {
      await db
        .insertInto('guard_decisions')
        .values({
          id: decision.id,
          tenant_id: tenantId,
          time: decision.time,
          action: decision.action,
          actor: decision.actor,
          detail: JSON.stringify(decision.detail),
        })
        .execute();
    },
  };
}

export function createGuardRepository(db: Kysely<Database>): GuardRepository {
  return {
    async list() {
      const rows = await db.selectFrom('tenant_guards').selectAll().orderBy('tenant_id').execute();
      return rows.map(toRecord);
    },
    async get(tenantId) {
      const row = await db.selectFrom('tenant_guards').selectAll().where('tenant_id', '=', tenantId).executeTakeFirst();
      return row === undefined ? undefined : toRecord(row);
    },
    async captures(tenantId) {
      const rows = await db
        .selectFrom('guard_captures')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .orderBy('seq')
        .orderBy('resource_id')
        .execute();
      return rows.map(toCapture);
    },
    async decisions(tenantId, limit) {
      const rows = await db
        .selectFrom('guard_decisions')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .orderBy('time', 'desc')
        .orderBy('id', 'desc')
        .limit(limit)
        .execute();
      return rows.map(toDecision);
    },
  };
}
