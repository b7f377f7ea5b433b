/**
 * The SQL RoleRepository and the per-tenant catalogue read. Roles are keyed by the folded value
 * (a unique index), folded in JavaScript like every `caseExact:false` key.
 */
import type { Kysely, Selectable } from 'kysely';
import { conflict } from '../../scim/errors.js';
import { normalizeTimestamp } from '../project-columns.js';
import type { AppRoleRecord, RoleCatalogue, RoleRepository } from '../store.js';
import type { SqlDialect } from './dialect.js';
import type { AppRolesTable, Database } from './tables.js';
import { mapUniqueViolations } from './unique.js';

const COLUMNS = ['id', 'value', 'display_name', 'description', 'enabled', 'allowed_member_types', 'created'] as const;

/** A JSON array of strings from a JSON column, or null for SQL NULL. */
export function decodeStringArray(dialect: SqlDialect, raw: unknown): string[] | null {
  if (raw === null || raw === undefined) return null;
  const decoded: unknown = typeof raw === 'object' ? raw : dialect.codec.decodeJson(raw);
  if (!Array.isArray(decoded) || decoded.some((v) => typeof v !== 'string')) {
    throw new Error(`expected a JSON array of strings, got ${JSON.stringify(decoded)}`);
  }
  return decoded as string[];
}

function decodeBoolean(raw: unknown): boolean {
  return raw === true || Number(raw) === 1;
}

function toRecord(dialect: SqlDialect, row: Pick<Selectable<AppRolesTable>, (typeof COLUMNS)[number]>): AppRoleRecord {
  return {
    id: row.id,
    value: row.value,
    displayName: row.display_name,
    description: row.description,
    enabled: decodeBoolean(row.enabled),
    allowedMemberTypes: (decodeStringArray(dialect, row.allowed_member_types) ?? []) as 'User'[],
    created: row.created,
  };
}

/** Every role in catalogue order: creation, then folded value. */
async function listRoles(db: Kysely<Database>, dialect: SqlDialect): Promise<AppRoleRecord[]> {
  const rows = await db.selectFrom('app_roles').select(COLUMNS).orderBy('created').orderBy('value_fold').execute();
  return rows.map((row) => toRecord(dialect, row));
}

/** The catalogue and the tenant's narrowing (null for an unknown tenant too). */
export async function readRoleCatalogue(
  db: Kysely<Database>,
  dialect: SqlDialect,
  tenantId: string,
): Promise<RoleCatalogue> {
  const tenant = await db.selectFrom('tenants').select('allowed_roles').where('id', '=', tenantId).executeTakeFirst();
  return { roles: await listRoles(db, dialect), allowedRoles: decodeStringArray(dialect, tenant?.allowed_roles) };
}

export function createRoleRepository(db: Kysely<Database>, dialect: SqlDialect): RoleRepository {
  const byValue = (value: string) =>
    db.selectFrom('app_roles').select(COLUMNS).where('value_fold', '=', value.toLowerCase()).executeTakeFirst();

  async function change(
    value: string,
    set: Partial<Pick<AppRolesTable, 'display_name' | 'description' | 'enabled'>>,
  ): Promise<AppRoleRecord | undefined> {
    if (Object.keys(set).length > 0) {
      await db.updateTable('app_roles').set(set).where('value_fold', '=', value.toLowerCase()).execute();
    }
    const row = await byValue(value);
    return row && toRecord(dialect, row);
  }

  return {
    async create(role) {
      const record: AppRoleRecord = {
        ...role,
        allowedMemberTypes: [...role.allowedMemberTypes],
        created: normalizeTimestamp(role.created),
      };
      await mapUniqueViolations(
        dialect,
        {
          app_roles_pkey: () => conflict(`app role id ${JSON.stringify(role.id)} already exists`),
          app_roles_value: () => conflict(`app role ${JSON.stringify(role.value)} already exists`),
        },
        () =>
          db
            .insertInto('app_roles')
            .values({
              id: record.id,
              value: record.value,
              value_fold: record.value.toLowerCase(),
              display_name: record.displayName,
              description: record.description,
              enabled: dialect.codec.encodeBoolean(record.enabled),
              allowed_member_types: dialect.codec.encodeJson(record.allowedMemberTypes),
              created: record.created,
            })
            .execute(),
      );
      return record;
    },
    list: () => listRoles(db, dialect),
    async getByValue(value) {
      const row = await byValue(value);
      return row && toRecord(dialect, row);
    },
    update: (value, changes) =>
      change(value, {
        ...(changes.displayName !== undefined ? { display_name: changes.displayName } : {}),
        ...(changes.description !== undefined ? { description: changes.description } : {}),
      }),
    setEnabled: (value, enabled) => change(value, { enabled: dialect.codec.encodeBoolean(enabled) }),
  };
}
