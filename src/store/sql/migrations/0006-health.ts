/**
 * Tenant health (health-port.ts, docs/operations.md "Tenant health"):
 *
 * - `health_buckets`: per tenant, UTC hour and identity provider, the counts the provisioning
 *   log's appends add up (requests, failures by cause, reference-update failures, latency);
 * - `health_attributes`: per tenant, the undeclared attributes its IdP sent, with counts;
 * - `health_states`: per tenant, the state the background evaluator last recorded.
 *
 * All three cascade from `tenants`. Dialect-independent: text, integer and bigint columns.
 */
import type { Kysely, Migration } from 'kysely';

export const FAILURE_COLUMNS = [
  'f_unauthorized',
  'f_not_found',
  'f_conflict',
  'f_invalid_value',
  'f_invalid_filter',
  'f_too_large',
  'f_too_many_requests',
  'f_server_error',
  'f_other',
] as const;

export function healthMigration(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      let buckets = db.schema
        .createTable('health_buckets')
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
        .addColumn('hour', 'text', (c) => c.notNull())
        .addColumn('idp', 'text', (c) => c.notNull())
        .addColumn('requests', 'bigint', (c) => c.notNull())
        .addColumn('failures', 'bigint', (c) => c.notNull())
        .addColumn('reference_failures', 'bigint', (c) => c.notNull());
      for (const column of FAILURE_COLUMNS) buckets = buckets.addColumn(column, 'bigint', (c) => c.notNull());
      await buckets
        .addColumn('latency_sum', 'bigint', (c) => c.notNull())
        .addColumn('latency_max', 'bigint', (c) => c.notNull())
        .addColumn('last_time', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('health_buckets_pkey', ['tenant_id', 'hour', 'idp'])
        .execute();
      // Retention and the evaluator's read of every tenant go by hour.
      await db.schema.createIndex('health_buckets_hour').on('health_buckets').column('hour').execute();

      await db.schema
        .createTable('health_attributes')
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
        .addColumn('attribute', 'text', (c) => c.notNull())
        .addColumn('count', 'bigint', (c) => c.notNull())
        .addColumn('last_seen', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('health_attributes_pkey', ['tenant_id', 'attribute'])
        .execute();

      await db.schema
        .createTable('health_states')
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('since', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('health_states_pkey', ['tenant_id'])
        .execute();
    },
  };
}
