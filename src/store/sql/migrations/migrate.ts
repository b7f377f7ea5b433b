/**
 * Versioned migrations as code, applied in order at open and recorded in `scimd_migrations`
 * (Kysely's Migrator with a static provider: no files are read at run time).
 */
import { type Kysely, type Migration, Migrator } from 'kysely';
import type { SqlDialect } from '../dialect.js';
import type { Database } from '../tables.js';
import { initialMigration } from './0001-initial.js';

export const MIGRATION_TABLE = 'scimd_migrations';
export const MIGRATION_LOCK_TABLE = 'scimd_migrations_lock';

/** Every migration by name; names sort in the order they must run. Never rename or edit one. */
export function listMigrations(dialect: SqlDialect): Record<string, Migration> {
  return { '0001-initial': initialMigration(dialect) };
}

/** Applies every pending migration; returns the names applied now. Throws on failure. */
export async function migrateToLatest(db: Kysely<Database>, dialect: SqlDialect): Promise<string[]> {
  const migrations = listMigrations(dialect);
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    migrationTableName: MIGRATION_TABLE,
    migrationLockTableName: MIGRATION_LOCK_TABLE,
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    throw new Error(`database migration ${failed ?? ''} failed: ${String(error)}`, { cause: error });
  }
  return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
}
