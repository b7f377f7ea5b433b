/**
 * Group memberships: one `group_members` row per (group, member), so a change costs O(changed
 * members), never O(group size). Displays are joined from the member's `display` column.
 */
import type { GroupRef, MemberRef, MemberView } from '../store.js';
import { chunk, type SqlScope } from './scope.js';

/** Members of `groupId` in insertion order, each with its display joined in. */
export async function listMembers({ db, tenantId }: SqlScope, groupId: string): Promise<MemberView[]> {
  const rows = await db
    .selectFrom('group_members as gm')
    .innerJoin('resources as m', (join) =>
      join.onRef('m.tenant_id', '=', 'gm.tenant_id').onRef('m.id', '=', 'gm.member_id'),
    )
    .select(['gm.member_id', 'gm.member_type', 'm.display'])
    .where('gm.tenant_id', '=', tenantId)
    .where('gm.group_id', '=', groupId)
    .orderBy('gm.added_seq')
    .execute();
  return rows.map((row) => {
    const type = row.member_type as MemberRef['type'];
    return row.display === null ? { value: row.member_id, type } : { value: row.member_id, type, display: row.display };
  });
}

/** Groups `memberId` directly belongs to, ordered by display (code point order) then id. */
export async function listGroupsOf({ db, tenantId }: SqlScope, memberId: string): Promise<GroupRef[]> {
  const rows = await db
    .selectFrom('group_members as gm')
    .innerJoin('resources as g', (join) =>
      join.onRef('g.tenant_id', '=', 'gm.tenant_id').onRef('g.id', '=', 'gm.group_id'),
    )
    .select((eb) => ['g.id', eb.fn.coalesce('g.display', eb.val('')).as('display')])
    .where('gm.tenant_id', '=', tenantId)
    .where('gm.member_id', '=', memberId)
    .orderBy('display')
    .orderBy('g.id')
    .execute();
  return rows.map((row) => ({ value: row.id, display: String(row.display) }));
}

/**
 * Inserts the members not yet present (ON CONFLICT DO NOTHING) after the group's last one.
 * Costs one indexed max() plus the inserts. A member that does not exist in the tenant violates
 * the foreign key and throws.
 */
export async function addMembers(
  { db, dialect, tenantId }: SqlScope,
  groupId: string,
  members: readonly MemberRef[],
): Promise<number> {
  if (members.length === 0) return 0;
  const last = await db
    .selectFrom('group_members')
    .select((eb) => eb.fn.max('added_seq').as('seq'))
    .where('tenant_id', '=', tenantId)
    .where('group_id', '=', groupId)
    .executeTakeFirst();
  let seq = Number(last?.seq ?? 0);
  let added = 0;
  for (const part of chunk(members, 5, dialect.capabilities.maxParameters)) {
    const result = await db
      .insertInto('group_members')
      .values(
        part.map((m) => ({
          tenant_id: tenantId,
          group_id: groupId,
          member_id: m.value,
          member_type: m.type,
          added_seq: ++seq,
        })),
      )
      .onConflict((oc) => oc.columns(['tenant_id', 'group_id', 'member_id']).doNothing())
      .executeTakeFirst();
    added += Number(result.numInsertedOrUpdatedRows ?? 0);
  }
  return added;
}

export async function removeMembers(
  { db, dialect, tenantId }: SqlScope,
  groupId: string,
  memberIds: readonly string[],
): Promise<number> {
  let removed = 0;
  for (const part of chunk([...new Set(memberIds)], 1, dialect.capabilities.maxParameters)) {
    const result = await db
      .deleteFrom('group_members')
      .where('tenant_id', '=', tenantId)
      .where('group_id', '=', groupId)
      .where('member_id', 'in', part)
      .executeTakeFirst();
    removed += Number(result.numDeletedRows);
  }
  return removed;
}

export async function clearMembers({ db, tenantId }: SqlScope, groupId: string): Promise<number> {
  const result = await db
    .deleteFrom('group_members')
    .where('tenant_id', '=', tenantId)
    .where('group_id', '=', groupId)
    .executeTakeFirst();
  return Number(result.numDeletedRows);
}
