/** What every SQL repository function works with: a connection, the dialect and the tenant. */
import type { Kysely } from 'kysely';
import type { SqlDialect } from './dialect.js';
import type { Database } from './tables.js';

export interface SqlScope {
  /** The store's Kysely, or one bound to the connection of the current unit of work. */
  readonly db: Kysely<Database>;
  readonly dialect: SqlDialect;
  /** Every statement built from a scope carries `tenant_id = <this>`. */
  readonly tenantId: string;
}

/** Splits `items` so that each chunk binds at most `maxParameters` parameters. */
export function chunk<T>(items: readonly T[], parametersPerItem: number, maxParameters: number): T[][] {
  const size = Math.max(1, Math.floor((maxParameters - 16) / parametersPerItem));
  const chunks: T[][] = [];
  for (let i = 0; i < items.length; i += size) chunks.push(items.slice(i, i + size));
  return chunks;
}
