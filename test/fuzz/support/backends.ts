/**
 * The backends a suite runs on, as an explicit parameter: SQLite always (a file in a temporary
 * directory, so a second, read-only connection can dump it), PostgreSQL when SCIMD_TEST_PG_URL
 * is set (a throwaway schema). `forEachBackend` declares one `describe` per backend, PostgreSQL
 * through `describePostgres` (skipped without the variable, a failure with SCIMD_REQUIRE_PG=1).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe } from 'node:test';
import Database from 'better-sqlite3';
import pg from 'pg';
import { createTestSchema, describePostgres } from '../../../src/store/test-support/postgres.js';

export type BackendName = 'sqlite' | 'postgres';

export interface Backend {
  readonly name: BackendName;
  /** A fresh, empty database for one suite. */
  provision(): Promise<Site>;
}

/** One suite's database: its URL for scimd, a read-only view for dumps, and its disposal. */
export interface Site {
  readonly databaseUrl: string;
  /** Runs a read-only statement on a connection of its own (never the server's). */
  query(text: string, params?: readonly unknown[]): Promise<Record<string, unknown>[]>;
  dispose(): Promise<void>;
}

function sqliteBackend(): Backend {
  return {
    name: 'sqlite',
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

function postgresBackend(baseUrl: string): Backend {
  return {
    name: 'postgres',
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

/** Declares `fn` once per backend, each inside a `describe` named after it. */
export function forEachBackend(name: string, fn: (backend: Backend) => void): void {
  describe(`${name} (sqlite)`, () => fn(sqliteBackend()));
  describePostgres(`${name} (postgres)`, (baseUrl) => fn(postgresBackend(baseUrl)));
}
