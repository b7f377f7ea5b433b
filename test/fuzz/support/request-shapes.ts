/**
 * The requests the fuzz starts from: shaped like what Entra and Okta send (lists, reads,
 * creates, replaces, PATCHes of users and groups, membership, deletes, `.search`, Bulk with
 * `bulkId` references, discovery), naming ids of either tenant and odd ids.
 */
import fc from 'fast-check';
import { ODD_STRINGS, ODD_VALUES } from './odd-values.js';
import { BULK, CORE_GROUP, CORE_USER, ENTERPRISE, PATCH_OP, SEARCH } from './urns.js';

export interface FuzzTenant {
  readonly slug: string;
  readonly token: string;
  readonly users: readonly string[];
  readonly groups: readonly string[];
}

export interface FuzzContext {
  /** The tenant under test: its token is the fuzz's credential. */
  readonly a: FuzzTenant;
  /** The control tenant: its ids appear in requests, its token only against A's URL. */
  readonly b: FuzzTenant;
}

const word = fc.stringMatching(/^[a-z0-9.@_-]{1,12}$/);

function userBody(userName: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    schemas: [CORE_USER, ENTERPRISE],
    externalId: userName.split('@')[0],
    userName,
    active: true,
    displayName: 'Fuzz User',
    name: { givenName: 'Fuzz', familyName: 'User', formatted: 'Fuzz User' },
    emails: [{ primary: true, type: 'work', value: userName }],
    [ENTERPRISE]: { employeeNumber: '1', department: 'QA' },
    meta: { resourceType: 'User' },
    roles: [],
    ...extra,
  };
}

export interface Base {
  readonly method: string;
  /** The path after the SCIM base, starting with '/', with its query. */
  readonly path: string;
  readonly body?: unknown;
}

/** Request shapes Entra and Okta send, naming ids of either tenant. */
export function baseRequests(ctx: FuzzContext): fc.Arbitrary<Base> {
  const ids = [...ctx.a.users, ...ctx.a.groups, ...ctx.b.users, ...ctx.b.groups];
  const anyId = fc.oneof(fc.constantFrom(...ids), fc.constantFrom(...ODD_STRINGS), fc.uuid());
  const userId = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...ctx.a.users) }, anyId);
  const groupId = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...ctx.a.groups) }, anyId);
  const name = word.map((w) => `${w}@fuzz.example`);
  const patch = (...operations: unknown[]) => ({ schemas: [PATCH_OP], Operations: operations });
  return fc.oneof(
    name.map((n) => ({ method: 'GET', path: `/Users?filter=userName eq "${n}"` })),
    fc.constant({ method: 'GET', path: '/Users?startIndex=1&count=100' }),
    groupId.map((id) => ({ method: 'GET', path: `/Groups?filter=id eq "${id}"&excludedAttributes=members` })),
    userId.map((id) => ({ method: 'GET', path: `/Users/${id}` })),
    groupId.map((id) => ({ method: 'GET', path: `/Groups/${id}?excludedAttributes=members` })),
    name.map((n) => ({ method: 'POST', path: '/Users', body: userBody(n) })),
    word.map((w) => ({ method: 'POST', path: '/Groups', body: { schemas: [CORE_GROUP], displayName: w } })),
    fc.tuple(userId, name).map(([id, n]) => ({ method: 'PUT', path: `/Users/${id}`, body: userBody(n) })),
    fc.tuple(userId, fc.constantFrom(...ODD_VALUES)).map(([id, v]) => ({
      method: 'PATCH',
      path: `/Users/${id}`,
      body: patch(
        { op: 'Replace', path: 'title', value: v },
        { op: 'Add', path: 'emails[type eq "work"].value', value: v },
        { op: 'Replace', path: `${ENTERPRISE}:manager`, value: v },
      ),
    })),
    fc.tuple(userId, fc.boolean()).map(([id, active]) => ({
      method: 'PATCH',
      path: `/Users/${id}`,
      body: patch({ op: 'replace', value: { active } }),
    })),
    fc.tuple(groupId, anyId, fc.constantFrom('add', 'remove', 'Add', 'Remove', 'replace')).map(([g, m, op]) => ({
      method: 'PATCH',
      path: `/Groups/${g}`,
      body: patch(
        op === 'remove' || op === 'Remove'
          ? { op, path: `members[value eq "${m}"]` }
          : { op, path: 'members', value: [{ value: m }] },
      ),
    })),
    fc.tuple(userId, fc.string()).map(([id, path]) => ({
      method: 'PATCH',
      path: `/Users/${id}`,
      body: patch({ op: 'remove', path }),
    })),
    fc
      .tuple(fc.constantFrom('Users', 'Groups'), anyId)
      .map(([type, id]) => ({ method: 'DELETE', path: `/${type}/${id}` })),
    fc
      .tuple(fc.constantFrom('/Users/.search', '/Groups/.search', '/.search'), fc.constantFrom(...ODD_VALUES), name)
      .map(([path, v, n]) => ({
        method: 'POST',
        path,
        body: { schemas: [SEARCH], filter: `userName eq "${n}"`, startIndex: v, count: 2, attributes: ['userName'] },
      })),
    fc.tuple(anyId, name).map(([id, n]) => ({
      method: 'POST',
      path: '/Bulk',
      body: {
        schemas: [BULK],
        Operations: [
          { method: 'POST', path: '/Users', bulkId: 'u1', data: userBody(n) },
          {
            method: 'POST',
            path: '/Groups',
            bulkId: 'g1',
            data: { schemas: [CORE_GROUP], displayName: n, members: [{ value: 'bulkId:u1' }, { value: id }] },
          },
          {
            method: 'PATCH',
            path: `/Groups/${id}`,
            data: patch({ op: 'add', path: 'members', value: [{ value: 'bulkId:u1' }] }),
          },
          { method: 'DELETE', path: `/Users/${id}` },
        ],
      },
    })),
    fc.constantFrom(
      { method: 'GET', path: '/ServiceProviderConfig' },
      { method: 'GET', path: '/ResourceTypes/User' },
      { method: 'GET', path: `/Schemas/${CORE_USER}` },
      { method: 'GET', path: '/Schemas' },
      { method: 'GET', path: '/' },
    ),
  );
}
