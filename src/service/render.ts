/**
 * Loads what a representation needs (members, groups) and renders it with a projection.
 * Members are read only when the projection returns them, so
 * `GET /Groups/{id}?excludedAttributes=members` never touches the membership table.
 */
import { applyProjection, type Projection, projectionIncludes } from '../scim/resource/project.js';
import { toRepresentation, versionTag } from '../scim/resource/represent.js';
import type { StoredResource, TenantReader } from '../store/store.js';
import type { RequestContext } from './context.js';

export interface Rendered {
  readonly resource: Record<string, unknown>;
  /** Weak ETag, e.g. `W/"3"`. */
  readonly etag: string;
  readonly version: number;
  readonly location: string;
}

export function locationOf(ctx: RequestContext, stored: Pick<StoredResource, 'id' | 'resourceType'>): string {
  return `${ctx.baseUrl}${ctx.registry.resourceType(stored.resourceType).endpoint}/${encodeURIComponent(stored.id)}`;
}

export async function render(
  ctx: RequestContext,
  reader: TenantReader,
  stored: StoredResource,
  projection: Projection,
): Promise<Rendered> {
  const type = ctx.registry.resourceType(stored.resourceType);
  const location = locationOf(ctx, stored);
  const derived =
    stored.resourceType === 'Group'
      ? projectionIncludes(type, projection, 'members')
        ? { members: await reader.listMembers(stored.id) }
        : {}
      : projectionIncludes(type, projection, 'groups')
        ? { groups: await reader.listGroupsOf(stored.id) }
        : {};
  const full = toRepresentation(type, stored, location, derived);
  return {
    resource: applyProjection(type, full, projection),
    etag: versionTag(stored.version),
    version: stored.version,
    location,
  };
}
