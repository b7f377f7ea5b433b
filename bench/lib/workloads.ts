/**
 * The workloads: what Microsoft Entra ID (and an admin console) send to a SCIM server, each as
 * an autocannon request sequence plus a probe that checks, once, that the system answers the
 * request correctly. A failed probe marks the workload unsupported for that system, so a
 * system is never credited with throughput for wrong answers.
 */
import type { Workload, WorkloadId } from './workload-kit.js';
import {
  filterUnindexed,
  getGroupExcluded,
  getUser,
  matchUserName,
  pageCursor,
  pageIndex,
  testConnection,
} from './workloads-read.js';
import { addMember, entraCycle, patchUser, postUser } from './workloads-write.js';

export type { Preparation, Prepared, PrepareOptions, Workload, WorkloadId } from './workload-kit.js';

export const WORKLOADS: readonly Workload[] = [
  testConnection,
  matchUserName,
  getUser,
  postUser,
  patchUser,
  addMember('add-member-10', 'g10', '10'),
  addMember('add-member-1k', 'g1k', '1,000'),
  addMember('add-member-100k', 'g100k', '100,000'),
  getGroupExcluded,
  pageIndex,
  pageCursor,
  filterUnindexed,
  entraCycle,
];

export function workload(id: WorkloadId): Workload {
  return WORKLOADS.find((w) => w.id === id)!;
}
