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
import { template } from '../template.js';

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
 * Takes the tenant's lock, then checks that the tenant exists: one statement, which travels
 * with BEGIN in front of the unit's first statement (`begin`), where they took three round trips.
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

/** A unit of work's first two statements, which the pool's clients hold for its next (prepared.ts). */
export const BEGIN_TEXT = 'begin';
export const LOCK_TEXT = 'select scimd_lock_tenant($1, $2, $3)';
const beginStatement = template<never, never>((db) => ({ compile: () => sql.raw(BEGIN_TEXT).compile(db) }));
const lockStatement = template<'lockClass' | 'key' | 'tenantId', never>((db, slot) => ({
  compile: () => sql`select scimd_lock_tenant(${slot('lockClass')}, ${slot('key')}, ${slot('tenantId')})`.compile(db),
}));

function beginError(error: unknown, tenantId: string): Error | undefined {
  return (error as { code?: unknown } | undefined)?.code === NO_SUCH_TENANT
    ? new Error(`tenant ${JSON.stringify(tenantId)} does not exist`)
    : undefined;
}

export const lifecycle: SqlLifecycle = {
  prepare,
  ddl,
  async begin(conn, tenantId) {
    // The pool's clients hold both, and send them with the unit's first statement (prepared.ts):
    // they cost no round trip of their own, and the lock's error for a tenant that does not
    // exist comes with that statement's answer (`beginError`). Any other client runs them here.
    try {
      await beginStatement.execute(conn, {});
      await lockStatement.execute(conn, { lockClass: TENANT_LOCK_CLASS, key: tenantLockKey(tenantId), tenantId });
    } catch (error) {
      // Never hand a connection back to the pool inside a failed transaction.
      await sql`rollback`.execute(conn).catch(() => undefined);
      throw beginError(error, tenantId) ?? error;
    }
    return true;
  },
  beginError,
  withMigrationLock,
  currentSchema,
};
