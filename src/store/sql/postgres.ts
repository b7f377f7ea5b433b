/**
 * PostgreSQL through node-postgres: the connection pool and the PostgreSQL SQL fragments, with
 * the same exported names as sqlite.ts (`connect`, `dialect`). See docs/postgres.md.
 *
 * - Writers of one tenant are serialised by a transaction-scoped advisory lock taken right after
 *   BEGIN (`pg_advisory_xact_lock`): every process waits for it, so a read-modify-write inside
 *   `TenantStore.transaction` (PATCH, If-Match, membership changes) is safe across processes,
 *   while different tenants write in parallel. It is released by COMMIT or ROLLBACK.
 * - Migrations run under a session advisory lock on one connection, so several processes may
 *   start at once: the first migrates, the others wait and then find nothing to do.
 * - Text compares in code point order, as SQLite's BINARY and the memory store do: every text
 *   column is created `COLLATE "C"` (`TEXT_COLLATION`), and text taken from JSON carries an
 *   explicit `COLLATE "C"`, whatever the database's default collation is.
 * - `fold` is `lower()` under the ICU root collation `und-x-icu`, which applies Unicode's full
 *   default case mapping exactly as JavaScript's `toLowerCase` does (final sigma, `İ` → `i̇`),
 *   never the ASCII-only or locale-dependent libc `lower()`. The residual difference, characters
 *   newer than the server's ICU, is listed in docs/postgres.md.
 * - Resource bodies are `jsonb`.
 */
import { createHash } from 'node:crypto';
import {
  type ColumnDefinitionNode,
  DataTypeNode,
  type Expression,
  Kysely,
  type KyselyPlugin,
  OperationNodeTransformer,
  type QueryId,
  type RawBuilder,
  type SqlBool,
  sql,
} from 'kysely';
import pg from 'pg';
import type { AttributeType } from '../../scim/schema/types.js';
import type { JsonElements, JsonPath, SqlDialect } from './dialect.js';
import { ScopedPostgresDialect } from './postgres-introspector.js';
import { type Database, UNIQUE_CONSTRAINTS, type UniqueConstraintName } from './tables.js';

/** Connections per process when `SCIMD_DATABASE_POOL_SIZE` is not given. */
export const DEFAULT_POOL_SIZE = 10;

/** How long a request waits for a free pooled connection (or a new one) before failing. */
export const CONNECT_TIMEOUT_MS = 30_000;

/** First key of the two-key advisory locks that serialise one tenant's writers ("5c1d"). */
export const TENANT_LOCK_CLASS = 0x5c1d;

/** The single (bigint) advisory lock key held while migrating; distinct from Kysely's own. */
export const MIGRATION_LOCK_KEY = 0x5c1d_0000_0001;

export interface PostgresOptions {
  /** Connections per process (`SCIMD_DATABASE_POOL_SIZE`); default `DEFAULT_POOL_SIZE`. */
  readonly poolSize?: number;
  /** Default `CONNECT_TIMEOUT_MS`. */
  readonly connectTimeoutMs?: number;
}

/** Whether `url` names a PostgreSQL database (`postgres://…` or `postgresql://…`). */
export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//.test(url);
}

/** `url` with its password replaced by `***`, for messages and logs. */
export function redactUrl(url: string): string {
  return url.replace(/^(postgres(?:ql)?:\/\/[^:/@]*:)[^/?#]*@/, '$1***@');
}

/**
 * A pg pool of at most `poolSize` connections. Parameters in the URL (`sslmode`, `options`,
 * `application_name`, …) take precedence over the defaults set here.
 */
export function createPool(url: string, options: PostgresOptions = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? DEFAULT_POOL_SIZE,
    connectionTimeoutMillis: options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS,
    application_name: 'scimd',
    keepAlive: true,
  });
  // An idle connection that breaks (server restart, network) is reported here and dropped from
  // the pool, which opens a new one on demand. Unhandled, the event would end the process.
  pool.on('error', () => undefined);
  return pool;
}

const COLLATED_TEXT = sql.raw('text collate "C"').toOperationNode();

/** Rewrites the `text` columns of CREATE TABLE and ALTER TABLE to `text collate "C"`. */
class TextCollationTransformer extends OperationNodeTransformer {
  protected override transformColumnDefinition(node: ColumnDefinitionNode, queryId?: QueryId): ColumnDefinitionNode {
    const column = super.transformColumnDefinition(node, queryId);
    return DataTypeNode.is(column.dataType) && column.dataType.dataType === 'text'
      ? { ...column, dataType: COLLATED_TEXT }
      : column;
  }
}

/**
 * Creates every `text` column with collation "C" (byte order of UTF-8, i.e. code point order),
 * so the dialect-independent migrations need not know about collations and ORDER BY, `<` and
 * unique indexes behave as on SQLite whatever the database's default collation is. Other
 * statements pass through untouched.
 */
export const TEXT_COLLATION: KyselyPlugin = {
  transformQuery({ node, queryId }) {
    return node.kind === 'CreateTableNode' || node.kind === 'AlterTableNode'
      ? new TextCollationTransformer().transformNode(node, queryId)
      : node;
  },
  transformResult: async ({ result }) => result,
};

/** A Kysely instance over a new pool; `destroy()` ends the pool. */
export function connect(url: string, options: PostgresOptions = {}): Kysely<Database> {
  return new Kysely<Database>({
    dialect: new ScopedPostgresDialect({ pool: createPool(url, options) }),
    plugins: [TEXT_COLLATION],
  });
}

/** The second key of a tenant's advisory lock: 32 bits of SHA-256, the same in every process. */
export function tenantLockKey(tenantId: string): number {
  return createHash('sha256').update(tenantId).digest().readInt32BE(0);
}

/** `json -> 'a' -> 'b'`: keys are bound as literals, so any key (a URN) is safe. */
function descend(json: Expression<unknown>, keys: JsonPath): RawBuilder<unknown> {
  return keys.reduce<RawBuilder<unknown>>((value, key) => sql`${value} -> ${sql.lit(key)}`, sql`${json}`);
}

/** The JSON value cast to `sqlType` when its JSON type is `jsonType`, else NULL (never a cast error). */
function typed(value: RawBuilder<unknown>, jsonType: string, sqlType: string): RawBuilder<unknown> {
  return sql`case jsonb_typeof(${value}) when ${sql.lit(jsonType)} then (${value})::${sql.raw(sqlType)} end`;
}

function jsonScalar(json: Expression<unknown>, path: JsonPath, type: AttributeType): RawBuilder<unknown> {
  switch (type) {
    case 'boolean':
      return typed(descend(json, path), 'boolean', 'boolean');
    case 'integer':
    case 'decimal':
      return typed(descend(json, path), 'number', 'numeric');
    case 'complex':
      return descend(json, path);
    default: {
      // ->> yields the text of a JSON string; COLLATE "C" makes `<` and ORDER BY code point order.
      if (path.length === 0) return sql`(${json} #>> '{}') collate "C"`;
      const last = path[path.length - 1] as string;
      return sql`(${descend(json, path.slice(0, -1))} ->> ${sql.lit(last)}) collate "C"`;
    }
  }
}

function jsonElements(json: Expression<unknown>, path: JsonPath, alias: string): JsonElements {
  return {
    from: sql`jsonb_array_elements(${descend(json, path)}) with ordinality as ${sql.raw(alias)}(value, ord)`,
    element: sql.raw(`${alias}.value`),
    position: sql.raw(`${alias}.ord`),
  };
}

/**
 * A jsonpath (lax mode) selecting the leaves under `path` that are values in the sense of
 * `isPresent`: strings other than "", numbers and booleans (`.**` includes the item itself).
 */
export function presentLeavesPath(path: JsonPath): string {
  const keys = path.map((key) => `.${JSON.stringify(key)}`).join('');
  return `$${keys}.** ? (@.type() == "string" && @ != "" || @.type() == "number" || @.type() == "boolean")`;
}

/** Maps SQLSTATE 23505 (unique_violation) to the constraint's name, which pg reports. */
function uniqueViolation(error: unknown): UniqueConstraintName | undefined {
  const { code, constraint } = (error ?? {}) as { code?: unknown; constraint?: unknown };
  if (code !== '23505' || typeof constraint !== 'string') return undefined;
  return Object.hasOwn(UNIQUE_CONSTRAINTS, constraint) ? (constraint as UniqueConstraintName) : undefined;
}

/** Fails at open, with the reason, when the server cannot fold case as JavaScript does. */
async function prepare(db: Kysely<Database>): Promise<void> {
  const icu = await sql`select 1 as found from pg_collation where collname = 'und-x-icu'`.execute(db);
  if (icu.rows.length === 0) {
    throw new Error(
      'PostgreSQL has no ICU collation "und-x-icu": scimd needs a server built with ICU to compare text ignoring case as JavaScript does (docs/postgres.md)',
    );
  }
}

async function currentSchema(db: Kysely<Database>): Promise<string> {
  const result = await sql<{ schema: string | null; path: string }>`
    select current_schema() as schema, current_setting('search_path') as path`.execute(db);
  const row = result.rows[0];
  if (!row?.schema) {
    throw new Error(
      `PostgreSQL: no schema to create scimd's tables in: search_path (${row?.path ?? 'unset'}) names no existing schema; create it (CREATE SCHEMA …) or change search_path`,
    );
  }
  return row.schema;
}

async function withMigrationLock<T>(db: Kysely<Database>, migrate: (conn: Kysely<Database>) => Promise<T>): Promise<T> {
  // Session-level, on the connection that also migrates: a pool of one connection cannot deadlock.
  return db.connection().execute(async (conn) => {
    await sql`select pg_advisory_lock(${sql.lit(MIGRATION_LOCK_KEY)})`.execute(conn);
    try {
      return await migrate(conn);
    } finally {
      await sql`select pg_advisory_unlock(${sql.lit(MIGRATION_LOCK_KEY)})`.execute(conn);
    }
  });
}

export const dialect: SqlDialect = {
  // The protocol counts bind parameters in 16 bits (at most 65535); stay below.
  capabilities: { nativeJson: true, maxParameters: 60000, rowLocking: true, singleConnection: false },
  columnTypes: { json: 'jsonb', boolean: 'boolean' },
  prepare,
  async begin(conn, tenantId) {
    await sql`begin`.execute(conn);
    try {
      await sql`select pg_advisory_xact_lock(${sql.lit(TENANT_LOCK_CLASS)}, ${tenantLockKey(tenantId)})`.execute(conn);
    } catch (error) {
      // Never hand a connection back to the pool inside a failed transaction.
      await sql`rollback`.execute(conn).catch(() => undefined);
      throw error;
    }
  },
  // As text, so that arrays are not sent as PostgreSQL arrays; the column's type makes it jsonb.
  encodeJson: (value) => JSON.stringify(value),
  decodeJson: (raw) => (typeof raw === 'string' ? JSON.parse(raw) : raw) as Record<string, unknown>,
  encodeBoolean: (value) => value,
  jsonScalar,
  jsonElements,
  jsonHasValue: (json, path) => sql<SqlBool>`${json} @? ${sql.lit(presentLeavesPath(path))}`,
  fold: (value) => sql`lower((${value}) collate "und-x-icu") collate "C"`,
  contains: (haystack, needle) => sql<SqlBool>`strpos(${haystack}, ${needle}) > 0`,
  startsWith: (haystack, prefix) => sql<SqlBool>`starts_with(${haystack}, ${prefix})`,
  endsWith: (haystack, suffix) => sql<SqlBool>`right(${haystack}, length(${suffix})) = ${suffix}`,
  uniqueViolation,
  withMigrationLock,
  currentSchema,
};
