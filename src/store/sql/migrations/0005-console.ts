/**
 * The web console and the customer setup portal (docs/console.md, console-port.ts):
 *
 * - `setup_links`: revocable, time-limited links to one tenant's setup portal, found by the
 *   SHA-256 of their opaque part; `setup_link_events`: each opening of a link and each token it
 *   issued. Both cascade from `tenants` (and events from their link), so deleting a tenant
 *   removes its links and their history;
 * - `admin_credentials`: admin API tokens created from the console, kept as their SHA-256;
 * - `console_sessions`: signed-in console sessions, keyed by the SHA-256 of the cookie's id;
 * - `settings`: generated values every process sharing the database must agree on.
 *
 * Dialect-independent: only text and integer columns.
 */
import type { Kysely, Migration } from 'kysely';

export function consoleMigration(): Migration {
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('setup_links')
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
        .addColumn('hash', 'text', (c) => c.notNull())
        .addColumn('hint', 'text', (c) => c.notNull())
        .addColumn('created', 'text', (c) => c.notNull())
        .addColumn('created_by', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('revoked_at', 'text')
        .addPrimaryKeyConstraint('setup_links_pkey', ['id'])
        .execute();
      await db.schema.createIndex('setup_links_hash').unique().on('setup_links').column('hash').execute();
      await db.schema.createIndex('setup_links_tenant').on('setup_links').columns(['tenant_id', 'created']).execute();

      await db.schema
        .createTable('setup_link_events')
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('link_id', 'text', (c) => c.notNull().references('setup_links.id').onDelete('cascade'))
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
        .addColumn('time', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('token_id', 'text')
        .addColumn('client_address', 'text')
        .addColumn('user_agent', 'text')
        .addPrimaryKeyConstraint('setup_link_events_pkey', ['id'])
        .execute();
      await db.schema
        .createIndex('setup_link_events_tenant_time')
        .on('setup_link_events')
        .columns(['tenant_id', 'time', 'id'])
        .execute();
      await db.schema
        .createIndex('setup_link_events_link_time')
        .on('setup_link_events')
        .columns(['link_id', 'time', 'id'])
        .execute();

      await db.schema
        .createTable('admin_credentials')
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('label', 'text', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull())
        .addColumn('hint', 'text', (c) => c.notNull())
        .addColumn('created', 'text', (c) => c.notNull())
        .addColumn('revoked_at', 'text')
        .addColumn('last_used_at', 'text')
        .addPrimaryKeyConstraint('admin_credentials_pkey', ['id'])
        .execute();
      await db.schema.createIndex('admin_credentials_hash').unique().on('admin_credentials').column('hash').execute();

      await db.schema
        .createTable('console_sessions')
        .addColumn('id_hash', 'text', (c) => c.notNull())
        .addColumn('data', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('console_sessions_pkey', ['id_hash'])
        .execute();
      await db.schema.createIndex('console_sessions_expires').on('console_sessions').column('expires_at').execute();

      await db.schema
        .createTable('settings')
        .addColumn('key', 'text', (c) => c.notNull())
        .addColumn('value', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('settings_pkey', ['key'])
        .execute();
    },
  };
}
