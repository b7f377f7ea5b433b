/**
 * Loads what a representation needs (members, groups) and renders it with a projection.
 * Members are read only when the projection returns them, so
 * `GET /Groups/{id}?excludedAttributes=members` never touches the membership table; the groups
 * of a page of users are read in one statement.
 */
import { applyProjection, type Projection, projectionIncludes } from '../scim/resource/project.js';
import { toRepresentation, versionTag } from '../scim/resource/record-to-resource.js';
import type { ResourceTypeName } from '../scim/schema/types.js';
import type { GroupRef, StoredResource, TenantReader, TenantWriter } from '../store/store.js';
import type { RequestContext } from './context.js';

export interface Rendered {
  readonly resource: Record<string, unknown>;
  /** Weak ETag, e.g. `W/"3"`. */
  readonly etag: string;
  readonly version: number;
  readonly location: string;
}

type Derived = Parameters<typeof toRepresentation>[3];

export function locationOf(ctx: RequestContext, stored: Pick<StoredResource, 'id' | 'resourceType'>): string {
  return `${ctx.baseUrl}${ctx.registry.resourceType(stored.resourceType).endpoint}/${encodeURIComponent(stored.id)}`;
}

function returns(ctx: RequestContext, stored: StoredResource, projection: Projection, attribute: string): boolean {
  return projectionIncludes(ctx.registry.resourceType(stored.resourceType), projection, attribute);
}

function renderWith(ctx: RequestContext, stored: StoredResource, projection: Projection, derived: Derived): Rendered {
  const type = ctx.registry.resourceType(stored.resourceType);
  const location = locationOf(ctx, stored);
  const full = toRepresentation(type, stored, location, derived);
  return {
    resource: applyProjection(type, full, projection),
    etag: versionTag(stored.version),
    version: stored.version,
    location,
  };
}

/**
 * What a representation derives from other rows: a group's members, or the groups of a user,
 * each only when the projection returns them. `groupsOf` reads (or has read) a user's groups.
 */
async function derivedOf(
  ctx: RequestContext,
  reader: TenantReader,
  stored: StoredResource,
  projection: Projection,
  groupsOf: (id: string) => Promise<readonly GroupRef[]> | readonly GroupRef[],
): Promise<Derived> {
  if (stored.resourceType === 'Group') {
    return returns(ctx, stored, projection, 'members') ? { members: await reader.listMembers(stored.id) } : {};
  }
  return returns(ctx, stored, projection, 'groups') ? { groups: await groupsOf(stored.id) } : {};
}

/**
 * Renders `stored`, reading what the projection needs from `reader`; `groups` are the user's
 * groups when the caller read them with the resource already (`loadOrThrow`).
 */
export async function render(
  ctx: RequestContext,
  reader: TenantReader,
  stored: StoredResource,
  projection: Projection,
  groups?: readonly GroupRef[],
): Promise<Rendered> {
  const derived = await derivedOf(ctx, reader, stored, projection, (id) => groups ?? reader.listGroupsOf(id));
  return renderWith(ctx, stored, projection, derived);
}

/**
 * A written resource's representation. A group's is rendered inside the write's unit of work
 * (`tx`): its members are part of the write. A user's after the commit, from what the unit read
 * (`groups`, `loadOrThrow`): no write of a user changes its groups, and rendering is CPU the
 * tenant's other writers would otherwise wait for while the unit holds the tenant's lock.
 */
export async function renderWritten<W extends { stored: StoredResource; groups?: readonly GroupRef[] | undefined }>(
  ctx: RequestContext,
  write: (tx: TenantWriter) => Promise<W>,
  projection: Projection,
): Promise<{ rendered: Rendered; written: W }> {
  const { written, rendered } = await ctx.store.transaction(async (tx) => {
    const result = await write(tx);
    const stored = result.stored;
    return {
      written: result,
      rendered: stored.resourceType === 'Group' ? await render(ctx, tx, stored, projection) : undefined,
    };
  });
  return { written, rendered: rendered ?? (await render(ctx, ctx.store, written.stored, projection, written.groups)) };
}

/**
 * Whether rendering a resource of `type` with `projection` needs its groups (a user's `groups`
 * attribute): a use case then reads them with the resource (`TenantReader.getResourceWithGroups`,
 * one round trip on PostgreSQL) instead of after it.
 */
export function returnsGroups(ctx: RequestContext, type: ResourceTypeName, projection: Projection): boolean {
  return type !== 'Group' && projectionIncludes(ctx.registry.resourceType(type), projection, 'groups');
}

/**
 * Renders a page of resources (of one or several types), each type with its own projection;
 * the groups of all its users come from one read, or with the page (`known`, QueryResult.groups).
 */
export async function renderPage(
  ctx: RequestContext,
  reader: TenantReader,
  page: readonly StoredResource[],
  projectionOf: (type: ResourceTypeName) => Projection,
  known?: ReadonlyMap<string, readonly GroupRef[]>,
): Promise<Record<string, unknown>[]> {
  const withGroups = page.filter((s) => returnsGroups(ctx, s.resourceType, projectionOf(s.resourceType)));
  const groups: ReadonlyMap<string, readonly GroupRef[]> =
    withGroups.length === 0 ? new Map() : (known ?? (await reader.listGroupsOfEach(withGroups.map((s) => s.id))));
  const out: Record<string, unknown>[] = [];
  for (const stored of page) {
    const projection = projectionOf(stored.resourceType);
    const derived = await derivedOf(ctx, reader, stored, projection, (id) => groups.get(id) ?? []);
    out.push(renderWith(ctx, stored, projection, derived).resource);
  }
  return out;
}
