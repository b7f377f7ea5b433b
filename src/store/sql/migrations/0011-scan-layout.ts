/**
 * Where a filter on an attribute without a projected column scans (issue #18.1b), for dialects
 * that keep a folded copy of each body (dialect.ts, `FoldedBody`; SQLite, the only one):
 *
 * - `resource_scan`: one narrow row per resource, `WITHOUT ROWID` and keyed (tenant, type, id),
 *   so that a tenant's users are contiguous compact rows and a scan reads neither another
 *   tenant's rows nor the wide `resources` rows (folded-body.ts, filter-sql.ts).
 * - Triggers keep it with `resources`: a copy written with each row inserted and with each new
 *   body (`scim_scan_copy`, sqlite/connect.ts), removed with each row deleted (also when a
 *   tenant's deletion cascades to its resources). Writing it in the writing statement costs no
 *   statement of its own.
 * - Every resource's copy is written here from its body (rows from before 0009 had none); then
 *   0009's `resources.body_fold`, which made every row wide, and its index go.
 */
import { type Kysely, type Migration, sql } from 'kysely';
import type { SqlDialect } from '../dialect.js';

export function scanLayoutMigration(dialect: SqlDialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      const folded = dialect.fragments.foldedBody;
      if (folded === undefined) return;
      const copyOfNew = folded.store(sql`scim_scan_copy(new.resource_type, new.body)`);
      await db.schema
        .createTable('resource_scan')
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('resource_type', 'text', (c) => c.notNull())
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('fold', 'blob', (c) => c.notNull())
        .addPrimaryKeyConstraint('resource_scan_pkey', ['tenant_id', 'resource_type', 'id'])
        .modifyEnd(sql`without rowid`)
        .execute();
      await sql`insert into resource_scan (tenant_id, resource_type, id, fold)
        select tenant_id, resource_type, id, ${folded.store(sql`scim_scan_copy(resource_type, body)`)}
          from resources`.execute(db);
      await sql`create trigger resources_scan_insert after insert on resources begin
          insert into resource_scan (tenant_id, resource_type, id, fold)
            values (new.tenant_id, new.resource_type, new.id, ${copyOfNew});
        end`.execute(db);
      await sql`create trigger resources_scan_update after update of body on resources begin
          update resource_scan set fold = ${copyOfNew}
           where tenant_id = new.tenant_id and resource_type = new.resource_type and id = new.id;
        end`.execute(db);
      await sql`create trigger resources_scan_delete after delete on resources begin
          delete from resource_scan
           where tenant_id = old.tenant_id and resource_type = old.resource_type and id = old.id;
        end`.execute(db);
      await db.schema.dropIndex('resources_unfolded').execute();
      await db.schema.alterTable('resources').dropColumn('body_fold').execute();
    },
  };
}
