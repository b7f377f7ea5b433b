/**
 * Tenant health in SQL (health-port.ts): the rollup upserts the provisioning log's append runs
 * in its transaction, the reads of buckets, undeclared attributes and slowest requests, and the
 * compare-and-set of a tenant's last state inside its unit of work.
 */
import { type Kysely, type Selectable, sql } from 'kysely';
import type { RequestLogEntry } from '../events-port.js';
import {
  type BucketCounts,
  type FailureCause,
  type HealthBucket,
  type HealthRepository,
  type HealthStateName,
  type HealthTotals,
  MAX_UNDECLARED_ATTRIBUTES,
} from '../health-port.js';
import { rollupOf } from '../health-rollup.js';
import { FAILURE_COLUMNS } from './migrations/0006-health.js';
import type { SqlScope } from './scope.js';
import type { Database, HealthBucketsTable } from './tables.js';
import { rowSlots, templateFamily } from './template.js';

/** Column of each failure cause, in FAILURE_CAUSES order. */
const CAUSE_COLUMNS: Readonly<Record<FailureCause, (typeof FAILURE_COLUMNS)[number]>> = {
  unauthorized: 'f_unauthorized',
  notFound: 'f_not_found',
  conflict: 'f_conflict',
  invalidValue: 'f_invalid_value',
  invalidFilter: 'f_invalid_filter',
  tooLarge: 'f_too_large',
  tooManyRequests: 'f_too_many_requests',
  serverError: 'f_server_error',
  other: 'f_other',
};

/** Columns an upsert adds to: the counters and the latency sum. */
const SUMMED = ['requests', 'failures', 'reference_failures', ...FAILURE_COLUMNS, 'latency_sum'] as const;

function toBucket(row: Selectable<HealthBucketsTable>): HealthBucket {
  const causes = {} as Record<FailureCause, number>;
  for (const [cause, column] of Object.entries(CAUSE_COLUMNS)) causes[cause as FailureCause] = Number(row[column]);
  return {
    tenantId: row.tenant_id,
    hour: row.hour,
    idp: row.idp,
    requests: Number(row.requests),
    failures: Number(row.failures),
    referenceFailures: Number(row.reference_failures),
    causes,
    latencySumMs: Number(row.latency_sum),
    latencyMaxMs: Number(row.latency_max),
    lastTime: row.last_time,
  };
}

function toRow(bucket: HealthBucket): Selectable<HealthBucketsTable> {
  const row: Selectable<HealthBucketsTable> = {
    tenant_id: bucket.tenantId,
    hour: bucket.hour,
    idp: bucket.idp,
    requests: bucket.requests,
    failures: bucket.failures,
    reference_failures: bucket.referenceFailures,
    f_unauthorized: 0,
    f_not_found: 0,
    f_conflict: 0,
    f_invalid_value: 0,
    f_invalid_filter: 0,
    f_too_large: 0,
    f_too_many_requests: 0,
    f_server_error: 0,
    f_other: 0,
    latency_sum: bucket.latencySumMs,
    latency_max: bucket.latencyMaxMs,
    last_time: bucket.lastTime,
  };
  for (const [cause, column] of Object.entries(CAUSE_COLUMNS)) row[column] = bucket.causes[cause as FailureCause];
  return row;
}

/** Every column of a bucket row, as `toRow` fills it. */
const BUCKET_COLUMNS = ['tenant_id', 'hour', 'idp', ...SUMMED, 'latency_max', 'last_time'] as const;
const ATTRIBUTE_COLUMNS = ['tenant_id', 'attribute', 'count', 'last_seen'] as const;

/** Most rows of one upsert statement; a flush's rows go in chunks of powers of two up to it. */
const MAX_ROWS_PER_UPSERT = 64;

/** Upsert of `n` buckets: counters added, the latest time and the largest latency kept. */
const upsertBuckets = templateFamily<number, string, never>((n, db) =>
  db
    .insertInto('health_buckets')
    .values(rowSlots(BUCKET_COLUMNS, n))
    .onConflict((oc) =>
      oc.columns(['tenant_id', 'hour', 'idp']).doUpdateSet({
        ...Object.fromEntries(
          SUMMED.map((c) => [c, sql`${sql.ref(`health_buckets.${c}`)} + ${sql.ref(`excluded.${c}`)}`]),
        ),
        latency_max: sql`case when excluded.latency_max > health_buckets.latency_max then excluded.latency_max else health_buckets.latency_max end`,
        last_time: sql`case when excluded.last_time > health_buckets.last_time then excluded.last_time else health_buckets.last_time end`,
      }),
    ),
);

/** Upsert of `n` undeclared attributes' counts. */
const upsertAttributes = templateFamily<number, string, never>((n, db) =>
  db
    .insertInto('health_attributes')
    .values(rowSlots(ATTRIBUTE_COLUMNS, n))
    .onConflict((oc) =>
      oc.columns(['tenant_id', 'attribute']).doUpdateSet({
        count: sql`health_attributes.count + excluded.count`,
        last_seen: sql`case when excluded.last_seen > health_attributes.last_seen then excluded.last_seen else health_attributes.last_seen end`,
      }),
    ),
);

/**
 * `rows` in order, in chunks whose sizes are powers of two of at most `MAX_ROWS_PER_UPSERT`
 * (100 rows: 64, 32, 4): a flush of any size runs a few statements of at most seven texts, each
 * compiled once (and on PostgreSQL prepared once per connection).
 */
export function powerOfTwoChunks<T>(rows: readonly T[]): T[][] {
  const chunks: T[][] = [];
  let at = 0;
  while (at < rows.length) {
    let size = MAX_ROWS_PER_UPSERT;
    while (size > rows.length - at) size /= 2;
    chunks.push(rows.slice(at, at + size));
    at += size;
  }
  return chunks;
}

/**
 * Adds the rollup of `entries` (just inserted on `db`, in the same transaction). Rows are
 * upserted in key order, so concurrent appends lock them in the same order (no deadlock). With
 * requests spread over many tenants a flush holds about one bucket per request: they go in
 * multi-row statements compiled once (built one by one, they cost about a tenth of a lookup's
 * CPU at 10,000 tenants, docs/benchmarks.md "Per-tenant overhead").
 */
export async function recordRollup(db: Kysely<Database>, entries: readonly RequestLogEntry[]): Promise<void> {
  const rollup = rollupOf(entries);
  for (const chunk of powerOfTwoChunks(rollup.buckets.map(toRow))) {
    await upsertBuckets(chunk.length).execute(db, {}, chunk);
  }
  const attributes = rollup.attributes.map((a) => ({
    tenant_id: a.tenantId,
    attribute: a.attribute,
    count: a.count,
    last_seen: a.lastSeen,
  }));
  for (const chunk of powerOfTwoChunks(attributes)) {
    await upsertAttributes(chunk.length).execute(db, {}, chunk);
  }
}

/** The counters `totals` sums (with `latency_max`, of which it keeps the largest). */
const COUNTED = ['requests', 'failures', 'reference_failures', ...FAILURE_COLUMNS, 'latency_sum'] as const;

/**
 * `ids` repeated at its end up to a power of two: a page of any size then is one of a few SQL
 * texts (9 up to 256 tenants), so the statements prepared stay the same few however many tenants
 * there are (docs/benchmarks.md "What grows with tenants"). A repeated id matches no more rows.
 */
export function padded(ids: readonly string[]): string[] {
  let size = 1;
  while (size < ids.length) size *= 2;
  return [...ids, ...Array<string>(size - ids.length).fill(ids[ids.length - 1] as string)];
}

/**
 * `HealthRepository.totals` in one statement. The windows are nested (each start at or after the
 * earliest), so the inner query sums each tenant and IdP's buckets per segment between two
 * consecutive starts with plain sums (segment 0 the newest), and the outer one adds up, per
 * window, the segments inside it: the database folds the hourly buckets and returns one row per
 * tenant and IdP. Plain sums per segment cost about half of a conditional sum per window on
 * every bucket (docs/benchmarks.md "Health pass at 10,000 tenants").
 */
async function readTotals(
  db: Kysely<Database>,
  starts: readonly string[],
  tenantIds: readonly string[] | undefined,
): Promise<HealthTotals[]> {
  if (tenantIds !== undefined && tenantIds.length === 0) return [];
  const bounds = [...new Set(starts)].sort().reverse();
  const oldest = bounds.length - 1;
  const since = bounds[oldest] as string;
  const segment =
    oldest === 0
      ? sql`0`
      : sql`case ${sql.join(
          bounds.slice(0, -1).map((bound, k) => sql`when hour >= ${bound} then ${sql.lit(k)}`),
          sql` `,
        )} else ${sql.lit(oldest)} end`;
  const tenants = tenantIds === undefined ? sql`` : sql`and tenant_id in (${sql.join(padded(tenantIds))})`;
  const inner = sql`select tenant_id, idp, ${segment} as segment, max(last_time) as last_time, ${sql.join(
    COUNTED.map((c) => sql`sum(${sql.ref(c)}) as ${sql.ref(c)}`),
  )}, max(latency_max) as latency_max
    from health_buckets where hour >= ${since} ${tenants}
    group by tenant_id, idp, segment`;
  const windows = starts.flatMap((start, i) => {
    const j = bounds.indexOf(start);
    const within = (column: string) =>
      j === oldest ? sql.ref(column) : sql`case when segment <= ${sql.lit(j)} then ${sql.ref(column)} else 0 end`;
    return [
      ...COUNTED.map((c) => sql`sum(${within(c)}) as ${sql.ref(`w${i}_${c}`)}`),
      sql`max(${within('latency_max')}) as ${sql.ref(`w${i}_latency_max`)}`,
    ];
  });
  const { rows } = await sql<Record<string, unknown>>`select tenant_id, idp, max(last_time) as last_time, ${sql.join(
    windows,
  )} from (${inner}) s group by tenant_id, idp order by tenant_id, idp`.execute(db);
  return rows.map((row) => ({
    tenantId: row['tenant_id'] as string,
    idp: row['idp'] as string,
    lastTime: row['last_time'] as string,
    windows: starts.map((_, i): BucketCounts => {
      const n = (column: string) => Number(row[`w${i}_${column}`]);
      const causes = {} as Record<FailureCause, number>;
      for (const [cause, column] of Object.entries(CAUSE_COLUMNS)) causes[cause as FailureCause] = n(column);
      return {
        requests: n('requests'),
        failures: n('failures'),
        referenceFailures: n('reference_failures'),
        causes,
        latencySumMs: n('latency_sum'),
        latencyMaxMs: n('latency_max'),
      };
    }),
  }));
}

/** `TenantWriter.swapHealthState` on the unit of work's connection. */
export async function swapHealthState(
  scope: SqlScope,
  expected: HealthStateName | null,
  next: HealthStateName,
  since: string,
): Promise<boolean> {
  if (expected === null) {
    const result = await scope.db
      .insertInto('health_states')
      .values({ tenant_id: scope.tenantId, state: next, since })
      .onConflict((oc) => oc.column('tenant_id').doNothing())
      .executeTakeFirst();
    return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
  }
  const result = await scope.db
    .updateTable('health_states')
    .set({ state: next, since })
    .where('tenant_id', '=', scope.tenantId)
    .where('state', '=', expected)
    .executeTakeFirst();
  return Number(result.numUpdatedRows) > 0;
}

export function createHealthRepository(db: Kysely<Database>): HealthRepository {
  return {
    async buckets(since, tenantId) {
      let query = db.selectFrom('health_buckets').selectAll().where('hour', '>=', since);
      if (tenantId !== undefined) query = query.where('tenant_id', '=', tenantId);
      const rows = await query.orderBy('tenant_id').orderBy('hour').orderBy('idp').execute();
      return rows.map(toBucket);
    },
    totals: (starts, tenantIds) => readTotals(db, starts, tenantIds),
    async undeclaredAttributes(tenantId, limit) {
      const rows = await db
        .selectFrom('health_attributes')
        .select(['attribute', 'count', 'last_seen'])
        .where('tenant_id', '=', tenantId)
        .orderBy('count', 'desc')
        .orderBy('attribute')
        .limit(limit)
        .execute();
      return rows.map((r) => ({ attribute: r.attribute, count: Number(r.count), lastSeen: r.last_seen }));
    },
    async slowest(tenantId, since, limit) {
      const rows = await db
        .selectFrom('request_log')
        .select(['id', 'time', 'method', 'path', 'status', 'latency_ms'])
        .where('tenant_id', '=', tenantId)
        .where('time', '>=', since)
        .orderBy('latency_ms', 'desc')
        .orderBy('time', 'desc')
        .orderBy('id', 'desc')
        .limit(limit)
        .execute();
      return rows.map((r) => ({
        id: r.id,
        time: r.time,
        method: r.method,
        path: r.path,
        status: Number(r.status),
        latencyMs: Number(r.latency_ms),
      }));
    },
    async states() {
      const rows = await db.selectFrom('health_states').selectAll().orderBy('tenant_id').execute();
      return rows.map((r) => ({ tenantId: r.tenant_id, state: r.state as HealthStateName, since: r.since }));
    },
    async prune(before) {
      const buckets = await db.deleteFrom('health_buckets').where('hour', '<', before).executeTakeFirst();
      const stale = await db.deleteFrom('health_attributes').where('last_seen', '<', before).executeTakeFirst();
      let removed = Number(buckets.numDeletedRows) + Number(stale.numDeletedRows);
      const crowded = await db
        .selectFrom('health_attributes')
        .select('tenant_id')
        .groupBy('tenant_id')
        .having((eb) => eb.fn.countAll(), '>', MAX_UNDECLARED_ATTRIBUTES)
        .execute();
      for (const { tenant_id: tenantId } of crowded) {
        const extra = await db
          .selectFrom('health_attributes')
          .select('attribute')
          .where('tenant_id', '=', tenantId)
          .orderBy('count', 'desc')
          .orderBy('attribute')
          .offset(MAX_UNDECLARED_ATTRIBUTES)
          .limit(1_000_000)
          .execute();
        for (let i = 0; i < extra.length; i += 500) {
          const names = extra.slice(i, i + 500).map((r) => r.attribute);
          const result = await db
            .deleteFrom('health_attributes')
            .where('tenant_id', '=', tenantId)
            .where('attribute', 'in', names)
            .executeTakeFirst();
          removed += Number(result.numDeletedRows);
        }
      }
      return removed;
    },
  };
}
