/**
 * The storage port. Every backend (memory, SQLite, PostgreSQL) implements it and passes the
 * shared contract suite in `store.contract.ts`.
 *
 * Tenant isolation is by construction: SCIM code only ever holds a `TenantStore` from
 * `store.forTenant(tenantId)`, whose methods cannot name another tenant.
 * "Not found" is `undefined`; protocol violations (a uniqueness clash) throw `ScimError`.
 * The outbox, endpoint and provisioning-log half of the port is `events-port.ts`; the shapes
 * both halves use (`ScimObject`, `MemberRef`) are `shapes.ts`. Import each type from its file.
 */
import type { AttrPath, Filter } from '../scim/filter/ast.js';
import type { ResourceTypeDefinition, ResourceTypeName } from '../scim/schema/types.js';
import type { ConsoleRepositories } from './console-port.js';
import type { EndpointRepository, EventRepository, OutboxWriter, RequestLogRepository } from './events-port.js';
import type { GuardRepository, GuardWriter } from './guard-port.js';
import type { HealthRepository, HealthStateWriter } from './health-port.js';
import type { HistoryRepository, HistoryWriter } from './history-port.js';
import type { MemberRef, ScimObject } from './shapes.js';

export interface StoredResource {
  readonly id: string;
  readonly resourceType: ResourceTypeName;
  /** Starts at 1, +1 on every change (including membership changes of a group). */
  readonly version: number;
  /** ISO 8601 timestamps with milliseconds, UTC. */
  readonly created: string;
  readonly lastModified: string;
  /** Canonical SCIM JSON: every attribute except id, meta, Group.members and User.groups. */
  readonly body: ScimObject;
}

/** A member as read back: the referenced resource's display name is joined in. */
export interface MemberView extends MemberRef {
  readonly display?: string;
}

/** A group a resource directly belongs to (the User `groups` attribute). */
export interface GroupRef {
  readonly value: string;
  readonly display: string;
}

export type SortOrder = 'ascending' | 'descending';

export interface ResourceQuery {
  /**
   * The resource type's definition including operator-declared extensions, which filters and
   * sortBy resolve against; defaults to the built-in definition of the queried type.
   */
  readonly resourceType?: ResourceTypeDefinition;
  /** Already parsed and checked against the resource type's schema. */
  readonly filter?: Filter;
  /** Checked with `checkSortBy` (the stores apply it again; it is idempotent). */
  readonly sortBy?: AttrPath;
  readonly sortOrder?: SortOrder;
  /** 1-based (RFC 7644 §3.4.2.4). */
  readonly startIndex: number;
  /** 0 returns only totalResults. */
  readonly count: number;
  /**
   * Keyset paging (RFC 9865 cursors): only resources strictly after this position in the
   * query's order, so rows inserted or deleted meanwhile neither shift nor repeat the rest.
   * `startIndex` then counts from the first such resource; `totalResults` still counts every
   * resource the filter matches.
   */
  readonly after?: KeysetPosition;
  /** Also return the position of each returned resource (`QueryResult.positions`). */
  readonly withPositions?: boolean;
  /**
   * `false` when the caller already knows `totalResults` (a later chunk of one page): the store
   * may then skip counting and answer any number there.
   */
  readonly countTotal?: boolean;
  /**
   * The caller will render the returned resources' groups: a store that can read them with the
   * page, in the same statement (PostgreSQL), returns them (`QueryResult.groups`); otherwise the
   * caller reads them (`listGroupsOfEach`).
   */
  readonly withGroups?: boolean;
}

/**
 * A resource's place in a query's order: its sort key as the store compares it (null when it
 * has none) and its id, the tie-breaker. JSON-serialisable and opaque: meaningful only to the
 * store that produced it, for the same resource type, filter, sortBy and sortOrder.
 */
export interface KeysetPosition {
  readonly key: unknown;
  readonly id: string;
}

export interface QueryResult {
  readonly totalResults: number;
  readonly resources: readonly StoredResource[];
  /** With `withPositions`: the position of each returned resource, in the same order. */
  readonly positions?: readonly KeysetPosition[];
  /** With `withGroups`, where the store read them with the page: each returned resource's groups. */
  readonly groups?: ReadonlyMap<string, readonly GroupRef[]>;
}

export interface NewResource {
  readonly id: string;
  readonly resourceType: ResourceTypeName;
  readonly body: ScimObject;
  /** Sets both `created` and `lastModified`. */
  readonly now: string;
}

/** Reads scoped to one tenant. */
export interface TenantReader {
  readonly tenantId: string;
  getResource(type: ResourceTypeName, id: string): Promise<StoredResource | undefined>;
  query(type: ResourceTypeName, query: ResourceQuery): Promise<QueryResult>;
  /** Members of a group, ordered by insertion. */
  listMembers(groupId: string): Promise<readonly MemberView[]>;
  /** Groups that have `memberId` as a direct member, ordered by display name. */
  listGroupsOf(memberId: string): Promise<readonly GroupRef[]>;
  /** `listGroupsOf` of each of `memberIds` (every one a key), in one read: a page of users. */
  listGroupsOfEach(memberIds: readonly string[]): Promise<ReadonlyMap<string, readonly GroupRef[]>>;
  /** Which of `ids` exist in this tenant, and as what type. */
  findTypes(ids: readonly string[]): Promise<ReadonlyMap<string, ResourceTypeName>>;
  /**
   * `getResource` and `listGroupsOf` of the same resource together: on PostgreSQL one statement,
   * so a user's GET, PATCH, PUT or DELETE reads its groups without a round trip of their own.
   */
  getResourceWithGroups(type: ResourceTypeName, id: string): Promise<ResourceWithGroups | undefined>;
}

export interface ResourceWithGroups {
  readonly resource: StoredResource;
  /** The groups the resource is a direct member of, ordered by display name (`listGroupsOf`). */
  readonly groups: readonly GroupRef[];
}

/** Writes, available only inside `TenantStore.transaction`; the outbox half is in events-port.ts. */
export interface TenantWriter extends TenantReader, OutboxWriter, HealthStateWriter, HistoryWriter {
  /** Throws `uniqueness` when userName (User) or displayName (Group) clashes ignoring case. */
  insertResource(resource: NewResource): Promise<StoredResource>;
  /**
   * Replaces the body, bumps the version and lastModified. Returns undefined when absent.
   * Throws `uniqueness` like insertResource.
   */
  replaceResource(
    type: ResourceTypeName,
    id: string,
    body: ScimObject,
    now: string,
  ): Promise<StoredResource | undefined>;
  /** Bumps version and lastModified without changing the body (e.g. after a membership change). */
  touchResource(type: ResourceTypeName, id: string, now: string): Promise<StoredResource | undefined>;
  /** Deletes the resource and every membership row naming it (as group or as member). */
  deleteResource(type: ResourceTypeName, id: string): Promise<boolean>;
  /**
   * Adds members that are not yet present; returns how many were added. O(added), not O(group
   * size). Every id must exist in the tenant (validate with `findTypes` first): an unknown id
   * throws a plain Error.
   */
  addMembers(groupId: string, members: readonly MemberRef[]): Promise<number>;
  /** Removes the given member ids; returns how many were removed. */
  removeMembers(groupId: string, memberIds: readonly string[]): Promise<number>;
  /** Removes every member of the group; returns how many were removed. */
  clearMembers(groupId: string): Promise<number>;
  /** The deprovision guard's reads and writes in this unit of work (guard-port.ts). */
  readonly guard: GuardWriter;
}

export interface TenantStore extends TenantReader {
  /**
   * One unit of work: everything `fn` writes commits together or not at all. Writes to one
   * tenant are serialised, so read-modify-write inside `fn` is safe.
   * Inside `fn`, read only through `tx`: reading through this outer store waits for the
   * transaction to end, so it would never return. Let errors propagate (a uniqueness clash
   * aborts the whole transaction on PostgreSQL; catching it and carrying on cannot work).
   */
  transaction<T>(fn: (tx: TenantWriter) => Promise<T>): Promise<T>;
  /** The app role catalogue and this tenant's narrowing of it (read outside `transaction`). */
  roleCatalogue(): Promise<RoleCatalogue>;
}

export type TenantStatus = 'active' | 'disabled';

export interface TenantRecord {
  readonly id: string;
  /** URL-safe handle, unique: `/t/<slug>/scim/v2`. */
  readonly slug: string;
  readonly name: string;
  readonly status: TenantStatus;
  readonly created: string;
  /**
   * The app role values this tenant may assign, narrowing the catalogue; absent means every
   * enabled role (stores omit the key rather than storing null).
   */
  readonly allowedRoles?: readonly string[];
}

/**
 * One app role of the vendor's catalogue, declared once for the app (all tenants), exported as
 * an `appRoles` entry of the Entra app manifest (docs/roles.md).
 */
export interface AppRoleRecord {
  /** GUID minted once at creation and never changed: Entra keys the manifest entry on it. */
  readonly id: string;
  /** What the app keys on and Entra sends; unique ignoring case. */
  readonly value: string;
  readonly displayName: string;
  readonly description: string;
  /** Disabled roles stay in the manifest (`isEnabled: false`) and are refused for new assignments. */
  readonly enabled: boolean;
  readonly allowedMemberTypes: readonly 'User'[];
  readonly created: string;
}

/** The catalogue as one tenant sees it: every declared role plus the tenant's narrowing. */
export interface RoleCatalogue {
  /** Every declared role, enabled or not, in catalogue order. */
  readonly roles: readonly AppRoleRecord[];
  /** `TenantRecord.allowedRoles`, or null when the tenant may assign every enabled role. */
  readonly allowedRoles: readonly string[] | null;
}

export interface RoleRepository {
  /** Throws `conflict` (409) when the value is taken ignoring case, or the id exists. */
  create(role: AppRoleRecord): Promise<AppRoleRecord>;
  /** Every role, ordered by creation then value (the manifest order). */
  list(): Promise<readonly AppRoleRecord[]>;
  /** Looks the value up ignoring case. */
  getByValue(value: string): Promise<AppRoleRecord | undefined>;
  /** Changes the display name and/or description of the role with this value (ignoring case). */
  update(
    value: string,
    changes: { readonly displayName?: string; readonly description?: string },
  ): Promise<AppRoleRecord | undefined>;
  setEnabled(value: string, enabled: boolean): Promise<AppRoleRecord | undefined>;
}

export interface TokenRecord {
  readonly id: string;
  readonly tenantId: string;
  readonly label: string | null;
  /** Hex SHA-256 of the whole token; the token itself is never stored. */
  readonly hash: string;
  /** The recognisable start and last characters, for lists: `scimd_…a1b2`. */
  readonly hint: string;
  readonly created: string;
  readonly expiresAt: string | null;
  readonly revokedAt: string | null;
  readonly lastUsedAt: string | null;
}

export interface TenantRepository {
  /** Throws `conflict` (409) when the slug is taken. */
  create(tenant: TenantRecord): Promise<TenantRecord>;
  getById(id: string): Promise<TenantRecord | undefined>;
  getBySlug(slug: string): Promise<TenantRecord | undefined>;
  list(): Promise<readonly TenantRecord[]>;
  setStatus(id: string, status: TenantStatus): Promise<TenantRecord | undefined>;
  /** Narrows the roles the tenant may assign to `values`; null allows every enabled role. */
  setAllowedRoles(id: string, values: readonly string[] | null): Promise<TenantRecord | undefined>;
  /** Removes the tenant and all of its data (resources, members, tokens). */
  delete(id: string): Promise<boolean>;
}

export interface TokenRepository {
  insert(token: TokenRecord): Promise<TokenRecord>;
  /**
   * Read on every request, so backends may serve it from a memo: its `lastUsedAt` may lag
   * `touch` by minutes (`listForTenant` is exact); every other field is current.
   */
  findByHash(hash: string): Promise<TokenRecord | undefined>;
  listForTenant(tenantId: string): Promise<readonly TokenRecord[]>;
  /** Returns the revoked token, or undefined when it does not exist in that tenant. */
  revoke(tenantId: string, tokenId: string, now: string): Promise<TokenRecord | undefined>;
  /** Records use; implementations may coarsen writes (at most one per minute per token). */
  touch(tokenId: string, now: string): Promise<void>;
  /**
   * Makes the token expire at `expiresAt` unless it already expires earlier (the result is the
   * earlier of the two); a revoked token is returned unchanged. Undefined when the token does
   * not exist in that tenant.
   */
  setExpiry(tenantId: string, tokenId: string, expiresAt: string): Promise<TokenRecord | undefined>;
}

/** What a backend can do; callers branch on these, never on a dialect's name. */
export interface StoreCapabilities {
  /** Several processes may share the database (PostgreSQL): caches must not assume exclusivity. */
  readonly sharedAcrossProcesses: boolean;
  /** Data survives a restart. */
  readonly durable: boolean;
}

export interface Store {
  readonly capabilities: StoreCapabilities;
  readonly tenants: TenantRepository;
  readonly tokens: TokenRepository;
  /** The change-event outbox (events-port.ts). */
  readonly events: EventRepository;
  /** Webhook endpoints and in-process consumers, their delivery streams and dead letters. */
  readonly endpoints: EndpointRepository;
  /** The provisioning log: every SCIM request per tenant. */
  readonly requestLog: RequestLogRepository;
  /** Tenant health: rollups of the provisioning log and last states (health-port.ts). */
  readonly health: HealthRepository;
  /** The deprovision guard: settings, state, held captures, decisions (guard-port.ts). */
  readonly guard: GuardRepository;
  readonly roles: RoleRepository;
  /** Setup links, admin credentials, console sessions and shared settings (console-port.ts). */
  readonly console: ConsoleRepositories;
  /** The access history: who had which role or group when (history-port.ts, docs/history.md). */
  readonly history: HistoryRepository;
  forTenant(tenantId: string): TenantStore;
  /** Throws when the database cannot answer (used by /readyz). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
