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
import type { StoredResource, TenantWriter } from '../store/store.js';
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
import { type Rendered, render, renderInUnit } from './resource-view.js';
import { loadRoleCatalogue, mentionsRoles, withResolvedRoles } from './roles.js';

function missing(type: ResourceTypeName, id: string) {
  return notFound(`${type} "${id}" not found.`);
}

/** Reads a resource inside a transaction or throws 404. */
export async function loadOrThrow(tx: TenantWriter, type: ResourceTypeName, id: string): Promise<StoredResource> {
  const stored = await tx.getResource(type, id);
  if (!stored) throw missing(type, id);
  return stored;
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
  return ctx.store.transaction(async (tx) => {
    const id = crypto.randomUUID();
    let stored = await tx.insertResource({ id, resourceType: typeName, body, now: timestamp(ctx) });
    if (prepared.members && prepared.members.length > 0) {
      await tx.addMembers(id, await resolveMembers(tx, id, prepared.members));
      stored = (await tx.getResource(typeName, id)) ?? stored;
    }
    await recordChange(ctx, tx, { resourceType: typeName, after: stored });
    return render(ctx, tx, stored, projection);
  });
}

export async function getResource(
  ctx: RequestContext,
  typeName: ResourceTypeName,
  id: string,
  projection: Projection,
): Promise<Rendered> {
  const stored = await ctx.store.getResource(typeName, id);
  if (!stored) throw missing(typeName, id);
  return render(ctx, ctx.store, stored, projection);
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
  const written = await ctx.store.transaction(async (tx) => {
    const current = await loadOrThrow(tx, typeName, id);
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
    return { stored, rendered: await renderInUnit(ctx, tx, stored, projection) };
  });
  return written.rendered ?? render(ctx, ctx.store, written.stored, projection);
}

/** DELETE: removes the resource and every membership naming it; a second DELETE is 404. */
export async function deleteResource(
  ctx: RequestContext,
  typeName: ResourceTypeName,
  id: string,
  ifMatch: string | undefined,
): Promise<void> {
  await ctx.store.transaction(async (tx) => {
    const current = await loadOrThrow(tx, typeName, id);
    checkIfMatch(ifMatch, current.version);
    const groups = await tx.listGroupsOf(id);
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
