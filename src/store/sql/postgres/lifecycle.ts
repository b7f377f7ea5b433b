/**
 * PostgreSQL after opening: the ICU check, units of work and migrations under advisory locks.
 *
 * - Writers of one tenant are serialised by a transaction-scoped advisory lock taken right after
 *   BEGIN (`pg_advisory_xact_lock`): every process waits for it, so a read-modify-write inside
 *   `TenantStore.transaction` (PATCH, If-Match, membership changes) is safe across processes,
 *   while different tenants write in parallel. It is released by COMMIT or ROLLBACK.
 * - Migrations run under a session advisory lock on one connection, so several processes may
 *   start at once: the first migrates, the others wait and then find nothing to do.
 */
import { createHash } from 'node:crypto';
import { type Kysely, sql } from 'kysely';
import type { SqlLifecycle } from '../dialect.js';
import type { Database } from '../tables.js';

/** First key of the two-key advisory locks that serialise one tenant's writers ("5c1d"). */
export const TENANT_LOCK_CLASS = 0x5c1d;

/** The single (bigint) advisory lock key held while migrating; distinct from Kysely's own. */
export const MIGRATION_LOCK_KEY = 0x5c1d_0000_0001;

/** The second key of a tenant's advisory lock: 32 bits of SHA-256, the same in every process. */
export function tenantLockKey(tenantId: string): number {
  return createHash('sha256').update(tenantId).digest().readInt32BE(0);
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

/** SQLSTATE that `scimd_lock_tenant` raises for a tenant that does not exist. */
const NO_SUCH_TENANT = 'SC404';

/**
 * Takes the tenant's lock, then checks that the tenant exists: both in the one round trip that
 * also opens the transaction (`begin`), where they took three.
 */
const ddl = [
  `create function scimd_lock_tenant(lock_class integer, lock_key integer, tenant text) returns void
   language plpgsql as $$
   begin
     perform pg_advisory_xact_lock(lock_class, lock_key);
     if not exists (select 1 from tenants where id = tenant) then
       raise exception 'tenant % does not exist', tenant using errcode = '${NO_SUCH_TENANT}';
     end if;
   end $$`,
];

/** A string as an SQL literal (standard_conforming_strings, PostgreSQL's default since 9.1). */
function literal(text: string): string {
  return `'${text.replaceAll("'", "''")}'`;
}

export const lifecycle: SqlLifecycle = {
  prepare,
  ddl,
  async begin(conn, tenantId) {
    // Without bound parameters, one message may hold several statements (the simple protocol):
    // BEGIN and the lock travel together. The key and class are numbers, the id a literal.
    const lock = `select scimd_lock_tenant(${TENANT_LOCK_CLASS}, ${tenantLockKey(tenantId)}, ${literal(tenantId)})`;
    try {
      await sql.raw(`begin; ${lock}`).execute(conn);
    } catch (error) {
      // Never hand a connection back to the pool inside a failed transaction.
      await sql`rollback`.execute(conn).catch(() => undefined);
      if ((error as { code?: unknown }).code === NO_SUCH_TENANT) {
        throw new Error(`tenant ${JSON.stringify(tenantId)} does not exist`);
      }
      throw error;
    }
    return true;
  },
  withMigrationLock,
  currentSchema,
};
