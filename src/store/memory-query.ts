/**
 * The memory store's query: filter each resource's full representation with the evaluator,
 * sort with the shared sort semantics, then page. O(tenant size): this is the oracle, not the
 * fast path.
 */
import { matchesFilter } from '../scim/filter/evaluate.js';
import { checkSortBy, compareForSort, sortDefinition, sortValue } from '../scim/filter/sort.js';
import { compareCodePoints } from '../scim/filter/values.js';
import { resourceType } from '../scim/schema/registry.js';
import type { ResourceTypeName } from '../scim/schema/types.js';
import { toFullRepresentation } from './full-representation.js';
import { copyOut, listGroupsOfMember, listMembersOf } from './memory-read.js';
import type { MemoryTenantState } from './memory-state.js';
import type { QueryResult, ResourceQuery, StoredResource } from './store.js';

function compareIds(a: StoredResource, b: StoredResource): number {
  return compareCodePoints(a.id, b.id);
}

/** Default order (no sortBy): `created`, then `id`; the SQL stores order identically. */
function compareDefault(a: StoredResource, b: StoredResource): number {
  return compareCodePoints(a.created, b.created) || compareIds(a, b);
}

export function queryMemory(
  state: MemoryTenantState | undefined,
  typeName: ResourceTypeName,
  query: ResourceQuery,
): QueryResult {
  const type = query.resourceType ?? resourceType(typeName);
  const candidates: { resource: StoredResource; full: Record<string, unknown> }[] = [];
  for (const { resource } of state?.rows.values() ?? []) {
    if (resource.resourceType !== typeName) continue;
    const full = toFullRepresentation(resource, {
      members: typeName === 'Group' ? listMembersOf(state, resource.id) : undefined,
      groups: typeName === 'User' ? listGroupsOfMember(state, resource.id) : undefined,
    });
    if (query.filter === undefined || matchesFilter(query.filter, full, type)) candidates.push({ resource, full });
  }
  if (query.sortBy === undefined) {
    candidates.sort((a, b) => compareDefault(a.resource, b.resource));
  } else {
    const path = checkSortBy(query.sortBy, type);
    const def = sortDefinition(path, type);
    const sign = query.sortOrder === 'descending' ? -1 : 1;
    const keyed = candidates.map((c) => ({ ...c, key: def ? sortValue(c.full, path, type) : undefined }));
    keyed.sort((a, b) => (def ? sign * compareForSort(a.key, b.key, def) : 0) || compareIds(a.resource, b.resource));
    candidates.splice(0, candidates.length, ...keyed);
  }
  const start = Math.max(query.startIndex, 1) - 1;
  const count = Math.max(query.count, 0);
  return {
    totalResults: candidates.length,
    resources: candidates.slice(start, start + count).map((c) => copyOut(c.resource)),
  };
}
