/**
 * The access history (docs/history.md) in the write path: `service/outbox.ts` derives a write's
 * delta from the states the write already holds (`events/access-delta.ts`) and hands it to
 * `tx.appendEvents` with the write's change events, so the history commits with the change or
 * not at all and costs the write no statement of its own. `SCIMD_HISTORY=off`
 * (`RequestContext.recordAccessHistory`) derives nothing.
 *
 * Every write whose delta is not empty also has a change event (a user created or deleted, an
 * attribute, `active` or `roles` changed, a user joining or leaving a group: each is an event
 * too); `recordWithoutEvents` is what a write would do otherwise.
 */
import { accessDeltaForChange, accessDeltaForDeletion, isEmptyDelta } from '../events/access-delta.js';
import type { MemberChanges } from '../store/events-port.js';
import type { UnsequencedAccessDelta } from '../store/history-port.js';
import type { StoredResource, TenantWriter } from '../store/store.js';
import { type RequestContext, timestamp } from './context.js';

function accessContext(ctx: RequestContext) {
  return { time: timestamp(ctx), requestId: ctx.requestId };
}

function kept(ctx: RequestContext, delta: () => UnsequencedAccessDelta): UnsequencedAccessDelta | undefined {
  if (ctx.recordAccessHistory === false) return undefined;
  const built = delta();
  return isEmptyDelta(built) ? undefined : built;
}

/** A creation or update's delta; `members` are a group's member changes. Undefined: nothing to record. */
export function accessChangeDelta(
  ctx: RequestContext,
  change: {
    readonly before?: StoredResource | undefined;
    readonly after?: StoredResource | undefined;
    readonly changed?: readonly string[] | undefined;
  },
  members: MemberChanges | undefined,
): UnsequencedAccessDelta | undefined {
  return kept(ctx, () => accessDeltaForChange(change, members, accessContext(ctx)));
}

/** A deletion's delta; `groups` are the groups the deleted resource belonged to. */
export function accessDeletionDelta(
  ctx: RequestContext,
  deleted: StoredResource,
  groups: readonly StoredResource[],
): UnsequencedAccessDelta | undefined {
  return kept(ctx, () => accessDeltaForDeletion(deleted, groups, accessContext(ctx)));
}

/**
 * A delta of a write that appended no event (none does, see above): recorded on its own, after
 * the tenant's earlier writes, so nothing is lost if a future write kind breaks the rule.
 */
export async function recordWithoutEvents(tx: TenantWriter, delta: UnsequencedAccessDelta | undefined): Promise<void> {
  if (delta !== undefined) await tx.appendAccessHistory({ ...delta, seq: 0 });
}
