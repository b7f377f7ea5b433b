/**
 * Opening SQLite through better-sqlite3: one connection per process, with the pragmas, the
 * `scim_fold` function and the statement cache scimd relies on.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { StoreObserver } from '../../observer-port.js';
import { scanCopy } from '../folded-body.js';
import { statementLogger } from '../statement-log.js';
import type { Database } from '../tables.js';

/** Milliseconds a writer waits for another process's write lock before failing. */
const BUSY_TIMEOUT_MS = 5000;

/** Path of the in-memory database (each connection gets its own, empty). */
export const MEMORY = ':memory:';

/**
 * Opens (creating it and its parent directory if needed) the SQLite database at `filename`,
 * or an in-memory one for `MEMORY`, and registers `scim_fold`.
 */
export function openDatabase(filename: string): BetterSqlite3.Database {
  if (filename !== MEMORY) mkdirSync(dirname(filename), { recursive: true });
  const db = new BetterSqlite3(filename);
  db.pragma('journal_mode = WAL');
  db.pragma('foreign_keys = ON');
  db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
  db.pragma('synchronous = NORMAL');
  registerFunctions(db);
  cacheStatements(db, STATEMENT_CACHE_SIZE);
  return db;
}

/**
 * The functions scimd's SQL and triggers call, on a connection: every connection that writes
 * resources needs them (the bulk seeder of the benchmark too). Deterministic, so they may appear
 * in indexes and triggers.
 * - `scim_fold(value)`: JavaScript's Unicode lower-casing, unlike lower().
 * - `scim_scan_copy(type, body)`: the JSON text of a resource's row of `resource_scan`
 *   (folded-body.ts, `scanCopy`), from its body's JSON text; the triggers of 0011-scan-layout
 *   write it with the row, so the copy is folded once per write, in the writing statement.
 */
export function registerFunctions(db: BetterSqlite3.Database): void {
  db.function('scim_fold', { deterministic: true }, (value: unknown) =>
    typeof value === 'string' ? value.toLowerCase() : value,
  );
  db.function('scim_scan_copy', { deterministic: true }, (type: unknown, body: unknown) =>
    scanCopy(String(type), JSON.parse(String(body))),
  );
}

/** Most prepared statements kept per connection (SQL texts vary with a filter's shape only). */
export const STATEMENT_CACHE_SIZE = 500;

/**
 * Kysely prepares every query anew, and compiling a statement costs 30–45 µs, about an eighth of
 * a userName lookup (docs/benchmarks.md). Statements are kept by SQL text, least recently used
 * out first. Safe because Kysely runs one statement at a time on this connection and runs each to
 * completion (`all`/`run`, never a pending iterator), and SQLite re-prepares after schema changes.
 */
function cacheStatements(db: BetterSqlite3.Database, max: number): void {
  const prepare = db.prepare.bind(db);
  const cache = new Map<string, BetterSqlite3.Statement>();
  db.prepare = ((source: string) => {
    const cached = cache.get(source);
    if (cached !== undefined) {
      cache.delete(source);
      cache.set(source, cached);
      return cached;
    }
    const statement = prepare(source);
    cache.set(source, statement);
    if (cache.size > max) cache.delete(cache.keys().next().value as string);
    return statement;
  }) as typeof db.prepare;
}

/**
 * A Kysely instance over one better-sqlite3 connection (Kysely serialises its use); `observer`
 * is told each statement's duration. One connection is no pool: `observer.pool` is never called.
 */
export function connect(filename: string, observer?: StoreObserver): Kysely<Database> {
  return new Kysely<Database>({
    dialect: new SqliteDialect({ database: openDatabase(filename) }),
    ...(observer ? { log: statementLogger(observer) } : {}),
  });
}
