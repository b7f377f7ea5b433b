/**
 * Loads what a representation needs (members, groups) and renders it with a projection.
 * Members are read only when the projection returns them, so
 * `GET /Groups/{id}?excludedAttributes=members` never touches the membership table; the groups
 * of a page of users are read in one statement.
 */
import { applyProjection, type Projection, projectionIncludes } from '../scim/resource/project.js';
import { toRepresentation, versionTag } from '../scim/resource/represent.js';
import type { ResourceTypeName } from '../scim/schema/types.js';
import type { GroupRef, StoredResource, TenantReader } from '../store/store.js';
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

/** A group's members, when the projection returns them (users' groups are read by the caller). */
async function membersFor(ctx: RequestContext, reader: TenantReader, stored: StoredResource, projection: Projection) {
  return stored.resourceType === 'Group' && returns(ctx, stored, projection, 'members')
    ? { members: await reader.listMembers(stored.id) }
    : {};
}

export async function render(
  ctx: RequestContext,
  reader: TenantReader,
  stored: StoredResource,
  projection: Projection,
): Promise<Rendered> {
  const derived =
    stored.resourceType === 'User'
      ? returns(ctx, stored, projection, 'groups')
        ? { groups: await reader.listGroupsOf(stored.id) }
        : {}
      : await membersFor(ctx, reader, stored, projection);
  return renderWith(ctx, stored, projection, derived);
}

/** Renders a page of resources (of one or several types), each type with its own projection. */
export async function renderPage(
  ctx: RequestContext,
  reader: TenantReader,
  page: readonly StoredResource[],
  projectionOf: (type: ResourceTypeName) => Projection,
): Promise<Record<string, unknown>[]> {
  const withGroups = page.filter((s) => s.resourceType === 'User' && returns(ctx, s, projectionOf('User'), 'groups'));
  const groups: ReadonlyMap<string, readonly GroupRef[]> =
    withGroups.length === 0 ? new Map() : await reader.listGroupsOfEach(withGroups.map((s) => s.id));
  const out: Record<string, unknown>[] = [];
  for (const stored of page) {
    const projection = projectionOf(stored.resourceType);
    const userGroups = groups.get(stored.id);
    const derived =
      stored.resourceType === 'User'
        ? userGroups === undefined
          ? {}
          : { groups: userGroups }
        : await membersFor(ctx, reader, stored, projection);
    out.push(renderWith(ctx, stored, projection, derived).resource);
  }
  return out;
}
