/**
 * What every workload is made of: its types, the request builders (headers, Entra-shaped
 * bodies, dynamic paths) and the probe check that refuses to credit wrong answers.
 */
import { randomUUID } from 'node:crypto';
import { ENTERPRISE_USER, PATCH_OP, userBody } from '../shared/directory.mjs';
import type { Directory } from './directory.js';
import type { AutocannonRequest } from './load.js';
import { callScim, mapConcurrently, type RunningSystem, type ScimResponse } from './system.js';

export type WorkloadId =
  | 'test-connection'
  | 'match-username'
  | 'get-user'
  | 'post-user'
  | 'patch-user'
  | 'add-member-10'
  | 'add-member-1k'
  | 'add-member-100k'
  | 'get-group-excluded'
  | 'page-index'
  | 'page-cursor'
  | 'filter-unindexed'
  | 'entra-cycle';

export interface Prepared {
  /** A fresh request sequence per load run (runs never share state such as spare users). */
  readonly requests: () => AutocannonRequest[];
  /** Requests per logical operation (the Entra cycle sends 8). */
  readonly requestsPerOperation?: number;
  /** Shown in the report next to the figures, e.g. how deep the cursor walk started. */
  readonly note?: string;
  /**
   * Puts the directory back as seeded after the runs (deletes what the workload created), so
   * the next workload measures the size it says: thousands of creates would otherwise grow the
   * tenant for every workload after them (docs/benchmarks.md, "What a row measures").
   */
  readonly restore?: () => Promise<void>;
}

export type Preparation = Prepared | { readonly unavailable: string };

export interface PrepareOptions {
  /** How long the cursor workload may walk to reach its starting depth. */
  readonly prewalkSeconds: number;
}

export interface Workload {
  readonly id: WorkloadId;
  readonly title: string;
  /** Checks the system answers correctly and builds the requests; or says why it cannot run. */
  prepare(system: RunningSystem, directory: Directory, options?: PrepareOptions): Promise<Preparation>;
}

/** Page size of the list workloads (Better Auth's largest). */
export const PAGE_SIZE = 100;
/**
 * The cursor walk starts at most this many pages deep, and walks there for at most
 * `PrepareOptions.prewalkSeconds` (reaching a page costs one request; the walk is sequential).
 */
export const MAX_PREWALK_PAGES = 500;
export const DEFAULT_PREPARE: PrepareOptions = { prewalkSeconds: 5 };

export const rand = (n: number) => Math.floor(Math.random() * n);
export const enc = encodeURIComponent;
let serial = 0;
const RUN = randomUUID().slice(0, 8);
/** A userName no run of this process has used. */
export const freshName = (kind: string) => `${kind}-${RUN}-${++serial}@bench.example`;

export function headersFor(system: RunningSystem, withBody: boolean): Record<string, string> {
  return {
    authorization: `Bearer ${system.token}`,
    accept: 'application/scim+json',
    ...(withBody ? { 'content-type': 'application/scim+json' } : {}),
  };
}

export function get(system: RunningSystem, path: () => string): AutocannonRequest {
  return {
    method: 'GET',
    headers: headersFor(system, false),
    setupRequest: (request) => ({ ...request, path: system.scimPath + path() }),
  };
}

/** Describes a wrong answer, or returns undefined when `ok` holds. */
export function expect(
  response: ScimResponse,
  statuses: readonly number[],
  ok: (body: Record<string, unknown>) => boolean,
) {
  if (!statuses.includes(response.status)) {
    const detail = typeof response.body?.['detail'] === 'string' ? `: ${response.body['detail']}` : '';
    return `answers ${response.status}${detail}`;
  }
  if (statuses.includes(204)) return undefined;
  if (response.body === undefined || !ok(response.body)) return `wrong answer: ${response.text.slice(0, 200)}`;
  return undefined;
}

export function resourcesOf(body: Record<string, unknown>): Record<string, unknown>[] {
  return Array.isArray(body['Resources']) ? (body['Resources'] as Record<string, unknown>[]) : [];
}

export function entraCreateBody(name: string, i: number) {
  return { ...userBody(i, name), meta: { resourceType: 'User' }, roles: [] };
}

/** One op per attribute, capitalised, with paths: how Entra sends an attribute change. */
export function entraUpdateBody(i: number, n: number) {
  return {
    schemas: [PATCH_OP],
    Operations: [
      { op: 'Replace', path: 'displayName', value: `Given${i} Family${i} v${n}` },
      { op: 'Replace', path: 'name.givenName', value: `Given${i} v${n}` },
      { op: 'Add', path: `${ENTERPRISE_USER}:department`, value: `Dept ${n % 50}` },
    ],
  };
}

export function addMemberBody(memberId: string) {
  return {
    schemas: [PATCH_OP],
    Operations: [{ op: 'Add', path: 'members', value: [{ $ref: null, value: memberId }] }],
  };
}

export function removeMemberBody(memberId: string) {
  return { schemas: [PATCH_OP], Operations: [{ op: 'Remove', path: `members[value eq "${memberId}"]` }] };
}

export function patch(
  system: RunningSystem,
  build: (context: Record<string, unknown>) => [string, unknown] | undefined,
) {
  return {
    method: 'PATCH',
    headers: headersFor(system, true),
    setupRequest: (request: AutocannonRequest, context: Record<string, unknown>) => {
      const built = build(context);
      if (built === undefined) return undefined;
      return { ...request, path: system.scimPath + built[0], body: JSON.stringify(built[1]) };
    },
  } satisfies AutocannonRequest;
}

/** Users the tenant holds (`totalResults`), or undefined when the system does not say. */
export async function usersHeld(system: RunningSystem): Promise<number | undefined> {
  const response = await callScim(system, 'GET', '/Users?count=1');
  const total = response.body?.['totalResults'];
  return response.status === 200 && typeof total === 'number' ? total : undefined;
}

/** Deletes the users `ids` names (10 at a time) and forgets them; throws if one is refused. */
export async function deleteUsers(system: RunningSystem, ids: string[]): Promise<void> {
  const taken = ids.splice(0, ids.length);
  await mapConcurrently(taken, 10, async (id) => {
    const response = await callScim(system, 'DELETE', `/Users/${id}`);
    if (response.status !== 204 && response.status !== 404) {
      throw new Error(`restoring the directory: DELETE /Users/${id} answered ${response.status}`);
    }
  });
}

/** Remembers the id of every user a 201 answer created (for `Prepared.restore`). */
export function rememberCreated(created: string[]) {
  return (status: number, body: string) => {
    if (status !== 201) return;
    const id = (JSON.parse(body) as { id?: unknown }).id;
    if (typeof id === 'string') created.push(id);
  };
}
