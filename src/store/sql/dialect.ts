/**
 * What the dialect-independent SQL store needs from a database: a few SQL fragments and some
 * capability flags. `sqlite.ts` (and later `postgres.ts`) export one of these as `dialect`;
 * the store branches on capabilities, never on a dialect's name (ARCHITECTURE.md principle 5).
 */
import type { Expression, Kysely, RawBuilder, SqlBool } from 'kysely';
import type { AttributeType } from '../../scim/schema/types.js';
import type { Database, UniqueConstraintName } from './tables.js';

/** Object keys from the JSON root, e.g. `['name', 'givenName']` or `[URN, 'manager', 'value']`. */
export type JsonPath = readonly string[];

export interface SqlDialectCapabilities {
  /** `resources.body` holds a native JSON value, not JSON text to parse. */
  readonly nativeJson: boolean;
  /** Bound parameters allowed in one statement; bulk statements are chunked below this. */
  readonly maxParameters: number;
  /**
   * `SELECT … FOR UPDATE SKIP LOCKED` is available, so several processes can claim work rows
   * (webhook deliveries) without blocking each other. Without it the claim is one atomic UPDATE,
   * which is enough where writers are serialised (SQLite).
   */
  readonly rowLocking: boolean;
  /**
   * One connection serialises every writer of the process, whatever the tenant (SQLite), so
   * concurrent units of work can share one transaction (group-commit.ts).
   */
  readonly singleConnection: boolean;
}

/** The rows of a JSON array as a FROM item with its element and its position. */
export interface JsonElements {
  /** The FROM item, aliased. */
  readonly from: RawBuilder<unknown>;
  /** The element's JSON value (for `jsonScalar`). */
  readonly element: RawBuilder<unknown>;
  /** The element's position, ascending in array order. */
  readonly position: RawBuilder<unknown>;
}

export interface SqlDialect {
  readonly capabilities: SqlDialectCapabilities;
  /** Column types used by the migrations. */
  readonly columnTypes: { readonly json: string; readonly boolean: string };
  /**
   * Runs at every open, after the migrations: whatever the query planner needs before the data
   * exists (SQLite: starting statistics, so that selective indexes win over the `created`
   * order index; see sqlite.ts).
   */
  prepare(db: Kysely<Database>): Promise<void>;
  /**
   * Opens a unit of work on `conn` that serialises writers of one tenant (SQLite:
   * `BEGIN IMMEDIATE`, which takes the write lock up front).
   */
  begin(conn: Kysely<Database>, tenantId: string): Promise<void>;
  encodeJson(value: unknown): unknown;
  decodeJson(raw: unknown): Record<string, unknown>;
  /** A boolean as a bound parameter or column value. */
  encodeBoolean(value: boolean): unknown;
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
  /** Which named unique constraint `error` violates, if it is such a violation. */
  uniqueViolation(error: unknown): UniqueConstraintName | undefined;
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
