/**
 * The storage port of the deprovision guard (docs/guard.md): per tenant, its settings overrides
 * and state, the users deprovisioned in the sliding window, the before-states of resources
 * changed while delivery is held, and the log of decisions (trip, release, reset, configure).
 *
 * The delivery hold itself is the tenant's `heldSeq`: the sequence number of its
 * `tenant.guard_tripped` event. It is kept beside the tenant's event sequence, so the reads that
 * already fetch the sequence (appending events, listing them, claiming delivery streams) learn
 * of the hold without another statement. Every backend passes `contract/guard.contract.ts`.
 */

/** The threshold a tenant's guard applies (docs/guard.md "Defaults and why"). */
export interface GuardSettings {
  readonly enabled: boolean;
  /** Trips when more than this percentage of the tenant's active users were deprovisioned… */
  readonly percent: number;
  /** …and at least this many users. */
  readonly minimum: number;
  /** The sliding window, in minutes. */
  readonly windowMinutes: number;
}

/** A tenant's own values; what is absent comes from the global settings (`SCIMD_GUARD_*`). */
export type GuardOverrides = Partial<GuardSettings>;

export type GuardStateName = 'armed' | 'tripped' | 'released';

export interface GuardRecord {
  readonly tenantId: string;
  readonly overrides: GuardOverrides;
  readonly state: GuardStateName;
  /** When the guard entered `state`. */
  readonly since: string;
  /** `tripped`: the seq of the `tenant.guard_tripped` event; delivery stops after it. */
  readonly heldSeq: number | null;
  /** Deprovisions at or before this time are not counted (set by release and reset). */
  readonly countFrom: string | null;
  /** The last trip: when, how many users were deprovisioned in the window, out of how many. */
  readonly trippedAt: string | null;
  readonly tripDeprovisioned: number | null;
  readonly tripBase: number | null;
}

/** A resource's state before its first change while held (compact: what the summary compares). */
export interface GuardBeforeState {
  readonly existed: boolean;
  /** Users. */
  readonly active?: boolean;
  readonly roles?: readonly string[];
  readonly userName?: string;
  /** Groups. */
  readonly displayName?: string;
  /** A hash of the other attributes (users: all but active and roles). */
  readonly digest?: string;
}

export interface GuardCapture {
  readonly resourceType: 'User' | 'Group';
  readonly resourceId: string;
  /** The first held event about it. */
  readonly seq: number;
  readonly before: GuardBeforeState;
}

export type GuardAction = 'trip' | 'release' | 'reset' | 'configure';

export interface GuardDecision {
  readonly id: string;
  readonly tenantId: string;
  readonly time: string;
  readonly action: GuardAction;
  /** Who: `guard` for a trip, `admin-api:<credential>`, `cli:<user>`, `console:<credential>`. */
  readonly actor: string;
  /** What: counts at a trip, the settings changed, the events released. */
  readonly detail: Readonly<Record<string, unknown>>;
}

/** The guard half of `TenantWriter` (`tx.guard`): reads and writes in the tenant's unit of work. */
export interface GuardWriter {
  /**
   * The delivery hold the last `appendEvents` of this unit of work saw (the tenant's `heldSeq`
   * after the append), null when not held, undefined before any append. Costs no statement.
   */
  deliveryHold(): number | null | undefined;
  read(): Promise<GuardRecord | undefined>;
  /** Notes that `userId` was deprovisioned at `time` (a user is one row: the latest time wins). */
  noteDeprovision(userId: string, time: string): Promise<void>;
  /** Users deprovisioned after `since` (exclusive). */
  countDeprovisions(since: string): Promise<number>;
  /**
   * The window's denominator: active users now that were not deprovisioned after `since`,
   * plus those that were (docs/guard.md "The denominator").
   */
  countBase(since: string): Promise<number>;
  /** Upserts the record; its `heldSeq` becomes the tenant's delivery hold. */
  write(record: GuardRecord): Promise<void>;
  /** Keeps the first capture of each resource (later ones for the same resource are ignored). */
  capture(captures: readonly GuardCapture[]): Promise<void>;
  clearCaptures(): Promise<void>;
  /** Forgets deprovisions at or before `time`. */
  forgetDeprovisions(time: string): Promise<void>;
  recordDecision(decision: GuardDecision): Promise<void>;
}

export interface GuardRepository {
  /** Every tenant with a guard record, by tenant id. */
  list(): Promise<readonly GuardRecord[]>;
  get(tenantId: string): Promise<GuardRecord | undefined>;
  /** Ordered by seq, then resource id. */
  captures(tenantId: string): Promise<readonly GuardCapture[]>;
  /** Newest first. */
  decisions(tenantId: string, limit: number): Promise<readonly GuardDecision[]>;
}
