/** SQLite after opening: starting planner statistics, and units of work that lock up front. */
import { type Kysely, sql } from 'kysely';
import type { SqlLifecycle } from '../dialect.js';
import type { Database } from '../tables.js';

/**
 * Starting planner statistics (the `sqlite_stat1` format: rows, then rows per distinct prefix),
 * describing a large tenant. Without any, SQLite's planner prefers walking the `created` index
 * to avoid a sort even when `external_id = ?` would find one row, and scans a tenant's whole
 * membership table for `listGroupsOf`. Written only while the database has no statistics of its
 * own; a later ANALYZE replaces them with real ones.
 */
const STARTING_STATISTICS: readonly (readonly [table: string, index: string, stat: string])[] = [
  ['resources', 'sqlite_autoindex_resources_1', '100000 100000 1'],
  ['resources', 'resources_unique_name', '100000 100000 50000 1'],
  ['resources', 'resources_display_name', '100000 100000 50000 2'],
  ['resources', 'resources_external_id', '100000 100000 50000 2'],
  ['resources', 'resources_created', '100000 100000 50000 2 1'],
  ['resources', 'resources_last_modified', '100000 100000 50000 2'],
  ['group_members', 'sqlite_autoindex_group_members_1', '1000000 1000000 100 1'],
  ['group_members', 'group_members_by_member', '1000000 1000000 5 1'],
  ['group_members', 'group_members_order', '1000000 1000000 100 1'],
];

/**
 * The same for the provisioning log (a tenant's 10,000 entries, half of them naming a resource,
 * one in a hundred a failure), written while it has none of its own: without any, SQLite walks
 * a tenant's entries newest first instead of using `request_log_named` for a resource's few
 * (0015-request-log-locality.ts).
 */
const STARTING_LOG_STATISTICS: readonly (readonly [table: string, index: string, stat: string])[] = [
  ['request_log', 'sqlite_autoindex_request_log_1', '1000000 1'],
  ['request_log', 'request_log_time', '1000000 10000 1 1'],
  ['request_log', 'request_log_named', '500000 5000 10 1'],
  ['request_log', 'request_log_failures', '10000 100 1 1'],
];

/** Writes `statistics` unless `table` has statistics already (its own, from ANALYZE, or these). */
async function startStatistics(
  db: Kysely<Database>,
  table: string,
  statistics: readonly (readonly [table: string, index: string, stat: string])[],
): Promise<boolean> {
  const existing = await sql<{ n: number }>`select count(*) as n from sqlite_stat1 where tbl = ${table}`.execute(db);
  if (Number(existing.rows[0]?.n ?? 0) > 0) return false;
  for (const [tbl, index, stat] of statistics) {
    await sql`insert into sqlite_stat1 (tbl, idx, stat) values (${tbl}, ${index}, ${stat})`.execute(db);
  }
  return true;
}

async function prepare(db: Kysely<Database>): Promise<void> {
  await sql`analyze sqlite_schema`.execute(db); // creates sqlite_stat1 if missing
  const resources = await startStatistics(db, 'resources', STARTING_STATISTICS);
  const log = await startStatistics(db, 'request_log', STARTING_LOG_STATISTICS);
  if (resources || log) await sql`analyze sqlite_schema`.execute(db); // makes the planner load them
}

export const lifecycle: SqlLifecycle = {
  prepare,
  async begin(conn) {
    // One connection per process already serialises writers; IMMEDIATE makes other processes
    // wait (busy_timeout) at BEGIN instead of failing with SQLITE_BUSY at the first write.
    await sql`begin immediate`.execute(conn);
    return false;
  },
};
