/** Shared fixtures for the store contract suites and the SQL tests. Never shipped. */
import assert from 'node:assert/strict';
import { ScimError } from '../../scim/errors.js';
import type { Filter } from '../../scim/filter/ast.js';
import { checkFilter } from '../../scim/filter/check.js';
import { parseFilter } from '../../scim/filter/parse.js';
import { resourceType, USER_RESOURCE_TYPE } from '../../scim/schema/registry.js';
import { attribute, type ResourceTypeDefinition, type ResourceTypeName } from '../../scim/schema/types.js';
import { URN } from '../../scim/schema/urns.js';
import type { NewChangeEvent } from '../events-port.js';
import type { ScimObject } from '../shapes.js';
import type { Store, StoredResource, TenantRecord, TenantStore, TokenRecord } from '../store.js';

export type OpenStore = () => Promise<Store>;

export const T0 = '2024-01-01T00:00:00.000Z';

/** `T0` plus `seconds`, as an ISO string. */
export function at(seconds: number): string {
  return new Date(Date.parse(T0) + seconds * 1000).toISOString();
}

export function tenantRecord(id: string, slug = id, created = T0): TenantRecord {
  return { id, slug, name: `Tenant ${id}`, status: 'active', created };
}

export function tokenRecord(id: string, tenantId: string, overrides: Partial<TokenRecord> = {}): TokenRecord {
  return {
    id,
    tenantId,
    label: null,
    hash: `hash-${id}`,
    hint: 'scimd_…0000',
    created: T0,
    expiresAt: null,
    revokedAt: null,
    lastUsedAt: null,
    ...overrides,
  };
}

export function userBody(userName: string, extra: ScimObject = {}): ScimObject {
  return { schemas: [URN.user], userName, ...extra };
}

export function groupBody(displayName: string, extra: ScimObject = {}): ScimObject {
  return { schemas: [URN.group], displayName, ...extra };
}

/** The `user.created` event of a user created with `userBody(userName)`, as a SCIM create appends it. */
export function userCreatedEvent(id: string, userName: string): NewChangeEvent {
  return {
    type: 'user.created',
    resourceType: 'User',
    resourceId: id,
    changedAttributes: [],
    snapshot: userBody(userName),
    member: null,
    time: T0,
    requestId: null,
  };
}

/** Opens a store, runs `fn`, always closes. */
export async function withStore(open: OpenStore, fn: (store: Store) => Promise<void>): Promise<void> {
  const store = await open();
  try {
    await fn(store);
  } finally {
    await store.close();
  }
}

/** Opens a store with tenants `a` and `b` and hands over their TenantStores. */
export async function withTenants(
  open: OpenStore,
  fn: (a: TenantStore, b: TenantStore, store: Store) => Promise<void>,
): Promise<void> {
  await withStore(open, async (store) => {
    await store.tenants.create(tenantRecord('tenant-a', 'a'));
    await store.tenants.create(tenantRecord('tenant-b', 'b'));
    await fn(store.forTenant('tenant-a'), store.forTenant('tenant-b'), store);
  });
}

/** Inserts one resource in its own transaction. */
export function insert(
  tenant: TenantStore,
  resourceType: ResourceTypeName,
  id: string,
  body: ScimObject,
  now = T0,
): Promise<StoredResource> {
  return tenant.transaction((tx) => tx.insertResource({ id, resourceType, body, now }));
}

/** Asserts that `promise` rejects with a ScimError of this status/scimType whose detail contains `fragment`. */
export async function assertScimError(
  promise: Promise<unknown>,
  status: number,
  scimType: string | undefined,
  fragment: string,
): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof ScimError, `expected a ScimError, got ${String(error)}`);
    assert.equal(error.status, status);
    assert.equal(error.scimType, scimType);
    assert.ok(error.detail.includes(fragment), `"${error.detail}" should contain "${fragment}"`);
    return true;
  });
}

/** The ids of a query page, in order. */
export function ids(resources: readonly StoredResource[]): string[] {
  return resources.map((r) => r.id);
}

/** A filter parsed and checked for `type`, as the service hands it to the store. */
export function checkedFilter(type: ResourceTypeName, text: string): Filter {
  return checkFilter(parseFilter(text), resourceType(type));
}

export const BADGES = 'urn:example:params:scim:schemas:extension:badges:2.0:User';
/**
 * User with an extension whose multi-valued complex attribute has a caseExact sub-attribute
 * (`code`), for the SQL filter tests of extensions, case and element rows.
 */
export const USER_WITH_BADGES: ResourceTypeDefinition = {
  ...USER_RESOURCE_TYPE,
  extensions: [
    ...USER_RESOURCE_TYPE.extensions,
    {
      required: false,
      schema: {
        id: BADGES,
        name: 'Badges',
        description: '',
        attributes: [
          attribute('badges', 'complex', {
            multiValued: true,
            subAttributes: [
              attribute('code', 'string', { caseExact: true }),
              attribute('label', 'string'),
              attribute('primary', 'boolean'),
              attribute('level', 'integer'),
            ],
          }),
        ],
      },
    },
  ],
};
