/**
 * Resource rows: reading them back as StoredResource and writing them with the projected
 * columns `projectColumns` derives (uniqueness of userName / Group displayName is the
 * `resources_unique_name` constraint, mapped to the `uniqueness` SCIM error).
 */
import { type QueryCreator, type Selectable, sql } from 'kysely';
import { conflict, uniqueness } from '../../scim/errors.js';
import type { ResourceTypeName } from '../../scim/schema/types.js';
import { normalizeTimestamp, projectColumns, uniquenessMessage } from '../project-columns.js';
import type { ScimObject } from '../shapes.js';
import type { GroupRef, NewResource, ResourceWithGroups, StoredResource } from '../store.js';
import type { SqlDialect } from './dialect.js';
import { listGroupsOfEach } from './members.js';
import { chunk, type SqlScope } from './scope.js';
import type { Database, ResourcesTable } from './tables.js';
import { idSlots, idValues, SMALL_LISTS, template, templateFamily } from './template.js';
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
    body: dialect.codec.decodeJson(row.body),
  };
}

/** The body and every projected column, ready for INSERT or UPDATE. */
function bodyColumns(dialect: SqlDialect, type: ResourceTypeName, body: ScimObject) {
  const p = projectColumns(type, body);
  return {
    body: dialect.codec.encodeJson(body),
    unique_name_fold: p.uniqueNameFold,
    display_name_fold: p.displayNameFold,
    display: p.display,
    external_id: p.externalId,
    active: p.active === null ? null : dialect.codec.encodeBoolean(p.active),
  };
}

function uniquenessErrors(type: ResourceTypeName, id: string, body: ScimObject) {
  return {
    resources_unique_name: () => uniqueness(uniquenessMessage(type, body)),
    resources_pkey: () => conflict(`resource id ${JSON.stringify(id)} already exists`),
  };
}

// Every statement below runs on a request's hot path, so each is a template (template.ts).

const selectById = template<'tenant' | 'id' | 'type', ResourceRow>((db, slot) =>
  db
    .selectFrom('resources as r')
    .select(RESOURCE_COLUMNS)
    .where('r.tenant_id', '=', slot('tenant'))
    .where('r.id', '=', slot('id'))
    .where('r.resource_type', '=', slot('type')),
);

export async function getResource(
  { db, dialect, tenantId }: SqlScope,
  type: ResourceTypeName,
  id: string,
): Promise<StoredResource | undefined> {
  const row = await selectById.first(db, { tenant: tenantId, id, type });
  return row && toStoredResource(row, dialect);
}

/**
 * The groups of the resource `r` as a JSON array of [id, display] pairs, in `listGroupsOf`'s
 * order (display, then id): PostgreSQL only (`statementsAreRoundTrips`), a column of a read of
 * the resource itself (here and query.ts) instead of a round trip of its own.
 */
export const GROUPS_OF_R = sql<unknown>`(select coalesce(json_agg(json_build_array(g.id, coalesce(g.display, '')) order by coalesce(g.display, ''), g.id), '[]'::json)
  from group_members gm join resources g on g.tenant_id = gm.tenant_id and g.id = gm.group_id
  where gm.tenant_id = r.tenant_id and gm.member_id = r.id)`;

/** `GROUPS_OF_R` as read back. */
export function groupsFromColumn(raw: unknown): GroupRef[] {
  const pairs = (typeof raw === 'string' ? JSON.parse(raw) : raw) as [string, string][];
  return pairs.map(([value, display]) => ({ value, display }));
}

const selectWithGroups = template<'tenant' | 'id' | 'type', ResourceRow & { groups: unknown }>((db, slot) =>
  db
    .selectFrom('resources as r')
    .select(RESOURCE_COLUMNS)
    .select(GROUPS_OF_R.as('groups'))
    .where('r.tenant_id', '=', slot('tenant'))
    .where('r.id', '=', slot('id'))
    .where('r.resource_type', '=', slot('type')),
);

export async function getResourceWithGroups(
  scope: SqlScope,
  type: ResourceTypeName,
  id: string,
): Promise<ResourceWithGroups | undefined> {
  const { db, dialect, tenantId } = scope;
  if (!dialect.fragments.statementsAreRoundTrips) {
    const resource = await getResource(scope, type, id);
    return resource && { resource, groups: (await listGroupsOfEach(scope, [id])).get(id)! };
  }
  const row = await selectWithGroups.first(db, { tenant: tenantId, id, type });
  return row && { resource: toStoredResource(row, dialect), groups: groupsFromColumn(row.groups) };
}

const typesAmong = templateFamily<number, `id${number}` | 'tenant', { id: string; resource_type: string }>(
  (n, db, slot) =>
    db
      .selectFrom('resources')
      .select(['id', 'resource_type'])
      .where('tenant_id', '=', slot('tenant'))
      .where('id', 'in', idSlots(n, slot)),
  SMALL_LISTS,
);

export async function findTypes(
  { db, dialect, tenantId }: SqlScope,
  ids: readonly string[],
): Promise<ReadonlyMap<string, ResourceTypeName>> {
  const found = new Map<string, ResourceTypeName>();
  for (const part of chunk([...new Set(ids)], 1, dialect.fragments.maxParameters)) {
    const rows = await typesAmong(part.length).execute(db, idValues(tenantId, part));
    for (const row of rows) found.set(row.id, row.resource_type as ResourceTypeName);
  }
  return found;
}

type BodyColumn = 'body' | 'unique_name_fold' | 'display_name_fold' | 'display' | 'external_id' | 'active';

/** Slots for every column `bodyColumns` fills. */
function bodySlots(slot: (name: BodyColumn) => never): Record<string, never> {
  return {
    body: slot('body'),
    unique_name_fold: slot('unique_name_fold'),
    display_name_fold: slot('display_name_fold'),
    display: slot('display'),
    external_id: slot('external_id'),
    active: slot('active'),
  };
}

type Key = 'tenant' | 'id' | 'type' | 'now';

/** What a resource write does: its statement (`resourceWriteQuery`) and how it ends. */
export type ResourceWriteKind = 'insert' | 'replace' | 'touch';

/**
 * A resource write ready to run: alone (`runResourceWrite`), or as the `written` CTE of the
 * statement that appends the write's event (events.ts, `appendOneEvent`), one round trip for
 * both on PostgreSQL (sql-store.ts holds the write back until it knows what comes next).
 */
export interface ResourceWrite {
  readonly kind: ResourceWriteKind;
  readonly type: ResourceTypeName;
  readonly id: string;
  /** The statement's slot values. */
  readonly values: Readonly<Record<string, unknown>>;
  /** The SCIM errors its unique constraints stand for. */
  readonly errors: ReturnType<typeof uniquenessErrors>;
}

/** The statement of a write of `kind`, returning the row as written. */
export function resourceWriteQuery(
  kind: ResourceWriteKind,
  db: QueryCreator<Database>,
  slot: (name: Key | BodyColumn) => never,
) {
  if (kind === 'insert') {
    return db
      .insertInto('resources')
      .values({
        tenant_id: slot('tenant'),
        id: slot('id'),
        resource_type: slot('type'),
        version: 1,
        created: slot('now'),
        last_modified: slot('now'),
        ...bodySlots(slot),
      })
      .returning(RETURNED);
  }
  // Bumps version and lastModified, and replaces the body's columns when there is a body.
  return db
    .updateTable('resources')
    .set((eb) => ({
      version: eb('version', '+', 1),
      last_modified: slot('now'),
      ...(kind === 'replace' ? bodySlots(slot) : {}),
    }))
    .where('tenant_id', '=', slot('tenant'))
    .where('id', '=', slot('id'))
    .where('resource_type', '=', slot('type'))
    .returning(RETURNED);
}

const writeRow = templateFamily<ResourceWriteKind, Key | BodyColumn, ResourceRow>((kind, db, slot) =>
  resourceWriteQuery(kind, db, slot),
);

/** The INSERT of a new resource (version 1, created and lastModified `input.now`). */
export function insertWrite({ dialect, tenantId }: SqlScope, input: NewResource): ResourceWrite {
  const { resourceType: type, id, body } = input;
  return {
    kind: 'insert',
    type,
    id,
    values: { tenant: tenantId, id, type, now: normalizeTimestamp(input.now), ...bodyColumns(dialect, type, body) },
    errors: uniquenessErrors(type, id, body),
  };
}

/** The UPDATE that bumps version and lastModified, replacing the body when one is given. */
export function updateWrite(
  { dialect, tenantId }: SqlScope,
  type: ResourceTypeName,
  id: string,
  body: ScimObject | undefined,
  now: string,
): ResourceWrite {
  const key = { tenant: tenantId, id, type, now: normalizeTimestamp(now) };
  return body === undefined
    ? { kind: 'touch', type, id, values: key, errors: uniquenessErrors(type, id, {}) }
    : {
        kind: 'replace',
        type,
        id,
        values: { ...key, ...bodyColumns(dialect, type, body) },
        errors: uniquenessErrors(type, id, body),
      };
}

/** Runs `write` alone; undefined when an update found no row. */
export async function runResourceWrite(
  { db, dialect }: SqlScope,
  write: ResourceWrite,
): Promise<StoredResource | undefined> {
  const row = await mapUniqueViolations(dialect, write.errors, () => writeRow(write.kind).first(db, write.values));
  if (row === undefined && write.kind === 'insert') throw new Error('INSERT … RETURNING returned no row');
  return row && toStoredResource(row, dialect);
}

export async function insertResource(scope: SqlScope, input: NewResource): Promise<StoredResource> {
  return (await runResourceWrite(scope, insertWrite(scope, input)))!;
}

/** Bumps version and lastModified, replacing the body (and its columns) when one is given. */
export function updateResource(
  scope: SqlScope,
  type: ResourceTypeName,
  id: string,
  body: ScimObject | undefined,
  now: string,
): Promise<StoredResource | undefined> {
  return runResourceWrite(scope, updateWrite(scope, type, id, body, now));
}

const deleteRow = template<'tenant' | 'id' | 'type', never>((db, slot) =>
  db
    .deleteFrom('resources')
    .where('tenant_id', '=', slot('tenant'))
    .where('id', '=', slot('id'))
    .where('resource_type', '=', slot('type')),
);

export async function deleteResource({ db, tenantId }: SqlScope, type: ResourceTypeName, id: string): Promise<boolean> {
  return (await deleteRow.changes(db, { tenant: tenantId, id, type })) > 0;
}
