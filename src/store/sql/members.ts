/**
 * Group memberships: one `group_members` row per (group, member), so a change costs O(changed
 * members), never O(group size). Displays are joined from the member's `display` column.
 */
import { sql } from 'kysely';
import type { MemberRef } from '../shapes.js';
import type { GroupRef, MemberView } from '../store.js';
import { chunk, type SqlScope } from './scope.js';
import { idSlots, idValues, rowSlots, SMALL_LISTS, template, templateFamily } from './template.js';

// The statements of member reads and changes run on hot paths: templates (template.ts).

const membersOf = template<'tenant' | 'group', { member_id: string; member_type: string; display: string | null }>(
  (db, slot) =>
    db
      .selectFrom('group_members as gm')
      .innerJoin('resources as m', (join) =>
        join.onRef('m.tenant_id', '=', 'gm.tenant_id').onRef('m.id', '=', 'gm.member_id'),
      )
      .select(['gm.member_id', 'gm.member_type', 'm.display'])
      .where('gm.tenant_id', '=', slot('tenant'))
      .where('gm.group_id', '=', slot('group'))
      .orderBy('gm.added_seq'),
);

/** The groups of `n` members (bound as id0, id1, …). */
const groupsOf = templateFamily<number, string, { member_id: string; id: string; display: string }>(
  (n, db, slot) =>
    db
      .selectFrom('group_members as gm')
      .innerJoin('resources as g', (join) =>
        join.onRef('g.tenant_id', '=', 'gm.tenant_id').onRef('g.id', '=', 'gm.group_id'),
      )
      .select((eb) => ['gm.member_id', 'g.id', eb.fn.coalesce('g.display', sql.lit('')).as('display')])
      .where('gm.tenant_id', '=', slot('tenant'))
      .where('gm.member_id', 'in', idSlots(n, slot))
      .orderBy('display')
      .orderBy('g.id'),
  SMALL_LISTS,
);

const lastSeq = template<'tenant' | 'group', { seq: number | string | null }>((db, slot) =>
  db
    .selectFrom('group_members')
    .select((eb) => eb.fn.max('added_seq').as('seq'))
    .where('tenant_id', '=', slot('tenant'))
    .where('group_id', '=', slot('group')),
);

const MEMBER_COLUMNS = ['member_id', 'member_type', 'added_seq'] as const;

/** INSERT of `n` members, skipping those already present. */
const insertMembers = templateFamily<number, string, never>(
  (n, db, slot) =>
    db
      .insertInto('group_members')
      .values(rowSlots(MEMBER_COLUMNS, n, { tenant_id: slot('tenant'), group_id: slot('group') }))
      .onConflict((oc) => oc.columns(['tenant_id', 'group_id', 'member_id']).doNothing()),
  SMALL_LISTS,
);

/**
 * INSERT of one member after the group's last, the max() inside the statement: the common
 * change (an IdP adds members one at a time) in one statement, so one round trip.
 */
const insertOneMember = template<'tenant' | 'group' | 'member' | 'type', never>((db, slot) =>
  db
    .insertInto('group_members')
    .columns(['tenant_id', 'group_id', 'member_id', 'member_type', 'added_seq'])
    .expression((eb) =>
      eb
        .selectFrom('group_members')
        .select((s) => [
          sql<string>`cast(${slot('tenant')} as text)`.as('tenant_id'),
          sql<string>`cast(${slot('group')} as text)`.as('group_id'),
          sql<string>`cast(${slot('member')} as text)`.as('member_id'),
          sql<string>`cast(${slot('type')} as text)`.as('member_type'),
          sql<number>`coalesce(${s.fn.max('added_seq')}, 0) + 1`.as('added_seq'),
        ])
        .where('tenant_id', '=', slot('tenant'))
        .where('group_id', '=', slot('group')),
    )
    .onConflict((oc) => oc.columns(['tenant_id', 'group_id', 'member_id']).doNothing()),
);

/** DELETE of `n` members (bound as id0, id1, …). */
const deleteMembers = templateFamily<number, string, never>(
  (n, db, slot) =>
    db
      .deleteFrom('group_members')
      .where('tenant_id', '=', slot('tenant'))
      .where('group_id', '=', slot('group'))
      .where('member_id', 'in', idSlots(n, slot)),
  SMALL_LISTS,
);

const deleteAllMembers = template<'tenant' | 'group', never>((db, slot) =>
  db.deleteFrom('group_members').where('tenant_id', '=', slot('tenant')).where('group_id', '=', slot('group')),
);

/** Members of `groupId` in insertion order, each with its display joined in. */
export async function listMembers({ db, tenantId }: SqlScope, groupId: string): Promise<MemberView[]> {
  const rows = await membersOf.execute(db, { tenant: tenantId, group: groupId });
  return rows.map((row) => {
    const type = row.member_type as MemberRef['type'];
    return row.display === null ? { value: row.member_id, type } : { value: row.member_id, type, display: row.display };
  });
}

/** The groups each of `memberIds` directly belongs to, ordered by display (code point order) then id. */
export async function listGroupsOfEach(
  { db, dialect, tenantId }: SqlScope,
  memberIds: readonly string[],
): Promise<Map<string, GroupRef[]>> {
  const groups = new Map<string, GroupRef[]>(memberIds.map((id) => [id, []]));
  for (const part of chunk([...groups.keys()], 1, dialect.fragments.maxParameters)) {
    // Rows come in (display, id) order; bucketing keeps that order within each member.
    for (const row of await groupsOf(part.length).execute(db, idValues(tenantId, part))) {
      groups.get(row.member_id)?.push({ value: row.id, display: String(row.display) });
    }
  }
  return groups;
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
  if (members.length === 1) {
    const [m] = members as [MemberRef];
    return insertOneMember.changes(db, { tenant: tenantId, group: groupId, member: m.value, type: m.type });
  }
  const last = await lastSeq.first(db, { tenant: tenantId, group: groupId });
  let seq = Number(last?.seq ?? 0);
  let added = 0;
  for (const part of chunk(members, 5, dialect.fragments.maxParameters)) {
    const rows = part.map((m) => ({ member_id: m.value, member_type: m.type, added_seq: ++seq }));
    added += await insertMembers(part.length).changes(db, { tenant: tenantId, group: groupId }, rows);
  }
  return added;
}

export async function removeMembers(
  { db, dialect, tenantId }: SqlScope,
  groupId: string,
  memberIds: readonly string[],
): Promise<number> {
  let removed = 0;
  for (const part of chunk([...new Set(memberIds)], 1, dialect.fragments.maxParameters)) {
    removed += await deleteMembers(part.length).changes(db, { ...idValues(tenantId, part), group: groupId });
  }
  return removed;
}

export async function clearMembers({ db, tenantId }: SqlScope, groupId: string): Promise<number> {
  return deleteAllMembers.changes(db, { tenant: tenantId, group: groupId });
}
