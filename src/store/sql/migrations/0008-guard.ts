/**
 * The deprovision guard (guard-port.ts, docs/guard.md):
 *
 * - `event_sequences.held_seq`: the tenant's delivery hold (the seq of its `tenant.guard_tripped`
 *   event), null when delivery is not held; beside `last_seq`, so the statements that read the
 *   sequence learn of the hold for free;
 * - `tenant_guards`: per tenant, its settings overrides (JSON text) and the guard's state;
 * - `guard_deprovisions`: per tenant and user, the latest time it was deprovisioned, indexed by
 *   time so the window is counted from the index;
 * - `guard_captures`: per tenant and resource, its compact state before its first held change;
 * - `guard_decisions`: trips, releases, resets and settings changes, with who and when.
 *
 * Everything cascades from `tenants`. Dialect-independent: text and bigint columns.
 */
import type { Kysely, Migration } from 'kysely';

export function guardMigration(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema.alterTable('event_sequences').addColumn('held_seq', 'bigint').execute();

      await db.schema
        .createTable('tenant_guards')
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
        .addColumn('overrides', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('since', 'text', (c) => c.notNull())
        .addColumn('held_seq', 'bigint')
        .addColumn('count_from', 'text')
        .addColumn('tripped_at', 'text')
        .addColumn('trip_deprovisioned', 'bigint')
        .addColumn('trip_base', 'bigint')
        .addPrimaryKeyConstraint('tenant_guards_pkey', ['tenant_id'])
        .execute();

      await db.schema
        .createTable('guard_deprovisions')
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
        .addColumn('user_id', 'text', (c) => c.notNull())
        .addColumn('time', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('guard_deprovisions_pkey', ['tenant_id', 'user_id'])
        .execute();
      // The window count reads only this index.
      await db.schema
        .createIndex('guard_deprovisions_time')
        .on('guard_deprovisions')
        .columns(['tenant_id', 'time'])
        .execute();

      await db.schema
        .createTable('guard_captures')
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
        .addColumn('resource_id', 'text', (c) => c.notNull())
        .addColumn('resource_type', 'text', (c) => c.notNull())
        .addColumn('seq', 'bigint', (c) => c.notNull())
        .addColumn('before', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('guard_captures_pkey', ['tenant_id', 'resource_id'])
        .execute();

      await db.schema
        .createTable('guard_decisions')
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
        .addColumn('time', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('detail', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('guard_decisions_pkey', ['id'])
        .execute();
      await db.schema
        .createIndex('guard_decisions_tenant_time')
        .on('guard_decisions')
        .columns(['tenant_id', 'time'])
        .execute();
    },
  };
}
