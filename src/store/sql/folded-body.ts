/**
 * The folded copy of a resource's body (dialect.ts, `FoldedBody`): every string folded with the
 * filter evaluator's own `fold`, keys as they are. Written with the row by resources.ts; rows
 * without one (written before migration 0009, or by a tool writing rows directly, as the
 * benchmark's seeder does) get theirs when the store opens.
 */
import { type Kysely, type Selectable, sql } from 'kysely';
import { fold } from '../../scim/filter/values.js';
import type { FoldedBody, SqlDialect } from './dialect.js';
import type { Database, ResourcesTable } from './tables.js';
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

/** Rows filled per transaction, so that a large backfill never holds the write lock for long. */
const BACKFILL_BATCH = 2000;

const unfoldedRows = template<'limit', Pick<Selectable<ResourcesTable>, 'tenant_id' | 'id' | 'body'>>((db, slot) =>
  db
    .selectFrom('resources')
    .select(['tenant_id', 'id', 'body'])
    .where(sql.ref('body_fold'), 'is', null)
    .limit(slot('limit')),
);

const writeFolded = templateFamily<FoldedBody, 'tenant' | 'id' | 'folded', never>((folded, db, slot) =>
  db
    .updateTable('resources')
    .set({ body_fold: folded.store(slot('folded')) as never })
    .where('tenant_id', '=', slot('tenant'))
    .where('id', '=', slot('id')),
);

/**
 * Writes the folded copy of every row that has none; returns how many it wrote. The partial
 * index `resources_unfolded` (0009) holds exactly those rows, so finding none costs nothing.
 */
export async function backfillFoldedBodies(db: Kysely<Database>, dialect: SqlDialect): Promise<number> {
  const folded = dialect.fragments.foldedBody;
  if (folded === undefined) return 0;
  const write = writeFolded(folded);
  let written = 0;
  for (;;) {
    const done = await db.transaction().execute(async (tx) => {
      const rows = await unfoldedRows.execute(tx, { limit: BACKFILL_BATCH });
      for (const row of rows) {
        const text = JSON.stringify(foldStrings(dialect.codec.decodeJson(row.body)));
        await write.execute(tx, { tenant: row.tenant_id, id: row.id, folded: text });
      }
      return rows.length;
    });
    written += done;
    if (done < BACKFILL_BATCH) return written;
  }
}
