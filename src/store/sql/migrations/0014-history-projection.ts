/**
 * The history projector (docs/history.md "The model"): a write no longer inserts its access
 * history rows itself, it stores its delta with its first change event, and a projector
 * materialises the deltas into `access_history` later, in batches, always before a read.
 *
 * - `events.access_delta`: the write's delta as compact JSON, on its first event; null on every
 *   other event (and on events written before this migration);
 * - `history_projection`: per tenant, the sequence number through which the deltas are in
 *   `access_history`. Its own table, not a column of `event_sequences`, whose row every writer of
 *   the tenant locks: the projector must never wait for writers, nor they for it.
 *
 * Everything written before this migration was recorded in `access_history` by the write itself,
 * so each tenant's watermark starts at its last sequence number. Cascades from `tenants`.
 */
import { type Kysely, type Migration, sql } from 'kysely';
import type { SqlDialect } from '../dialect.js';

/**
 * Whether `events` has the column already. SQLite has no ADD COLUMN IF NOT EXISTS, and on
 * PostgreSQL the column must come from the schema builder, whose text columns the connection
 * creates with collation "C" (postgres/connect.ts).
 */
async function hasDeltaColumn(db: Kysely<unknown>, dialect: SqlDialect): Promise<boolean> {
  const { rows } = dialect.fragments.rowLocking
    ? await sql<{ n: number | string }>`select count(*) as n from information_schema.columns
        where table_schema = current_schema() and table_name = 'events' and column_name = 'access_delta'`.execute(db)
    : await sql<{ n: number | string }>`select count(*) as n from pragma_table_info('events')
        where name = 'access_delta'`.execute(db);
  return Number(rows[0]?.n ?? 0) > 0;
}

export function historyProjectionMigration(dialect: SqlDialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      // Written to run again over its own result (a test that rewinds a database's migration
      // records past it, or a half-applied run on SQLite), so every step tolerates being done.
      if (!(await hasDeltaColumn(db, dialect))) {
        await db.schema.alterTable('events').addColumn('access_delta', 'text').execute();
      }
      await db.schema
        .createTable('history_projection')
        .ifNotExists()
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
        .addColumn('through', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('history_projection_pkey', ['tenant_id'])
        .execute();
      await sql`insert into history_projection (tenant_id, through)
        select tenant_id, last_seq from event_sequences where true
        on conflict (tenant_id) do nothing`.execute(db);
    },
  };
}
