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

/**
 * The users a write workload created, to be deleted once it is done (`Prepared.restore`). A
 * create whose answer was abandoned at the end of a run (autocannon stops with requests in
 * flight, which the server still completes) is found again by its userName.
 */
export class CreatedUsers {
  private readonly ids = new Set<string>();
  private readonly unanswered = new Set<string>();

  /** Call when a create of `userName` is sent. */
  sent(userName: string): void {
    this.unanswered.add(userName);
  }

  /** Call with every answer to a create (status and body text). */
  answered(status: number, body: string): void {
    if (status !== 201) return;
    const created = JSON.parse(body) as { id?: unknown; userName?: unknown };
    if (typeof created.userName === 'string') this.unanswered.delete(created.userName);
    if (typeof created.id === 'string') this.ids.add(created.id);
  }

  /** Call when the workload deleted `id` itself (the Entra cycle ends with a DELETE). */
  deleted(id: string): void {
    this.ids.delete(id);
  }

  /**
   * Deletes every user created so far (10 requests at a time); throws if one is refused. A create
   * still in flight when the run stopped may commit a moment later (on PostgreSQL scimd looks idle
   * while it waits for the database), so unanswered names are looked up again for a few seconds.
   */
  async delete(system: RunningSystem): Promise<void> {
    const found: string[][] = [];
    for (let attempt = 0; attempt < 20 && this.unanswered.size > 0; attempt++) {
      if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 250));
      const names = [...this.unanswered];
      await mapConcurrently(names, 10, async (name) => {
        const response = await callScim(system, 'GET', `/Users?filter=${enc(`userName eq "${name}"`)}`);
        const ids = resourcesOf(response.body ?? {}).map((r) => String(r['id']));
        if (ids.length > 0) this.unanswered.delete(name);
        found.push(ids);
      });
    }
    this.unanswered.clear();
    const ids = [...this.ids, ...found.flat()];
    this.ids.clear();
    await mapConcurrently(ids, 10, async (id) => {
      const response = await callScim(system, 'DELETE', `/Users/${id}`);
      if (response.status !== 204 && response.status !== 404) {
        throw new Error(`restoring the directory: DELETE /Users/${id} answered ${response.status}`);
      }
    });
  }
}
