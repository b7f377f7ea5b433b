/**
 * The folded copy of each resource's body (dialect.ts, `FoldedBody`), for dialects that keep
 * one (SQLite); nothing elsewhere. The column starts empty: the store fills every row that has
 * none when it opens (folded-body.ts), in batches, so the migration itself stays instant on a
 * large database. The partial index holds only rows still without a copy.
 */
import { type Kysely, type Migration, sql } from 'kysely';
import type { SqlDialect } from '../dialect.js';

export function foldedBodyMigration(dialect: SqlDialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
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
