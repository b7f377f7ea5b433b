/**
 * PostgreSQL for tests. Suites run only when `SCIMD_TEST_PG_URL` names a database in which the
 * tests may create and drop schemas; each store gets a throwaway schema with a random name
 * (selected through `search_path`), so test files running in parallel never meet. Without the
 * variable the suites skip (scripts/run-tests.mjs prints one line saying how to enable them);
 * with `SCIMD_REQUIRE_PG=1` (set by .ci/run) a missing variable fails instead.
 */
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, it } from 'node:test';
import { type Kysely, sql } from 'kysely';
import pg from 'pg';
import { type OpenStoreOptions, openStore } from '../open.js';
import { connect, isPostgresUrl } from '../sql/postgres/connect.js';
import { dialect } from '../sql/postgres/dialect.js';
import { createSqlStore } from '../sql/sql-store.js';
import type { Database } from '../sql/tables.js';
import type { Store } from '../store.js';

const PG_URL_VARIABLE = 'SCIMD_TEST_PG_URL';
const PG_REQUIRED_VARIABLE = 'SCIMD_REQUIRE_PG';
/** The one line printed when PostgreSQL tests are skipped. */
const PG_SKIP_LINE = `PostgreSQL tests skipped: set ${PG_URL_VARIABLE}=postgres://… to run them`;

/** The base URL of the test database, or undefined when PostgreSQL tests are off. */
function testPostgresUrl(): string | undefined {
  const url = process.env[PG_URL_VARIABLE]?.trim();
  return url === undefined || url === '' ? undefined : url;
}

/** True when CI demands the PostgreSQL tests (a skip would be a failure). */
function postgresRequired(): boolean {
  return process.env[PG_REQUIRED_VARIABLE] === '1';
}

/**
 * `describe(name)` for tests that need PostgreSQL: `fn` receives the base URL. Skipped when
 * `SCIMD_TEST_PG_URL` is unset, unless `SCIMD_REQUIRE_PG=1`, which makes it one failing test.
 */
export function describePostgres(name: string, fn: (baseUrl: string) => void): void {
  const url = testPostgresUrl();
  if (url !== undefined) {
    describe(name, () => fn(url));
  } else if (postgresRequired()) {
    describe(name, () => {
      it('has a PostgreSQL database to run against', () => {
        assert.fail(`${PG_REQUIRED_VARIABLE}=1 but ${PG_URL_VARIABLE} is unset: ${PG_SKIP_LINE}`);
      });
    });
  } else {
    describe(name, { skip: `${PG_URL_VARIABLE} is unset` }, () => undefined);
  }
}

/** A statement sent through node-postgres, and the name it was sent under (none: unnamed). */
export interface SentQuery {
  /**
   * The statement. One that carried held statements (BEGIN, the tenant's lock, a SAVEPOINT:
   * postgres/prepared.ts) reads `<held> + … + <text>`, all in one round trip.
   */
  readonly text: string;
  readonly name: string | undefined;
  /** The connection it went on. */
  readonly client: pg.Client;
}

/** How a recorder joins held statements to the one they travel with. */
export const CARRIED_BY = ' + ';
/** The text of a unit's BEGIN with its tenant's lock, as held statements. */
export const BEGIN_AND_LOCK = `begin${CARRIED_BY}select scimd_lock_tenant($1, $2, $3)`;
/** A statement that carries a SAVEPOINT starts with this. */
export const WITH_SAVEPOINT = `savepoint unit_of_work${CARRIED_BY}`;

/** The text of a `pg.Client#query` call's first argument, as `SentQuery` spells it. */
export function sentText(first: unknown): string | undefined {
  if (typeof first === 'string') return first;
  if (typeof first !== 'object' || first === null || !('text' in first)) return undefined;
  const { text, held } = first as { text: string; held?: readonly { text: string }[] };
  return held === undefined ? text : [...held.map((h) => h.text), text].join(CARRIED_BY);
}

/** The statements `fn` sends: every `pg.Client#query` while it runs (each one round trip). */
export async function recordQueries(fn: () => Promise<unknown>): Promise<SentQuery[]> {
  const query = pg.Client.prototype.query;
  const sent: SentQuery[] = [];
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const [first] = args;
    const text = sentText(first);
    if (text !== undefined) {
      const name = typeof first === 'object' ? (first as { name?: string }).name : undefined;
      sent.push({ text, name, client: this });
    }
    return (query as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof query;
  try {
    await fn();
  } finally {
    pg.Client.prototype.query = query;
  }
  return sent;
}

/** `url` with `-c search_path=<schema>` added to its `options` parameter (libpq's). */
export function withSearchPath(url: string, schema: string): string {
  const parsed = new URL(url);
  const options = parsed.searchParams.get('options');
  const setting = `-c search_path=${schema}`;
  parsed.searchParams.set('options', options ? `${options} ${setting}` : setting);
  return parsed.href;
}

export interface TestSchema {
  readonly schema: string;
  /** The base URL selecting this schema. */
  readonly url: string;
  /** Drops the schema and everything in it. */
  drop(): Promise<void>;
}

async function run(baseUrl: string, statement: string): Promise<void> {
  const client = new pg.Client({ connectionString: baseUrl });
  await client.connect();
  try {
    await client.query(statement);
  } finally {
    await client.end();
  }
}

/** Creates an empty schema with a random name in the database at `baseUrl`. */
export async function createTestSchema(baseUrl: string): Promise<TestSchema> {
  const schema = `scimd_test_${randomBytes(6).toString('hex')}`;
  await run(baseUrl, `create schema ${schema}`);
  return {
    schema,
    url: withSearchPath(baseUrl, schema),
    drop: () => run(baseUrl, `drop schema if exists ${schema} cascade`),
  };
}

/**
 * The store `open` returns, whose `close` also runs `cleanup` (dropping its schema, deleting its
 * directory); `cleanup` runs at once when opening fails.
 */
export async function storeWithCleanup(
  open: () => Promise<Store>,
  cleanup: () => Promise<void> | void,
): Promise<Store> {
  let store: Store;
  try {
    store = await open();
  } catch (error) {
    await cleanup();
    throw error;
  }
  return {
    ...store,
    async close() {
      try {
        await store.close();
      } finally {
        await cleanup();
      }
    },
  };
}

/** A migrated store on a fresh schema; closing the store drops the schema. */
export async function openPostgresTestStore(baseUrl: string, options: OpenStoreOptions = {}): Promise<Store> {
  const schema = await createTestSchema(baseUrl);
  return storeWithCleanup(() => openStore(schema.url, options), schema.drop);
}

/**
 * Opens the store for a test harness: a PostgreSQL URL gets a throwaway schema (dropped at
 * close), so several harnesses may share one database; anything else opens as given.
 */
export function openTestStore(url: string, options: OpenStoreOptions = {}): Promise<Store> {
  return isPostgresUrl(url) ? openPostgresTestStore(url, options) : openStore(url, options);
}

/** The tables of the current schema (but the migrator's), children before the tables they reference. */
async function deletionOrder(db: Kysely<Database>): Promise<string[]> {
  const tables = await sql<{ name: string }>`
    select tablename as name from pg_tables
    where schemaname = current_schema() and tablename not like 'scimd_migrations%'`.execute(db);
  const references = await sql<{ child: string; parent: string }>`
    select child.relname as child, parent.relname as parent
    from pg_constraint as c
    inner join pg_class as child on child.oid = c.conrelid
    inner join pg_class as parent on parent.oid = c.confrelid
    inner join pg_namespace as n on n.oid = c.connamespace
    where c.contype = 'f' and n.nspname = current_schema() and c.conrelid <> c.confrelid`.execute(db);
  const remaining = new Set(tables.rows.map((t) => t.name));
  const order: string[] = [];
  while (remaining.size > 0) {
    const referenced = new Set(references.rows.filter((r) => remaining.has(r.child)).map((r) => r.parent));
    const next = [...remaining].filter((t) => !referenced.has(t));
    if (next.length === 0) throw new Error(`circular foreign keys among ${[...remaining].join(', ')}`);
    for (const t of next) {
      order.push(t);
      remaining.delete(t);
    }
  }
  return order;
}

/**
 * `open` for a contract suite that opens, uses and closes one store at a time, much faster than
 * a migrated schema per store: the first call migrates a throwaway schema through `openStore`;
 * every call then empties its tables (DELETE, children first: cheaper than TRUNCATE's new files)
 * and hands out a store over one shared pool, whose `close` leaves the pool open. `dispose` ends
 * the pool and drops the schema.
 */
export function recycledPostgresStores(baseUrl: string): { open(): Promise<Store>; dispose(): Promise<void> } {
  let shared: Promise<{ schema: TestSchema; db: Kysely<Database>; order: string[] }> | undefined;
  const setUp = async () => {
    const schema = await createTestSchema(baseUrl);
    await (await openStore(schema.url)).close();
    const db = connect(schema.url);
    return { schema, db, order: await deletionOrder(db) };
  };
  return {
    async open() {
      shared ??= setUp();
      const { db, order } = await shared;
      await db.transaction().execute(async (tx) => {
        for (const table of order) await sql`delete from ${sql.table(table)}`.execute(tx);
      });
      const store = createSqlStore({ db, dialect, capabilities: { sharedAcrossProcesses: true, durable: true } });
      return { ...store, close: async () => undefined };
    },
    async dispose() {
      if (shared === undefined) return;
      const { schema, db } = await shared;
      await db.destroy();
      await schema.drop();
    },
  };
}
