/**
 * The many-tenant workloads (bench/tenants.ts): Entra's userName lookup, its create and its
 * incremental sync cycle, each request (or cycle) for a tenant drawn at random, with that
 * tenant's own bearer token and SCIM base. Every tenant holds the same directory
 * (bench/shared/directory.mjs) without spare users.
 */

import type { BenchTenant } from '../seed/tenants.js';
import { groupId, groupName, PATCH_OP, userName } from '../shared/directory.mjs';
import type { AutocannonRequest } from './load.js';
import { callScim } from './system.js';
import { addMemberBody, enc, entraCreateBody, entraUpdateBody, expect, freshName, rand } from './workload-kit.js';

export type TenantWorkloadId = 'lookup' | 'create' | 'entra-cycle';

export interface TenantWorkload {
  readonly id: TenantWorkloadId;
  readonly title: string;
  /** Requests per logical operation. */
  readonly requestsPerOperation: number;
  /** The request sequence for autocannon; the tenants are drawn at random. */
  requests(origin: string, tenants: readonly BenchTenant[], usersPerTenant: number): AutocannonRequest[];
  /** Checks, once, that tenant `tenant` answers correctly; a description of what is wrong, or undefined. */
  probe(origin: string, tenant: BenchTenant, usersPerTenant: number): Promise<string | undefined>;
}

const base = (tenant: BenchTenant) => `/t/${tenant.slug}/scim/v2`;
const headers = (tenant: BenchTenant, withBody: boolean): Record<string, string> => ({
  authorization: `Bearer ${tenant.token}`,
  accept: 'application/scim+json',
  ...(withBody ? { 'content-type': 'application/scim+json' } : {}),
});
const as = (origin: string, tenant: BenchTenant) => ({ origin, scimPath: base(tenant), token: tenant.token });
const pick = (tenants: readonly BenchTenant[]) => tenants[rand(tenants.length)]!;

/** A request for `context.tenant` (set by the cycle's first request) or a tenant drawn now. */
function request(
  method: string,
  build: (tenant: BenchTenant, context: Record<string, unknown>) => [string, unknown?] | undefined,
  tenants: readonly BenchTenant[] | undefined,
  onResponse?: AutocannonRequest['onResponse'],
): AutocannonRequest {
  return {
    method,
    setupRequest: (r, context) => {
      const tenant = tenants === undefined ? (context['tenant'] as BenchTenant) : pick(tenants);
      const built = build(tenant, context);
      if (built === undefined) return undefined;
      const [path, body] = built;
      return {
        ...r,
        path: base(tenant) + path,
        headers: headers(tenant, body !== undefined),
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      };
    },
    ...(onResponse === undefined ? {} : { onResponse }),
  };
}

const lookupPath = (i: number) => `/Users?filter=${enc(`userName eq "${userName(i)}"`)}`;

export const lookup: TenantWorkload = {
  id: 'lookup',
  title: 'Match by userName (1 hit), random tenant',
  requestsPerOperation: 1,
  requests: (_origin, tenants, users) => [request('GET', () => [lookupPath(rand(users))], tenants)],
  async probe(origin, tenant, users) {
    return expect(
      await callScim(as(origin, tenant), 'GET', lookupPath(users - 1)),
      [200],
      (b) => b['totalResults'] === 1,
    );
  },
};

export const create: TenantWorkload = {
  id: 'create',
  title: 'POST /Users (Entra create), random tenant',
  requestsPerOperation: 1,
  requests: (_origin, tenants, users) => [
    request('POST', () => ['/Users', entraCreateBody(freshName('post'), users)], tenants),
  ],
  async probe(origin, tenant, users) {
    return expect(
      await callScim(as(origin, tenant), 'POST', '/Users', entraCreateBody(freshName('probe'), users)),
      [201],
      (b) => typeof b['id'] === 'string',
    );
  },
};

const DISABLE = { schemas: [PATCH_OP], Operations: [{ op: 'Replace', path: 'active', value: false }] };

/** The incremental cycle of bench/lib/workloads-write.ts (`entra-cycle`), one random tenant per cycle. */
export const entraCycle: TenantWorkload = {
  id: 'entra-cycle',
  title: 'Entra sync cycle (8 requests per user), random tenant per cycle',
  requestsPerOperation: 8,
  requests(_origin, tenants, users) {
    const groups = Math.max(1, Math.floor(users / 10));
    let turn = 0;
    const user = (c: Record<string, unknown>) => c['id'] as string | undefined;
    const withUser = (build: (id: string) => [string, unknown?]) => (_t: BenchTenant, c: Record<string, unknown>) =>
      user(c) === undefined ? undefined : build(user(c)!);
    return [
      {
        method: 'GET',
        setupRequest: (r, c) => {
          const tenant = pick(tenants);
          c['tenant'] = tenant;
          c['id'] = undefined;
          c['name'] = freshName('cycle');
          return {
            ...r,
            path: `${base(tenant)}/Users?filter=${enc(`userName eq "${c['name']}"`)}`,
            headers: headers(tenant, false),
          };
        },
      },
      request(
        'POST',
        (_t, c) => ['/Users', entraCreateBody(String(c['name']), users)],
        undefined,
        (status, body, c) => {
          if (status === 201) c['id'] = (JSON.parse(body) as { id?: string }).id;
        },
      ),
      request(
        'PATCH',
        withUser((id) => [`/Users/${id}`, entraUpdateBody(users, turn)]),
        undefined,
      ),
      request(
        'PATCH',
        withUser((id) => [`/Groups/${groupId('g10', turn++ % groups)}`, addMemberBody(id)]),
        undefined,
      ),
      request(
        'GET',
        () => [
          `/Groups?filter=${enc(`displayName eq "${groupName('g10', rand(groups))}"`)}&excludedAttributes=members`,
        ],
        undefined,
      ),
      request(
        'GET',
        withUser((id) => [`/Users/${id}`]),
        undefined,
      ),
      request(
        'PATCH',
        withUser((id) => [`/Users/${id}`, DISABLE]),
        undefined,
      ),
      request(
        'DELETE',
        withUser((id) => [`/Users/${id}`]),
        undefined,
      ),
    ];
  },
  async probe(origin, tenant, users) {
    const system = as(origin, tenant);
    const created = await callScim(system, 'POST', '/Users', entraCreateBody(freshName('probe'), users));
    const failure = expect(created, [201], (b) => typeof b['id'] === 'string');
    if (failure) return `POST: ${failure}`;
    const id = String(created.body!['id']);
    const steps: [string, string, unknown, number[]][] = [
      ['PATCH', `/Users/${id}`, entraUpdateBody(users, 0), [200, 204]],
      ['PATCH', `/Groups/${groupId('g10', 0)}`, addMemberBody(id), [200, 204]],
      [
        'GET',
        `/Groups?filter=${enc(`displayName eq "${groupName('g10', 0)}"`)}&excludedAttributes=members`,
        undefined,
        [200],
      ],
      ['GET', `/Users/${id}`, undefined, [200]],
      ['PATCH', `/Users/${id}`, DISABLE, [200, 204]],
      ['DELETE', `/Users/${id}`, undefined, [204]],
    ];
    for (const [method, path, body, statuses] of steps) {
      const stepFailure = expect(await callScim(system, method, path, body), statuses, () => true);
      if (stepFailure) return `${method} ${path.split('?')[0]}: ${stepFailure}`;
    }
    return undefined;
  },
};

/** In the order they run: creates last, so the lookups and cycles find the tenants as seeded. */
export const TENANT_WORKLOADS: readonly TenantWorkload[] = [lookup, entraCycle, create];
