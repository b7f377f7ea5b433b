/**
 * The SQL storage shape as Kysely table types (ARCHITECTURE.md "Storage shape"). Every row is
 * keyed by tenant; timestamps are `Date#toISOString` strings so they compare lexically.
 */

export interface TenantsTable {
  id: string;
  slug: string;
  name: string;
  status: string;
  created: string;
  /** JSON array of role values (migration 0002-roles); null: every enabled role. */
  allowed_roles: unknown;
}

/** The app role catalogue (migration 0002-roles): one row per role, shared by every tenant. */
export interface AppRolesTable {
  id: string;
  value: string;
  /** `value` folded (JavaScript toLowerCase): the unique key. */
  value_fold: string;
  display_name: string;
  description: string;
  /** 1/0 or a boolean, as `SqlDialect.encodeBoolean` produced it. */
  enabled: unknown;
  /** JSON array, e.g. ["User"]. */
  allowed_member_types: unknown;
  created: string;
}

export interface TokensTable {
  id: string;
  tenant_id: string;
  label: string | null;
  hash: string;
  hint: string;
  created: string;
  expires_at: string | null;
  revoked_at: string | null;
  last_used_at: string | null;
}

/** One row per resource: the canonical body plus the columns `projectColumns` derives from it. */
export interface ResourcesTable {
  tenant_id: string;
  id: string;
  resource_type: string;
  version: number;
  created: string;
  last_modified: string;
  /** JSON text (SQLite) or a native JSON value (PostgreSQL jsonb); `dialect.codec` reads and writes it. */
  body: unknown;
  unique_name_fold: string | null;
  display_name_fold: string | null;
  display: string | null;
  external_id: string | null;
  /** 1/0 or a boolean, as `SqlDialect.encodeBoolean` produced it. */
  active: unknown;
  /**
   * The body with every string folded (0009-store-costs), where the dialect keeps one; moved to
   * `resource_scan` by 0011-scan-layout, so the column exists only between those two migrations.
   */
  body_fold?: unknown;
}

/**
 * Where the dialect keeps a folded copy of each body (`SqlFragments.foldedBody`; SQLite, from
 * 0011-scan-layout): one narrow row per resource, keyed so that a tenant's resources of one
 * type are contiguous (folded-body.ts). What filters without a projected column scan.
 */
export interface ResourceScanTable {
  tenant_id: string;
  resource_type: string;
  id: string;
  /** The body's filterable values, strings folded (`scanCopy`), in the dialect's form (JSONB). */
  fold: unknown;
}

/**
 * One row per element of a multi-valued complex attribute in a resource's folded copy
 * (0012-element-scan), keyed so that one attribute's elements of a tenant's resources of one type
 * are contiguous: what a filter on a multi-valued attribute scans (sources.ts).
 */
export interface ResourceScanElementsTable {
  tenant_id: string;
  resource_type: string;
  /** The name in the body, or the extension's schema URN, a colon and the name. */
  attribute: string;
  id: string;
  /** The element's index in the body's array. */
  position: number;
  /** The sub-attributes, folded, as SQL reads them from JSON (a boolean is 1 or 0). */
  value_fold: unknown;
  type_fold: unknown;
  primary_flag: unknown;
  display_fold: unknown;
  /** The folded element without those four (JSONB), or null when nothing else is left. */
  rest_fold: unknown;
}

/** Per tenant and resource type: how many resources it has, kept by triggers (0009-store-costs). */
interface ResourceCountsTable {
  tenant_id: string;
  resource_type: string;
  n: number | string;
}

interface GroupMembersTable {
  tenant_id: string;
  group_id: string;
  member_id: string;
  member_type: string;
  /** Insertion order within the group (listMembers order). */
  added_seq: number;
}

/** Per tenant: the last event sequence number allocated, and how far retention removed (0003-events). */
interface EventSequencesTable {
  tenant_id: string;
  last_seq: number;
  pruned_through: number;
  /** The delivery hold (0008-guard): the seq of the tenant.guard_tripped event; null when not held. */
  held_seq: number | string | null;
}

/** The outbox (0003-events): one row per change event, keyed by (tenant, seq). */
export interface EventsTable {
  tenant_id: string;
  seq: number;
  type: string;
  resource_type: string;
  resource_id: string;
  /** JSON array of attribute names. */
  changed_attributes: unknown;
  /** JSON object: the resource after the change. */
  snapshot: unknown;
  member_id: string | null;
  member_type: string | null;
  time: string;
  request_id: string | null;
  /**
   * The write's access history delta (0014-history-projection), on the write's first event only:
   * compact JSON (history-projector.ts) that the history projector materialises into
   * `access_history`. Never part of the change feed.
   */
  access_delta: string | null;
}

/** How far the history projector has materialised each tenant's deltas (0014-history-projection). */
export interface HistoryProjectionTable {
  tenant_id: string;
  /** Every event with `seq <= through` is in `access_history` (or had no delta). */
  through: number | string;
}

export interface EventEndpointsTable {
  id: string;
  kind: string;
  name: string | null;
  tenant_id: string | null;
  url: string | null;
  description: string | null;
  /** JSON array of signing secrets. */
  secrets: unknown;
  enabled: unknown;
  created: string;
}

export interface EventStreamsTable {
  /** `<endpoint id>:<tenant id>`. */
  id: string;
  endpoint_id: string;
  tenant_id: string;
  delivered_seq: number;
  attempts: number;
  next_attempt_at: string;
  last_attempt_at: string | null;
  last_error: string | null;
  last_status: number | null;
  lease_owner: string | null;
  lease_until: string | null;
}

export interface EventDeadLettersTable {
  id: string;
  endpoint_id: string;
  tenant_id: string;
  seq: number;
  attempts: number;
  last_error: string | null;
  last_status: number | null;
  dead_at: string;
  state: string;
  next_attempt_at: string | null;
  lease_owner: string | null;
  lease_until: string | null;
}

/**
 * The provisioning log (0003-events): one row per SCIM request, bodies redacted;
 * `authenticated` and `ignored_attributes` (a JSON array as text) from 0004-request-log-apart.
 */
export interface RequestLogTable {
  id: string;
  tenant_id: string;
  time: string;
  method: string;
  path: string;
  status: number;
  scim_type: string | null;
  latency_ms: number;
  resource_type: string | null;
  resource_id: string | null;
  idp: string | null;
  user_agent: string | null;
  request_id: string;
  request_body: string | null;
  response_body: string | null;
  /** The dialect's boolean: 1/0 on SQLite. */
  authenticated: boolean | number;
  ignored_attributes: string;
}

/** Links to a tenant's setup portal (0005-console); only the hash of the opaque part is kept. */
export interface SetupLinksTable {
  id: string;
  tenant_id: string;
  hash: string;
  hint: string;
  created: string;
  created_by: string;
  expires_at: string;
  revoked_at: string | null;
}

/** Each use of a setup link (0005-console). */
export interface SetupLinkEventsTable {
  id: string;
  link_id: string;
  tenant_id: string;
  time: string;
  kind: string;
  token_id: string | null;
  client_address: string | null;
  user_agent: string | null;
}

/** Admin credentials created from the console (0005-console). */
export interface AdminCredentialsTable {
  id: string;
  label: string;
  hash: string;
  hint: string;
  created: string;
  revoked_at: string | null;
  last_used_at: string | null;
}

/** Console sessions by the hash of their id (0005-console). */
interface ConsoleSessionsTable {
  id_hash: string;
  data: string;
  expires_at: string;
}

/** Generated values shared by every process (0005-console). */
interface SettingsTable {
  key: string;
  value: string;
}

/** Hourly health rollups per tenant and identity provider (0006-health). */
export interface HealthBucketsTable {
  tenant_id: string;
  hour: string;
  idp: string;
  requests: number | string;
  failures: number | string;
  reference_failures: number | string;
  f_unauthorized: number | string;
  f_not_found: number | string;
  f_conflict: number | string;
  f_invalid_value: number | string;
  f_invalid_filter: number | string;
  f_too_large: number | string;
  f_too_many_requests: number | string;
  f_server_error: number | string;
  f_other: number | string;
  latency_sum: number | string;
  latency_max: number | string;
  last_time: string;
}

/** Undeclared attributes a tenant's IdP sent (0006-health). */
interface HealthAttributesTable {
  tenant_id: string;
  attribute: string;
  count: number | string;
  last_seen: string;
}

/** Each tenant's last evaluated health state (0006-health). */
interface HealthStatesTable {
  tenant_id: string;
  state: string;
  since: string;
}

/** The access history (migration 0007-access-history, history-port.ts). */
export interface AccessHistoryTable {
  tenant_id: string;
  user_id: string;
  seq: number | string;
  ord: number;
  at: string;
  request_id: string | null;
  kind: string;
  user_name: string | null;
  /** JSON text. */
  detail: string;
  span: string | null;
  span_key: string | null;
  name_fold: string | null;
  /** User spans: 1 or 0. */
  active: number | null;
  valid_to: string | null;
}

export interface Database {
  tenants: TenantsTable;
  tokens: TokensTable;
  resources: ResourcesTable;
  resource_scan: ResourceScanTable;
  resource_scan_elements: ResourceScanElementsTable;
  group_members: GroupMembersTable;
  resource_counts: ResourceCountsTable;
  app_roles: AppRolesTable;
  event_sequences: EventSequencesTable;
  events: EventsTable;
  event_endpoints: EventEndpointsTable;
  event_streams: EventStreamsTable;
  event_dead_letters: EventDeadLettersTable;
  request_log: RequestLogTable;
  setup_links: SetupLinksTable;
  setup_link_events: SetupLinkEventsTable;
  admin_credentials: AdminCredentialsTable;
  console_sessions: ConsoleSessionsTable;
  settings: SettingsTable;
  health_buckets: HealthBucketsTable;
  health_attributes: HealthAttributesTable;
  health_states: HealthStatesTable;
  access_history: AccessHistoryTable;
  history_projection: HistoryProjectionTable;
  tenant_guards: TenantGuardsTable;
  guard_deprovisions: GuardDeprovisionsTable;
  guard_captures: GuardCapturesTable;
  guard_decisions: GuardDecisionsTable;
}

/** The deprovision guard (0008-guard, guard-port.ts). */
export interface TenantGuardsTable {
  tenant_id: string;
  /** JSON text: GuardOverrides. */
  overrides: string;
  state: string;
  since: string;
  held_seq: number | string | null;
  count_from: string | null;
  tripped_at: string | null;
  trip_deprovisioned: number | string | null;
  trip_base: number | string | null;
}

interface GuardDeprovisionsTable {
  tenant_id: string;
  user_id: string;
  time: string;
}

export interface GuardCapturesTable {
  tenant_id: string;
  resource_id: string;
  resource_type: string;
  seq: number | string;
  /** JSON text: GuardBeforeState. */
  before: string;
}

export interface GuardDecisionsTable {
  id: string;
  tenant_id: string;
  time: string;
  action: string;
  actor: string;
  /** JSON text. */
  detail: string;
}

/**
 * Unique constraints the store maps to SCIM errors, by name. Migrations create them under these
 * names; dialects recognise a violation of each (SQLite from the column list of its message).
 */
export const UNIQUE_CONSTRAINTS = {
  tenants_pkey: { table: 'tenants', columns: ['id'] },
  tenants_slug: { table: 'tenants', columns: ['slug'] },
  tokens_pkey: { table: 'tokens', columns: ['id'] },
  tokens_hash: { table: 'tokens', columns: ['hash'] },
  resources_pkey: { table: 'resources', columns: ['tenant_id', 'id'] },
  resources_unique_name: { table: 'resources', columns: ['tenant_id', 'resource_type', 'unique_name_fold'] },
  app_roles_pkey: { table: 'app_roles', columns: ['id'] },
  app_roles_value: { table: 'app_roles', columns: ['value_fold'] },
  event_endpoints_name: { table: 'event_endpoints', columns: ['name'] },
  setup_links_pkey: { table: 'setup_links', columns: ['id'] },
  setup_links_hash: { table: 'setup_links', columns: ['hash'] },
  admin_credentials_pkey: { table: 'admin_credentials', columns: ['id'] },
  admin_credentials_hash: { table: 'admin_credentials', columns: ['hash'] },
} as const;

export type UniqueConstraintName = keyof typeof UNIQUE_CONSTRAINTS;
