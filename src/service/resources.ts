/**
 * The SCIM use cases for Users and Groups: create, get, replace, delete (RFC 7644 §3.3–§3.6).
 * List/search is in list.ts and PATCH in patch.ts. Every write runs in one store transaction.
 */

import { normalizeResourceBody } from '../scim/compat/normalize.js';
import { sieveResourceBody } from '../scim/compat/undeclared-body.js';
import { notFound } from '../scim/errors.js';
import { checkResourceLimits } from '../scim/resource/limits.js';
import type { Projection } from '../scim/resource/project.js';
import { prepareResourceBody } from '../scim/resource/validate.js';
import type { ResourceTypeDefinition, ResourceTypeName } from '../scim/schema/types.js';
import type { GroupRef, StoredResource, TenantReader } from '../store/store.js';
import {
  noteIgnoredAttributes,
  type RequestContext,
  resourceLimits,
  timestamp,
  unknownAttributeMode,
} from './context.js';
import { resolveMembers } from './members.js';
import { recordChange, recordDeletion } from './outbox.js';
import { checkIfMatch } from './preconditions.js';
import { type Rendered, render, renderWritten, returnsGroups } from './resource-view.js';
import { loadRoleCatalogue, mentionsRoles, withResolvedRoles } from './roles.js';

function missing(type: ResourceTypeName, id: string) {
  return notFound(`${type} "${id}" not found.`);
}

/** A resource as a write found it, with its groups when they were asked for. */
interface Loaded {
  readonly current: StoredResource;
  readonly groups?: readonly GroupRef[];
}

/**
 * Reads a resource inside a transaction or throws 404; with the groups it is a direct member
 * of when `withGroups` (read with it: one round trip on PostgreSQL). No write of a user changes
 * its groups, so they are also its groups after the write.
 */
export async function loadOrThrow(
  tx: TenantReader,
  type: ResourceTypeName,
  id: string,
  withGroups = false,
): Promise<Loaded> {
  if (!withGroups) {
    const current = await tx.getResource(type, id);
    if (!current) throw missing(type, id);
    return { current };
  }
  const found = await tx.getResourceWithGroups(type, id);
  if (!found) throw missing(type, id);
  return { current: found.resource, groups: found.groups };
}

/** A POST/PUT body normalised (IdP quirks) and without undeclared attributes, which are noted. */
function admitBody(ctx: RequestContext, type: ResourceTypeDefinition, input: unknown): unknown {
  const sieved = sieveResourceBody(type, normalizeResourceBody(type, input), unknownAttributeMode(ctx));
  noteIgnoredAttributes(ctx, sieved.ignored);
  return sieved.body;
}

export async function createResource(
  ctx: RequestContext,
  typeName: ResourceTypeName,
  input: unknown,
  projection: Projection,
): Promise<Rendered> {
  const type = ctx.registry.resourceType(typeName);
  const prepared = prepareResourceBody(type, admitBody(ctx, type, input));
  const catalogue = await loadRoleCatalogue(ctx, typeName, mentionsRoles(prepared.body));
  const body = withResolvedRoles(prepared.body, catalogue, undefined);
  checkResourceLimits(body, resourceLimits(ctx));
  const { rendered } = await renderWritten(
    ctx,
    async (tx) => {
      const id = crypto.randomUUID();
      let stored = await tx.insertResource({ id, resourceType: typeName, body, now: timestamp(ctx) });
      if (prepared.members && prepared.members.length > 0) {
        await tx.addMembers(id, await resolveMembers(tx, id, prepared.members));
        stored = (await tx.getResource(typeName, id)) ?? stored;
      }
      await recordChange(ctx, tx, { resourceType: typeName, after: stored });
      // A resource just created is in no group yet.
      return { stored, groups: [] };
    },
    projection,
  );
  return rendered;
}

export async function getResource(
  ctx: RequestContext,
  typeName: ResourceTypeName,
  id: string,
  projection: Projection,
): Promise<Rendered> {
  const { current, groups } = await loadOrThrow(ctx.store, typeName, id, returnsGroups(ctx, typeName, projection));
  return render(ctx, ctx.store, current, projection, groups);
}

/**
 * PUT: replaces every writable attribute (RFC 7644 §3.5.1). For Groups, `members` in the body
 * replaces the membership; a body without `members` leaves memberships as they are, since
 * clients that omit the attribute (Entra, Okta) do not mean "remove everyone".
 */
export async function replaceResource(
  ctx: RequestContext,
  typeName: ResourceTypeName,
  id: string,
  input: unknown,
  ifMatch: string | undefined,
  projection: Projection,
): Promise<Rendered> {
  const type = ctx.registry.resourceType(typeName);
  const normalized = admitBody(ctx, type, input);
  const catalogue = await loadRoleCatalogue(ctx, typeName, mentionsRoles(normalized));
  const { rendered } = await renderWritten(
    ctx,
    async (tx) => {
      const { current, groups } = await loadOrThrow(tx, typeName, id, returnsGroups(ctx, typeName, projection));
      checkIfMatch(ifMatch, current.version);
      const prepared = prepareResourceBody(type, normalized, current.body);
      const body = withResolvedRoles(prepared.body, catalogue, current.body);
      checkResourceLimits(body, resourceLimits(ctx));
      const now = timestamp(ctx);
      let stored = (await tx.replaceResource(typeName, id, body, now)) ?? current;
      if (prepared.members) {
        const members = await resolveMembers(tx, id, prepared.members);
        await tx.clearMembers(id);
        await tx.addMembers(id, members);
        stored = (await tx.getResource(typeName, id)) ?? stored;
      }
      await recordChange(ctx, tx, { resourceType: typeName, before: current, after: stored });
      return { stored, groups };
    },
    projection,
  );
  return rendered;
}

/** DELETE: removes the resource and every membership naming it; a second DELETE is 404. */
export async function deleteResource(
  ctx: RequestContext,
  typeName: ResourceTypeName,
  id: string,
  ifMatch: string | undefined,
): Promise<void> {
  await ctx.store.transaction(async (tx) => {
    const { current, groups = [] } = await loadOrThrow(tx, typeName, id, true);
    checkIfMatch(ifMatch, current.version);
    await tx.deleteResource(typeName, id);
    // The groups it belonged to changed: bump their versions so ETags stay truthful.
    const now = timestamp(ctx);
    const touched: StoredResource[] = [];
    for (const group of groups) {
      const after = await tx.touchResource('Group', group.value, now);
      if (after) touched.push(after);
    }
    await recordDeletion(ctx, tx, current, touched);
  });
}
