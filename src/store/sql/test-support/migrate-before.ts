/**
 * Gives `db` the schema a database had before migration `first`: every migration named before
 * it, applied as `scimd` would have, for the tests that data written then reads the same after.
 * Never shipped.
 */
import assert from 'node:assert/strict';
import { type Kysely, Migrator } from 'kysely';
import type { SqlDialect } from '../dialect.js';
import { listMigrations, MIGRATION_LOCK_TABLE, MIGRATION_TABLE } from '../migrations/migrate.js';
import type { Database } from '../tables.js';

export async function migrateBefore(
  db: Kysely<Database>,
  dialect: SqlDialect,
  first: string,
  schema?: string,
): Promise<void> {
  const before = Object.fromEntries(Object.entries(listMigrations(dialect)).filter(([name]) => name < first));
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => before },
    migrationTableName: MIGRATION_TABLE,
    migrationLockTableName: MIGRATION_LOCK_TABLE,
    ...(schema === undefined ? {} : { migrationTableSchema: schema }),
  });
  assert.equal((await migrator.migrateToLatest()).error, undefined);
}
