/**
 * The read workloads: Entra's lookups (Test Connection, match by userName, GET by id, the group
 * lookup without members) and the list workloads (deep index paging, cursor paging, a filter
 * no index serves). Each probes once that the system answers correctly.
 */
import { randomUUID } from 'node:crypto';
import { title } from '../shared/directory.mjs';
import { callScim } from './system.js';
import {
  DEFAULT_PREPARE,
  enc,
  expect,
  get,
  MAX_PREWALK_PAGES,
  PAGE_SIZE,
  rand,
  resourcesOf,
  type Workload,
} from './workload-kit.js';

export const testConnection: Workload = {
  id: 'test-connection',
  title: 'Entra Test Connection (userName eq, no match)',
  async prepare(system) {
    const path = () => `/Users?filter=${enc(`userName eq "${randomUUID()}"`)}`;
    const failure = expect(await callScim(system, 'GET', path()), [200], (b) => b['totalResults'] === 0);
    return failure ? { unavailable: failure } : { requests: () => [get(system, path)] };
  },
};

export const matchUserName: Workload = {
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

export const getUser: Workload = {
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

export const getGroupExcluded: Workload = {
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

export const pageIndex: Workload = {
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

export const pageCursor: Workload = {
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

export const filterUnindexed: Workload = {
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
