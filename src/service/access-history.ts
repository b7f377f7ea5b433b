/**
 * Recording the access history (docs/history.md) in the write path: `service/outbox.ts` calls
 * these after appending a write's change events, inside the same unit of work, so the history
 * commits with the change or not at all. The delta comes from the states the write already
 * holds (`events/access-delta.ts`); recording it is one multi-row insert for most writes, plus
 * one update when a span ends. `SCIMD_HISTORY=off` (`RequestContext.recordAccessHistory`)
 * skips it.
 */
import { accessDeltaForChange, accessDeltaForDeletion, isEmptyDelta } from '../events/access-delta.js';
import type { ChangeEvent, MemberChanges } from '../store/events-port.js';
import type { AccessDelta } from '../store/history-port.js';
import type { StoredResource, TenantWriter } from '../store/store.js';
import { type RequestContext, timestamp } from './context.js';

function accessContext(ctx: RequestContext, appended: readonly ChangeEvent[]) {
  return { time: timestamp(ctx), requestId: ctx.requestId, seq: appended[0]?.seq ?? 0 };
}

async function record(ctx: RequestContext, tx: TenantWriter, delta: () => AccessDelta): Promise<void> {
  if (ctx.recordAccessHistory === false) return;
  const built = delta();
  if (!isEmptyDelta(built)) await tx.appendAccessHistory(built);
}

/** A creation or update; `members` are a group's member changes (already taken from `tx`). */
export function recordAccessChange(
  ctx: RequestContext,
  tx: TenantWriter,
  change: { readonly before?: StoredResource | undefined; readonly after?: StoredResource | undefined },
  members: MemberChanges | undefined,
  appended: readonly ChangeEvent[],
): Promise<void> {
  return record(ctx, tx, () => accessDeltaForChange(change, members, accessContext(ctx, appended)));
}

/** A deletion; `groups` are the groups the deleted resource belonged to. */
export function recordAccessDeletion(
  ctx: RequestContext,
  tx: TenantWriter,
  deleted: StoredResource,
  groups: readonly StoredResource[],
  appended: readonly ChangeEvent[],
): Promise<void> {
  return record(ctx, tx, () => accessDeltaForDeletion(deleted, groups, accessContext(ctx, appended)));
}
