/**
 * Opens the store named by `SCIMD_DATABASE_URL`: the one place that maps a URL to a backend.
 *
 * - `file:./data/scimd.db`, `file:/abs/path.db`, `file:///abs/path.db`: SQLite in that file
 *   (relative paths from the working directory; the parent directory is created);
 * - `sqlite::memory:`: SQLite in memory, gone at close;
 * - `memory:`: the memory store (no SQL at all).
 */
import { isAbsolute, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createMemoryStore } from './memory-store.js';
import { openSqlStore } from './sql/sql-store.js';
import { connect, MEMORY, dialect as sqliteDialect } from './sql/sqlite.js';
import type { Store } from './store.js';

export const SUPPORTED_DATABASE_URLS = ['file:<path>', 'sqlite::memory:', 'memory:'] as const;

/** The SQLite file a `file:` URL names, resolved against the working directory. */
export function sqliteFilename(databaseUrl: string): string {
  if (databaseUrl.startsWith('file://')) return fileURLToPath(databaseUrl);
  const path = decodeURIComponent(databaseUrl.slice('file:'.length));
  if (path === '') throw new Error('SCIMD_DATABASE_URL "file:" needs a path, e.g. file:./data/scimd.db');
  return isAbsolute(path) ? path : resolve(path);
}

export async function openStore(databaseUrl: string): Promise<Store> {
  if (databaseUrl === 'memory:') return createMemoryStore();
  if (databaseUrl === 'sqlite::memory:') {
    return openSqlStore({
      db: connect(MEMORY),
      dialect: sqliteDialect,
      capabilities: { sharedAcrossProcesses: false, durable: false },
    });
  }
  if (databaseUrl.startsWith('file:')) {
    return openSqlStore({
      db: connect(sqliteFilename(databaseUrl)),
      dialect: sqliteDialect,
      capabilities: { sharedAcrossProcesses: false, durable: true },
    });
  }
  const scheme = /^[A-Za-z][A-Za-z0-9+.-]*:/.exec(databaseUrl)?.[0] ?? databaseUrl;
  throw new Error(
    `unsupported SCIMD_DATABASE_URL scheme ${JSON.stringify(scheme)}; supported: ${SUPPORTED_DATABASE_URLS.join(', ')}`,
  );
}
