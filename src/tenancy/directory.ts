/**
 * A read-only view of a tenant's directory for operators (the console's users and groups
 * browser, the admin API's directory routes): search users by userName or displayName, groups by
 * displayName, one user with its roles and groups, one group with its members a page at a time.
 * Goes through the tenant-bound store and the SCIM filter language, like a SCIM client would.
 */

import { badRequest, notFound } from '../scim/errors.js';
import { checkFilter } from '../scim/filter/check.js';
import { parseFilter } from '../scim/filter/parse.js';
import { GROUP_RESOURCE_TYPE, USER_RESOURCE_TYPE } from '../scim/schema/registry.js';
import type { GroupRef, MemberView, Store, StoredResource } from '../store/store.js';
import { getTenant } from './tenants.js';

export const DIRECTORY_PAGE_SIZE = 25;
const MAX_SEARCH_LENGTH = 200;

export interface DirectoryPage<T> {
  readonly total: number;
  /** 1-based. */
  readonly startIndex: number;
  readonly items: readonly T[];
}

export interface UserSummary {
  readonly id: string;
  readonly userName: string;
  readonly displayName: string | null;
  readonly active: boolean;
  readonly roles: readonly string[];
  readonly lastModified: string;
}

export interface GroupSummary {
  readonly id: string;
  readonly displayName: string;
  readonly lastModified: string;
}

export interface UserDetail extends UserSummary {
  readonly created: string;
  /** The stored SCIM attributes (no password is ever stored). */
  readonly attributes: Record<string, unknown>;
  readonly groups: readonly GroupRef[];
}

export interface GroupDetail extends GroupSummary {
  readonly created: string;
  readonly members: DirectoryPage<MemberView>;
}

const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);

function rolesOf(body: Record<string, unknown>): string[] {
  const roles = body['roles'];
  if (!Array.isArray(roles)) return [];
  return roles.map((r) => text((r as Record<string, unknown>)?.['value'])).filter((v): v is string => v !== null);
}

function summariseUser(r: StoredResource): UserSummary {
  return {
    id: r.id,
    userName: text(r.body['userName']) ?? '',
    displayName: text(r.body['displayName']),
    active: r.body['active'] !== false,
    roles: rolesOf(r.body),
    lastModified: r.lastModified,
  };
}

const summariseGroup = (r: StoredResource): GroupSummary => ({
  id: r.id,
  displayName: text(r.body['displayName']) ?? '',
  lastModified: r.lastModified,
});

function searchFilter(search: string, attributes: readonly string[]) {
  const q = search.trim();
  if (q === '') return undefined;
  if (q.length > MAX_SEARCH_LENGTH) throw badRequest(`search text must be at most ${MAX_SEARCH_LENGTH} characters`);
  // A SCIM string literal is a JSON string.
  return parseFilter(attributes.map((a) => `${a} co ${JSON.stringify(q)}`).join(' or '));
}

function checkStart(startIndex: number): number {
  return Number.isSafeInteger(startIndex) && startIndex >= 1 ? startIndex : 1;
}

export async function searchUsers(
  store: Store,
  slug: string,
  search: string,
  startIndex = 1,
): Promise<DirectoryPage<UserSummary>> {
  const tenant = await getTenant(store, slug);
  const filter = searchFilter(search, ['userName', 'displayName']);
  const start = checkStart(startIndex);
  const result = await store.forTenant(tenant.id).query('User', {
    ...(filter ? { filter: checkFilter(filter, USER_RESOURCE_TYPE) } : {}),
    sortBy: { attribute: 'userName' },
    startIndex: start,
    count: DIRECTORY_PAGE_SIZE,
  });
  return { total: result.totalResults, startIndex: start, items: result.resources.map(summariseUser) };
}

export async function searchGroups(
  store: Store,
  slug: string,
  search: string,
  startIndex = 1,
): Promise<DirectoryPage<GroupSummary>> {
  const tenant = await getTenant(store, slug);
  const filter = searchFilter(search, ['displayName']);
  const start = checkStart(startIndex);
  const result = await store.forTenant(tenant.id).query('Group', {
    ...(filter ? { filter: checkFilter(filter, GROUP_RESOURCE_TYPE) } : {}),
    sortBy: { attribute: 'displayName' },
    startIndex: start,
    count: DIRECTORY_PAGE_SIZE,
  });
  return { total: result.totalResults, startIndex: start, items: result.resources.map(summariseGroup) };
}

export async function getUserDetail(store: Store, slug: string, id: string): Promise<UserDetail> {
  const tenant = await getTenant(store, slug);
  const reader = store.forTenant(tenant.id);
  const user = await reader.getResource('User', id);
  if (user === undefined) throw notFound(`user ${JSON.stringify(id)} not found in tenant ${JSON.stringify(slug)}`);
  return {
    ...summariseUser(user),
    created: user.created,
    attributes: user.body,
    groups: await reader.listGroupsOf(id),
  };
}

export async function getGroupDetail(store: Store, slug: string, id: string, startIndex = 1): Promise<GroupDetail> {
  const tenant = await getTenant(store, slug);
  const reader = store.forTenant(tenant.id);
  const group = await reader.getResource('Group', id);
  if (group === undefined) throw notFound(`group ${JSON.stringify(id)} not found in tenant ${JSON.stringify(slug)}`);
  const members = await reader.listMembers(id);
  const start = checkStart(startIndex);
  return {
    ...summariseGroup(group),
    created: group.created,
    members: {
      total: members.length,
      startIndex: start,
      items: members.slice(start - 1, start - 1 + DIRECTORY_PAGE_SIZE),
    },
  };
}
