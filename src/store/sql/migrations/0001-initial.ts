/**
 * The initial storage shape: tenants, tokens, resources with projected columns, group members.
 * Every table is keyed by tenant and cascades from `tenants`, so deleting a tenant deletes all
 * of its data. Unique keys other than primary keys are unique indexes named as in
 * `UNIQUE_CONSTRAINTS` (index names are stable in every dialect, SQLite's autoindexes are not).
 */
import { type Kysely, type Migration, sql } from 'kysely';
import type { SqlDialect } from '../dialect.js';

export function initialMigration(dialect: SqlDialect): Migration {
  const json = sql.raw(dialect.fragments.columnTypes.json);
  const boolean = sql.raw(dialect.fragments.columnTypes.boolean);
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('tenants')
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('slug', 'text', (c) => c.notNull())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('created', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('tenants_pkey', ['id'])
        .execute();
      await db.schema.createIndex('tenants_slug').unique().on('tenants').column('slug').execute();

      await db.schema
        .createTable('tokens')
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
        .addColumn('label', 'text')
        .addColumn('hash', 'text', (c) => c.notNull())
        .addColumn('hint', 'text', (c) => c.notNull())
        .addColumn('created', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text')
        .addColumn('revoked_at', 'text')
        .addColumn('last_used_at', 'text')
        .addPrimaryKeyConstraint('tokens_pkey', ['id'])
        .execute();
      await db.schema.createIndex('tokens_hash').unique().on('tokens').column('hash').execute();
      await db.schema.createIndex('tokens_tenant').on('tokens').columns(['tenant_id', 'created', 'id']).execute();

      await db.schema
        .createTable('resources')
        .addColumn('tenant_id', 'text', (c) => c.notNull().references('tenants.id').onDelete('cascade'))
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('resource_type', 'text', (c) => c.notNull())
        .addColumn('version', 'integer', (c) => c.notNull())
        .addColumn('created', 'text', (c) => c.notNull())
        .addColumn('last_modified', 'text', (c) => c.notNull())
        .addColumn('body', json, (c) => c.notNull())
        .addColumn('unique_name_fold', 'text')
        .addColumn('display_name_fold', 'text')
        .addColumn('display', 'text')
        .addColumn('external_id', 'text')
        .addColumn('active', boolean)
        .addPrimaryKeyConstraint('resources_pkey', ['tenant_id', 'id'])
        .execute();
      await db.schema
        .createIndex('resources_unique_name')
        .unique()
        .on('resources')
        .columns(['tenant_id', 'resource_type', 'unique_name_fold'])
        .execute();
      const indexes: [string, string[]][] = [
        ['resources_display_name', ['tenant_id', 'resource_type', 'display_name_fold']],
        ['resources_external_id', ['tenant_id', 'resource_type', 'external_id']],
        ['resources_created', ['tenant_id', 'resource_type', 'created', 'id']],
        ['resources_last_modified', ['tenant_id', 'resource_type', 'last_modified']],
      ];
      for (const [name, columns] of indexes) {
        await db.schema.createIndex(name).on('resources').columns(columns).execute();
      }

      await db.schema
        .createTable('group_members')
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('group_id', 'text', (c) => c.notNull())
        .addColumn('member_id', 'text', (c) => c.notNull())
        .addColumn('member_type', 'text', (c) => c.notNull())
        .addColumn('added_seq', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('group_members_pkey', ['tenant_id', 'group_id', 'member_id'])
        .addForeignKeyConstraint(
          'group_members_group_fk',
          ['tenant_id', 'group_id'],
          'resources',
          ['tenant_id', 'id'],
          (c) => c.onDelete('cascade'),
        )
        .addForeignKeyConstraint(
          'group_members_member_fk',
          ['tenant_id', 'member_id'],
          'resources',
          ['tenant_id', 'id'],
          (c) => c.onDelete('cascade'),
        )
        .execute();
      await db.schema
        .createIndex('group_members_by_member')
        .on('group_members')
        .columns(['tenant_id', 'member_id', 'group_id'])
        .execute();
      await db.schema
        .createIndex('group_members_order')
        .on('group_members')
        .columns(['tenant_id', 'group_id', 'added_seq'])
        .execute();
    },
  };
}
