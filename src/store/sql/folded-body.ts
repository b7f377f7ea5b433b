/**
 * The folded copy of a resource's body (dialect.ts, `FoldedBody`), kept in `resource_scan`
 * (migration 0011-scan-layout), one narrow row per resource keyed (tenant, type, id): what a
 * filter on an attribute without a projected column scans, so that scanning a tenant's users
 * reads their compact copies and not their whole rows (docs/benchmarks.md, "Scans"). Every
 * string is folded with the filter evaluator's own `fold`, keys as they are; attributes that
 * filters read from columns (sources.ts, `columnSource`, `derivedRows`) and `schemas` are left
 * out. Written with the row by resources.ts, removed with it by a trigger; resources without
 * one (written before 0009 or by a tool writing rows directly, as the benchmark's seeder can)
 * get theirs when the store opens.
 */
import { type Kysely, sql } from 'kysely';
import { fold } from '../../scim/filter/values.js';
import type { ResourceTypeName } from '../../scim/schema/types.js';
import type { ScimObject } from '../shapes.js';
import type { FoldedBody, SqlDialect } from './dialect.js';
import type { Database } from './tables.js';
import { template, templateFamily } from './template.js';

/** `value` with every string folded, arrays and objects copied, everything else unchanged. */
export function foldStrings(value: unknown): unknown {
  if (typeof value === 'string') return fold(value);
  if (Array.isArray(value)) return value.map(foldStrings);
  if (value !== null && typeof value === 'object') {
    const copy: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(value)) copy[key] = foldStrings(inner);
    return copy;
  }
  return value;
}

/**
 * Top-level attributes the copy leaves out, by resource type: filters read them from columns
 * or from `group_members` (sources.ts), never from the copy; `schemas` is no filterable
 * attribute. Migration 0011 removes the same keys from copies written before it.
 */
export const OMITTED_FROM_SCAN_COPY: {
  readonly any: readonly string[];
  readonly byType: Readonly<Record<string, readonly string[]>>;
} = {
  any: ['schemas', 'id', 'meta', 'externalId', 'displayName'],
  byType: { User: ['userName', 'active', 'groups'], Group: ['members'] },
};

/** The copy of `body` a resource of `type` keeps in `resource_scan`, as JSON text. */
export function scanCopy(type: string, body: unknown): string {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return JSON.stringify(foldStrings(body));
  const omitted = new Set([...OMITTED_FROM_SCAN_COPY.any, ...(OMITTED_FROM_SCAN_COPY.byType[type] ?? [])]);
  const copy: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(body)) if (!omitted.has(key)) copy[key] = foldStrings(inner);
  return JSON.stringify(copy);
}

const writeCopy = templateFamily<FoldedBody, 'tenant' | 'type' | 'id' | 'fold', never>((folded, db, slot) =>
  db
    .insertInto('resource_scan')
    .values({
      tenant_id: slot('tenant'),
      resource_type: slot('type'),
      id: slot('id'),
      fold: folded.store(slot('fold')) as never,
    })
    .onConflict((oc) =>
      oc.columns(['tenant_id', 'resource_type', 'id']).doUpdateSet({ fold: sql.ref('excluded.fold') as never }),
    ),
);

/** Writes (or replaces) the copy of a resource's body, where the dialect keeps one. */
export async function writeScanCopy(
  db: Kysely<Database>,
  dialect: SqlDialect,
  tenantId: string,
  type: ResourceTypeName,
  id: string,
  body: ScimObject,
): Promise<void> {
  const folded = dialect.fragments.foldedBody;
  if (folded === undefined) return;
  await writeCopy(folded).execute(db, { tenant: tenantId, type, id, fold: scanCopy(type, body) });
}

/** Rows filled per transaction, so that a large backfill never holds the write lock for long. */
const BACKFILL_BATCH = 2000;

/** Resources and copies, counted: `resource_counts` is exact (0009), so this reads one narrow table. */
const copiesMissing = template<never, { missing: number | string }>((db) =>
  db.selectNoFrom((eb) =>
    eb(
      eb.selectFrom('resource_counts').select((e) => e.fn.coalesce(e.fn.sum<number>('n'), sql.lit(0)).as('n')),
      '-',
      eb.selectFrom('resource_scan').select((e) => e.fn.countAll<number>().as('n')),
    ).as('missing'),
  ),
);

const uncopiedRows = template<'limit', { tenant_id: string; resource_type: string; id: string; body: unknown }>(
  (db, slot) =>
    db
      .selectFrom('resources as r')
      .select(['r.tenant_id', 'r.resource_type', 'r.id', 'r.body'])
      .where(({ not, exists, selectFrom }) =>
        not(
          exists(
            selectFrom('resource_scan as f')
              .select(sql.lit(1).as('one'))
              .whereRef('f.tenant_id', '=', 'r.tenant_id')
              .whereRef('f.resource_type', '=', 'r.resource_type')
              .whereRef('f.id', '=', 'r.id'),
          ),
        ),
      )
      .limit(slot('limit')),
);

/**
 * Writes the copy of every resource that has none; returns how many it wrote. When every
 * resource has one (the count of `resource_scan` is that of `resource_counts`), it reads only
 * `resource_scan`'s count.
 */
export async function backfillFoldedBodies(db: Kysely<Database>, dialect: SqlDialect): Promise<number> {
  const folded = dialect.fragments.foldedBody;
  if (folded === undefined) return 0;
  const [counted] = await copiesMissing.execute(db, {});
  if (Number(counted?.missing ?? 0) === 0) return 0;
  const write = writeCopy(folded);
  let written = 0;
  for (;;) {
    const done = await db.transaction().execute(async (tx) => {
      const rows = await uncopiedRows.execute(tx, { limit: BACKFILL_BATCH });
      for (const row of rows) {
        const fold = scanCopy(row.resource_type, dialect.codec.decodeJson(row.body));
        await write.execute(tx, { tenant: row.tenant_id, type: row.resource_type, id: row.id, fold });
      }
      return rows.length;
    });
    written += done;
    if (done < BACKFILL_BATCH) return written;
  }
}
