/**
 * The access history (history-port.ts, docs/history.md): `access_history`, one row per thing
 * that happened to a user's access, kept apart from the change feed with its own retention.
 *
 * Rows that start a state are also an interval: `span` ('user' | 'role' | 'group') with its
 * `span_key`, valid from `at` until `valid_to` (null while current). An as-of question reads the
 * spans containing the moment; every index leads with the tenant. Text JSON for `detail`
 * (compact and identical on both dialects), 0/1 for `active`. Cascades from `tenants`. The
 * users that exist when it runs get their baseline (history-baseline.ts).
 */
import { type Kysely, type Migration, sql } from 'kysely';
import type { SqlDialect } from '../dialect.js';
import { recordAccessBaseline } from '../history-baseline.js';
import type { Database } from '../tables.js';

export function accessHistoryMigration(dialect: SqlDialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('access_history')
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
        .addColumn('user_id', 'text', (c) => c.notNull())
        // The write's change-feed sequence number and the row's place in the write: ties of `at`.
        .addColumn('seq', 'bigint', (c) => c.notNull())
        .addColumn('ord', 'integer', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('request_id', 'text')
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('user_name', 'text')
        .addColumn('detail', 'text', (c) => c.notNull())
        .addColumn('span', 'text')
        .addColumn('span_key', 'text')
        .addColumn('name_fold', 'text')
        .addColumn('active', 'integer')
        .addColumn('valid_to', 'text')
        .execute();
      // Every user existing now starts the history (before the indexes: a bulk load is faster).
      await recordAccessBaseline(db as Kysely<Database>, dialect, new Date().toISOString());
      // A user's timeline, the spans a write ends, the report's pages of users (in user id order)
      // with their roles and groups. A separate index of user spans bought nothing measurable.
      await db.schema
        .createIndex('access_history_user')
        .on('access_history')
        .columns(['tenant_id', 'user_id', 'span', 'span_key'])
        .execute();
      // Lookups by name: a userName the user had, a role value, a group's displayName.
      await db.schema
        .createIndex('access_history_span_name')
        .on('access_history')
        .columns(['tenant_id', 'span', 'name_fold'])
        .where(sql.ref('span'), 'is not', null)
        .execute();
      // Memberships by group id: a deleted group's members, the report filtered by a group id.
      await db.schema
        .createIndex('access_history_group_spans')
        .on('access_history')
        .columns(['tenant_id', 'span_key'])
        .where(sql.ref('span'), '=', sql.lit('group'))
        .execute();
      // Retention goes by time across tenants.
      await db.schema.createIndex('access_history_at').on('access_history').column('at').execute();
    },
  };
}
