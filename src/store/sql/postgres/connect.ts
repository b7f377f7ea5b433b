/**
 * Opening PostgreSQL through node-postgres: the pool, URLs, the collation every text column gets,
 * and the introspector Kysely's migrator uses. See docs/postgres.md.
 *
 * - Text compares in code point order, as SQLite's BINARY and the memory store do: every text
 *   column is created `COLLATE "C"` (`TEXT_COLLATION`), and text taken from JSON carries an
 *   explicit `COLLATE "C"` (fragments.ts), whatever the database's default collation is.
 * - The migrator learns only about the schema scimd works in (`CurrentSchemaIntrospector`).
 */
import {
  type ColumnDefinitionNode,
  type DatabaseIntrospector,
  type DatabaseMetadata,
  DataTypeNode,
  Kysely,
  type KyselyPlugin,
  OperationNodeTransformer,
  PostgresDialect,
  type QueryId,
  type SchemaMetadata,
  sql,
  type TableMetadata,
} from 'kysely';
import pg from 'pg';
import type { StoreObserver } from '../../observer-port.js';
import { statementLogger } from '../statement-log.js';
import type { Database } from '../tables.js';
import { forgetHeld, PipeliningClient, PreparingClient } from './prepared.js';

/** Connections per process when `SCIMD_DATABASE_POOL_SIZE` is not given. */
const DEFAULT_POOL_SIZE = 10;

/** How long a request waits for a free pooled connection (or a new one) before failing. */
const CONNECT_TIMEOUT_MS = 30_000;

interface PostgresOptions {
  /** Connections per process (`SCIMD_DATABASE_POOL_SIZE`); default `DEFAULT_POOL_SIZE`. */
  readonly poolSize?: number;
  /** Default `CONNECT_TIMEOUT_MS`. */
  readonly connectTimeoutMs?: number;
  /** Told each statement's duration and handed the pool's use (metrics). */
  readonly observer?: StoreObserver;
  /** Run the statement templates as named prepared statements (prepared.ts); default true. */
  readonly preparedStatements?: boolean;
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
function createPool(url: string, options: PostgresOptions = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.poolSize ?? DEFAULT_POOL_SIZE,
    connectionTimeoutMillis: options.connectTimeoutMs ?? CONNECT_TIMEOUT_MS,
    application_name: 'scimd',
    keepAlive: true,
    Client: options.preparedStatements === false ? PipeliningClient : PreparingClient,
  });
  // An idle connection that breaks (server restart, network) is reported here and dropped from
  // the pool, which opens a new one on demand. Unhandled, the event would end the process.
  pool.on('error', () => undefined);
  pool.on('release', (_error: Error | undefined, client: pg.PoolClient) => forgetHeld(client));
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
const TEXT_COLLATION: KyselyPlugin = {
  transformQuery({ node, queryId }) {
    return node.kind === 'CreateTableNode' || node.kind === 'AlterTableNode'
      ? new TextCollationTransformer().transformNode(node, queryId)
      : node;
  },
  transformResult: async ({ result }) => result,
};

/**
 * What Kysely's Migrator learns about the database: the tables and views of `current_schema()`,
 * without their columns (the migrator needs names). Kysely's own introspector reads every schema
 * of the database and calls `has_schema_privilege` on each, which fails ("schema … does not
 * exist") when another client drops a schema meanwhile, and grows slower with every schema;
 * scimd never needs more than its own tables.
 */
class CurrentSchemaIntrospector implements DatabaseIntrospector {
  readonly #db: Kysely<unknown>;

  constructor(db: Kysely<unknown>) {
    this.#db = db;
  }

  async getSchemas(): Promise<SchemaMetadata[]> {
    const result = await sql<SchemaMetadata>`select nspname as name from pg_catalog.pg_namespace`.execute(this.#db);
    return result.rows;
  }

  async getTables(): Promise<TableMetadata[]> {
    const result = await sql<{ name: string; schema: string; kind: string }>`
      select c.relname as name, n.nspname as schema, c.relkind as kind
      from pg_catalog.pg_class as c
      inner join pg_catalog.pg_namespace as n on n.oid = c.relnamespace
      where n.nspname = current_schema() and c.relkind in ('r', 'p', 'v', 'm')
      order by c.relname`.execute(this.#db);
    return result.rows.map((row) => ({ name: row.name, schema: row.schema, isView: row.kind === 'v', columns: [] }));
  }

  async getMetadata(): Promise<DatabaseMetadata> {
    return { tables: await this.getTables() };
  }
}

/** Kysely's PostgreSQL dialect with `CurrentSchemaIntrospector`. */
class ScopedPostgresDialect extends PostgresDialect {
  override createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return new CurrentSchemaIntrospector(db);
  }
}

/** A Kysely instance over a new pool; `destroy()` ends the pool. */
export function connect(url: string, options: PostgresOptions = {}): Kysely<Database> {
  const pool = createPool(url, options);
  const { observer } = options;
  observer?.pool?.(() => ({ total: pool.totalCount, idle: pool.idleCount, waiting: pool.waitingCount }));
  return new Kysely<Database>({
    dialect: new ScopedPostgresDialect({ pool }),
    plugins: [TEXT_COLLATION],
    ...(observer ? { log: statementLogger(observer) } : {}),
  });
}
