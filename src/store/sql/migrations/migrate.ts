/**
 * Versioned migrations as code, applied in order at open and recorded in `scimd_migrations`
 * (Kysely's Migrator with a static provider: no files are read at run time).
 */
import { type Kysely, type Migration, Migrator } from 'kysely';
import type { SqlDialect } from '../dialect.js';
import type { Database } from '../tables.js';
import { initialMigration } from './0001-initial.js';
import { rolesMigration } from './0002-roles.js';
import { eventsMigration } from './0003-events.js';
import { requestLogApartMigration } from './0004-request-log-apart.js';
import { consoleMigration } from './0005-console.js';
import { healthMigration } from './0006-health.js';
import { accessHistoryMigration } from './0007-access-history.js';
import { guardMigration } from './0008-guard.js';
import { storeCostsMigration } from './0009-store-costs.js';
import { historyLayoutMigration } from './0010-history-layout.js';
import { scanLayoutMigration } from './0011-scan-layout.js';
import { elementScanMigration } from './0012-element-scan.js';
import { credentialGenerationMigration } from './0013-credential-generation.js';
import { historyProjectionMigration } from './0014-history-projection.js';
import { requestLogLocalityMigration } from './0015-request-log-locality.js';

export const MIGRATION_TABLE = 'scimd_migrations';
export const MIGRATION_LOCK_TABLE = 'scimd_migrations_lock';

/** Every migration by name; names sort in the order they must run. Never rename or edit one. */
export function listMigrations(dialect: SqlDialect): Record<string, Migration> {
  return {
    '0001-initial': initialMigration(dialect),
    '0002-roles': rolesMigration(dialect),
    '0003-events': eventsMigration(dialect),
    '0004-request-log-apart': requestLogApartMigration(dialect),
    '0005-console': consoleMigration(),
    '0006-health': healthMigration(),
    '0007-access-history': accessHistoryMigration(dialect),
    '0008-guard': guardMigration(),
    '0009-store-costs': storeCostsMigration(dialect),
    '0010-history-layout': historyLayoutMigration(),
    '0011-scan-layout': scanLayoutMigration(dialect),
    '0012-element-scan': elementScanMigration(dialect),
    '0013-credential-generation': credentialGenerationMigration(dialect),
    '0014-history-projection': historyProjectionMigration(dialect),
    '0015-request-log-locality': requestLogLocalityMigration(),
  };
}

/** Kysely's Migrator over `conn`, keeping its tables in the dialect's current schema if it has one. */
async function createMigrator(conn: Kysely<Database>, dialect: SqlDialect): Promise<Migrator> {
  const migrations = listMigrations(dialect);
  const schema = await dialect.lifecycle.currentSchema?.(conn);
  return new Migrator({
    db: conn,
    provider: { getMigrations: async () => migrations },
    migrationTableName: MIGRATION_TABLE,
    migrationLockTableName: MIGRATION_LOCK_TABLE,
    // Without a schema, Kysely looks for its table in every schema of a PostgreSQL database.
    ...(schema === undefined ? {} : { migrationTableSchema: schema }),
  });
}

/**
 * Applies every pending migration; returns the names applied now. Throws on failure. Runs under
 * the dialect's migration lock when it has one, so processes starting together migrate once.
 */
export async function migrateToLatest(db: Kysely<Database>, dialect: SqlDialect): Promise<string[]> {
  const migrate = async (conn: Kysely<Database>) => {
    const migrator = await createMigrator(conn, dialect);
    const { error, results } = await migrator.migrateToLatest();
    if (error !== undefined) {
      const failed = results?.find((r) => r.status === 'Error')?.migrationName;
      throw new Error(`database migration ${failed ?? ''} failed: ${String(error)}`, { cause: error });
    }
    return (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
  };
  return dialect.lifecycle.withMigrationLock ? dialect.lifecycle.withMigrationLock(db, migrate) : migrate(db);
}

export interface MigrationState {
  /** Applied migrations this version knows, in order. */
  readonly applied: readonly string[];
  /** Migrations this version would apply. */
  readonly pending: readonly string[];
  /** Applied migrations this version does not know: a newer scimd migrated the database. */
  readonly unknown: readonly string[];
}

/** Which migrations the database has, without changing anything (for `scimd doctor`). */
export async function readMigrationState(db: Kysely<Database>, dialect: SqlDialect): Promise<MigrationState> {
  const names = Object.keys(listMigrations(dialect)).sort();
  const schema = await dialect.lifecycle.currentSchema?.(db);
  const tables = await db.introspection.getTables({ withInternalKyselyTables: true });
  const exists = tables.some((t) => t.name === MIGRATION_TABLE && (schema === undefined || t.schema === schema));
  const rows = exists
    ? await (schema === undefined ? db : db.withSchema(schema))
        .selectFrom(MIGRATION_TABLE as never)
        .select('name' as never)
        .execute()
    : [];
  const recorded = new Set(rows.map((row) => (row as { name: string }).name));
  return {
    applied: names.filter((name) => recorded.has(name)),
    pending: names.filter((name) => !recorded.has(name)),
    unknown: [...recorded].filter((name) => !names.includes(name)).sort(),
  };
}
