/**
 * What scanning and counting a tenant's resources cost (issue #18):
 *
 * - `resource_counts`: per tenant and resource type, how many resources there are, kept exact by
 *   triggers on `resources` in the writing transaction (so a rollback takes its change back), and
 *   removed with the tenant. An unfiltered list reads its `totalResults` there instead of
 *   counting the rows (query.ts). Filled here from the rows already stored.
 * - The dialect's own DDL for units of work (PostgreSQL: `scimd_lock_tenant`, postgres/lifecycle.ts).
 * - The folded copy of each resource's body (dialect.ts, `FoldedBody`), for dialects that keep
 *   one (SQLite). The column starts empty: the store fills every row that has none when it opens
 *   (folded-body.ts), in batches, so this migration stays quick on a large database. The partial
 *   index holds only rows still without a copy.
 */
import { type Kysely, type Migration, sql } from 'kysely';
import type { SqlDialect } from '../dialect.js';

export function storeCostsMigration(dialect: SqlDialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('resource_counts')
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
        .addColumn('resource_type', 'text', (c) => c.notNull())
        .addColumn('n', 'bigint', (c) => c.notNull())
        .addPrimaryKeyConstraint('resource_counts_pkey', ['tenant_id', 'resource_type'])
        .execute();
      for (const statement of dialect.fragments.resourceCountTriggers) await sql.raw(statement).execute(db);
      for (const statement of dialect.lifecycle.ddl ?? []) await sql.raw(statement).execute(db);
      await sql`insert into resource_counts (tenant_id, resource_type, n)
        select tenant_id, resource_type, count(*) from resources group by tenant_id, resource_type`.execute(db);

      if (dialect.fragments.foldedBody === undefined) return;
      await db.schema.alterTable('resources').addColumn('body_fold', 'blob').execute();
      await db.schema
        .createIndex('resources_unfolded')
        .on('resources')
        .columns(['tenant_id', 'id'])
        .where(sql.ref('body_fold'), 'is', null)
        .execute();
    },
  };
}
