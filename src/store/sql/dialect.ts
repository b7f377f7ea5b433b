/**
 * What the dialect-independent SQL store needs from a database, in four parts: the SQL fragments
 * its statements splice in, how values are encoded for and decoded from the driver, the
 * lifecycle of a connection (preparing, beginning a unit of work, migrating), and which errors
 * mean what. `sqlite/dialect.ts` and `postgres/dialect.ts` each export one as `dialect`, built
 * from files of the same names in both folders; the store branches on what a part offers,
 * never on a dialect's name (ARCHITECTURE.md principle 5).
 *
 * Whether one connection serialises every writer of the process is not a dialect flag: it is how
 * Kysely's driver for the database works, read from Kysely's adapter (`servesOneConnection`).
 */
import type { Expression, Kysely, RawBuilder, SqlBool } from 'kysely';
import type { AttributeType } from '../../scim/schema/types.js';
import type { Database, UniqueConstraintName } from './tables.js';

/** Object keys from the JSON root, e.g. `['name', 'givenName']` or `[URN, 'manager', 'value']`. */
export type JsonPath = readonly string[];

/** The rows of a JSON array as a FROM item with its element and its position. */
export interface JsonElements {
  /** The FROM item, aliased. */
  readonly from: RawBuilder<unknown>;
  /** The element's JSON value (for `jsonScalar`). */
  readonly element: RawBuilder<unknown>;
  /** The element's position, ascending in array order. */
  readonly position: RawBuilder<unknown>;
}

/**
 * A copy of each resource's body with every string folded (`fold`, JavaScript's toLowerCase),
 * written by the store with the row in `resources.body_fold` (migration 0009-store-costs), for
 * a database whose own `fold` would be a callback per row compared (SQLite: `scim_fold`, a
 * JavaScript function). caseExact=false comparisons on attributes without a projected column
 * then read the folded copy and compare it as it is, and the copy is kept in a form the database
 * reads without parsing (SQLite: JSONB). Keys are not folded, and folding keeps every value's
 * presence ("" stays "", nothing else becomes ""), so presence tests can read the copy too.
 */
export interface FoldedBody {
  /** The column's value from the folded body's JSON text (a bound parameter). */
  store(jsonText: Expression<unknown>): RawBuilder<unknown>;
  /**
   * For the current element of `jsonElements(<folded copy>, path, alias)`: the scalar `key` of
   * the same element in the original body `json` (for caseExact comparisons).
   */
  original(json: Expression<unknown>, alias: string, key: string): RawBuilder<unknown>;
  /**
   * Each element of a multi-valued attribute in the copy also has a row of its own in
   * `resource_scan_elements` (0012-element-scan), which filters scan instead of walking the
   * copy's arrays (sources.ts). Only the scan benchmark turns it off, to compare.
   */
  readonly elementRows: boolean;
}

/** SQL text and limits: what statements are built from. */
export interface SqlFragments {
  /** Present where the resources row keeps a folded copy of the body (see `FoldedBody`). */
  readonly foldedBody?: FoldedBody;
  /**
   * DDL of the triggers that keep `resource_counts` (0009-store-costs) exact: +1 per resource
   * inserted, -1 per resource deleted, in the writing statement's transaction.
   */
  readonly resourceCountTriggers: readonly string[];
  /**
   * `WITH` may hold INSERT/UPDATE … RETURNING (PostgreSQL), so that statements whose only link
   * is a value returned by another travel to the database as one (events.ts).
   */
  readonly dataModifyingCtes: boolean;
  /**
   * Every statement is a network round trip (PostgreSQL): reads that go together are worth one
   * statement, even one the database works harder for (a resource with its groups as JSON).
   * SQLite runs statements in-process, where two plain statements cost less than one that
   * builds JSON.
   */
  readonly statementsAreRoundTrips: boolean;
  /** Bound parameters allowed in one statement; bulk statements are chunked below this. */
  readonly maxParameters: number;
  /**
   * `SELECT … FOR UPDATE SKIP LOCKED` is available, so several processes can claim work rows
   * (webhook deliveries) without blocking each other. Without it the claim is one atomic UPDATE,
   * which is enough where writers are serialised (SQLite).
   */
  readonly rowLocking: boolean;
  /** Column types used by the migrations. */
  readonly columnTypes: { readonly json: string; readonly boolean: string };
  /** The scalar at `path` inside `json`, typed so that it compares with encoded parameters. */
  jsonScalar(json: Expression<unknown>, path: JsonPath, type: AttributeType): RawBuilder<unknown>;
  /** The elements of the array at `path` inside `json`, as FROM item `alias`. */
  jsonElements(json: Expression<unknown>, path: JsonPath, alias: string): JsonElements;
  /**
   * Whether the value at `path` is assigned in the sense of `isPresent` (src/scim/filter/values.ts):
   * some leaf under it is neither null nor "" (so `{}`, `[]` and `[{"a": ""}]` are not).
   */
  jsonHasValue(json: Expression<unknown>, path: JsonPath): RawBuilder<SqlBool>;
  /** `fold(x)`: JavaScript's toLowerCase, never the database's ASCII-only lower(). */
  fold(value: Expression<unknown>): RawBuilder<unknown>;
  contains(haystack: Expression<unknown>, needle: Expression<unknown>): RawBuilder<SqlBool>;
  startsWith(haystack: Expression<unknown>, prefix: Expression<unknown>): RawBuilder<SqlBool>;
  endsWith(haystack: Expression<unknown>, suffix: Expression<unknown>): RawBuilder<SqlBool>;
}

/** Values as the driver takes and gives them. */
export interface ValueCodec {
  encodeJson(value: unknown): unknown;
  decodeJson(raw: unknown): Record<string, unknown>;
  /** A boolean as a bound parameter or column value. */
  encodeBoolean(value: boolean): unknown;
}

/** Opening, units of work and migrating. */
export interface SqlLifecycle {
  /**
   * Runs at every open, after the migrations: whatever the query planner needs before the data
   * exists (SQLite: starting statistics, so that selective indexes win over the `created`
   * order index; see sqlite/lifecycle.ts).
   */
  prepare(db: Kysely<Database>): Promise<void>;
  /**
   * Opens a unit of work on `conn` that serialises writers of one tenant (SQLite:
   * `BEGIN IMMEDIATE`, which takes the write lock up front). Returns true when it also made sure
   * the tenant exists (in the same round trip; it throws when it does not), so that the store
   * need not ask again.
   */
  begin(conn: Kysely<Database>, tenantId: string): Promise<boolean>;
  /**
   * Optional: `begin`'s own error in what a unit of work threw, as the store reports it
   * (PostgreSQL's `begin` travels with the unit's first statement, postgres/prepared.ts, so a
   * tenant that does not exist fails that statement). Undefined for any other error.
   */
  beginError?(error: unknown, tenantId: string): Error | undefined;
  /** Optional: DDL that `begin` relies on, created by migration 0009-store-costs. */
  readonly ddl?: readonly string[];
  /**
   * Optional: runs `migrate` on one connection while holding a lock that every other process
   * migrating the same database waits for (PostgreSQL: a session advisory lock), so that
   * several processes may start at once. Without it, `migrate` runs directly on `db`.
   */
  withMigrationLock?<T>(db: Kysely<Database>, migrate: (conn: Kysely<Database>) => Promise<T>): Promise<T>;
  /**
   * Optional: the schema that unqualified table names resolve to (PostgreSQL: the first schema
   * of `search_path`), where the migrator keeps its own tables. Throws when there is none.
   */
  currentSchema?(db: Kysely<Database>): Promise<string>;
}

/** What the driver's errors mean to the store. */
export interface ErrorMapping {
  /** Which named unique constraint `error` violates, if it is such a violation. */
  uniqueViolation(error: unknown): UniqueConstraintName | undefined;
}

export interface SqlDialect {
  readonly fragments: SqlFragments;
  readonly codec: ValueCodec;
  readonly lifecycle: SqlLifecycle;
  readonly errors: ErrorMapping;
}

/**
 * Whether Kysely runs every statement of `db` on one connection, so that one transaction at a
 * time serialises every writer of the process whatever the tenant; the whole process is then
 * one lane of the group commit (group-commit.ts), where on a pool each tenant is a lane of its
 * own. Kysely's adapter has no property saying "one
 * connection"; of the dialects scimd uses, the one without transactional DDL is SQLite, whose
 * Kysely driver holds a single connection (its adapter's migration lock relies on the same
 * fact). A future dialect that pools connections yet lacks transactional DDL (MySQL) would need
 * more than this; `sqlite/store.test.ts` and `postgres/store.test.ts` pin both answers.
 */
export function servesOneConnection(db: Kysely<Database>): boolean {
  return !db.getExecutor().adapter.supportsTransactionalDdl;
}
