/**
 * Where a filter on an attribute without a projected column scans (issue #18.1b), for dialects
 * that keep a folded copy of each body (dialect.ts, `FoldedBody`; SQLite):
 *
 * - `resource_scan`: one narrow row per resource, `WITHOUT ROWID` and keyed (tenant, type, id),
 *   so that a tenant's users are contiguous compact rows and a scan reads no other tenant's and
 *   none of the wide `resources` rows (folded-body.ts). A trigger removes a resource's copy with
 *   it (also when its tenant's deletion cascades to it).
 * - The copies 0009 wrote in `resources.body_fold` move there, without the attributes filters
 *   read elsewhere (`OMITTED_FROM_SCAN_COPY`); then the column and its index go. Rows without a
 *   copy get theirs when the store opens (folded-body.ts, `backfillFoldedBodies`).
 */
import { type Kysely, type Migration, sql } from 'kysely';
import type { SqlDialect } from '../dialect.js';
import { OMITTED_FROM_SCAN_COPY } from '../folded-body.js';

/** SQLite's `jsonb_remove` of the omitted keys, by resource type. */
function omitted(column: string) {
  const remove = (keys: readonly string[]) =>
    sql`jsonb_remove(${sql.ref(column)}, ${sql.join(keys.map((key) => sql.lit(`$.${key}`)))})`;
  const byType = Object.entries(OMITTED_FROM_SCAN_COPY.byType).map(
    ([type, keys]) => sql`when ${sql.lit(type)} then ${remove([...OMITTED_FROM_SCAN_COPY.any, ...keys])}`,
  );
  return sql`case resource_type ${sql.join(byType, sql` `)} else ${remove(OMITTED_FROM_SCAN_COPY.any)} end`;
}

export function scanLayoutMigration(dialect: SqlDialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      if (dialect.fragments.foldedBody === undefined) return;
      await db.schema
        .createTable('resource_scan')
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('resource_type', 'text', (c) => c.notNull())
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('fold', 'blob', (c) => c.notNull())
        .addPrimaryKeyConstraint('resource_scan_pkey', ['tenant_id', 'resource_type', 'id'])
        .modifyEnd(sql`without rowid`)
        .execute();
      await sql`create trigger resources_scan_delete after delete on resources begin
          delete from resource_scan
           where tenant_id = old.tenant_id and resource_type = old.resource_type and id = old.id;
        end`.execute(db);
      await sql`insert into resource_scan (tenant_id, resource_type, id, fold)
        select tenant_id, resource_type, id, ${omitted('body_fold')} from resources where body_fold is not null`.execute(
        db,
      );
      await db.schema.dropIndex('resources_unfolded').execute();
      await db.schema.alterTable('resources').dropColumn('body_fold').execute();
    },
  };
}
