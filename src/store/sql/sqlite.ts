/**
 * SQLite through better-sqlite3: opening the database and the SQLite SQL fragments.
 * PostgreSQL will get a `postgres.ts` exporting the same names (`connect`, `dialect`).
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { type Expression, Kysely, type SqlBool, SqliteDialect, sql } from 'kysely';
import type { JsonElements, JsonPath, SqlDialect } from './dialect.js';
import { type Database, UNIQUE_CONSTRAINTS, type UniqueConstraintName } from './tables.js';

/** Milliseconds a writer waits for another process's write lock before failing. */
export const BUSY_TIMEOUT_MS = 5000;

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
  // Deterministic so it may appear in indexes; JavaScript's Unicode lower-casing, unlike lower().
  db.function('scim_fold', { deterministic: true }, (value: unknown) =>
    typeof value === 'string' ? value.toLowerCase() : value,
  );
  cacheStatements(db, STATEMENT_CACHE_SIZE);
  return db;
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

/** A Kysely instance over one better-sqlite3 connection (Kysely serialises its use). */
export function connect(filename: string): Kysely<Database> {
  return new Kysely<Database>({ dialect: new SqliteDialect({ database: openDatabase(filename) }) });
}

/** `$.a."b:c".d`: keys that are not plain identifiers are quoted. */
export function jsonPathText(path: JsonPath): string {
  return (
    '$' + path.map((key) => (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? `.${key}` : `.${JSON.stringify(key)}`)).join('')
  );
}

function elements(json: Expression<unknown>, path: JsonPath, alias: string): JsonElements {
  const from =
    path.length === 0
      ? sql`json_each(${json}) as ${sql.raw(alias)}`
      : sql`json_each(${json}, ${sql.lit(jsonPathText(path))}) as ${sql.raw(alias)}`;
  return { from, element: sql.raw(`${alias}.value`), position: sql.raw(`${alias}.key`) };
}

/** Maps better-sqlite3's "UNIQUE constraint failed: t.a, t.b" to the constraint's name. */
function uniqueViolation(error: unknown): UniqueConstraintName | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (code !== 'SQLITE_CONSTRAINT_UNIQUE' && code !== 'SQLITE_CONSTRAINT_PRIMARYKEY') return undefined;
  const match = /constraint failed: (.*)$/.exec(String((error as Error).message));
  if (!match) return undefined;
  const failed = match[1]!.split(',').map((s) => s.trim());
  for (const [name, c] of Object.entries(UNIQUE_CONSTRAINTS)) {
    const expected = c.columns.map((column) => `${c.table}.${column}`);
    if (expected.length === failed.length && expected.every((e, i) => e === failed[i])) {
      return name as UniqueConstraintName;
    }
  }
  return undefined;
}

/**
 * Starting planner statistics (the `sqlite_stat1` format: rows, then rows per distinct prefix),
 * describing a large tenant. Without any, SQLite's planner prefers walking the `created` index
 * to avoid a sort even when `external_id = ?` would find one row, and scans a tenant's whole
 * membership table for `listGroupsOf`. Written only while the database has no statistics of its
 * own; a later ANALYZE replaces them with real ones.
 */
export const STARTING_STATISTICS: readonly (readonly [table: string, index: string, stat: string])[] = [
  ['resources', 'sqlite_autoindex_resources_1', '100000 100000 1'],
  ['resources', 'resources_unique_name', '100000 100000 50000 1'],
  ['resources', 'resources_display_name', '100000 100000 50000 2'],
  ['resources', 'resources_external_id', '100000 100000 50000 2'],
  ['resources', 'resources_created', '100000 100000 50000 2 1'],
  ['resources', 'resources_last_modified', '100000 100000 50000 2'],
  ['group_members', 'sqlite_autoindex_group_members_1', '1000000 1000000 100 1'],
  ['group_members', 'group_members_by_member', '1000000 1000000 5 1'],
  ['group_members', 'group_members_order', '1000000 1000000 100 1'],
];

async function prepare(db: Kysely<Database>): Promise<void> {
  await sql`analyze sqlite_schema`.execute(db); // creates sqlite_stat1 if missing
  const existing = await sql<{ n: number }>`select count(*) as n from sqlite_stat1 where tbl = 'resources'`.execute(db);
  if (Number(existing.rows[0]?.n ?? 0) > 0) return;
  for (const [table, index, stat] of STARTING_STATISTICS) {
    await sql`insert into sqlite_stat1 (tbl, idx, stat) values (${table}, ${index}, ${stat})`.execute(db);
  }
  await sql`analyze sqlite_schema`.execute(db); // makes the planner load them
}

export const dialect: SqlDialect = {
  // SQLITE_MAX_VARIABLE_NUMBER is 32766 in the bundled build; stay well below.
  capabilities: { nativeJson: false, maxParameters: 30000, rowLocking: false, singleConnection: true },
  columnTypes: { json: 'text', boolean: 'integer' },
  prepare,
  async begin(conn) {
    // One connection per process already serialises writers; IMMEDIATE makes other processes
    // wait (busy_timeout) at BEGIN instead of failing with SQLITE_BUSY at the first write.
    await sql`begin immediate`.execute(conn);
  },
  encodeJson: (value) => JSON.stringify(value),
  decodeJson: (raw) => JSON.parse(String(raw)) as Record<string, unknown>,
  encodeBoolean: (value) => (value ? 1 : 0),
  // json_extract already yields SQL text, integer (booleans as 1/0) or real.
  jsonScalar: (json, path) => sql`json_extract(${json}, ${sql.lit(jsonPathText(path))})`,
  jsonElements: elements,
  // json_tree walks every node under path; atoms are null for containers and JSON null.
  jsonHasValue: (json, path) =>
    sql<SqlBool>`exists (select 1 from json_tree(${json}, ${sql.lit(jsonPathText(path))}) as t where t.atom is not null and t.atom <> '')`,
  fold: (value) => sql`scim_fold(${value})`,
  contains: (haystack, needle) => sql<SqlBool>`instr(${haystack}, ${needle}) > 0`,
  // instr() finds the first occurrence, so a prefix is exactly an occurrence at 1.
  startsWith: (haystack, prefix) => sql<SqlBool>`instr(${haystack}, ${prefix}) = 1`,
  endsWith: (haystack, suffix) =>
    sql<SqlBool>`substr(${haystack}, length(${haystack}) - length(${suffix}) + 1) = ${suffix}`,
  uniqueViolation,
};
