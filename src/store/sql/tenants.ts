/** The SQL TenantRepository. Deleting a tenant cascades to its tokens, resources and members. */
import type { Kysely, Selectable } from 'kysely';
import { conflict } from '../../scim/errors.js';
import { normalizeTimestamp } from '../project-columns.js';
import type { TenantRecord, TenantRepository, TenantStatus } from '../store.js';
import type { SqlDialect } from './dialect.js';
import type { Database, TenantsTable } from './tables.js';
import { mapUniqueViolations } from './unique.js';

function toRecord(row: Selectable<TenantsTable>): TenantRecord {
  return { id: row.id, slug: row.slug, name: row.name, status: row.status as TenantStatus, created: row.created };
}

export function createTenantRepository(db: Kysely<Database>, dialect: SqlDialect): TenantRepository {
  const select = () => db.selectFrom('tenants').select(['id', 'slug', 'name', 'status', 'created']);
  return {
    async create(tenant) {
      const record = { ...tenant, created: normalizeTimestamp(tenant.created) };
      await mapUniqueViolations(
        dialect,
        {
          tenants_pkey: () => conflict(`tenant id ${JSON.stringify(tenant.id)} already exists`),
          tenants_slug: () => conflict(`tenant slug ${JSON.stringify(tenant.slug)} is already taken`),
        },
        () => db.insertInto('tenants').values(record).execute(),
      );
      return record;
    },
    async getById(id) {
      const row = await select().where('id', '=', id).executeTakeFirst();
      return row && toRecord(row);
    },
    async getBySlug(slug) {
      const row = await select().where('slug', '=', slug).executeTakeFirst();
      return row && toRecord(row);
    },
    async list() {
      const rows = await select().orderBy('created').orderBy('id').execute();
      return rows.map(toRecord);
    },
    async setStatus(id, status: TenantStatus) {
      const row = await db
        .updateTable('tenants')
        .set({ status })
        .where('id', '=', id)
        .returning(['id', 'slug', 'name', 'status', 'created'])
        .executeTakeFirst();
      return row && toRecord(row);
    },
    async delete(id) {
      const result = await db.deleteFrom('tenants').where('id', '=', id).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
  };
}
