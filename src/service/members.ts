/**
 * Group membership checks: every member must be a User or Group of the same tenant.
 */
import { invalidValue } from '../scim/errors.js';
import type { MemberInput } from '../scim/resource/validate.js';
import type { MemberRef } from '../store/shapes.js';
import type { TenantReader } from '../store/store.js';

/**
 * Resolves member inputs to typed references. Unknown ids (including ids of another tenant,
 * which this tenant-bound reader cannot see) → 400 invalidValue naming them; a declared `type`
 * that disagrees with the stored one → 400 invalidValue; a group cannot contain itself.
 */
export async function resolveMembers(
  reader: TenantReader,
  groupId: string,
  inputs: readonly MemberInput[],
): Promise<MemberRef[]> {
  if (inputs.length === 0) return [];
  const unique = [...new Map(inputs.map((m) => [m.value, m])).values()];
  if (unique.some((m) => m.value === groupId)) {
    throw invalidValue(`A group cannot be a member of itself (members value "${groupId}").`);
  }
  const types = await reader.findTypes(unique.map((m) => m.value));
  const missing = unique.filter((m) => !types.has(m.value)).map((m) => m.value);
  if (missing.length > 0) {
    const shown = missing.slice(0, 10).map((id) => `"${id}"`);
    const more = missing.length > 10 ? ` and ${missing.length - 10} more` : '';
    throw invalidValue(`members refer to unknown resources: ${shown.join(', ')}${more}.`);
  }
  return unique.map((m) => {
    const actual = types.get(m.value)!;
    if (m.type !== undefined && m.type !== actual) {
      throw invalidValue(`members value "${m.value}" is a ${actual}, not a ${m.type}.`);
    }
    return { value: m.value, type: actual };
  });
}
