/**
 * Opens the store named by `SCIMD_DATABASE_URL`: the one place that maps a URL to a backend.
 *
 * - `file:./data/scimd.db`, `file:/abs/path.db`, `file:///abs/path.db`: SQLite in that file
 *   (relative paths from the working directory; the parent directory is created);
 * - `sqlite::memory:`: SQLite in memory, gone at close;
 * - `postgres://user:password@host:5432/database` (or `postgresql://…`): PostgreSQL, shared by
 *   any number of scimd processes (docs/postgres.md);
 * - `memory:`: the memory store (no SQL at all).
 *
 * Besides `openStore`, which migrates, `migrateDatabase` and `inspectDatabase` serve
 * `scimd migrate` and `scimd doctor`.
 */
import { existsSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Kysely, type RawBuilder, sql } from 'kysely';
import { createMemoryStore } from './memory/store.js';
import type { StoreObserver } from './observer-port.js';
import type { SqlDialect } from './sql/dialect.js';
import { inspectSqlDatabase, type SqlInspection } from './sql/inspect.js';
import { migrateToLatest } from './sql/migrations/migrate.js';
import { connect as connectPostgres, isPostgresUrl, redactUrl } from './sql/postgres/connect.js';
import { dialect as postgresDialect } from './sql/postgres/dialect.js';
import { openSqlStore } from './sql/sql-store.js';
import { connect as connectSqlite, MEMORY } from './sql/sqlite/connect.js';
import { dialect as sqliteDialect } from './sql/sqlite/dialect.js';
import type { Database } from './sql/tables.js';
import type { Store, StoreCapabilities } from './store.js';

export const SUPPORTED_DATABASE_URLS = ['file:<path>', 'sqlite::memory:', 'postgres://…', 'memory:'] as const;

export interface OpenStoreOptions {
  /** PostgreSQL: connections per process (`SCIMD_DATABASE_POOL_SIZE`); ignored by SQLite. */
  readonly poolSize?: number;
  /** PostgreSQL: named prepared statements for templates (`SCIMD_DATABASE_PREPARED_STATEMENTS`). */
  readonly preparedStatements?: boolean;
  /** PostgreSQL: how long to wait for a connection; ignored by SQLite. */
  readonly connectTimeoutMs?: number;
  /** Told every statement's duration and the pool's use (src/metrics/); the memory store has neither. */
  readonly observer?: StoreObserver;
}

/** The SQLite file a `file:` URL names, resolved against the working directory. */
export function sqliteFilename(databaseUrl: string): string {
  if (databaseUrl.startsWith('file://')) return fileURLToPath(databaseUrl);
  const path = decodeURIComponent(databaseUrl.slice('file:'.length));
  if (path === '') throw new Error('SCIMD_DATABASE_URL "file:" needs a path, e.g. file:./data/scimd.db');
  return isAbsolute(path) ? path : resolve(path);
}

type Backend = 'memory' | 'SQLite' | 'PostgreSQL';

/** A SQL database named by a URL, connected but not migrated. */
interface SqlTarget {
  readonly backend: Exclude<Backend, 'memory'>;
  /** The file, or the URL without its password. */
  readonly location: string;
  readonly capabilities: StoreCapabilities;
  readonly dialect: SqlDialect;
  readonly version: RawBuilder<{ v: string }>;
  connect(): Kysely<Database>;
}

/** The backend `databaseUrl` names; undefined for `memory:`. Throws for unsupported URLs. */
function sqlTarget(databaseUrl: string, options: OpenStoreOptions): SqlTarget | undefined {
  if (databaseUrl === 'memory:') return undefined;
  const sqlite = (filename: string, durable: boolean): SqlTarget => ({
    backend: 'SQLite',
    location: filename,
    capabilities: { sharedAcrossProcesses: false, durable },
    dialect: sqliteDialect,
    version: sql<{ v: string }>`select sqlite_version() as v`,
    connect: () => connectSqlite(filename, options.observer),
  });
  if (databaseUrl === 'sqlite::memory:') return sqlite(MEMORY, false);
  if (databaseUrl.startsWith('file:')) return sqlite(sqliteFilename(databaseUrl), true);
  if (isPostgresUrl(databaseUrl)) {
    return {
      backend: 'PostgreSQL',
      location: redactUrl(databaseUrl),
      capabilities: { sharedAcrossProcesses: true, durable: true },
      dialect: postgresDialect,
      version: sql<{ v: string }>`select current_setting('server_version') as v`,
      connect: () => connectPostgres(databaseUrl, options),
    };
  }
  const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:/.exec(databaseUrl)?.[0] ?? databaseUrl;
  throw new Error(
    `unsupported SCIMD_DATABASE_URL scheme ${JSON.stringify(scheme)}; supported: ${SUPPORTED_DATABASE_URLS.join(', ')}`,
  );
}

/** Opens the store, applying pending migrations first (under a lock on PostgreSQL). */
export async function openStore(databaseUrl: string, options: OpenStoreOptions = {}): Promise<Store> {
  const target = sqlTarget(databaseUrl, options);
  const store = target
    ? await openSqlStore({ db: target.connect(), dialect: target.dialect, capabilities: target.capabilities })
    : createMemoryStore();
  options.observer?.backlog?.(() => store.endpoints.backlog());
  options.observer?.historyBacklog?.(() => store.history.backlog());
  return store;
}

interface MigrationReport {
  readonly backend: Backend;
  readonly location: string;
  /** The migrations applied by this call, in order (empty when the schema was up to date). */
  readonly applied: readonly string[];
}

/** Applies pending migrations and closes the connection (`scimd migrate`). */
export async function migrateDatabase(databaseUrl: string, options: OpenStoreOptions = {}): Promise<MigrationReport> {
  const target = sqlTarget(databaseUrl, options);
  if (!target) return { backend: 'memory', location: 'memory:', applied: [] };
  const db = target.connect();
  try {
    const applied = await migrateToLatest(db, target.dialect);
    return { backend: target.backend, location: target.location, applied };
  } finally {
    await db.destroy();
  }
}

export interface DatabaseInspection {
  readonly backend: Backend;
  readonly location: string;
  /** Undefined for `memory:` and for a SQLite file that does not exist yet. */
  readonly sql?: SqlInspection;
}

/**
 * Connects and reads the database's state without changing it (`scimd doctor`); a missing SQLite
 * file is reported, not created. Throws when the database cannot be reached.
 */
export async function inspectDatabase(
  databaseUrl: string,
  options: OpenStoreOptions = {},
): Promise<DatabaseInspection> {
  const target = sqlTarget(databaseUrl, options);
  if (!target) return { backend: 'memory', location: 'memory:' };
  const report = { backend: target.backend, location: target.location };
  if (target.backend === 'SQLite' && target.location !== MEMORY && !existsSync(target.location)) return report;
  const db = target.connect();
  try {
    return { ...report, sql: await inspectSqlDatabase(db, target.dialect, target.version) };
  } finally {
    await db.destroy();
  }
}
