/**
 * The storage backends a test runs on, as an explicit parameter (issue #14.3), the way Kysely's
 * own tests loop over dialects: `describeEachBackend(name, (backend) => …)` declares the suite
 * once on SQLite (always) and once on PostgreSQL (when SCIMD_TEST_PG_URL is set; skipped without
 * it, one failing test with SCIMD_REQUIRE_PG=1, as `describePostgres` does). Every test that
 * opens a store through the HTTP harness or provisions a database for scimd processes takes its
 * backend from here, so no suite depends on a second run of the test runner with another
 * environment, and a suite in any folder runs on both.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import { type OpenStoreOptions, openStore } from '../open.js';
import type { Store } from '../store.js';
import { createTestSchema, describePostgres, openPostgresTestStore, storeWithCleanup } from './postgres.js';

export type BackendName = 'sqlite' | 'postgres';

export interface TestStoreOptions extends OpenStoreOptions {
  /**
   * SQLite in a file of a temporary directory (removed at close) instead of in memory, for tests
   * whose requests must really overlap on disk. PostgreSQL ignores it.
   */
  readonly onDisk?: boolean;
}

export interface Backend {
  readonly name: BackendName;
  /**
   * A fresh, migrated store: in-memory SQLite (a file with `onDisk`), or a throwaway PostgreSQL
   * schema dropped at close, so stores opened in parallel never meet.
   */
  openStore(options?: TestStoreOptions): Promise<Store>;
  /** A fresh, empty database for one suite that runs scimd itself (processes, dumps). */
  provision(): Promise<Site>;
}

/** One suite's database: its URL for scimd, a read-only view for dumps, and its disposal. */
export interface Site {
  readonly databaseUrl: string;
  /** Runs a read-only statement on a connection of its own (never the server's). */
  query(text: string, params?: readonly unknown[]): Promise<Record<string, unknown>[]>;
  dispose(): Promise<void>;
}

async function openSqliteFileStore(options: OpenStoreOptions): Promise<Store> {
  const dir = mkdtempSync(join(tmpdir(), 'scimd-store-'));
  return storeWithCleanup(
    () => openStore(`file:${join(dir, 'scimd.db')}`, options),
    () => rmSync(dir, { recursive: true, force: true }),
  );
}

/** SQLite: in memory for a store, a file in a temporary directory for a site (so it can be dumped). */
export function sqliteBackend(): Backend {
  return {
    name: 'sqlite',
    openStore: ({ onDisk, ...options } = {}) =>
      onDisk ? openSqliteFileStore(options) : openStore('sqlite::memory:', options),
    async provision() {
      const dir = mkdtempSync(join(tmpdir(), 'scimd-suite-'));
      const file = join(dir, 'scimd.db');
      let reader: Database.Database | undefined;
      return {
        databaseUrl: `file:${file}`,
        async query(text, params = []) {
          reader ??= new Database(file, { readonly: true, fileMustExist: true });
          // Numbered placeholders ($1) are PostgreSQL's; the callers number them in order of use.
          return reader.prepare(text.replace(/\$\d+/g, '?')).all(...params) as Record<string, unknown>[];
        },
        async dispose() {
          reader?.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
  };
}

/** PostgreSQL at `baseUrl`: every store and every site in a throwaway schema of its own. */
export function postgresBackend(baseUrl: string): Backend {
  return {
    name: 'postgres',
    openStore: ({ onDisk: _, ...options } = {}) => openPostgresTestStore(baseUrl, options),
    async provision() {
      const schema = await createTestSchema(baseUrl);
      let client: pg.Client | undefined;
      return {
        databaseUrl: schema.url,
        async query(text, params = []) {
          if (client === undefined) {
            client = new pg.Client({ connectionString: schema.url });
            await client.connect();
          }
          return (await client.query(text, [...params])).rows;
        },
        async dispose() {
          await client?.end();
          await schema.drop();
        },
      };
    },
  };
}

/**
 * Declares `fn` once per backend, each inside a `describe` named `${name} (sqlite)` and
 * `${name} (postgres)`; the PostgreSQL one goes through `describePostgres`.
 */
export function describeEachBackend(name: string, fn: (backend: Backend) => void): void {
  describe(`${name} (sqlite)`, () => fn(sqliteBackend()));
  describePostgres(`${name} (postgres)`, (baseUrl) => fn(postgresBackend(baseUrl)));
}
