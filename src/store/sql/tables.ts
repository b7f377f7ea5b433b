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
  /** JSON text (SQLite) or a native JSON value (dialects with `capabilities.nativeJson`). */
  body: unknown;
  unique_name_fold: string | null;
  display_name_fold: string | null;
  display: string | null;
  external_id: string | null;
  /** 1/0 or a boolean, as `SqlDialect.encodeBoolean` produced it. */
  active: unknown;
}

export interface GroupMembersTable {
  tenant_id: string;
  group_id: string;
  member_id: string;
  member_type: string;
  /** Insertion order within the group (listMembers order). */
  added_seq: number;
}

export interface Database {
  tenants: TenantsTable;
  tokens: TokensTable;
  resources: ResourcesTable;
  group_members: GroupMembersTable;
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
} as const;

export type UniqueConstraintName = keyof typeof UNIQUE_CONSTRAINTS;
