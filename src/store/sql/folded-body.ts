/**
 * The folded copy of a resource's body (dialect.ts, `FoldedBody`), kept in `resource_scan`
 * (migration 0011-scan-layout), one narrow row per resource keyed (tenant, type, id): what a
 * filter on an attribute without a projected column scans, so that scanning a tenant's users
 * reads their compact copies and not their whole rows (docs/benchmarks.md, "Scans"). Every
 * string is folded with the filter evaluator's own `fold`, keys as they are; attributes that
 * filters read from columns (sources.ts, `columnSource`, `derivedRows`) and `schemas` are left
 * out. Written and removed with the row by triggers (0011), which call `scanCopy` through the
 * SQLite function `scim_scan_copy` (sqlite/connect.ts): one JavaScript call per write, in the
 * writing statement, none per row scanned. Each element of a multi-valued attribute in the copy
 * also gets a row of `resource_scan_elements`, derived from the copy in SQL by triggers on
 * `resource_scan` (0012-element-scan), which filters on those attributes scan instead.
 */
import { type Kysely, sql } from 'kysely';
import { fold } from '../../scim/filter/values.js';
import type { SqlDialect } from './dialect.js';
import type { Database } from './tables.js';
import { template } from './template.js';

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
 * attribute.
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

/** Resources less copies: `resource_counts` is exact (0009), so this counts one narrow table. */
const copiesMissing = template<never, { missing: number | string }>((db) =>
  db.selectNoFrom((eb) =>
    eb(
      eb.selectFrom('resource_counts').select((e) => e.fn.coalesce(e.fn.sum<number>('n'), sql.lit(0)).as('n')),
      '-',
      eb.selectFrom('resource_scan').select((e) => e.fn.countAll<number>().as('n')),
    ).as('missing'),
  ),
);

/**
 * Writes the copy of every resource that has none; returns how many it wrote. The triggers of
 * 0011-scan-layout write each resource's copy with it, so this finds none unless rows of
 * `resource_scan` were removed by hand; finding none reads only `resource_scan`'s count.
 */
export async function backfillFoldedBodies(db: Kysely<Database>, dialect: SqlDialect): Promise<number> {
  const folded = dialect.fragments.foldedBody;
  if (folded === undefined) return 0;
  const [counted] = await copiesMissing.execute(db, {});
  if (Number(counted?.missing ?? 0) === 0) return 0;
  const { numAffectedRows } = await sql`insert into resource_scan (tenant_id, resource_type, id, fold)
    select r.tenant_id, r.resource_type, r.id, ${folded.store(sql`scim_scan_copy(r.resource_type, r.body)`)}
      from resources as r
     where not exists (select 1 from resource_scan as f
                        where f.tenant_id = r.tenant_id and f.resource_type = r.resource_type and f.id = r.id)`.execute(
    db,
  );
  return Number(numAffectedRows ?? 0);
}
