/**
 * Fewer tenant-led index entries per provisioning log entry (issue #18.3). Every index of
 * `request_log` but the primary key (a time-ordered id: appended at its end) starts with the
 * tenant, so with requests spread over many tenants each entry lands on another tenant's leaf page
 * of each index: one page to read and one WAL frame to write per index and entry. At 10,000
 * tenants a userName lookup wrote 4.1 WAL frames, 3 of them these indexes' (docs/benchmarks.md,
 * "Write locality of the provisioning log"). Two of the three now hold only the entries they
 * are read for:
 *
 * - `request_log_resource` (tenant, resource, time) gives way to `request_log_named`, the same
 *   columns of only the entries naming a resource: a list, a search or a discovery request names
 *   none and no longer writes it. A query for a resource
 *   (`resource_id = ?`) implies `resource_id is not null`, which both SQLite and PostgreSQL see.
 * - `request_log_status` (tenant, status, time) gives way to `request_log_failures` (tenant,
 *   time, id) of the entries with a status of `FAILURE_STATUS` or more: successful requests, the
 *   bulk of the log, no longer write it. The failures are read newest first (the console's and
 *   the connection status's "errors", a `4xx` or `5xx` filter); the query names the bound as a
 *   literal (request-log.ts) so the planner can prove the index applies. A filter on other
 *   statuses reads the tenant's entries newest first through `request_log_time`, bounded by what
 *   the log keeps per tenant (`SCIMD_LOG_MAX_ENTRIES`); successes, the common case, are found at
 *   once.
 *
 * Runs again over its own result without harm (`if exists`, `if not exists`).
 */
import { type Kysely, type Migration, sql } from 'kysely';

/** Least status `request_log_failures` holds. */
export const FAILURE_STATUS = 400;

export function requestLogLocalityMigration(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await sql`drop index if exists request_log_status`.execute(db);
      await sql`create index if not exists request_log_failures on request_log (tenant_id, time, id)
        where status >= ${sql.lit(FAILURE_STATUS)}`.execute(db);
      await sql`drop index if exists request_log_resource`.execute(db);
      await sql`create index if not exists request_log_named on request_log (tenant_id, resource_id, time)
        where resource_id is not null`.execute(db);
    },
  };
}
