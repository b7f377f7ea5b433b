/**
 * Handing changes to the app (docs/events.md, docs/webhooks.md, docs/provisioning-log.md):
 *
 * - `events`: the transactional outbox, keyed by (tenant, seq); `event_sequences` holds each
 *   tenant's last allocated sequence number and how far retention has removed events;
 * - `event_endpoints`: webhook URLs and in-process consumers, for one tenant or all of them;
 * - `event_streams`: one row per endpoint × tenant with its delivery cursor, the failures of its
 *   head event and the lease of the dispatcher delivering it; `event_dead_letters`: events
 *   given up on, and their manual redeliveries;
 * - `request_log`: the provisioning log, one row per SCIM request.
 *
 * Everything cascades from `tenants` (and streams and dead letters from their endpoint).
 * Dialect-independent: JSON and boolean columns take the dialect's column types.
 */
import { type Kysely, type Migration, sql } from 'kysely';
import type { SqlDialect } from '../dialect.js';

export function eventsMigration(dialect: SqlDialect): Migration {
  const json = sql.raw(dialect.fragments.columnTypes.json);
  const boolean = sql.raw(dialect.fragments.columnTypes.boolean);
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('event_sequences')
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
        .addColumn('last_seq', 'integer', (c) => c.notNull())
        .addColumn('pruned_through', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('event_sequences_pkey', ['tenant_id'])
        .execute();

      await db.schema
        .createTable('events')
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('resource_type', 'text', (c) => c.notNull())
        .addColumn('resource_id', 'text', (c) => c.notNull())
        .addColumn('changed_attributes', json, (c) => c.notNull())
        .addColumn('snapshot', json, (c) => c.notNull())
        .addColumn('member_id', 'text')
        .addColumn('member_type', 'text')
        .addColumn('time', 'text', (c) => c.notNull())
        .addColumn('request_id', 'text')
        .addPrimaryKeyConstraint('events_pkey', ['tenant_id', 'seq'])
        .execute();
      await db.schema.createIndex('events_time').on('events').columns(['tenant_id', 'time']).execute();

      await db.schema
        .createTable('event_endpoints')
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('name', 'text')
        .addColumn('tenant_id', 'text', (c) => c.references('tenants.id').onDelete('cascade'))
        .addColumn('url', 'text')
        .addColumn('description', 'text')
        .addColumn('secrets', json, (c) => c.notNull())
        .addColumn('enabled', boolean, (c) => c.notNull())
        .addColumn('created', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('event_endpoints_pkey', ['id'])
        .execute();
      await db.schema.createIndex('event_endpoints_name').unique().on('event_endpoints').column('name').execute();
      await db.schema.createIndex('event_endpoints_tenant').on('event_endpoints').column('tenant_id').execute();

      await db.schema
        .createTable('event_streams')
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('endpoint_id', 'text', (c) => c.notNull().references('event_endpoints.id').onDelete('cascade'))
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
        .addColumn('delivered_seq', 'integer', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('next_attempt_at', 'text', (c) => c.notNull())
        .addColumn('last_attempt_at', 'text')
        .addColumn('last_error', 'text')
        .addColumn('last_status', 'integer')
        .addColumn('lease_owner', 'text')
        .addColumn('lease_until', 'text')
        .addPrimaryKeyConstraint('event_streams_pkey', ['id'])
        .execute();
      await db.schema
        .createIndex('event_streams_endpoint_tenant')
        .unique()
        .on('event_streams')
        .columns(['endpoint_id', 'tenant_id'])
        .execute();
      await db.schema.createIndex('event_streams_due').on('event_streams').columns(['next_attempt_at']).execute();
      await db.schema.createIndex('event_streams_tenant').on('event_streams').columns(['tenant_id']).execute();

      await db.schema
        .createTable('event_dead_letters')
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('endpoint_id', 'text', (c) => c.notNull().references('event_endpoints.id').onDelete('cascade'))
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
        .addColumn('seq', 'integer', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('last_error', 'text')
        .addColumn('last_status', 'integer')
        .addColumn('dead_at', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('next_attempt_at', 'text')
        .addColumn('lease_owner', 'text')
        .addColumn('lease_until', 'text')
        .addPrimaryKeyConstraint('event_dead_letters_pkey', ['id'])
        .execute();
      await db.schema
        .createIndex('event_dead_letters_endpoint')
        .on('event_dead_letters')
        .columns(['endpoint_id', 'dead_at'])
        .execute();
      await db.schema
        .createIndex('event_dead_letters_due')
        .on('event_dead_letters')
        .columns(['state', 'next_attempt_at'])
        .execute();
      await db.schema
        .createIndex('event_dead_letters_tenant')
        .on('event_dead_letters')
        .columns(['tenant_id'])
        .execute();

      await db.schema
        .createTable('request_log')
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
        .addColumn('time', 'text', (c) => c.notNull())
        .addColumn('method', 'text', (c) => c.notNull())
        .addColumn('path', 'text', (c) => c.notNull())
        .addColumn('status', 'integer', (c) => c.notNull())
        .addColumn('scim_type', 'text')
        .addColumn('latency_ms', 'integer', (c) => c.notNull())
        .addColumn('resource_type', 'text')
        .addColumn('resource_id', 'text')
        .addColumn('idp', 'text')
        .addColumn('user_agent', 'text')
        .addColumn('request_id', 'text', (c) => c.notNull())
        .addColumn('request_body', 'text')
        .addColumn('response_body', 'text')
        .addPrimaryKeyConstraint('request_log_pkey', ['id'])
        .execute();
      const logIndexes: [string, string[]][] = [
        ['request_log_time', ['tenant_id', 'time', 'id']],
        ['request_log_resource', ['tenant_id', 'resource_id', 'time']],
        ['request_log_status', ['tenant_id', 'status', 'time']],
      ];
      for (const [name, columns] of logIndexes) {
        await db.schema.createIndex(name).on('request_log').columns(columns).execute();
      }
    },
  };
}
