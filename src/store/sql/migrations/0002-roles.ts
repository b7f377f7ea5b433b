/**
 * The app role catalogue (docs/roles.md): `app_roles`, shared by every tenant since the roles
 * belong to the vendor's app registration, and `tenants.allowed_roles`, a tenant's optional
 * narrowing (a JSON array of role values; null allows every enabled role). Dialect-independent:
 * JSON and boolean columns take the dialect's column types.
 */
import { type Kysely, type Migration, sql } from 'kysely';
import type { SqlDialect } from '../dialect.js';

export function rolesMigration(dialect: SqlDialect): Migration {
  const json = sql.raw(dialect.fragments.columnTypes.json);
  const boolean = sql.raw(dialect.fragments.columnTypes.boolean);
  return {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('app_roles')
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('value', 'text', (c) => c.notNull())
        .addColumn('value_fold', 'text', (c) => c.notNull())
        .addColumn('display_name', 'text', (c) => c.notNull())
        .addColumn('description', 'text', (c) => c.notNull())
        .addColumn('enabled', boolean, (c) => c.notNull())
        .addColumn('allowed_member_types', json, (c) => c.notNull())
        .addColumn('created', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('app_roles_pkey', ['id'])
        .execute();
      await db.schema.createIndex('app_roles_value').unique().on('app_roles').column('value_fold').execute();
      await db.schema.alterTable('tenants').addColumn('allowed_roles', json).execute();
    },
  };
}
