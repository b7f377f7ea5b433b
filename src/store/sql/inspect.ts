/**
 * What `scimd doctor` reports about a SQL database, read without changing anything: the server
 * version, the migrations applied and pending, and whether the database folds case exactly as
 * JavaScript does.
 */
import { type Kysely, type RawBuilder, sql } from 'kysely';
import type { SqlDialect } from './dialect.js';
import { type MigrationState, readMigrationState } from './migrations/migrate.js';
import type { Database } from './tables.js';

/** Words whose lower case needs more than ASCII rules: final sigma, dotted İ, ẞ, Cyrillic. */
export const FOLD_SAMPLE = 'ΌΣΟΣ İSTANBUL STRAẞE ǅEMAL ПРИВЕТ ÄLICE';

export interface SqlInspection {
  readonly serverVersion: string;
  readonly migrations: MigrationState;
  /** The dialect's `fold` of `FOLD_SAMPLE` equals `FOLD_SAMPLE.toLowerCase()`. */
  readonly foldsLikeJavaScript: boolean;
  /** What the database's `fold` returned for `FOLD_SAMPLE`, or why it failed. */
  readonly foldResult: string;
}

/** Inspects `db`; `version` is the query for the server's version as column `v`. */
export async function inspectSqlDatabase(
  db: Kysely<Database>,
  dialect: SqlDialect,
  version: RawBuilder<{ v: string }>,
): Promise<SqlInspection> {
  const serverVersion = String((await version.execute(db)).rows[0]?.v ?? 'unknown');
  const migrations = await readMigrationState(db, dialect);
  let foldResult: string;
  try {
    const folded = await sql<{ f: string }>`select ${dialect.fragments.fold(sql.val(FOLD_SAMPLE))} as f`.execute(db);
    foldResult = String(folded.rows[0]?.f);
  } catch (error) {
    foldResult = `failed: ${error instanceof Error ? error.message : String(error)}`;
  }
  return { serverVersion, migrations, foldsLikeJavaScript: foldResult === FOLD_SAMPLE.toLowerCase(), foldResult };
}
