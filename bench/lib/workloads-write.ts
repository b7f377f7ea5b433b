/**
 * The write workloads as Entra sends them: create, attribute update, membership changes in
 * groups of 10 / 1,000 / 100,000, and one user's whole sync cycle.
 */
import { type GroupSet, PATCH_OP } from '../shared/directory.mjs';
import type { AutocannonRequest } from './load.js';
import { callScim, type RunningSystem } from './system.js';
import {
  addMemberBody,
  CreatedUsers,
  enc,
  entraCreateBody,
  entraUpdateBody,
  expect,
  freshName,
  get,
  headersFor,
  patch,
  rand,
  removeMemberBody,
  type Workload,
  type WorkloadId,
} from './workload-kit.js';

export const postUser: Workload = {
  id: 'post-user',
  title: 'POST /Users (Entra create)',
  async prepare(system, dir) {
    const name = freshName('probe');
    const probe = await callScim(system, 'POST', '/Users', entraCreateBody(name, dir.size));
    const failure = expect(probe, [201], (b) => typeof b['id'] === 'string' && b['userName'] === name);
    if (failure) return { unavailable: failure };
    const created = new CreatedUsers();
    created.answered(probe.status, probe.text);
    const request: AutocannonRequest = {
      method: 'POST',
      headers: headersFor(system, true),
      setupRequest: (r) => {
        const userName = freshName('post');
        created.sent(userName);
        return { ...r, path: `${system.scimPath}/Users`, body: JSON.stringify(entraCreateBody(userName, dir.size)) };
      },
      onResponse: (status, body) => created.answered(status, body),
    };
    return { requests: () => [request], restore: () => created.delete(system) };
  },
};

export const patchUser: Workload = {
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
export function addMember(id: WorkloadId, set: GroupSet, label: string): Workload {
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

/**
 * One user's life in an Entra sync, 8 requests: match (no hit), create, update attributes, add
 * to a group, look the group up by name, read the user, disable, delete.
 */
export const entraCycle: Workload = {
  id: 'entra-cycle',
  title: 'Mixed Entra sync cycle (8 requests per user)',
  async prepare(system, dir) {
    const groups = dir.groups.g10;
    if (groups.length === 0) return { unavailable: 'no groups of 10' };
    let turn = 0;
    const created = new CreatedUsers();
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
          setupRequest: (r, c) => {
            created.sent(String(c['name']));
            return {
              ...r,
              path: `${system.scimPath}/Users`,
              body: JSON.stringify(entraCreateBody(String(c['name']), dir.size)),
            };
          },
          onResponse: (status, body, context) => {
            created.answered(status, body);
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
          onResponse: (status, _body, c) => {
            if (status === 204 && user(c)) created.deleted(user(c)!);
          },
        },
      ];
    };
    const failure = await probeCycle(system, groups[0]!, disable, dir.size);
    return failure
      ? { unavailable: failure }
      : { requestsPerOperation: 8, requests: cycle, restore: () => created.delete(system) };
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
