/**
 * The service's side of the outbox (docs/events.md): every write use case calls one of these
 * inside its unit of work, after the change, so the change's events, and with the first of them
 * its access history delta (access-history.ts), commit with it or not at all (a failed write
 * emits nothing).
 */
import {
  type ChangeContext,
  changedAttributes,
  eventsForChange,
  memberEvents,
  type ResourceChange,
} from '../events/change-events.js';
import type { MemberRef } from '../store/shapes.js';
import type { StoredResource, TenantWriter } from '../store/store.js';
import { accessChangeDelta, accessDeletionDelta, recordWithoutEvents } from './access-history.js';
import { type RequestContext, timestamp } from './context.js';
import { appendGuarded } from './deprovision-guard.js';

function changeContext(ctx: RequestContext): ChangeContext {
  return { time: timestamp(ctx), requestId: ctx.requestId };
}

/**
 * Appends the events of a creation (`after` only), an update (`before` and `after`) or a
 * deletion (`before` only). For a group, the membership changes made in this unit of work
 * (`tx.takeMemberChanges`) become one event per member.
 */
export async function recordChange(
  ctx: RequestContext,
  tx: TenantWriter,
  change: Omit<ResourceChange, 'members'>,
): Promise<void> {
  const resource = change.after ?? change.before;
  if (resource === undefined) return;
  const members = resource.resourceType === 'Group' ? tx.takeMemberChanges(resource.id) : undefined;
  // An update's changed attributes, derived once for its events and its access history delta.
  const { before, after } = change;
  const changed = before && after ? changedAttributes(before.body, after.body) : undefined;
  const events = eventsForChange({ ...change, members, changed }, changeContext(ctx));
  const access = accessChangeDelta(ctx, { before, after, changed }, members);
  // The deprovision guard sees the change first (docs/guard.md); no statement unless it must.
  if (events.length > 0) await appendGuarded(ctx, tx, change, events, access);
  else await recordWithoutEvents(tx, access);
}

/**
 * A deletion: `group.member_removed` for each group the resource belonged to (`groups`, as
 * touched after the delete), then `user.deleted` / `group.deleted` with its last state.
 */
export async function recordDeletion(
  ctx: RequestContext,
  tx: TenantWriter,
  deleted: StoredResource,
  groups: readonly StoredResource[],
): Promise<void> {
  const member: MemberRef = { value: deleted.id, type: deleted.resourceType };
  const events = [
    ...groups.flatMap((group) => memberEvents(group, { added: [], removed: [member] }, changeContext(ctx))),
    ...eventsForChange({ resourceType: deleted.resourceType, before: deleted }, changeContext(ctx)),
  ];
  const access = accessDeletionDelta(ctx, deleted, groups);
  if (events.length > 0)
    await appendGuarded(ctx, tx, { resourceType: deleted.resourceType, before: deleted }, events, access);
  else await recordWithoutEvents(tx, access);
}
