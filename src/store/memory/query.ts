/**
 * The memory store's query: filter each resource's full representation with the evaluator,
 * sort with the shared sort semantics, then page (by index, or after a keyset position). O(tenant
 * size): this is the oracle, not the fast path.
 */
import { matchesFilter } from '../../scim/filter/evaluate.js';
import { checkSortBy, compareForSort, sortDefinition, sortValue } from '../../scim/filter/sort.js';
import { compareCodePoints } from '../../scim/filter/values.js';
import { resourceType } from '../../scim/schema/registry.js';
import type { ResourceTypeDefinition, ResourceTypeName } from '../../scim/schema/types.js';
import type { KeysetPosition, QueryResult, ResourceQuery, StoredResource } from '../store.js';
import { filterView } from './filter-view.js';
import { copyOut, listGroupsOfMember, listMembersOf } from './read.js';
import type { MemoryTenantState } from './state.js';

interface Entry {
  readonly resource: StoredResource;
  /** The sort key: `created` without sortBy, else the sort value (null when absent). */
  readonly key: unknown;
  readonly id: string;
}

type Compare = (a: Pick<Entry, 'key' | 'id'>, b: Pick<Entry, 'key' | 'id'>) => number;

const byId: Compare = (a, b) => compareCodePoints(a.id, b.id);

/**
 * The query's order over (key, id) pairs, so that sorting and the keyset bound agree. Without
 * sortBy: `created`, then `id`, as in the SQL stores. With sortBy: `compareForSort` (absent
 * last when ascending, first when descending), ties by `id` ascending.
 */
function orderOf(
  type: ResourceTypeDefinition,
  query: ResourceQuery,
): { compare: Compare; keyOf: (full: object) => unknown } {
  if (query.sortBy === undefined) {
    return {
      compare: (a, b) => compareCodePoints(a.key as string, b.key as string) || byId(a, b),
      keyOf: (full) => (full as { meta: { created: string } }).meta.created,
    };
  }
  const path = checkSortBy(query.sortBy, type);
  const def = sortDefinition(path, type);
  if (!def) return { compare: byId, keyOf: () => null };
  const sign = query.sortOrder === 'descending' ? -1 : 1;
  return {
    compare: (a, b) => sign * compareForSort(a.key, b.key, def) || byId(a, b),
    keyOf: (full) => sortValue(full as Record<string, unknown>, path, type) ?? null,
  };
}

export function queryMemory(
  state: MemoryTenantState | undefined,
  typeName: ResourceTypeName,
  query: ResourceQuery,
): QueryResult {
  const type = query.resourceType ?? resourceType(typeName);
  const { compare, keyOf } = orderOf(type, query);
  const matches: Entry[] = [];
  for (const { resource } of state?.rows.values() ?? []) {
    if (resource.resourceType !== typeName) continue;
    const full = filterView(resource, {
      members: typeName === 'Group' ? listMembersOf(state, resource.id) : undefined,
      groups: typeName === 'User' ? listGroupsOfMember(state, resource.id) : undefined,
    });
    if (query.filter === undefined || matchesFilter(query.filter, full, type)) {
      matches.push({ resource, key: keyOf(full), id: resource.id });
    }
  }
  matches.sort(compare);
  const after = query.after;
  const remaining = after === undefined ? matches : matches.filter((entry) => compare(entry, after) > 0);
  const start = Math.max(query.startIndex, 1) - 1;
  const page = remaining.slice(start, start + Math.max(query.count, 0));
  const positions: KeysetPosition[] = page.map((entry) => ({ key: entry.key, id: entry.id }));
  return {
    totalResults: matches.length,
    resources: page.map((entry) => copyOut(entry.resource)),
    ...(query.withPositions ? { positions } : {}),
  };
}
