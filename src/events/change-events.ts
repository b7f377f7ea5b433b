/**
 * The change-event vocabulary and the one pure function that derives a change's events from
 * its before and after states (docs/events.md). The service calls it inside the unit of work
 * and hands the result to `tx.appendEvents`, so events commit with the change or not at all.
 *
 * One change may yield several events: a user update that flips `active` and changes `roles`
 * and `title` yields `user.updated` (title), `user.roles_changed` (roles) and
 * `user.deactivated` (active); their `changedAttributes` partition the change. A group's
 * membership changes yield one event per member.
 */
import { versionTag } from '../scim/resource/record-to-resource.js';
import type { ResourceTypeName } from '../scim/schema/types.js';
import type { MemberChanges, NewChangeEvent } from '../store/events-port.js';
import type { MemberRef as EventMember, ScimObject } from '../store/shapes.js';
import type { StoredResource } from '../store/store.js';

export const EVENT_TYPES = [
  'user.created',
  'user.updated',
  'user.deactivated',
  'user.reactivated',
  'user.roles_changed',
  'user.deleted',
  'group.created',
  'group.updated',
  'group.deleted',
  'group.member_added',
  'group.member_removed',
  // A tenant's health state changed (health-monitor.ts, docs/operations.md "Tenant health").
  'tenant.health_changed',
  // The deprovision guard (docs/guard.md): delivery of the tenant's later events is held after
  // `tenant.guard_tripped` until an operator releases it, which appends `tenant.guard_released`.
  'tenant.guard_tripped',
  'tenant.guard_released',
] as const;

export type ChangeEventType = (typeof EVENT_TYPES)[number];

/** When and why: the request's clock reading and id. */
export interface ChangeContext {
  readonly time: string;
  readonly requestId: string | null;
}

export interface ResourceChange {
  readonly resourceType: ResourceTypeName;
  /** The stored resource before the change; absent for a creation. */
  readonly before?: StoredResource | undefined;
  /** The stored resource after the change; absent for a deletion. */
  readonly after?: StoredResource | undefined;
  /** Groups: the net membership changes (`tx.takeMemberChanges(id)`). */
  readonly members?: MemberChanges | undefined;
  /**
   * An update's `changedAttributes(before.body, after.body)`, when the caller has it already:
   * the outbox derives it once for the events and the access history's delta.
   */
  readonly changed?: readonly string[] | undefined;
}

/**
 * The resource as events carry it: body, `id` and `meta`; never `members` or `groups`. Built by
 * assignment in the order a rest-and-spread would give (`schemas`, `id`, `externalId`, the other
 * attributes, `meta`), which V8 runs several times faster (1.3 % of a create's busy time before).
 */
export function snapshotOf(resource: StoredResource): ScimObject {
  const body = resource.body;
  const snapshot: Record<string, unknown> = {};
  if (body['schemas'] !== undefined) snapshot['schemas'] = body['schemas'];
  snapshot['id'] = resource.id;
  if (body['externalId'] !== undefined) snapshot['externalId'] = body['externalId'];
  for (const key of Object.keys(body)) {
    if (key !== 'schemas' && key !== 'externalId') snapshot[key] = body[key];
  }
  snapshot['meta'] = {
    resourceType: resource.resourceType,
    created: resource.created,
    lastModified: resource.lastModified,
    version: versionTag(resource.version),
  };
  return snapshot as ScimObject;
}

/** JSON text with object keys sorted, so equal values compare equal whatever their key order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

const isExtension = (key: string, value: unknown) =>
  key.startsWith('urn:') && value !== null && typeof value === 'object' && !Array.isArray(value);

/**
 * Attribute names whose values differ between two canonical bodies, sorted (code point order,
 * so the list is the same whatever key order a backend returns). Extension attributes are
 * named `<schema URN>:<attribute>`; `schemas` is not an attribute.
 */
export function changedAttributes(before: ScimObject, after: ScimObject): string[] {
  const names: string[] = [];
  const keys = [...new Set([...Object.keys(after), ...Object.keys(before)])];
  for (const key of keys) {
    if (key === 'schemas') continue;
    const a = before[key];
    const b = after[key];
    if (
      isExtension(key, a ?? b) &&
      (a === undefined || isExtension(key, a)) &&
      (b === undefined || isExtension(key, b))
    ) {
      for (const sub of changedAttributes((a ?? {}) as ScimObject, (b ?? {}) as ScimObject))
        names.push(`${key}:${sub}`);
    } else if (canonical(a) !== canonical(b)) {
      names.push(key);
    }
  }
  return names.sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
}

/** RFC 7643 §4.1.1: `active` absent means the service provider decides; scimd treats it as active. */
function isActive(body: ScimObject): boolean {
  return body['active'] !== false;
}

function event(
  type: ChangeEventType,
  resource: StoredResource,
  changed: readonly string[],
  ctx: ChangeContext,
  member: EventMember | null = null,
): NewChangeEvent {
  return {
    type,
    resourceType: resource.resourceType,
    resourceId: resource.id,
    changedAttributes: [...changed],
    snapshot: snapshotOf(resource),
    member,
    time: ctx.time,
    requestId: ctx.requestId,
  };
}

/**
 * One `group.member_added` per member added, then one `group.member_removed` per member
 * removed, each carrying the group as it is after the change.
 */
export function memberEvents(group: StoredResource, members: MemberChanges, ctx: ChangeContext): NewChangeEvent[] {
  return [
    ...members.added.map((m) => event('group.member_added', group, ['members'], ctx, { value: m.value, type: m.type })),
    ...members.removed.map((m) =>
      event('group.member_removed', group, ['members'], ctx, { value: m.value, type: m.type }),
    ),
  ];
}

function userUpdateEvents(
  before: StoredResource,
  after: StoredResource,
  changed: readonly string[],
  ctx: ChangeContext,
): NewChangeEvent[] {
  const flipped = isActive(before.body) !== isActive(after.body);
  const rest = changed.filter((name) => name !== 'roles' && !(flipped && name === 'active'));
  const events: NewChangeEvent[] = [];
  if (rest.length > 0) events.push(event('user.updated', after, rest, ctx));
  if (changed.includes('roles')) events.push(event('user.roles_changed', after, ['roles'], ctx));
  if (flipped)
    events.push(event(isActive(after.body) ? 'user.reactivated' : 'user.deactivated', after, ['active'], ctx));
  return events;
}

/**
 * The events of one change to one resource, in the order to append them. A creation lists the
 * attributes it set; a deletion carries the resource's last state; an update that changed
 * nothing (a retried PATCH) yields no event.
 */
export function eventsForChange(change: ResourceChange, ctx: ChangeContext): NewChangeEvent[] {
  const { before, after } = change;
  const prefix = change.resourceType === 'User' ? 'user' : 'group';
  const members = change.members ?? { added: [], removed: [] };
  if (after === undefined) {
    return before === undefined ? [] : [event(`${prefix}.deleted`, before, [], ctx)];
  }
  if (before === undefined) {
    const set = changedAttributes({}, after.body);
    return [event(`${prefix}.created`, after, set, ctx), ...memberEvents(after, members, ctx)];
  }
  const all = change.changed ?? changedAttributes(before.body, after.body);
  if (change.resourceType === 'User') return userUpdateEvents(before, after, all, ctx);
  const changed = all.filter((name) => name !== 'members');
  return [
    ...(changed.length > 0 ? [event('group.updated', after, changed, ctx)] : []),
    ...memberEvents(after, members, ctx),
  ];
}
