/**
 * The workloads: what Microsoft Entra ID (and an admin console) send to a SCIM server, each as
 * an autocannon request sequence plus a probe that checks, once, that the system answers the
 * request correctly. A failed probe marks the workload unsupported for that system, so a
 * system is never credited with throughput for wrong answers.
 */
import { randomUUID } from 'node:crypto';
import { ENTERPRISE_USER, type GroupSet, PATCH_OP, title, userBody } from '../shared/directory.mjs';
import type { Directory } from './directory.js';
import type { AutocannonRequest } from './load.js';
import { callScim, type RunningSystem, type ScimResponse } from './system.js';

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
const DEFAULT_PREPARE: PrepareOptions = { prewalkSeconds: 5 };

const rand = (n: number) => Math.floor(Math.random() * n);
const enc = encodeURIComponent;
let serial = 0;
const RUN = randomUUID().slice(0, 8);
/** A userName no run of this process has used. */
const freshName = (kind: string) => `${kind}-${RUN}-${++serial}@bench.example`;

function headersFor(system: RunningSystem, withBody: boolean): Record<string, string> {
  return {
    authorization: `Bearer ${system.token}`,
    accept: 'application/scim+json',
    ...(withBody ? { 'content-type': 'application/scim+json' } : {}),
  };
}

function get(system: RunningSystem, path: () => string): AutocannonRequest {
  return {
    method: 'GET',
    headers: headersFor(system, false),
    setupRequest: (request) => ({ ...request, path: system.scimPath + path() }),
  };
}

/** Describes a wrong answer, or returns undefined when `ok` holds. */
function expect(response: ScimResponse, statuses: readonly number[], ok: (body: Record<string, unknown>) => boolean) {
  if (!statuses.includes(response.status)) {
    const detail = typeof response.body?.['detail'] === 'string' ? `: ${response.body['detail']}` : '';
    return `answers ${response.status}${detail}`;
  }
  if (statuses.includes(204)) return undefined;
  if (response.body === undefined || !ok(response.body)) return `wrong answer: ${response.text.slice(0, 200)}`;
  return undefined;
}

function resourcesOf(body: Record<string, unknown>): Record<string, unknown>[] {
  return Array.isArray(body['Resources']) ? (body['Resources'] as Record<string, unknown>[]) : [];
}

function entraCreateBody(name: string, i: number) {
  return { ...userBody(i, name), meta: { resourceType: 'User' }, roles: [] };
}

/** One op per attribute, capitalised, with paths: how Entra sends an attribute change. */
function entraUpdateBody(i: number, n: number) {
  return {
    schemas: [PATCH_OP],
    Operations: [
      { op: 'Replace', path: 'displayName', value: `Given${i} Family${i} v${n}` },
      { op: 'Replace', path: 'name.givenName', value: `Given${i} v${n}` },
      { op: 'Add', path: `${ENTERPRISE_USER}:department`, value: `Dept ${n % 50}` },
    ],
  };
}

function addMemberBody(memberId: string) {
  return {
    schemas: [PATCH_OP],
    Operations: [{ op: 'Add', path: 'members', value: [{ $ref: null, value: memberId }] }],
  };
}

function removeMemberBody(memberId: string) {
  return { schemas: [PATCH_OP], Operations: [{ op: 'Remove', path: `members[value eq "${memberId}"]` }] };
}

function patch(system: RunningSystem, build: (context: Record<string, unknown>) => [string, unknown] | undefined) {
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

const testConnection: Workload = {
  id: 'test-connection',
  title: 'Entra Test Connection (userName eq, no match)',
  async prepare(system) {
    const path = () => `/Users?filter=${enc(`userName eq "${randomUUID()}"`)}`;
    const failure = expect(await callScim(system, 'GET', path()), [200], (b) => b['totalResults'] === 0);
    return failure ? { unavailable: failure } : { requests: () => [get(system, path)] };
  },
};

const matchUserName: Workload = {
  id: 'match-username',
  title: 'Match by userName (eq, 1 hit)',
  async prepare(system, dir) {
    const path = (i: number) => `/Users?filter=${enc(`userName eq "${dir.userName(i)}"`)}`;
    const i = dir.size - 1;
    const failure = expect(
      await callScim(system, 'GET', path(i)),
      [200],
      (b) => b['totalResults'] === 1 && resourcesOf(b)[0]?.['id'] === dir.userId(i),
    );
    return failure ? { unavailable: failure } : { requests: () => [get(system, () => path(rand(dir.size)))] };
  },
};

const getUser: Workload = {
  id: 'get-user',
  title: 'GET /Users/{id}',
  async prepare(system, dir) {
    const i = dir.size - 1;
    const failure = expect(
      await callScim(system, 'GET', `/Users/${dir.userId(i)}`),
      [200],
      (b) => b['id'] === dir.userId(i),
    );
    return failure
      ? { unavailable: failure }
      : { requests: () => [get(system, () => `/Users/${dir.userId(rand(dir.size))}`)] };
  },
};

const postUser: Workload = {
  id: 'post-user',
  title: 'POST /Users (Entra create)',
  async prepare(system, dir) {
    const name = freshName('probe');
    const failure = expect(
      await callScim(system, 'POST', '/Users', entraCreateBody(name, dir.size)),
      [201],
      (b) => typeof b['id'] === 'string' && b['userName'] === name,
    );
    if (failure) return { unavailable: failure };
    const request: AutocannonRequest = {
      method: 'POST',
      headers: headersFor(system, true),
      setupRequest: (r) => ({
        ...r,
        path: `${system.scimPath}/Users`,
        body: JSON.stringify(entraCreateBody(freshName('post'), dir.size)),
      }),
    };
    return { requests: () => [request] };
  },
};

const patchUser: Workload = {
  id: 'patch-user',
  title: 'PATCH /Users/{id} (Entra attribute update)',
  async prepare(system, dir) {
    const i = dir.size - 1;
    const probe = await callScim(system, 'PATCH', `/Users/${dir.userId(i)}`, entraUpdateBody(i, 0));
    const failure =
      expect(probe, [200, 204], () => true) ??
      expect(
        await callScim(system, 'GET', `/Users/${dir.userId(i)}`),
        [200],
        (b) => b['displayName'] === `Given${i} Family${i} v0`,
      );
    if (failure) return { unavailable: failure };
    let n = 0;
    const request = patch(system, () => {
      const target = rand(dir.size);
      return [`/Users/${dir.userId(target)}`, entraUpdateBody(target, ++n)];
    });
    return { requests: () => [request] };
  },
};

/**
 * Adds a spare user to a group, then removes it again (two PATCHes), so the group keeps its
 * size however long the run lasts. Groups of the set are used in turn.
 */
function addMember(id: WorkloadId, set: GroupSet, label: string): Workload {
  return {
    id,
    title: `PATCH add member into group of ${label} (then remove it)`,
    async prepare(system, dir) {
      const groups = dir.groups[set];
      if (groups.length === 0) return { unavailable: `no group of ${label} members at ${dir.size} users` };
      const spare = dir.spareIds[dir.spareIds.length - 1]!;
      const added = await callScim(system, 'PATCH', `/Groups/${groups[0]}`, addMemberBody(spare));
      const removed = await callScim(system, 'PATCH', `/Groups/${groups[0]}`, removeMemberBody(spare));
      const failure = expect(added, [200, 204], () => true) ?? expect(removed, [200, 204], () => true);
      if (failure) return { unavailable: failure };
      let turn = 0;
      return {
        requestsPerOperation: 1,
        requests: () => {
          const pool = [...dir.spareIds];
          return [
            patch(system, (context) => {
              const member = pool.pop();
              if (member === undefined) return undefined;
              const group = groups[turn++ % groups.length]!;
              context['member'] = member;
              context['group'] = group;
              return [`/Groups/${group}`, addMemberBody(member)];
            }),
            {
              ...patch(system, (context) => [
                `/Groups/${context['group']}`,
                removeMemberBody(String(context['member'])),
              ]),
              onResponse: (_status, _body, context) => {
                pool.unshift(String(context['member']));
              },
            },
          ];
        },
      };
    },
  };
}

const getGroupExcluded: Workload = {
  id: 'get-group-excluded',
  title: 'GET /Groups/{id}?excludedAttributes=members (largest group)',
  async prepare(system, dir) {
    const set = (['g100k', 'g1k', 'g10'] as const).find((s) => dir.groups[s].length > 0);
    if (set === undefined) return { unavailable: 'no groups' };
    const group = dir.groups[set][0]!;
    const path = `/Groups/${group}?excludedAttributes=members`;
    const failure = expect(await callScim(system, 'GET', path), [200], (b) => b['id'] === group && !('members' in b));
    return failure
      ? { unavailable: failure }
      : { note: `group of ${set.slice(1)} members`, requests: () => [get(system, () => path)] };
  },
};

const pageIndex: Workload = {
  id: 'page-index',
  title: `List page deep by startIndex (count=${PAGE_SIZE})`,
  async prepare(system, dir) {
    const low = Math.floor(dir.size / 2) + 1;
    const high = Math.max(low, dir.size - PAGE_SIZE + 1);
    const failure = expect(
      await callScim(system, 'GET', `/Users?startIndex=${high}&count=${PAGE_SIZE}`),
      [200],
      (b) =>
        Number(b['startIndex']) === high &&
        Number(b['totalResults']) >= dir.size &&
        resourcesOf(b).length === Math.min(PAGE_SIZE, Number(b['totalResults']) - high + 1),
    );
    if (failure) return { unavailable: failure };
    return {
      note: `startIndex ${low}–${high}`,
      requests: () => [get(system, () => `/Users?startIndex=${low + rand(high - low + 1)}&count=${PAGE_SIZE}`)],
    };
  },
};

const NEXT_CURSOR = /"nextCursor"\s*:\s*"([^"]+)"/;

const pageCursor: Workload = {
  id: 'page-cursor',
  title: `List page by cursor (count=${PAGE_SIZE}, RFC 9865)`,
  async prepare(system, dir, options = DEFAULT_PREPARE) {
    const config = await callScim(system, 'GET', '/ServiceProviderConfig');
    const pagination = config.body?.['pagination'] as { cursor?: unknown } | undefined;
    if (pagination?.cursor !== true)
      return { unavailable: 'not available: no pagination.cursor in ServiceProviderConfig' };
    const page = (cursor: string) => `/Users?count=${PAGE_SIZE}&cursor=${enc(cursor)}`;
    // Walk (one request per page) as deep as the budget allows; the measured pages start there.
    const targetPages = Math.min(MAX_PREWALK_PAGES, Math.floor(dir.size / 2 / PAGE_SIZE));
    let cursor = '';
    let pages = 0;
    const deadline = Date.now() + options.prewalkSeconds * 1000;
    do {
      const response = await callScim(system, 'GET', page(cursor));
      const failure = expect(
        response,
        [200],
        (b) => resourcesOf(b).length === PAGE_SIZE && typeof b['nextCursor'] === 'string',
      );
      if (failure) return { unavailable: failure };
      cursor = String(response.body!['nextCursor']);
      pages++;
    } while (pages < targetPages && Date.now() < deadline);
    const deep = cursor;
    return {
      note: `walks on from user ${pages * PAGE_SIZE + 1}`,
      requests: () => {
        const queue: string[] = [];
        return [
          {
            ...get(system, () => page(queue.pop() ?? deep)),
            onResponse: (_status, body) => {
              queue.push(NEXT_CURSOR.exec(body)?.[1] ?? deep);
            },
          },
        ];
      },
    };
  },
};

const filterUnindexed: Workload = {
  id: 'filter-unindexed',
  title: 'Filter on a non-indexed attribute (title eq, 1 hit)',
  async prepare(system, dir) {
    const path = (i: number) => `/Users?filter=${enc(`title eq "${title(i)}"`)}`;
    const i = dir.size - 1;
    const failure = expect(
      await callScim(system, 'GET', path(i)),
      [200],
      (b) => b['totalResults'] === 1 && resourcesOf(b)[0]?.['id'] === dir.userId(i),
    );
    return failure ? { unavailable: failure } : { requests: () => [get(system, () => path(rand(dir.size)))] };
  },
};

/**
 * One user's life in an Entra sync, 8 requests: match (no hit), create, update attributes, add
 * to a group, look the group up by name, read the user, disable, delete.
 */
const entraCycle: Workload = {
  id: 'entra-cycle',
  title: 'Mixed Entra sync cycle (8 requests per user)',
  async prepare(system, dir) {
    const groups = dir.groups.g10;
    if (groups.length === 0) return { unavailable: 'no groups of 10' };
    let turn = 0;
    const disable = { schemas: [PATCH_OP], Operations: [{ op: 'Replace', path: 'active', value: false }] };
    const cycle = (): AutocannonRequest[] => {
      const user = (context: Record<string, unknown>) => context['id'] as string | undefined;
      return [
        {
          method: 'GET',
          headers: headersFor(system, false),
          setupRequest: (r, c) => {
            c['name'] = freshName('cycle');
            return { ...r, path: `${system.scimPath}/Users?filter=${enc(`userName eq "${c['name']}"`)}` };
          },
        },
        {
          method: 'POST',
          headers: headersFor(system, true),
          setupRequest: (r, c) => ({
            ...r,
            path: `${system.scimPath}/Users`,
            body: JSON.stringify(entraCreateBody(String(c['name']), dir.size)),
          }),
          onResponse: (status, body, context) => {
            if (status === 201) context['id'] = (JSON.parse(body) as { id?: string }).id;
          },
        },
        patch(system, (c) => (user(c) ? [`/Users/${user(c)}`, entraUpdateBody(dir.size, turn)] : undefined)),
        patch(system, (c) =>
          user(c) ? [`/Groups/${groups[turn++ % groups.length]}`, addMemberBody(user(c)!)] : undefined,
        ),
        get(
          system,
          () => `/Groups?filter=${enc(`displayName eq "g10-${rand(groups.length)}"`)}&excludedAttributes=members`,
        ),
        {
          method: 'GET',
          headers: headersFor(system, false),
          setupRequest: (r, c) => (user(c) ? { ...r, path: `${system.scimPath}/Users/${user(c)}` } : undefined),
        },
        patch(system, (c) => (user(c) ? [`/Users/${user(c)}`, disable] : undefined)),
        {
          method: 'DELETE',
          headers: headersFor(system, false),
          setupRequest: (r, c) => (user(c) ? { ...r, path: `${system.scimPath}/Users/${user(c)}` } : undefined),
        },
      ];
    };
    const failure = await probeCycle(system, groups[0]!, disable, dir.size);
    return failure ? { unavailable: failure } : { requestsPerOperation: 8, requests: cycle };
  },
};

async function probeCycle(system: RunningSystem, group: string, disable: unknown, i: number) {
  const name = freshName('probe');
  const created = await callScim(system, 'POST', '/Users', entraCreateBody(name, i));
  const failure = expect(created, [201], (b) => typeof b['id'] === 'string');
  if (failure) return `POST: ${failure}`;
  const id = String(created.body!['id']);
  const steps: [string, string, unknown, number[]][] = [
    ['PATCH', `/Users/${id}`, entraUpdateBody(i, 0), [200, 204]],
    ['PATCH', `/Groups/${group}`, addMemberBody(id), [200, 204]],
    ['GET', `/Groups?filter=${enc('displayName eq "g10-0"')}&excludedAttributes=members`, undefined, [200]],
    ['GET', `/Users/${id}`, undefined, [200]],
    ['PATCH', `/Users/${id}`, disable, [200, 204]],
    ['DELETE', `/Users/${id}`, undefined, [204]],
  ];
  for (const [method, path, body, statuses] of steps) {
    const stepFailure = expect(await callScim(system, method, path, body), statuses, () => true);
    if (stepFailure) return `${method} ${path.split('?')[0]}: ${stepFailure}`;
  }
  return undefined;
}

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
