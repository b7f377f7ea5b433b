/**
 * A stored resource as filters see it: the "full representation" a filter is evaluated against
 * (RFC 7644 §3.4.2.2), which the memory store builds for each candidate. It is the canonical body
 * plus `id`, `meta` and the attributes that live outside the body (Group `members`, User
 * `groups`). The SQL store reads the same values in place (sql/sources.ts).
 */
import { versionTag } from '../../scim/resource/record-to-resource.js';
import type { GroupRef, MemberView, StoredResource } from '../store.js';

export function filterView(
  resource: StoredResource,
  related: { readonly members?: readonly MemberView[]; readonly groups?: readonly GroupRef[] },
): Record<string, unknown> {
  const full: Record<string, unknown> = {
    ...resource.body,
    id: resource.id,
    meta: {
      resourceType: resource.resourceType,
      created: resource.created,
      lastModified: resource.lastModified,
      version: versionTag(resource.version),
    },
  };
  if (resource.resourceType === 'Group' && related.members && related.members.length > 0) {
    full['members'] = related.members.map((m) =>
      m.display === undefined ? { value: m.value, type: m.type } : { value: m.value, type: m.type, display: m.display },
    );
  }
  if (resource.resourceType === 'User' && related.groups && related.groups.length > 0) {
    full['groups'] = related.groups.map((g) => ({ value: g.value, display: g.display }));
  }
  return full;
}
