/**
 * The memory store's tenant-bound reader and writer: the test oracle the SQL stores are
 * compared with. Plain Maps, no indexes beyond the uniqueness map and the membership maps.
 */
import { conflict, uniqueness } from '../../scim/errors.js';
import type { ResourceTypeName } from '../../scim/schema/types.js';
import type { CoreTenantWriter } from '../outbox-writer.js';
import { normalizeTimestamp, projectColumns, uniquenessMessage } from '../project-columns.js';
import type { MemberRef, ScimObject } from '../shapes.js';
import type { NewResource, StoredResource, TenantReader } from '../store.js';
import { queryMemory } from './query.js';
import { copyOut, listGroupsOfMember, listMembersOf } from './read.js';
import type { MemoryRow, MemoryTenantState } from './state.js';

/** `state()` returns undefined once the tenant is deleted: reads then find nothing. */
type StateSource = () => MemoryTenantState | undefined;

export function createMemoryReader(tenantId: string, state: StateSource): TenantReader {
  return {
    tenantId,
    async getResource(type, id) {
      const row = state()?.rows.get(id);
      return row?.resource.resourceType === type ? copyOut(row.resource) : undefined;
    },
    async query(type, query) {
      return queryMemory(state(), type, query);
    },
    async listMembers(groupId) {
      return listMembersOf(state(), groupId);
    },
    async listGroupsOf(memberId) {
      return listGroupsOfMember(state(), memberId);
    },
    async listGroupsOfEach(memberIds) {
      return new Map(memberIds.map((id) => [id, listGroupsOfMember(state(), id)]));
    },
    async getResourceWithGroups(type, id) {
      const row = state()?.rows.get(id);
      if (row?.resource.resourceType !== type) return undefined;
      return { resource: copyOut(row.resource), groups: listGroupsOfMember(state(), id) };
    },
    async findTypes(ids) {
      const found = new Map<string, ResourceTypeName>();
      const rows = state()?.rows;
      for (const id of ids) {
        const row = rows?.get(id);
        if (row) found.set(id, row.resource.resourceType);
      }
      return found;
    },
  };
}

/** A writer over `state`, which the caller has put in a transaction (`state.begin()`). */
export function createMemoryWriter(
  tenantId: string,
  state: MemoryTenantState,
): Omit<CoreTenantWriter, 'swapHealthState' | 'appendAccessHistory' | 'guard'> {
  const reader = createMemoryReader(tenantId, () => state);

  function existing(type: ResourceTypeName, id: string): MemoryRow | undefined {
    const row = state.rows.get(id);
    return row?.resource.resourceType === type ? row : undefined;
  }

  /** Writes `resource`, keeping the uniqueness map in step; throws `uniqueness` on a clash. */
  function write(resource: StoredResource, previous: MemoryRow | undefined): StoredResource {
    const columns = projectColumns(resource.resourceType, resource.body);
    const fold = columns.uniqueNameFold;
    const before = previous?.columns.uniqueNameFold ?? null;
    if (fold !== null && fold !== before && state.names[resource.resourceType].has(fold)) {
      throw uniqueness(uniquenessMessage(resource.resourceType, resource.body));
    }
    if (before !== null && before !== fold) state.setName(resource.resourceType, before, undefined);
    if (fold !== null) state.setName(resource.resourceType, fold, resource.id);
    state.setRow(resource.id, { resource, columns });
    return resource;
  }

  function bump(row: MemoryRow, body: ScimObject, now: string): StoredResource {
    const r = row.resource;
    const next = { ...r, version: r.version + 1, lastModified: normalizeTimestamp(now), body: structuredClone(body) };
    return write(next, row);
  }

  function requireResource(id: string, role: string): void {
    if (!state.rows.has(id)) throw new Error(`${role} ${JSON.stringify(id)} does not exist in tenant ${tenantId}`);
  }

  return {
    ...reader,
    async insertResource(input: NewResource) {
      if (state.rows.has(input.id)) throw conflict(`resource id ${JSON.stringify(input.id)} already exists`);
      const now = normalizeTimestamp(input.now);
      const resource: StoredResource = {
        id: input.id,
        resourceType: input.resourceType,
        version: 1,
        created: now,
        lastModified: now,
        body: structuredClone(input.body),
      };
      return copyOut(write(resource, undefined));
    },
    async replaceResource(type, id, body, now) {
      const row = existing(type, id);
      return row ? copyOut(bump(row, body, now)) : undefined;
    },
    async touchResource(type, id, now) {
      const row = existing(type, id);
      return row ? copyOut(bump(row, row.resource.body, now)) : undefined;
    },
    async deleteResource(type, id) {
      const row = existing(type, id);
      if (!row) return false;
      for (const memberId of [...(state.members.get(id)?.keys() ?? [])]) state.setMember(id, memberId, undefined);
      for (const groupId of [...(state.memberOf.get(id) ?? [])]) state.setMember(groupId, id, undefined);
      if (row.columns.uniqueNameFold !== null) state.setName(type, row.columns.uniqueNameFold, undefined);
      state.setRow(id, undefined);
      return true;
    },
    async addMembers(groupId, members: readonly MemberRef[]) {
      requireResource(groupId, 'group');
      let added = 0;
      for (const member of members) {
        requireResource(member.value, 'member');
        if (state.members.get(groupId)?.has(member.value)) continue;
        state.setMember(groupId, member.value, { type: member.type, seq: state.nextSeq() });
        added++;
      }
      return added;
    },
    async removeMembers(groupId, memberIds) {
      let removed = 0;
      for (const memberId of memberIds) {
        if (!state.members.get(groupId)?.has(memberId)) continue;
        state.setMember(groupId, memberId, undefined);
        removed++;
      }
      return removed;
    },
    async clearMembers(groupId) {
      const ids = [...(state.members.get(groupId)?.keys() ?? [])];
      for (const memberId of ids) state.setMember(groupId, memberId, undefined);
      return ids.length;
    },
  };
}
