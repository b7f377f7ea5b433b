import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { describeEachBackend } from '../../store/test-support/backends.js';
import { generateAdminToken } from '../../tenancy/admin-token.js';
import { type Harness, startHarness } from '../test-support/harness.js';
import type { AdminRoute } from './route-spec.js';
import { adminRouteTable } from './test-support/route-table.js';

const admin = generateAdminToken();
const auth = { authorization: `Bearer ${admin.token}` };
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';

describeEachBackend('admin API: directory (users and groups, read-only)', (backend) => {
  let h: Harness;
  let routes: readonly AdminRoute[];
  const ids: Record<string, string> = {};

  /** An admin GET, its success body checked against the route's declared response schema. */
  const call = async (path: string) => {
    const res = await h.request('GET', `/admin/v1${path}`, undefined, auth);
    const bare = path.split('?')[0]!;
    const route = routes.find(
      (r) => r.method === 'GET' && new RegExp(`^${r.url.replace(/:[A-Za-z]+/g, '[^/]+')}$`).test(bare),
    );
    assert.ok(route, `GET ${bare} is declared`);
    if (res.statusCode === 200) route.response?.parse(res.json());
    return res;
  };

  before(async () => {
    h = await startHarness({ backend, config: { adminTokenHash: admin.hash } });
    routes = adminRouteTable({ store: h.store, config: { publicUrl: undefined }, clock: () => new Date() });
    const scim = async (body: object, token = h.token) => {
      const type = 'userName' in body ? 'Users' : 'Groups';
      const res = await h.request('POST', `/scim/v2/${type}`, body, { authorization: `Bearer ${token}` });
      assert.equal(res.statusCode, 201, res.body);
      return res.json<{ id: string }>().id;
    };
    ids['alice'] = await scim({ schemas: [USER], userName: 'alice@acme.test', displayName: 'Alice "A" Smith' });
    for (let i = 1; i <= 26; i++)
      ids[`m${i}`] = await scim({ schemas: [USER], userName: `m${String(i).padStart(2, '0')}@acme.test` });
    ids['globex'] = await scim({ schemas: [USER], userName: 'alice@globex.test' }, h.otherToken);
    const members = Object.entries(ids)
      .filter(([name]) => name !== 'globex')
      .map(([, value]) => ({ value }));
    ids['everyone'] = await scim({ schemas: [GROUP], displayName: 'Everyone', members });
    ids['globexGroup'] = await scim({ schemas: [GROUP], displayName: 'Globex staff' }, h.otherToken);
  });
  after(() => h.close());

  it('searches users by userName or displayName ignoring case, 25 a page', async () => {
    const first = await call('/tenants/acme/users');
    assert.equal(first.statusCode, 200);
    assert.equal(first.headers['cache-control'], 'no-store');
    const page = first.json<{ total: number; startIndex: number; items: { userName: string }[] }>();
    assert.deepEqual([page.total, page.startIndex, page.items.length], [27, 1, 25]);
    assert.equal(page.items[0]!.userName, 'alice@acme.test');
    const rest = (await call('/tenants/acme/users?startIndex=26')).json<{ items: { userName: string }[] }>();
    assert.deepEqual(
      rest.items.map((u) => u.userName),
      ['m25@acme.test', 'm26@acme.test'],
    );
    const found = await call(`/tenants/acme/users?search=${encodeURIComponent('"a" SMITH')}`);
    assert.deepEqual(found.json(), {
      total: 1,
      startIndex: 1,
      items: [
        {
          id: ids['alice'],
          userName: 'alice@acme.test',
          displayName: 'Alice "A" Smith',
          active: true,
          roles: [],
          lastModified: found.json<{ items: { lastModified: string }[] }>().items[0]!.lastModified,
        },
      ],
    });
    assert.equal((await call('/tenants/acme/users?search=ALICE')).json<{ total: number }>().total, 1);
  });

  it('refuses a bad startIndex or a too long search with 400', async () => {
    const bad = await call('/tenants/acme/users?startIndex=0');
    assert.equal(bad.statusCode, 400);
    assert.match(bad.json<{ detail: string }>().detail, /^invalid query: startIndex: /);
    const long = await call(`/tenants/acme/users?search=${'x'.repeat(201)}`);
    assert.deepEqual(
      [long.statusCode, long.json()],
      [400, { error: 'bad_request', detail: 'search text must be at most 200 characters' }],
    );
  });

  it('shows one user with its groups; a user of another tenant is 404', async () => {
    const alice = await call(`/tenants/acme/users/${ids['alice']}`);
    assert.equal(alice.statusCode, 200);
    const body = alice.json<{ groups: { value: string; display: string }[]; attributes: Record<string, unknown> }>();
    assert.deepEqual(body.groups, [{ value: ids['everyone'], display: 'Everyone' }]);
    assert.equal(body.attributes['userName'], 'alice@acme.test');
    const confined = await call(`/tenants/acme/users/${ids['globex']}`);
    assert.deepEqual(
      [confined.statusCode, confined.json()],
      [404, { error: 'not_found', detail: `user "${ids['globex']}" not found in tenant "acme"` }],
    );
    assert.equal((await call(`/tenants/globex/users/${ids['globex']}`)).statusCode, 200);
    assert.equal((await call(`/tenants/nope/users/${ids['alice']}`)).statusCode, 404);
  });

  it("searches groups and pages a group's members; a group of another tenant is 404", async () => {
    const groups = (await call('/tenants/acme/groups?search=every')).json<{ total: number; items: { id: string }[] }>();
    assert.deepEqual([groups.total, groups.items[0]!.id], [1, ids['everyone']]);
    assert.equal((await call('/tenants/acme/groups?search=globex')).json<{ total: number }>().total, 0);
    const first = (await call(`/tenants/acme/groups/${ids['everyone']}`)).json<{
      displayName: string;
      members: { total: number; startIndex: number; items: { value: string; type: string; display?: string }[] };
    }>();
    assert.equal(first.displayName, 'Everyone');
    assert.deepEqual([first.members.total, first.members.startIndex, first.members.items.length], [27, 1, 25]);
    assert.deepEqual(first.members.items[0], { value: ids['alice'], type: 'User', display: 'Alice "A" Smith' });
    const rest = (await call(`/tenants/acme/groups/${ids['everyone']}?startIndex=26`)).json<{
      members: { items: { value: string }[] };
    }>();
    assert.deepEqual(
      rest.members.items.map((m) => m.value),
      [ids['m25'], ids['m26']],
    );
    assert.equal((await call(`/tenants/acme/groups/${ids['globexGroup']}`)).statusCode, 404);
  });

  it('needs the admin token and is in the OpenAPI document', async () => {
    const anonymous = await h.request('GET', '/admin/v1/tenants/acme/users', undefined, {
      authorization: `Bearer ${h.token}`,
    });
    assert.equal(anonymous.statusCode, 401);
    const doc = (await call('/openapi.json')).json<{ paths: Record<string, Record<string, { tags: string[] }>> }>();
    for (const path of [
      '/tenants/{slug}/users',
      '/tenants/{slug}/users/{id}',
      '/tenants/{slug}/groups',
      '/tenants/{slug}/groups/{id}',
    ]) {
      assert.deepEqual(doc.paths[path]?.['get']?.tags, ['directory'], path);
    }
  });
});
