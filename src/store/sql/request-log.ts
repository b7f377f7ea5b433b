/**
 * The provisioning log in SQL: batched appends, newest-first queries on indexed columns, and
 * retention by age and by count per tenant.
 */
import { type Kysely, type Selectable, sql } from 'kysely';
import {
  DEFAULT_UNAUTHENTICATED_LOG_ENTRIES,
  type RequestLogEntry,
  type RequestLogRepository,
} from '../events-port.js';
import type { SqlDialect } from './dialect.js';
import { recordRollup } from './health.js';
import { FAILURE_STATUS } from './migrations/0015-request-log-locality.js';
import { chunk } from './scope.js';
import type { Database, RequestLogTable } from './tables.js';
import { rowSlots, SMALL_LISTS, templateFamily } from './template.js';

function toEntry(row: Selectable<RequestLogTable>): RequestLogEntry {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    time: row.time,
    method: row.method,
    path: row.path,
    status: Number(row.status),
    scimType: row.scim_type,
    latencyMs: Number(row.latency_ms),
    resourceType: row.resource_type,
    resourceId: row.resource_id,
    idp: row.idp,
    userAgent: row.user_agent,
    requestId: row.request_id,
    requestBody: row.request_body,
    responseBody: row.response_body,
    // SQLite answers 1/0, PostgreSQL true/false.
    authenticated: Boolean(row.authenticated),
    ignoredAttributes: parseAttributes(row.ignored_attributes),
  };
}

function parseAttributes(text: string): string[] {
  if (text === '[]') return [];
  const value = JSON.parse(text) as unknown;
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

function toRow(e: RequestLogEntry, dialect: SqlDialect): Selectable<RequestLogTable> {
  return {
    id: e.id,
    tenant_id: e.tenantId,
    time: e.time,
    method: e.method,
    path: e.path,
    status: e.status,
    scim_type: e.scimType,
    latency_ms: Math.round(e.latencyMs),
    resource_type: e.resourceType,
    resource_id: e.resourceId,
    idp: e.idp,
    user_agent: e.userAgent,
    request_id: e.requestId,
    request_body: e.requestBody,
    response_body: e.responseBody,
    authenticated: dialect.codec.encodeBoolean(e.authenticated ?? true) as boolean | number,
    ignored_attributes:
      e.ignoredAttributes === undefined || e.ignoredAttributes.length === 0
        ? '[]'
        : JSON.stringify(e.ignoredAttributes),
  };
}

const LOG_COLUMNS = [
  'id',
  'tenant_id',
  'time',
  'method',
  'path',
  'status',
  'scim_type',
  'latency_ms',
  'resource_type',
  'resource_id',
  'idp',
  'user_agent',
  'request_id',
  'request_body',
  'response_body',
  'authenticated',
  'ignored_attributes',
] as const;

const COLUMNS_WITHOUT_BODIES = LOG_COLUMNS.filter((c) => c !== 'request_body' && c !== 'response_body');

/**
 * INSERT of `n` entries, each column bound as `<column><i>`: every request is logged, and
 * compiling a 200-row INSERT anew for each batch costs more than SQLite takes to write it.
 */
const insertEntries = templateFamily<number, string, never>(
  (n, db) => db.insertInto('request_log').values(rowSlots(LOG_COLUMNS, n)),
  SMALL_LISTS,
);

export function createRequestLogRepository(db: Kysely<Database>, dialect: SqlDialect): RequestLogRepository {
  /** The entries and their health rollup (health.ts), in one transaction: both or neither. */
  function insert(entries: readonly RequestLogEntry[]): Promise<void> {
    return db.transaction().execute(async (trx) => {
      for (const part of chunk(entries, LOG_COLUMNS.length, dialect.fragments.maxParameters)) {
        await insertEntries(part.length).execute(
          trx,
          {},
          part.map((e) => toRow(e, dialect)),
        );
      }
      await recordRollup(trx, entries);
    });
  }

  return {
    async append(entries) {
      if (entries.length === 0) return;
      try {
        await insert(entries);
      } catch (error) {
        // Most likely a tenant deleted since its requests were recorded (foreign key): keep the
        // entries of tenants that still exist, rethrow anything else.
        const ids = [...new Set(entries.map((e) => e.tenantId))];
        const rows = await db.selectFrom('tenants').select('id').where('id', 'in', ids).execute();
        const live = new Set(rows.map((r) => r.id));
        if (live.size === ids.length) throw error;
        await insert(entries.filter((e) => live.has(e.tenantId)));
      }
    },
    async list(tenantId, q) {
      let query = db
        .selectFrom('request_log')
        .select(q.withoutBodies ? COLUMNS_WITHOUT_BODIES : LOG_COLUMNS)
        .where('tenant_id', '=', tenantId);
      if (q.since !== undefined) query = query.where('time', '>=', q.since);
      if (q.until !== undefined) query = query.where('time', '<', q.until);
      if (q.minStatus !== undefined) query = query.where('status', '>=', q.minStatus);
      // Failures have an index of their own (0015-request-log-locality.ts); the planner can tell
      // it applies from a literal bound only, never from a parameter.
      if (q.minStatus !== undefined && q.minStatus >= FAILURE_STATUS) {
        query = query.where(sql<boolean>`status >= ${sql.lit(FAILURE_STATUS)}`);
      }
      if (q.maxStatus !== undefined) query = query.where('status', '<=', q.maxStatus);
      if (q.resourceId !== undefined) query = query.where('resource_id', '=', q.resourceId);
      if (q.method !== undefined) query = query.where('method', '=', q.method);
      if (q.resourceType === 'other') {
        // NULL is neither 'User' nor 'Group', but `NOT IN` alone would leave it out.
        query = query.where((eb) =>
          eb.or([eb('resource_type', 'is', null), eb('resource_type', 'not in', ['User', 'Group'])]),
        );
      } else if (q.resourceType !== undefined) query = query.where('resource_type', '=', q.resourceType);
      if (q.authenticated !== undefined) {
        query = query.where('authenticated', '=', dialect.codec.encodeBoolean(q.authenticated) as boolean);
      }
      if (q.before !== undefined) {
        const anchor = await db
          .selectFrom('request_log')
          .select(['time', 'id'])
          .where('tenant_id', '=', tenantId)
          .where('id', '=', q.before)
          .executeTakeFirst();
        if (anchor === undefined) return [];
        query = query.where((eb) =>
          eb.or([eb('time', '<', anchor.time), eb.and([eb('time', '=', anchor.time), eb('id', '<', anchor.id)])]),
        );
      }
      const rows = await query.orderBy('time', 'desc').orderBy('id', 'desc').limit(q.limit).execute();
      // Without bodies, the row lacks the two columns: they read back as null.
      const noBodies = { request_body: null, response_body: null };
      return rows.map((row) => toEntry(Object.assign({}, noBodies, row) as Selectable<RequestLogTable>));
    },
    async get(tenantId, id) {
      const row = await db
        .selectFrom('request_log')
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .executeTakeFirst();
      return row && toEntry(row);
    },
    async prune(before, maxPerTenant, maxUnauthenticated) {
      const old = await db.deleteFrom('request_log').where('time', '<', before).executeTakeFirst();
      let removed = Number(old.numDeletedRows);
      const unauthenticatedBound = maxUnauthenticated ?? Math.min(maxPerTenant, DEFAULT_UNAUTHENTICATED_LOG_ENTRIES);
      // Authenticated and unauthenticated entries are counted apart: neither evicts the other.
      for (const [authenticated, bound] of [
        [true, maxPerTenant],
        [false, unauthenticatedBound],
      ] as const) {
        const flag = dialect.codec.encodeBoolean(authenticated) as boolean;
        const crowded = await db
          .selectFrom('request_log')
          .select(['tenant_id', (eb) => eb.fn.countAll().as('n')])
          .where('authenticated', '=', flag)
          .groupBy('tenant_id')
          .having((eb) => eb.fn.countAll(), '>', bound)
          .execute();
        for (const { tenant_id: tenantId } of crowded) {
          // The newest entry to remove: everything from it on (in newest-first order) goes.
          const first = await db
            .selectFrom('request_log')
            .select(['time', 'id'])
            .where('tenant_id', '=', tenantId)
            .where('authenticated', '=', flag)
            .orderBy('time', 'desc')
            .orderBy('id', 'desc')
            .offset(bound)
            .limit(1)
            .executeTakeFirst();
          if (first === undefined) continue;
          const result = await db
            .deleteFrom('request_log')
            .where('tenant_id', '=', tenantId)
            .where('authenticated', '=', flag)
            .where((eb) =>
              eb.or([eb('time', '<', first.time), eb.and([eb('time', '=', first.time), eb('id', '<=', first.id)])]),
            )
            .executeTakeFirst();
          removed += Number(result.numDeletedRows);
        }
      }
      return removed;
    },
  };
}
