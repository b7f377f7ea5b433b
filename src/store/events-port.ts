/**
 * The storage port for handing changes to the vendor's app (the other half of `store.ts`): the
 * transactional outbox of change events, the endpoints that consume it (webhooks and in-process
 * consumers) with their per-tenant delivery streams and dead letters, and the provisioning log.
 *
 * Every backend implements it and passes `contract/events.contract.ts`. Timestamps are ISO 8601
 * strings with milliseconds (UTC), so they compare lexically.
 */
import type { ResourceTypeName } from '../scim/schema/types.js';
import type { GuardCapture } from './guard-port.js';
import type { UnsequencedAccessDelta } from './history-port.js';
import type { MemberRef, ScimObject } from './shapes.js';

/** What an event is about: a resource, or (`tenant.health_changed`) the tenant itself. */
export type EventSubjectType = ResourceTypeName | 'Tenant';

/** A change event as the service hands it to `TenantWriter.appendEvents` (no sequence yet). */
export interface NewChangeEvent {
  /** e.g. `user.created`, `group.member_added` (the vocabulary is `src/events/change-events.ts`). */
  readonly type: string;
  readonly resourceType: EventSubjectType;
  readonly resourceId: string;
  /** Canonical names of the attributes this event reports as changed (may be empty). */
  readonly changedAttributes: readonly string[];
  /** The resource after the change; for a deletion, its last state before it. */
  readonly snapshot: ScimObject;
  /** Member events only: the member added or removed. */
  readonly member: MemberRef | null;
  readonly time: string;
  readonly requestId: string | null;
}

export interface ChangeEvent extends NewChangeEvent {
  readonly tenantId: string;
  /** Per tenant: 1, 2, 3… in commit order, without gaps. */
  readonly seq: number;
}

/** Net membership changes of one group inside a unit of work (see `takeMemberChanges`). */
export interface MemberChanges {
  readonly added: readonly MemberRef[];
  readonly removed: readonly MemberRef[];
}

/** The outbox half of `TenantWriter`. */
export interface OutboxWriter {
  /**
   * Appends events to the tenant's outbox in the current unit of work: they commit with the
   * change or not at all. Sequence numbers are allocated here, consecutively, after the
   * tenant's last one (writers of a tenant are serialised, so they are gap-free).
   *
   * `access` is the write's access history delta (history-port.ts), recorded with the first
   * event and ordered by its sequence number; it needs at least one event to ride on.
   */
  appendEvents(events: readonly NewChangeEvent[], access?: UnsequencedAccessDelta): Promise<readonly ChangeEvent[]>;
  /**
   * `appendEvents` of a write's events, with the deprovision guard's `capture` of the resource
   * (its sequence number that of the first event) when the append finds the tenant's deliveries
   * held (guard-port.ts). It answers nothing, so a backend may send it unanswered when it is the
   * last thing the unit of work does (PostgreSQL: with the COMMIT or the next unit's first
   * statement, postgres/prepared.ts); its failure (a uniqueness clash of the write it carries)
   * then fails the unit of work all the same.
   */
  appendFinal(
    events: readonly NewChangeEvent[],
    access: UnsequencedAccessDelta | undefined,
    capture: Omit<GuardCapture, 'seq'> | undefined,
  ): Promise<void>;
  /**
   * The net membership changes `addMembers` / `removeMembers` / `clearMembers` made to `groupId`
   * since the unit of work began or since the last call for that group, which it resets.
   * A member removed and added back (a PUT replacing members) is no change. The removals
   * `deleteResource` cascades to are not included.
   */
  takeMemberChanges(groupId: string): MemberChanges;
}

export interface EventPage {
  /** Ascending by `seq`. */
  readonly events: readonly ChangeEvent[];
  /** The tenant's latest sequence number; 0 before its first event. */
  readonly lastSeq: number;
  /** Every event with `seq <= prunedThrough` was removed by retention; 0 when none was. */
  readonly prunedThrough: number;
  /**
   * The deprovision guard's delivery hold (guard-port.ts): the seq of the tenant's
   * `tenant.guard_tripped` event while its delivery is held, null otherwise. Readers that
   * deliver (dispatcher, cursor feed) stop after it; the page itself is not cut.
   */
  readonly heldSeq: number | null;
}

export interface EventRepository {
  /** Up to `limit` events of the tenant with `seq > after`. */
  list(tenantId: string, after: number, limit: number): Promise<EventPage>;
  /**
   * Retention: removes events older than `before` that every stream of an enabled endpoint has
   * passed (undelivered events are kept), and dead letters that died before `before`.
   * Returns how many events were removed.
   */
  prune(before: string): Promise<number>;
}

export type EndpointKind = 'webhook' | 'consumer';

/** A Standard Webhooks signing secret: `whsec_` + base64. */
export interface SigningSecret {
  readonly secret: string;
  readonly created: string;
  /** After a rotation the old secret keeps signing until then; null: no expiry. */
  readonly expiresAt: string | null;
}

/** Where events go: a webhook URL or an in-process consumer, for one tenant or all of them. */
export interface EndpointRecord {
  readonly id: string;
  readonly kind: EndpointKind;
  /** Consumers: a unique name. Webhooks: null. */
  readonly name: string | null;
  /** null: every tenant. */
  readonly tenantId: string | null;
  /** Webhooks only. */
  readonly url: string | null;
  readonly description: string | null;
  readonly secrets: readonly SigningSecret[];
  readonly enabled: boolean;
  readonly created: string;
}

export interface EndpointChanges {
  readonly url?: string;
  readonly description?: string | null;
  readonly enabled?: boolean;
  readonly secrets?: readonly SigningSecret[];
}

/** Where a new endpoint's streams start: after the latest event, or at the oldest retained one. */
export type StreamStart = 'latest' | 'oldest';

/** The delivery state of a stream's head event, as a claim holder records it. */
export interface StreamProgress {
  /** Events up to this sequence number were delivered (or dead-lettered). */
  readonly deliveredSeq: number;
  /** Failed attempts at the head event (`deliveredSeq + 1`, or the next retained one). */
  readonly attempts: number;
  readonly nextAttemptAt: string;
  readonly lastAttemptAt: string | null;
  readonly lastError: string | null;
  readonly lastStatus: number | null;
}

/** One endpoint × tenant delivery stream: its cursor and the state of its head event. */
export interface StreamRecord extends StreamProgress {
  readonly id: string;
  readonly endpointId: string;
  readonly tenantId: string;
  readonly leaseOwner: string | null;
  readonly leaseUntil: string | null;
}

export type DeadLetterState = 'dead' | 'retrying' | 'delivered';

export interface DeadLetterRecord {
  readonly id: string;
  readonly endpointId: string;
  readonly tenantId: string;
  readonly seq: number;
  readonly attempts: number;
  readonly lastError: string | null;
  readonly lastStatus: number | null;
  readonly deadAt: string;
  readonly state: DeadLetterState;
  /** When a `retrying` dead letter is next attempted. */
  readonly nextAttemptAt: string | null;
  readonly leaseOwner: string | null;
  readonly leaseUntil: string | null;
}

export interface DeadLetterUpdate {
  readonly state: DeadLetterState;
  readonly attempts: number;
  readonly nextAttemptAt: string | null;
  readonly lastError: string | null;
  readonly lastStatus: number | null;
}

/** Which work a dispatcher leases: due, unleased (or expired) items of enabled endpoints. */
export interface ClaimRequest {
  readonly kind: EndpointKind;
  /** Only this endpoint (an in-process consumer claims its own streams). */
  readonly endpointId?: string;
  readonly now: string;
  /** The claiming dispatcher; later updates must name it (fencing). */
  readonly owner: string;
  readonly leaseUntil: string;
  readonly limit: number;
}

export interface DeadLetterFilter {
  readonly tenantId?: string;
  readonly state?: DeadLetterState;
  readonly limit: number;
}

export interface EndpointRepository {
  /**
   * Creates the endpoint with a stream for each tenant in its scope that has events, starting
   * at `start`. Tenants without events get their stream with their first event. Throws
   * `conflict` when a consumer's name is taken.
   */
  create(endpoint: EndpointRecord, start: StreamStart): Promise<EndpointRecord>;
  get(id: string): Promise<EndpointRecord | undefined>;
  getByName(name: string): Promise<EndpointRecord | undefined>;
  /** Ordered by creation, then id. */
  list(): Promise<readonly EndpointRecord[]>;
  update(id: string, changes: EndpointChanges): Promise<EndpointRecord | undefined>;
  /** Removes the endpoint with its streams and dead letters. */
  delete(id: string): Promise<boolean>;
  /** The endpoint's streams, ordered by tenant id. */
  listStreams(endpointId: string): Promise<readonly StreamRecord[]>;
  /**
   * Leases up to `limit` streams that are due (`nextAttemptAt <= now`), not leased by a live
   * lease, and behind their tenant's latest event. Several processes may call this at once:
   * each stream is leased to one of them (PostgreSQL: `FOR UPDATE SKIP LOCKED`).
   */
  claimStreams(request: ClaimRequest): Promise<readonly StreamRecord[]>;
  /**
   * Records progress when `owner` still holds the lease (false otherwise: another dispatcher
   * took over after the lease expired); `release` also ends the lease.
   */
  updateStream(streamId: string, owner: string, progress: StreamProgress, release: boolean): Promise<boolean>;
  /**
   * Replay: moves the endpoint's stream for the tenant to `deliveredSeq` (creating it when
   * missing), clears its failures and makes it due at `now`.
   */
  setStreamPosition(endpointId: string, tenantId: string, deliveredSeq: number, now: string): Promise<StreamRecord>;
  insertDeadLetter(deadLetter: DeadLetterRecord): Promise<void>;
  /** Newest first. */
  listDeadLetters(endpointId: string, filter: DeadLetterFilter): Promise<readonly DeadLetterRecord[]>;
  getDeadLetter(endpointId: string, id: string): Promise<DeadLetterRecord | undefined>;
  /** Makes a dead letter `retrying`, due at `now`, with no failed attempts. */
  redeliver(endpointId: string, id: string, now: string): Promise<DeadLetterRecord | undefined>;
  /** Like `claimStreams`, for `retrying` dead letters. */
  claimDeadLetters(request: ClaimRequest): Promise<readonly DeadLetterRecord[]>;
  /** Records the outcome of a redelivery attempt and ends the lease, if `owner` holds it. */
  updateDeadLetter(id: string, owner: string, update: DeadLetterUpdate): Promise<boolean>;
  /** Events recorded but not yet delivered, over the streams of enabled endpoints, by kind. */
  backlog(): Promise<readonly EndpointBacklog[]>;
}

/** The delivery backlog of one kind of endpoint (`EndpointRepository.backlog`). */
export interface EndpointBacklog {
  readonly kind: EndpointKind;
  /** Events past their stream's delivered position, summed over the streams. */
  readonly events: number;
  /** Streams with at least one such event. */
  readonly streams: number;
}

/** One SCIM request as the provisioning log keeps it (bodies already redacted). */
export interface RequestLogEntry {
  readonly id: string;
  readonly tenantId: string;
  readonly time: string;
  readonly method: string;
  /** Path and query as received, redacted. */
  readonly path: string;
  readonly status: number;
  readonly scimType: string | null;
  readonly latencyMs: number;
  readonly resourceType: string | null;
  readonly resourceId: string | null;
  /** Guessed from the User-Agent: `entra`, `okta`, … or null. */
  readonly idp: string | null;
  readonly userAgent: string | null;
  readonly requestId: string;
  readonly requestBody: string | null;
  readonly responseBody: string | null;
  /**
   * False for a request refused before authentication (recorded under the tenant of its URL):
   * such entries are kept apart, in their own bounded space (`prune`), and have no `idp`.
   * Read back always set; true when an appended entry leaves it out.
   */
  readonly authenticated?: boolean;
  /** Attribute paths the request sent that no schema declares and that were ignored; read back always set, `[]` by default. */
  readonly ignoredAttributes?: readonly string[];
}

/** How many unauthenticated entries each tenant keeps at most, unless `prune` is told otherwise. */
export const DEFAULT_UNAUTHENTICATED_LOG_ENTRIES = 1000;

export interface RequestLogQuery {
  /** Inclusive. */
  readonly since?: string;
  /** Exclusive. */
  readonly until?: string;
  readonly minStatus?: number;
  readonly maxStatus?: number;
  readonly resourceId?: string;
  /** The HTTP method as recorded (upper case: `GET`, `PATCH`…). */
  readonly method?: string;
  /** `User` or `Group`; `other`: every other entry (Bulk, discovery, unknown routes: null or another type). */
  readonly resourceType?: 'User' | 'Group' | 'other';
  /** Entries older than this entry (paging, newest first). */
  readonly before?: string;
  /** Only authenticated entries (true) or only unauthenticated ones (false). */
  readonly authenticated?: boolean;
  /**
   * Leave the request and response bodies out (read back as null): for callers that only count
   * or look at times and statuses, so a poll never reads kilobytes of bodies per entry.
   */
  readonly withoutBodies?: boolean;
  readonly limit: number;
}

export interface RequestLogRepository {
  /** Entries of tenants that no longer exist are dropped. */
  append(entries: readonly RequestLogEntry[]): Promise<void>;
  /** Newest first (time, then id, descending). */
  list(tenantId: string, query: RequestLogQuery): Promise<readonly RequestLogEntry[]>;
  get(tenantId: string, id: string): Promise<RequestLogEntry | undefined>;
  /**
   * Removes entries older than `before`, then all but the newest `maxPerTenant` authenticated
   * entries of each tenant and all but its newest `maxUnauthenticatedPerTenant` unauthenticated
   * ones (default: `maxPerTenant` or DEFAULT_UNAUTHENTICATED_LOG_ENTRIES, whichever is smaller).
   * The two are counted apart, so unauthenticated requests can never evict authenticated ones.
   */
  prune(before: string, maxPerTenant: number, maxUnauthenticatedPerTenant?: number): Promise<number>;
}
