/**
 * Resource rows: reading them back as StoredResource and writing them with the projected
 * columns `projectColumns` derives (uniqueness of userName / Group displayName is the
 * `resources_unique_name` constraint, mapped to the `uniqueness` SCIM error).
 */
import type { Selectable } from 'kysely';
import { conflict, uniqueness } from '../../scim/errors.js';
import type { ResourceTypeName } from '../../scim/schema/types.js';
import { normalizeTimestamp, projectColumns, uniquenessMessage } from '../project-columns.js';
import type { NewResource, ScimObject, StoredResource } from '../store.js';
import type { SqlDialect } from './dialect.js';
import { chunk, type SqlScope } from './scope.js';
import type { ResourcesTable } from './tables.js';
import { mapUniqueViolations } from './unique.js';

/** The columns a StoredResource is read from, qualified by the alias `r`. */
export const RESOURCE_COLUMNS = [
  'r.id',
  'r.resource_type',
  'r.version',
  'r.created',
  'r.last_modified',
  'r.body',
] as const;
const RETURNED = ['id', 'resource_type', 'version', 'created', 'last_modified', 'body'] as const;

type ResourceRow = Pick<
  Selectable<ResourcesTable>,
  'id' | 'resource_type' | 'version' | 'created' | 'last_modified' | 'body'
>;

export function toStoredResource(row: ResourceRow, dialect: SqlDialect): StoredResource {
  return {
    id: row.id,
    resourceType: row.resource_type as ResourceTypeName,
    version: Number(row.version),
    created: row.created,
    lastModified: row.last_modified,
    body: dialect.decodeJson(row.body),
  };
}

/** The body and every projected column, ready for INSERT or UPDATE. */
function bodyColumns(dialect: SqlDialect, type: ResourceTypeName, body: ScimObject) {
  const p = projectColumns(type, body);
  return {
    body: dialect.encodeJson(body),
    unique_name_fold: p.uniqueNameFold,
    display_name_fold: p.displayNameFold,
    display: p.display,
    external_id: p.externalId,
    active: p.active === null ? null : dialect.encodeBoolean(p.active),
  };
}

function uniquenessErrors(type: ResourceTypeName, id: string, body: ScimObject) {
  return {
    resources_unique_name: () => uniqueness(uniquenessMessage(type, body)),
    resources_pkey: () => conflict(`resource id ${JSON.stringify(id)} already exists`),
  };
}

export async function getResource(
  { db, dialect, tenantId }: SqlScope,
  type: ResourceTypeName,
  id: string,
): Promise<StoredResource | undefined> {
  const row = await db
    .selectFrom('resources as r')
    .select(RESOURCE_COLUMNS)
    .where('r.tenant_id', '=', tenantId)
    .where('r.id', '=', id)
    .where('r.resource_type', '=', type)
    .executeTakeFirst();
  return row && toStoredResource(row, dialect);
}

export async function findTypes(
  { db, dialect, tenantId }: SqlScope,
  ids: readonly string[],
): Promise<ReadonlyMap<string, ResourceTypeName>> {
  const found = new Map<string, ResourceTypeName>();
  for (const part of chunk([...new Set(ids)], 1, dialect.capabilities.maxParameters)) {
    const rows = await db
      .selectFrom('resources')
      .select(['id', 'resource_type'])
      .where('tenant_id', '=', tenantId)
      .where('id', 'in', part)
      .execute();
    for (const row of rows) found.set(row.id, row.resource_type as ResourceTypeName);
  }
  return found;
}

export async function insertResource({ db, dialect, tenantId }: SqlScope, input: NewResource): Promise<StoredResource> {
  const now = normalizeTimestamp(input.now);
  const row = await mapUniqueViolations(dialect, uniquenessErrors(input.resourceType, input.id, input.body), () =>
    db
      .insertInto('resources')
      .values({
        tenant_id: tenantId,
        id: input.id,
        resource_type: input.resourceType,
        version: 1,
        created: now,
        last_modified: now,
        ...bodyColumns(dialect, input.resourceType, input.body),
      })
      .returning(RETURNED)
      .executeTakeFirstOrThrow(),
  );
  return toStoredResource(row, dialect);
}

/** Bumps version and lastModified, replacing the body (and its columns) when one is given. */
export async function updateResource(
  { db, dialect, tenantId }: SqlScope,
  type: ResourceTypeName,
  id: string,
  body: ScimObject | undefined,
  now: string,
): Promise<StoredResource | undefined> {
  const at = normalizeTimestamp(now);
  const row = await mapUniqueViolations(dialect, uniquenessErrors(type, id, body ?? {}), () =>
    db
      .updateTable('resources')
      .set((eb) => ({
        version: eb('version', '+', 1),
        last_modified: at,
        ...(body === undefined ? {} : bodyColumns(dialect, type, body)),
      }))
      .where('tenant_id', '=', tenantId)
      .where('id', '=', id)
      .where('resource_type', '=', type)
      .returning(RETURNED)
      .executeTakeFirst(),
  );
  return row && toStoredResource(row, dialect);
}

/** Deletes the row; the foreign keys of `group_members` cascade to its memberships both ways. */
export async function deleteResource({ db, tenantId }: SqlScope, type: ResourceTypeName, id: string): Promise<boolean> {
  const result = await db
    .deleteFrom('resources')
    .where('tenant_id', '=', tenantId)
    .where('id', '=', id)
    .where('resource_type', '=', type)
    .executeTakeFirst();
  return Number(result.numDeletedRows) > 0;
}
