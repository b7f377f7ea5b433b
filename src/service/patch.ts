/**
 * PATCH (RFC 7644 §3.5.2): IdP quirks are normalised at the door, the operations are applied
 * to the stored body by the pure engine, and group membership changes run against the
 * membership table without loading the group. All of it in one transaction: one failing
 * operation and nothing changes.
 */

import { normalizePatchRequest } from '../scim/compat/normalize.js';
import { sievePatchOperations } from '../scim/compat/undeclared-patch.js';
import type { Filter } from '../scim/filter/ast.js';
import { matchesFilter } from '../scim/filter/evaluate.js';
import { deepEqual } from '../scim/json.js';
import { applyPatch } from '../scim/patch/apply.js';
import { parsePatchRequest } from '../scim/patch/parse.js';
import type { MemberChange } from '../scim/patch/types.js';
import { checkResourceLimits } from '../scim/resource/limits.js';
import type { Projection } from '../scim/resource/project.js';
import { GROUP_RESOURCE_TYPE } from '../scim/schema/registry.js';
import type { ResourceTypeName } from '../scim/schema/types.js';
import type { TenantWriter } from '../store/store.js';
import {
  noteIgnoredAttributes,
  type RequestContext,
  resourceLimits,
  timestamp,
  unknownAttributeMode,
} from './context.js';
import { resolveMembers } from './members.js';
import { recordChange } from './outbox.js';
import { checkIfMatch } from './preconditions.js';
import { type Rendered, renderWritten, returnsGroups } from './resource-view.js';
import { loadOrThrow } from './resources.js';
import { loadRoleCatalogue, touchesRoles, withResolvedRoles } from './roles.js';

/** Members matching a filter relative to one member element (`type eq "Group"`). */
async function membersWhere(tx: TenantWriter, groupId: string, filter: Filter): Promise<string[]> {
  const asValuePath: Filter = { kind: 'valuePath', path: { attribute: 'members' }, filter };
  const members = await tx.listMembers(groupId);
  return members.filter((m) => matchesFilter(asValuePath, { members: [m] }, GROUP_RESOURCE_TYPE)).map((m) => m.value);
}

/** Executes one membership change; returns how many rows it changed. */
async function executeMemberChange(tx: TenantWriter, groupId: string, change: MemberChange): Promise<number> {
  switch (change.kind) {
    case 'add':
      return tx.addMembers(groupId, await resolveMembers(tx, groupId, change.members));
    case 'remove':
      return tx.removeMembers(groupId, change.ids);
    case 'removeWhere':
      return tx.removeMembers(groupId, await membersWhere(tx, groupId, change.filter));
    case 'removeAll':
      return tx.clearMembers(groupId);
  }
}

export interface PatchOutcome {
  readonly rendered: Rendered;
  /** False when the request changed nothing (a retried PATCH): the version stays. */
  readonly changed: boolean;
}

export async function patchResource(
  ctx: RequestContext,
  typeName: ResourceTypeName,
  id: string,
  input: unknown,
  ifMatch: string | undefined,
  projection: Projection,
): Promise<PatchOutcome> {
  const type = ctx.registry.resourceType(typeName);
  const parsed = parsePatchRequest(normalizePatchRequest(type, input, id));
  const { operations, ignored } = sievePatchOperations(type, parsed, unknownAttributeMode(ctx));
  noteIgnoredAttributes(ctx, ignored);
  const catalogue = await loadRoleCatalogue(ctx, typeName, touchesRoles(operations));
  const { rendered, written } = await renderWritten(
    ctx,
    async (tx) => {
      const { current, groups } = await loadOrThrow(tx, typeName, id, returnsGroups(ctx, typeName, projection));
      checkIfMatch(ifMatch, current.version);
      const result = applyPatch(type, current.body, operations);
      const body = withResolvedRoles(result.body, catalogue, current.body);
      const now = timestamp(ctx);
      // Resolved roles may equal the stored ones although the engine saw a change (a role sent by
      // its display name): compare the bodies so a repeated PATCH keeps the version.
      const bodyChanged =
        result.changedAttributes.some((name) => name !== 'members') &&
        (catalogue === undefined || !deepEqual(body, current.body));
      if (bodyChanged) checkResourceLimits(body, resourceLimits(ctx), current.body);
      let stored = current;
      if (bodyChanged) stored = (await tx.replaceResource(typeName, id, body, now)) ?? current;
      let memberRows = 0;
      for (const change of result.memberChanges) memberRows += await executeMemberChange(tx, id, change);
      if (memberRows > 0 && !bodyChanged) stored = (await tx.touchResource(typeName, id, now)) ?? current;
      await recordChange(ctx, tx, { resourceType: typeName, before: current, after: stored });
      return { stored, groups, changed: bodyChanged || memberRows > 0 };
    },
    projection,
  );
  return { rendered, changed: written.changed };
}
