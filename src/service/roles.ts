/**
 * App role validation in the use cases (docs/roles.md): the catalogue is read before the unit
 * of work, and only when the request can change a User's `roles`, then every role is resolved
 * against it by the pure `resolveRoles`.
 */
import { isObject } from '../scim/json.js';
import type { PatchOperation } from '../scim/patch/types.js';
import type { ResourceTypeName } from '../scim/schema/types.js';
import type { ScimObject } from '../store/shapes.js';
import type { RoleCatalogue } from '../store/store.js';
import { resolveRoles } from '../tenancy/roles.js';
import type { RequestContext } from './context.js';

const isRoles = (key: string) => key.toLowerCase() === 'roles';

/** Whether a (normalised) POST/PUT body carries `roles`. */
export function mentionsRoles(body: unknown): boolean {
  return isObject(body) && Object.keys(body).some(isRoles);
}

/** Whether a PATCH may change `roles`: a path on it, or a path-less value carrying it. */
export function touchesRoles(operations: readonly PatchOperation[]): boolean {
  return operations.some((op) =>
    // A schema-qualified path (`urn:…:core:2.0:User:roles`) counts too; a false positive only costs a read.
    op.path === undefined ? mentionsRoles(op.value) : isRoles(op.path.path.attribute),
  );
}

/** The tenant's catalogue when a User request `needs` it, else undefined (no read). */
export async function loadRoleCatalogue(
  ctx: RequestContext,
  typeName: ResourceTypeName,
  needs: boolean,
): Promise<RoleCatalogue | undefined> {
  return typeName === 'User' && needs ? ctx.store.roleCatalogue() : undefined;
}

/**
 * `body` with its roles resolved against `catalogue` (see `resolveRoles`); `previous` is the
 * stored body, whose roles stay acceptable. Unchanged when there is no catalogue or no roles.
 */
export function withResolvedRoles(
  body: ScimObject,
  catalogue: RoleCatalogue | undefined,
  previous: ScimObject | undefined,
): ScimObject {
  if (catalogue === undefined || body.roles === undefined) return body;
  return { ...body, roles: resolveRoles(body.roles, catalogue, previous?.roles) };
}
