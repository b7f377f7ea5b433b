/** Read helpers shared by the memory store's reader and its query. */
import { compareCodePoints } from '../../scim/filter/values.js';
import type { GroupRef, MemberView, StoredResource } from '../store.js';
import type { MemoryTenantState } from './state.js';

/** Callers get their own copy of the body, as from a database. */
export function copyOut(resource: StoredResource): StoredResource {
  return { ...resource, body: structuredClone(resource.body) };
}

export function listMembersOf(state: MemoryTenantState | undefined, groupId: string): MemberView[] {
  const members = state?.members.get(groupId);
  if (!members) return [];
  return [...members.entries()]
    .sort((a, b) => a[1].seq - b[1].seq)
    .map(([value, m]) => {
      const display = state?.rows.get(value)?.columns.display;
      return display == null ? { value, type: m.type } : { value, type: m.type, display };
    });
}

export function listGroupsOfMember(state: MemoryTenantState | undefined, memberId: string): GroupRef[] {
  const groups = state?.memberOf.get(memberId);
  if (!groups) return [];
  return [...groups]
    .map((value) => ({ value, display: state?.rows.get(value)?.columns.display ?? '' }))
    .sort((a, b) => compareCodePoints(a.display, b.display) || compareCodePoints(a.value, b.value));
}
