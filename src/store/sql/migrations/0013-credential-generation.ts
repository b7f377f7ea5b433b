/**
 * `credential_generation`: one row whose counter moves with every change to what authentication
 * reads (a token's hash, tenant, expiry or revocation; any tenant column; a deletion). Triggers
 * move it in the changing statement's own transaction, whoever writes (this server, another
 * server, the `scimd` CLI, an operator's SQL), and not when `last_used_at` is recorded. A
 * process compares it about once a second to what it saw last, so it can keep credentials for
 * minutes and still see a revocation within a second (credential-generation.ts).
 */
import { type Kysely, type Migration, sql } from 'kysely';
import type { SqlDialect } from '../dialect.js';

/** The columns of `tokens` whose change authentication must see (not `last_used_at`, not `label`). */
const TOKEN_COLUMNS = 'hash, tenant_id, expires_at, revoked_at';

export function credentialGenerationMigration(dialect: SqlDialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      // Written to run again over its own result (a test that rewinds a database's migration
      // records past it, or a half-applied run on SQLite), so every step tolerates being done.
      await db.schema
        .createTable('credential_generation')
        .ifNotExists()
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('generation', 'bigint', (c) => c.notNull())
        .execute();
      await sql`insert into credential_generation (id, generation) values (1, 0) on conflict (id) do nothing`.execute(
        db,
      );
      const bump = 'update credential_generation set generation = generation + 1 where id = 1';
      // PostgreSQL (the dialect that locks rows) runs triggers through a function, once per
      // statement; SQLite runs the trigger's body once per row.
      if (dialect.fragments.rowLocking) {
        await sql
          .raw(`create or replace function scimd_credential_changed() returns trigger language plpgsql as $$
            begin ${bump}; return null; end $$`)
          .execute(db);
        const on = async (name: string, event: string, table: string) => {
          await sql.raw(`drop trigger if exists ${name} on ${table}`).execute(db);
          await sql
            .raw(`create trigger ${name} after ${event} on ${table}
              for each statement execute function scimd_credential_changed()`)
            .execute(db);
        };
        await on('tokens_credential_update', `update of ${TOKEN_COLUMNS}`, 'tokens');
        await on('tokens_credential_delete', 'delete', 'tokens');
        await on('tenants_credential_update', 'update', 'tenants');
        await on('tenants_credential_delete', 'delete', 'tenants');
        return;
      }
      const on = (name: string, event: string, table: string) =>
        sql.raw(`create trigger if not exists ${name} after ${event} on ${table} begin ${bump}; end`).execute(db);
      await on('tokens_credential_update', `update of ${TOKEN_COLUMNS}`, 'tokens');
      await on('tokens_credential_delete', 'delete', 'tokens');
      await on('tenants_credential_update', 'update', 'tenants');
      await on('tenants_credential_delete', 'delete', 'tenants');
    },
  };
}
