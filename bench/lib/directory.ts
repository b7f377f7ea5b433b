/**
 * What a workload needs to know about a seeded system: how to name users and groups. Systems
 * seeded directly use the deterministic ids of `shared/directory.mjs`; systems seeded over HTTP
 * record the ids the server assigned.
 */
import {
  GROUP_SETS,
  type GroupSet,
  groupCount,
  groupId,
  SPARE_USERS,
  spareId,
  userId,
  userName,
} from '../shared/directory.mjs';

export interface Directory {
  /** Directory users (spares excluded). */
  readonly size: number;
  userId(i: number): string;
  userName(i: number): string;
  /** Users in no group, for the membership workloads. */
  readonly spareIds: readonly string[];
  /** Group ids of each set (empty when the directory is too small for that set). */
  readonly groups: Readonly<Record<GroupSet, readonly string[]>>;
}

/** The directory of a system seeded with the deterministic ids. */
export function deterministicDirectory(size: number): Directory {
  const groups = {} as Record<GroupSet, string[]>;
  for (const set of GROUP_SETS) groups[set] = Array.from({ length: groupCount(set, size) }, (_, k) => groupId(set, k));
  return {
    size,
    userId,
    userName,
    spareIds: Array.from({ length: SPARE_USERS }, (_, j) => spareId(j)),
    groups,
  };
}

/** A directory whose ids were recorded while seeding over HTTP. */
export interface RecordedDirectory {
  readonly size: number;
  readonly userIds: readonly string[];
  readonly spareIds: readonly string[];
  readonly groups: Readonly<Record<GroupSet, readonly string[]>>;
}

export function recordedDirectory(recorded: RecordedDirectory): Directory {
  return {
    size: recorded.size,
    userId: (i) => recorded.userIds[i]!,
    userName,
    spareIds: recorded.spareIds,
    groups: recorded.groups,
  };
}

/** The floor holds no data. */
export const EMPTY_DIRECTORY: Directory = {
  size: 0,
  userId: () => '',
  userName: () => '',
  spareIds: [],
  groups: { g10: [], g1k: [], g100k: [] },
};
