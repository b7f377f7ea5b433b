/**
 * fast-check generators of cross-tenant requests: tenant A's token against tenant B's URL and
 * ids, B's ids through A's URL (both URL forms, `/scim/v2` and `/t/<slug>/scim/v2`), filters,
 * searches and Bulk operations (with bulkId references) naming B's ids and values, and B's
 * token against A's URL. None of them may ever read or change B's data.
 */
import fc from 'fast-check';
import type { RawRequest } from './raw-http.js';
import type { FuzzTenant } from './request-shapes.js';
import { BULK, CORE_GROUP, CORE_USER, ENTERPRISE, PATCH_OP, SEARCH } from './urns.js';

export interface IsolationTenant extends FuzzTenant {
  /** B's data values (userNames, names, titles, group names): never in an answer to A. */
  readonly values: readonly string[];
}

export interface IsolationContext {
  readonly a: IsolationTenant;
  readonly b: IsolationTenant;
}

function encode(text: string): string {
  return encodeURIComponent(text).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

export function isolationRequest(ctx: IsolationContext): fc.Arbitrary<RawRequest> {
  const { a, b } = ctx;
  const bUser = fc.constantFrom(...b.users);
  const bGroup = fc.constantFrom(...b.groups);
  const bId = fc.constantFrom(...b.users, ...b.groups);
  const bValue = fc.constantFrom(...b.values);
  const aGroup = fc.constantFrom(...a.groups);
  const aUser = fc.constantFrom(...a.users);
  const patch = (...operations: unknown[]) => ({ schemas: [PATCH_OP], Operations: operations });

  // [base, token]: A's token on every URL form (B's URL included), B's token on A's URL only.
  const where = fc.constantFrom(
    [`/t/${b.slug}/scim/v2`, a.token],
    [`/t/${b.slug.toUpperCase()}/scim/v2`, a.token],
    [`/t/${b.slug}%2F..%2F${a.slug}/scim/v2`, a.token],
    [`/t/${a.slug}/../${b.slug}/scim/v2`, a.token],
    ['/scim/v2', a.token],
    [`/t/${a.slug}/scim/v2`, a.token],
    [`/t/${a.slug}/scim/v2`, b.token],
    [`/t/${a.slug}/scim/v2/`, a.token],
  );

  const filter = fc.oneof(
    bId.map((id) => `id eq "${id}"`),
    bValue.map((v) => `userName eq "${v}"`),
    bValue.map((v) => `displayName eq "${v}"`),
    bValue.map((v) => `externalId eq "${v}"`),
    bValue.map((v) => `emails.value co "${v.slice(0, 8)}"`),
    bUser.map((id) => `members[value eq "${id}"]`),
    bUser.map((id) => `members.value eq "${id}"`),
    bUser.map((id) => `${ENTERPRISE}:manager.value eq "${id}"`),
    bId.map((id) => `id eq "${id}" or userName pr`),
    bValue.map((v) => `userName sw "${v.slice(0, 3)}"`),
  );

  const shapes: fc.Arbitrary<{ method: string; path: string; body?: unknown }> = fc.oneof(
    fc.tuple(fc.constantFrom('Users', 'Groups'), bId).map(([t, id]) => ({ method: 'GET', path: `/${t}/${id}` })),
    fc.tuple(fc.constantFrom('Users', 'Groups'), bId).map(([t, id]) => ({ method: 'DELETE', path: `/${t}/${id}` })),
    bUser.map((id) => ({
      method: 'PUT',
      path: `/Users/${id}`,
      body: { schemas: [CORE_USER], userName: 'taken-over@a.example' },
    })),
    bGroup.map((id) => ({
      method: 'PUT',
      path: `/Groups/${id}`,
      body: { schemas: [CORE_GROUP], displayName: 'taken over', members: [] },
    })),
    bUser.map((id) => ({
      method: 'PATCH',
      path: `/Users/${id}`,
      body: patch({ op: 'replace', value: { active: false } }),
    })),
    fc.tuple(bGroup, aUser).map(([g, u]) => ({
      method: 'PATCH',
      path: `/Groups/${g}`,
      body: patch({ op: 'add', path: 'members', value: [{ value: u }] }),
    })),
    fc.tuple(bGroup, bUser).map(([g, u]) => ({
      method: 'PATCH',
      path: `/Groups/${g}`,
      body: patch({ op: 'remove', path: `members[value eq "${u}"]` }),
    })),
    bGroup.map((g) => ({ method: 'PATCH', path: `/Groups/${g}`, body: patch({ op: 'remove', path: 'members' }) })),
    fc.tuple(aGroup, bUser).map(([g, u]) => ({
      method: 'PATCH',
      path: `/Groups/${g}`,
      body: patch({ op: 'add', path: 'members', value: [{ value: u }] }),
    })),
    fc.tuple(aUser, bUser).map(([u, m]) => ({
      method: 'PATCH',
      path: `/Users/${u}`,
      body: patch({ op: 'replace', path: `${ENTERPRISE}:manager`, value: m }),
    })),
    bUser.map((u) => ({
      method: 'POST',
      path: '/Groups',
      body: { schemas: [CORE_GROUP], displayName: `a-group-${u.slice(0, 8)}`, members: [{ value: u }] },
    })),
    fc
      .tuple(
        fc.constantFrom('/Users', '/Groups', ''),
        filter,
        fc.constantFrom('', '&attributes=members,userName,displayName', '&excludedAttributes=emails'),
      )
      .map(([t, f, extra]) => ({
        method: 'GET',
        path: `${t || '/Users'}?filter=${encode(f)}${extra}`,
      })),
    fc.tuple(fc.constantFrom('/Users/.search', '/Groups/.search', '/.search'), filter).map(([path, f]) => ({
      method: 'POST',
      path,
      body: { schemas: [SEARCH], filter: f, attributes: ['userName', 'displayName', 'members'] },
    })),
    fc.tuple(bUser, bGroup, aGroup).map(([u, g, ag]) => ({
      method: 'POST',
      path: '/Bulk',
      body: {
        schemas: [BULK],
        failOnErrors: 0,
        Operations: [
          {
            method: 'POST',
            path: '/Groups',
            bulkId: 'g1',
            data: { schemas: [CORE_GROUP], displayName: `bulk-${u.slice(0, 8)}`, members: [{ value: u }] },
          },
          {
            method: 'PATCH',
            path: `/Groups/${g}`,
            data: patch({ op: 'add', path: 'members', value: [{ value: 'bulkId:g1' }] }),
          },
          {
            method: 'PATCH',
            path: `/Groups/${ag}`,
            data: patch({ op: 'add', path: 'members', value: [{ value: u }] }),
          },
          { method: 'GET', path: `/Users/${u}` },
          { method: 'DELETE', path: `/Groups/${g}` },
          { method: 'PUT', path: `/Users/${u}`, data: { schemas: [CORE_USER], userName: 'bulk-taken@a.example' } },
        ],
      },
    })),
  );

  return fc.tuple(where, shapes).map(([[base, token], shape]) => ({
    method: shape.method,
    path: `${base}${shape.path}`.replace(/[^\x21-\x7e]/g, (c) => encode(c)),
    headers: [
      ['Authorization', `Bearer ${token}`],
      ...(shape.body === undefined ? [] : [['Content-Type', 'application/scim+json'] as const]),
    ] as (readonly [string, string])[],
    ...(shape.body === undefined ? {} : { body: Buffer.from(JSON.stringify(shape.body)) }),
  }));
}
