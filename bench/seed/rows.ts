/**
 * The benchmark directory as scimd's SQL rows (`resources`, `group_members`), for bulk seeding
 * straight into the database. Projected columns come from scimd's own `projectColumns`, so the
 * rows are exactly what the store would have written.
 */
import { projectColumns } from '../../src/store/project-columns.js';
import {
  GROUP_SETS,
  groupBody,
  groupCount,
  groupId,
  memberRange,
  SPARE_USERS,
  seededAt,
  spareId,
  spareUserName,
  userBody,
  userId,
} from '../shared/directory.mjs';

export interface ResourceRow {
  readonly id: string;
  readonly resource_type: 'User' | 'Group';
  readonly version: number;
  readonly created: string;
  readonly last_modified: string;
  /** The canonical body; each backend encodes it. */
  readonly body: Record<string, unknown>;
  readonly unique_name_fold: string | null;
  readonly display_name_fold: string | null;
  readonly display: string | null;
  readonly external_id: string | null;
  readonly active: boolean | null;
}

export interface MemberRow {
  readonly group_id: string;
  readonly member_id: string;
  readonly member_type: 'User';
  readonly added_seq: number;
}

/** Columns the seeders write; any other column must be nullable or have a default. */
export const RESOURCE_COLUMNS = [
  'tenant_id',
  'id',
  'resource_type',
  'version',
  'created',
  'last_modified',
  'body',
  'unique_name_fold',
  'display_name_fold',
  'display',
  'external_id',
  'active',
] as const;
export const MEMBER_COLUMNS = ['tenant_id', 'group_id', 'member_id', 'member_type', 'added_seq'] as const;

function row(type: 'User' | 'Group', id: string, body: Record<string, unknown>, n: number): ResourceRow {
  const p = projectColumns(type, body);
  const at = seededAt(n);
  return {
    id,
    resource_type: type,
    version: 1,
    created: at,
    last_modified: at,
    body,
    unique_name_fold: p.uniqueNameFold,
    display_name_fold: p.displayNameFold,
    display: p.display,
    external_id: p.externalId,
    active: p.active,
  };
}

/** Every user (directory, then spares), then every group, in creation order. */
export function* resourceRows(size: number): Generator<ResourceRow> {
  let n = 0;
  for (let i = 0; i < size; i++) yield row('User', userId(i), userBody(i), n++);
  for (let j = 0; j < SPARE_USERS; j++) yield row('User', spareId(j), userBody(10_000_000 + j, spareUserName(j)), n++);
  for (const set of GROUP_SETS) {
    for (let k = 0; k < groupCount(set, size); k++) yield row('Group', groupId(set, k), groupBody(set, k), n++);
  }
}

export function* memberRows(size: number): Generator<MemberRow> {
  for (const set of GROUP_SETS) {
    for (let k = 0; k < groupCount(set, size); k++) {
      const [start, end] = memberRange(set, k);
      const group = groupId(set, k);
      for (let i = start; i < end; i++) {
        yield { group_id: group, member_id: userId(i), member_type: 'User', added_seq: i - start + 1 };
      }
    }
  }
}

/** Total rows `resourceRows(size)` yields (for progress and the report). */
export function resourceCount(size: number): number {
  return size + SPARE_USERS + GROUP_SETS.reduce((sum, set) => sum + groupCount(set, size), 0);
}

/** A column the seeder does not write but the table requires: seeding would fail. */
export function unwritableColumns(
  columns: readonly { name: string; required: boolean }[],
  written: readonly string[],
): string[] {
  return columns.filter((c) => c.required && !written.includes(c.name)).map((c) => c.name);
}
