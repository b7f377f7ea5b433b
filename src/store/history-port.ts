/**
 * The storage port of the access history (docs/history.md): who had which role or group at a
 * past moment, kept apart from the change feed and for much longer (SCIMD_HISTORY_RETENTION).
 *
 * One row per thing that happened to a user's access (created, attributes changed, activated or
 * deactivated, a role granted or removed, a group joined or left, deleted), with its time and
 * the id of the IdP request that caused it. Rows that start a state (the user's name and
 * `active`, a role, a group membership) are also an interval, a *span*: valid from the row's
 * time until `validTo`, null while current. An as-of question is then "which spans contain T",
 * with no replay.
 *
 * A write hands its delta to `TenantWriter.appendEvents` with its change events, inside the unit
 * of work of the change, so the history commits with the change or not at all. The SQL store
 * keeps it with the write's first event and materialises it into its history table later (a
 * projector, sql/history-projector.ts), always before any read of the tenant's history; the
 * memory store applies it at once. `TenantWriter.appendAccessHistory` records a delta directly.
 * Every backend implements it and passes `contract/history.contract.ts`. Timestamps are ISO 8601
 * with milliseconds (UTC).
 */
import { isObject } from '../scim/json.js';

export const ACCESS_EVENT_KINDS = [
  'created',
  'updated',
  'activated',
  'deactivated',
  'role_granted',
  'role_removed',
  'group_joined',
  'group_left',
  'deleted',
  // A user that existed when the history began (migration 0007): its state at that moment.
  'baseline',
] as const;

export type AccessEventKind = (typeof ACCESS_EVENT_KINDS)[number];

/** What a span is the state of: the user itself (name, active), one role, one group membership. */
export type SpanKind = 'user' | 'role' | 'group';

/** A role as history keeps it: the SCIM `roles` entry without `primary`. */
export interface RoleGrant {
  readonly value: string;
  readonly display?: string;
  readonly type?: string;
}

export interface GroupRef {
  readonly id: string;
  readonly displayName: string;
}

/** A span a new row opens. */
export interface NewSpan {
  readonly kind: SpanKind;
  /** User: ''. Role: `roleKey(grant)`. Group: the group id. */
  readonly key: string;
  /** Folded name looked up by: the userName (user), the role value (role), the displayName (group). */
  readonly nameFold: string;
  /** User spans: whether the user is active during the span. */
  readonly active?: boolean;
}

export interface NewAccessRow {
  readonly userId: string;
  readonly kind: AccessEventKind;
  /** The user's userName when the write knows it (user writes); null for group-side writes. */
  readonly userName: string | null;
  /** Compact, per kind (docs/history.md): e.g. `{changes: {title: "x"}}`, a role, a group. */
  readonly detail: Readonly<Record<string, unknown>>;
  readonly span?: NewSpan;
}

/** Spans to end: one user's spans of a kind and key; of a kind (every key); or all (no kind). */
export interface SpanClose {
  readonly userId: string;
  readonly kind?: SpanKind;
  readonly key?: string;
}

/** What one write changed in the access history. */
export interface AccessDelta {
  readonly time: string;
  readonly requestId: string | null;
  /**
   * Orders writes of the tenant (rows of one write keep their order): the change feed's
   * sequence number of the write's first event.
   */
  readonly seq: number;
  /** A group was deleted: each user with an open span of it gets `group_left`, and the span ends. */
  readonly groupDeleted?: GroupRef;
  /** Applied before `rows`, so a span ended and started again in one write stays open. */
  readonly close: readonly SpanClose[];
  readonly rows: readonly NewAccessRow[];
}

/**
 * A write's delta as the service derives it, before it has a sequence number: the store takes
 * the write's first change event's (`OutboxWriter.appendEvents`).
 */
export type UnsequencedAccessDelta = Omit<AccessDelta, 'seq'>;

export interface HistoryWriter {
  /**
   * Records a delta in the current unit of work, without change events (the writes of the
   * service hand theirs to `appendEvents` instead). A delta with nothing in it costs nothing.
   */
  appendAccessHistory(delta: AccessDelta): Promise<void>;
}

/** One row of a user's timeline. */
export interface AccessTimelineEntry {
  readonly userId: string;
  readonly time: string;
  readonly requestId: string | null;
  readonly kind: AccessEventKind;
  readonly userName: string | null;
  readonly detail: Readonly<Record<string, unknown>>;
}

/** One user's access at a moment. */
export interface AccessState {
  readonly userId: string;
  readonly userName: string;
  readonly active: boolean;
  /** Sorted by value, then type. */
  readonly roles: readonly RoleGrant[];
  /** Sorted by id; displayName as it was when the user joined. */
  readonly groups: readonly GroupRef[];
}

export interface AccessQuery {
  readonly asOf: string;
  /** Only users holding a role with this value (ignoring case). */
  readonly role?: string;
  /** Only members of the group with this id, or whose displayName (ignoring case) this is. */
  readonly group?: string;
  /** Also users that existed but were inactive. Default: active users only. */
  readonly includeInactive?: boolean;
  /** Keyset: only users with an id greater than this. */
  readonly afterUserId?: string;
  readonly limit: number;
}

export interface HistoryRepository {
  /** Every retained row of the user, oldest first. */
  timeline(tenantId: string, userId: string): Promise<readonly AccessTimelineEntry[]>;
  /** Ids of users that had this userName (ignoring case) at some time, sorted. */
  findUserIds(tenantId: string, userName: string): Promise<readonly string[]>;
  /** One page of the as-of answer, ordered by user id. */
  accessAt(tenantId: string, query: AccessQuery): Promise<readonly AccessState[]>;
  /**
   * Retention: removes rows older than `before`, except spans still open or ended at or after
   * `before` (they are still needed to answer as-of questions inside the window). Returns how
   * many rows were removed.
   */
  prune(before: string): Promise<number>;
  /**
   * Writes whose access history waits for the projector, over every tenant: the change events
   * that carry a delta past their tenant's projection (docs/history.md). Always 0 where deltas
   * are recorded at once (the in-memory store).
   */
  backlog(): Promise<number>;
}

/** The key of a role span: value, type and display together; a change of any is a removal and a grant. */
export function roleKey(role: RoleGrant): string {
  return JSON.stringify([role.value, role.type ?? null, role.display ?? null]);
}

/** JavaScript's toLowerCase, the fold every backend stores (never the database's). */
export function foldName(name: string): string {
  return name.toLowerCase();
}

/** Code point order, the same in every backend (never a collation). */
export function byText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Roles as an as-of answer lists them: by value, then type, then display. */
export function sortRoles(roles: readonly RoleGrant[]): RoleGrant[] {
  return [...roles].sort(
    (a, b) =>
      byText(a.value, b.value) || byText(a.type ?? '', b.type ?? '') || byText(a.display ?? '', b.display ?? ''),
  );
}

/** Groups as an as-of answer lists them: by id. */
export function sortGroups(groups: readonly GroupRef[]): GroupRef[] {
  return [...groups].sort((a, b) => byText(a.id, b.id));
}

/** A user body's roles as history keys them, deduplicated, in body order (`primary` dropped). */
export function rolesOf(body: Readonly<Record<string, unknown>>): RoleGrant[] {
  const list = Array.isArray(body['roles']) ? body['roles'] : [];
  const byKey = new Map<string, RoleGrant>();
  for (const entry of list) {
    if (!isObject(entry) || typeof entry['value'] !== 'string') continue;
    const role: RoleGrant = {
      value: entry['value'],
      ...(typeof entry['display'] === 'string' ? { display: entry['display'] } : {}),
      ...(typeof entry['type'] === 'string' ? { type: entry['type'] } : {}),
    };
    byKey.set(roleKey(role), role);
  }
  return [...byKey.values()];
}
