/**
 * The access history's one pure function family (docs/history.md): what a write changed in who
 * had which role or group, derived from the before and after states the service already holds,
 * so recording costs no extra read. The store then records the delta in the write's unit of
 * work, with the write's first change event (`TenantWriter.appendEvents`), whose sequence number
 * orders it.
 *
 * A user's `active` absent counts as active (RFC 7643 §4.1.1, as change-events.ts). A role is
 * its `value`, `type` and `display` (without `primary`); changing any of them is a removal and a
 * grant. Nested groups are not users: only members of type `User` join or leave.
 */
import { isObject } from '../scim/json.js';
import type { MemberChanges } from '../store/events-port.js';
import {
  foldName,
  type GroupRef,
  type NewAccessRow,
  type RoleGrant,
  roleKey,
  rolesOf,
  type SpanClose,
  type UnsequencedAccessDelta,
} from '../store/history-port.js';
import type { MemberRef, ScimObject } from '../store/shapes.js';
import type { StoredResource } from '../store/store.js';
import { changedAttributes } from './change-events.js';

/** When and why (see `AccessDelta`; the order comes from the write's first event). */
export interface AccessContext {
  readonly time: string;
  readonly requestId: string | null;
}

const isActive = (body: ScimObject): boolean => body['active'] !== false;
const userNameOf = (body: ScimObject): string => (typeof body['userName'] === 'string' ? body['userName'] : '');
const displayNameOf = (body: ScimObject): string =>
  typeof body['displayName'] === 'string' ? body['displayName'] : '';

/** Top-level attribute (or `urn:…:attribute`) → its value in `body`; null when removed. */
function valueAt(body: ScimObject, name: string): unknown {
  const urn = name.startsWith('urn:') ? name.slice(0, name.lastIndexOf(':')) : undefined;
  if (urn !== undefined && isObject(body[urn])) return (body[urn] as ScimObject)[name.slice(urn.length + 1)] ?? null;
  return body[name] ?? null;
}

/** The changed attributes with their new values, roles and `active` left to their own rows. */
function changesOf(changed: readonly string[], after: ScimObject): Record<string, unknown> {
  const changes: Record<string, unknown> = {};
  for (const name of changed) {
    if (name === 'roles' || name === 'active') continue;
    changes[name] = valueAt(after, name);
  }
  return changes;
}

const userSpan = (body: ScimObject) => ({
  kind: 'user' as const,
  key: '',
  nameFold: foldName(userNameOf(body)),
  active: isActive(body),
});

function userRow(user: StoredResource, kind: NewAccessRow['kind'], detail: Record<string, unknown>): NewAccessRow {
  return { userId: user.id, kind, userName: userNameOf(user.body), detail };
}

function roleRows(user: StoredResource, granted: readonly RoleGrant[], removed: readonly RoleGrant[]): NewAccessRow[] {
  return [
    ...removed.map((role) => userRow(user, 'role_removed', { ...role })),
    ...granted.map((role) => ({
      ...userRow(user, 'role_granted', { ...role }),
      span: { kind: 'role' as const, key: roleKey(role), nameFold: foldName(role.value) },
    })),
  ];
}

const empty = (ctx: AccessContext): UnsequencedAccessDelta => ({ ...ctx, close: [], rows: [] });

/** A user created: `created` (its userName, active and other attributes) and a grant per role. */
function userCreated(user: StoredResource, ctx: AccessContext): UnsequencedAccessDelta {
  const { roles: _roles, schemas: _schemas, ...attributes } = user.body;
  return {
    ...ctx,
    close: [],
    rows: [
      { ...userRow(user, 'created', { active: isActive(user.body), attributes }), span: userSpan(user.body) },
      ...roleRows(user, rolesOf(user.body), []),
    ],
  };
}

/**
 * A user replaced or patched: `updated` with the changed attributes' new values, `activated` /
 * `deactivated` when `active` flipped, and the roles granted and removed. The user span (name
 * and active) starts again when either changed, on the last of those rows. `changed` (the
 * changed attribute names) says which of these to look at: most updates touch neither `active`,
 * `userName` nor `roles`.
 */
function userUpdated(
  before: StoredResource,
  after: StoredResource,
  changed: readonly string[],
  ctx: AccessContext,
): UnsequencedAccessDelta {
  const changes = changesOf(changed, after.body);
  const flipped = changed.includes('active') && isActive(before.body) !== isActive(after.body);
  const renamed = changed.includes('userName') && userNameOf(before.body) !== userNameOf(after.body);
  const rows: NewAccessRow[] = [];
  const close: SpanClose[] = [];
  if (Object.keys(changes).length > 0) {
    const row = userRow(after, 'updated', { changes });
    rows.push(renamed && !flipped ? { ...row, span: userSpan(after.body) } : row);
  }
  if (flipped) {
    const kind = isActive(after.body) ? 'activated' : 'deactivated';
    rows.push({ ...userRow(after, kind, {}), span: userSpan(after.body) });
  }
  if (flipped || renamed) close.push({ userId: after.id, kind: 'user', key: '' });
  if (!changed.includes('roles')) return { ...ctx, close, rows };
  const was = new Map(rolesOf(before.body).map((r) => [roleKey(r), r]));
  const is = new Map(rolesOf(after.body).map((r) => [roleKey(r), r]));
  const removed = [...was].filter(([key]) => !is.has(key)).map(([, r]) => r);
  const granted = [...is].filter(([key]) => !was.has(key)).map(([, r]) => r);
  for (const role of removed) close.push({ userId: after.id, kind: 'role', key: roleKey(role) });
  rows.push(...roleRows(after, granted, removed));
  return { ...ctx, close, rows };
}

/** A group's membership changed (created with members, PUT, PATCH): its users joined or left. */
function membershipChanged(group: StoredResource, members: MemberChanges, ctx: AccessContext): UnsequencedAccessDelta {
  const ref: GroupRef = { id: group.id, displayName: displayNameOf(group.body) };
  const users = (list: readonly MemberRef[]) => list.filter((m) => m.type === 'User').map((m) => m.value);
  const span = { kind: 'group' as const, key: group.id, nameFold: foldName(ref.displayName) };
  const left = users(members.removed);
  return {
    ...ctx,
    close: left.map((userId) => ({ userId, kind: 'group' as const, key: group.id })),
    rows: [
      ...left.map((userId) => ({ userId, kind: 'group_left' as const, userName: null, detail: { ...ref } })),
      ...users(members.added).map((userId) => ({
        userId,
        kind: 'group_joined' as const,
        userName: null,
        detail: { ...ref },
        span,
      })),
    ],
  };
}

/**
 * The delta of a creation (`after` only) or an update (both), with a group's member changes.
 * `change.changed` is the update's `changedAttributes`, when the caller has it already.
 */
export function accessDeltaForChange(
  change: {
    readonly before?: StoredResource | undefined;
    readonly after?: StoredResource | undefined;
    readonly changed?: readonly string[] | undefined;
  },
  members: MemberChanges | undefined,
  ctx: AccessContext,
): UnsequencedAccessDelta {
  const { before, after } = change;
  if (after === undefined) return empty(ctx);
  if (after.resourceType === 'Group') return members ? membershipChanged(after, members, ctx) : empty(ctx);
  if (before === undefined) return userCreated(after, ctx);
  return userUpdated(before, after, change.changed ?? changedAttributes(before.body, after.body), ctx);
}

/**
 * The delta of a deletion. A user: `group_left` for each group it was in (`groups`, read by the
 * delete already), then `deleted`; every span of the user ends. A group: each user with an open
 * span of it leaves (the store finds them: the delete does not read the members).
 */
export function accessDeltaForDeletion(
  deleted: StoredResource,
  groups: readonly StoredResource[],
  ctx: AccessContext,
): UnsequencedAccessDelta {
  if (deleted.resourceType === 'Group') {
    return { ...ctx, groupDeleted: { id: deleted.id, displayName: displayNameOf(deleted.body) }, close: [], rows: [] };
  }
  return {
    ...ctx,
    close: [{ userId: deleted.id }],
    rows: [
      ...groups.map((g) => userRow(deleted, 'group_left', { id: g.id, displayName: displayNameOf(g.body) })),
      userRow(deleted, 'deleted', {}),
    ],
  };
}

/** Whether recording `delta` would change anything. */
export function isEmptyDelta(delta: UnsequencedAccessDelta): boolean {
  return delta.groupDeleted === undefined && delta.close.length === 0 && delta.rows.length === 0;
}
