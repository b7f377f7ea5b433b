/** The SQL TenantRepository. Deleting a tenant cascades to its tokens, resources and members. */
import type { Kysely, Selectable } from 'kysely';
import { conflict } from '../../scim/errors.js';
import { normalizeTimestamp } from '../project-columns.js';
import type { TenantRecord, TenantRepository, TenantStatus } from '../store.js';
import { credentialGenerationOf } from './credential-generation.js';
import type { SqlDialect } from './dialect.js';
import type { ReadCache } from './read-cache.js';
import { decodeStringArray } from './roles.js';
import type { Database, TenantsTable } from './tables.js';
import { template } from './template.js';
import { mapUniqueViolations } from './unique.js';

const COLUMNS = ['id', 'slug', 'name', 'status', 'created', 'allowed_roles'] as const;

/** A `tenants` row as the port's record. */
export function tenantRecord(dialect: SqlDialect, row: Selectable<TenantsTable>): TenantRecord {
  const record = {
    id: row.id,
    slug: row.slug,
    name: row.name,
    status: row.status as TenantStatus,
    created: row.created,
  };
  const allowedRoles = decodeStringArray(dialect, row.allowed_roles);
  return allowedRoles === null ? record : { ...record, allowedRoles };
}

/** Authentication reads the tenant of every request: templates (template.ts). */
const byId = template<'id', Selectable<TenantsTable>>((db, slot) =>
  db.selectFrom('tenants').select(COLUMNS).where('id', '=', slot('id')),
);
const bySlug = template<'slug', Selectable<TenantsTable>>((db, slot) =>
  db.selectFrom('tenants').select(COLUMNS).where('slug', '=', slot('slug')),
);

/**
 * `found` is the id → tenant memo that every request's authentication reads (read-cache.ts),
 * cleared by every change here and by any other process's (credential-generation.ts); the token repository fills it too when it reads a token with
 * its tenant (tokens.ts).
 */
export function createTenantRepository(
  db: Kysely<Database>,
  dialect: SqlDialect,
  found: ReadCache<TenantRecord>,
): TenantRepository {
  const select = () => db.selectFrom('tenants').select(COLUMNS);
  // Another process's change to a tenant clears the memo within about a second.
  const generation = credentialGenerationOf(db);
  generation.watch(found);
  const encodeRoles = (values: readonly string[] | undefined | null) =>
    values === undefined || values === null ? null : dialect.codec.encodeJson([...values]);
  /** Runs a change, then forgets what the cache holds. */
  const changing = async <T>(change: Promise<T>): Promise<T> => {
    try {
      return await change;
    } finally {
      found.clear();
    }
  };
  return {
    async create(tenant) {
      const record = { ...tenant, created: normalizeTimestamp(tenant.created) };
      await mapUniqueViolations(
        dialect,
        {
          tenants_pkey: () => conflict(`tenant id ${JSON.stringify(tenant.id)} already exists`),
          tenants_slug: () => conflict(`tenant slug ${JSON.stringify(tenant.slug)} is already taken`),
        },
        () =>
          db
            .insertInto('tenants')
            .values({
              id: record.id,
              slug: record.slug,
              name: record.name,
              status: record.status,
              created: record.created,
              allowed_roles: encodeRoles(record.allowedRoles),
            })
            .execute(),
      );
      return record;
    },
    async getById(id) {
      await generation.check();
      return found.read(id, async () => {
        const row = await byId.first(db, { id });
        return row && tenantRecord(dialect, row);
      });
    },
    async getBySlug(slug) {
      const row = await bySlug.first(db, { slug });
      return row && tenantRecord(dialect, row);
    },
    async list() {
      const rows = await select().orderBy('created').orderBy('id').execute();
      return rows.map((row) => tenantRecord(dialect, row));
    },
    async setStatus(id, status: TenantStatus) {
      const row = await changing(
        db.updateTable('tenants').set({ status }).where('id', '=', id).returning(COLUMNS).executeTakeFirst(),
      );
      return row && tenantRecord(dialect, row);
    },
    async setAllowedRoles(id, values) {
      const row = await changing(
        db
          .updateTable('tenants')
          .set({ allowed_roles: encodeRoles(values) })
          .where('id', '=', id)
          .returning(COLUMNS)
          .executeTakeFirst(),
      );
      return row && tenantRecord(dialect, row);
    },
    async delete(id) {
      const result = await changing(db.deleteFrom('tenants').where('id', '=', id).executeTakeFirst());
      return Number(result.numDeletedRows) > 0;
    },
  };
}
