import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { describeEachBackend } from '../../store/test-support/backends.js';
import { generateAdminToken } from '../../tenancy/admin-token.js';
import { ENTRA_USER, type Harness, startHarness } from '../test-support/harness.js';
import type { AdminRoute } from './route-spec.js';
import { adminRouteTable } from './test-support/route-table.js';

const admin = generateAdminToken();
const auth = { authorization: `Bearer ${admin.token}` };

/** The declared route for a method and concrete path, to check responses against its schema. */
function routeFor(routes: readonly AdminRoute[], method: string, path: string): AdminRoute {
  const found = routes.find(
    (r) => r.method === method && new RegExp(`^${r.url.replace(/:[A-Za-z]+/g, '[^/]+')}$`).test(path),
  );
  assert.ok(found, `${method} ${path} is declared`);
  return found;
}

describeEachBackend('admin API: tenants, tokens, provisioning log and OpenAPI', (backend) => {
  let h: Harness;
  let routes: AdminRoute[];
  /** Sends an admin request and checks a success body against the declared response schema. */
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await h.request(method, `/admin/v1${path}`, body, auth);
    const route = routeFor(routes, method, path.split('?')[0]!);
    if (res.statusCode === route.status && route.response) route.response.parse(res.json());
    return res;
  };

  before(async () => {
    h = await startHarness({ backend, config: { adminTokenHash: admin.hash } });
    routes = adminRouteTable({ store: h.store, config: { publicUrl: undefined }, clock: () => new Date() });
  });
  after(() => h.close());

  it('manages tenants like `scimd tenants`', async () => {
    const created = await call('POST', '/tenants', { slug: 'initech', name: 'Initech' });
    assert.equal(created.statusCode, 201);
    assert.equal(created.headers['cache-control'], 'no-store');
    const tenant = created.json<{ id: string; scimUrl: string; status: string }>();
    assert.equal(tenant.scimUrl, 'https://scim.example.com/t/initech/scim/v2');
    assert.equal(tenant.status, 'active');
    const list = await call('GET', '/tenants');
    assert.deepEqual(
      list.json<{ tenants: { slug: string }[] }>().tenants.map((t) => t.slug),
      ['acme', 'globex', 'initech'],
    );
    const disabled = await call('PATCH', '/tenants/initech', { status: 'disabled' });
    assert.equal(disabled.json<{ status: string }>().status, 'disabled');
    assert.equal((await call('GET', '/tenants/initech')).json<{ status: string }>().status, 'disabled');
    const deleted = await call('DELETE', '/tenants/initech');
    assert.equal(deleted.json<{ id: string }>().id, tenant.id);
    const gone = await call('GET', '/tenants/initech');
    assert.deepEqual(
      [gone.statusCode, gone.json()],
      [404, { error: 'not_found', detail: 'tenant "initech" not found' }],
    );
    const taken = await call('POST', '/tenants', { slug: 'acme' });
    assert.deepEqual(taken.json(), { error: 'conflict', detail: 'tenant "acme" already exists' });
    const bad = await call('POST', '/tenants', { name: 'No slug' });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.json<{ detail: string }>().detail, /^invalid body: slug: /);
    const badStatus = await call('PATCH', '/tenants/acme', { status: 'paused' });
    assert.match(badStatus.json<{ detail: string }>().detail, /^invalid body: status: /);
  });

  it('issues, lists and revokes tokens like `scimd tokens`', async () => {
    const issued = await call('POST', '/tenants/globex/tokens', { label: 'entra', expiresIn: '90d' });
    assert.equal(issued.statusCode, 201);
    const token = issued.json<{ id: string; token: string; hint: string; scimUrl: string }>();
    assert.match(token.token, /^scimd_[0-9A-Za-z]{43}$/);
    assert.equal(token.scimUrl, 'https://scim.example.com/t/globex/scim/v2');
    const works = await h.request('GET', '/t/globex/scim/v2/Users', undefined, {
      authorization: `Bearer ${token.token}`,
    });
    assert.equal(works.statusCode, 200);
    const list = await call('GET', '/tenants/globex/tokens');
    const listed = list.json<{ tokens: { id: string; status: string }[] }>().tokens;
    assert.equal(listed.length, 2);
    assert.ok(!list.body.includes(token.token));
    const revoked = await call('DELETE', `/tenants/globex/tokens/${token.id}`);
    assert.equal(revoked.json<{ status: string }>().status, 'revoked');
    const refused = await h.request('GET', '/t/globex/scim/v2/Users', undefined, {
      authorization: `Bearer ${token.token}`,
    });
    assert.equal(refused.statusCode, 401);
    const badExpiry = await call('POST', '/tenants/globex/tokens', { expiresIn: 'soon' });
    assert.deepEqual([badExpiry.statusCode, badExpiry.json<{ error: string }>().error], [400, 'bad_request']);
  });

  it('queries the provisioning log with filters and paging, bodies per entry', async () => {
    await h.request('POST', '/t/acme/scim/v2/Users', { ...ENTRA_USER, userName: 'log1@contoso.com' });
    await h.request('POST', '/t/acme/scim/v2/Users', { ...ENTRA_USER, userName: 'log1@contoso.com' });
    await h.request('GET', '/t/acme/scim/v2/Users/does-not-exist');
    let page = await call('GET', '/tenants/acme/log?errors=true');
    for (let i = 0; i < 100 && page.json<{ entries: unknown[] }>().entries.length < 2; i++) {
      await new Promise((resolve) => setTimeout(resolve, 10));
      page = await call('GET', '/tenants/acme/log?errors=true');
    }
    const errors = page.json<{ entries: { id: string; status: number; requestBody?: unknown }[]; next: unknown }>();
    assert.deepEqual(errors.entries.map((e) => e.status).sort(), [404, 409]);
    assert.equal(errors.entries[0]!.requestBody, undefined, 'lists leave bodies out');
    const conflict = errors.entries.find((e) => e.status === 409)!;
    const one = await call('GET', `/tenants/acme/log/${conflict.id}`);
    const entry = one.json<{ scimType: string; requestBody: { userName: string }; responseBody: { status: string } }>();
    assert.deepEqual(
      [entry.scimType, entry.requestBody.userName, entry.responseBody.status],
      ['uniqueness', 'log1@contoso.com', '409'],
    );
    const first = await call('GET', '/tenants/acme/log?limit=1&status=4xx');
    const firstPage = first.json<{ entries: { id: string }[]; next: string }>();
    assert.equal(firstPage.entries.length, 1);
    assert.equal(firstPage.next, firstPage.entries[0]!.id);
    const second = await call('GET', `/tenants/acme/log?limit=1&status=4xx&before=${firstPage.next}`);
    assert.notEqual(second.json<{ entries: { id: string }[] }>().entries[0]!.id, firstPage.next);
    assert.equal((await call('GET', '/tenants/acme/log?since=1h')).statusCode, 200);
    const badSince = await call('GET', '/tenants/acme/log?since=yesterday');
    assert.match(badSince.json<{ detail: string }>().detail, /invalid since "yesterday"/);
    const badLimit = await call('GET', '/tenants/acme/log?limit=0');
    assert.match(badLimit.json<{ detail: string }>().detail, /^invalid query: limit: /);
    assert.equal((await call('GET', '/tenants/acme/log/nope')).statusCode, 404);
  });

  it('serves an OpenAPI 3.1 document generated from the route schemas', async () => {
    const res = await h.request('GET', '/admin/v1/openapi.json', undefined, auth);
    assert.equal(res.statusCode, 200);
    const doc = res.json<{
      openapi: string;
      paths: Record<string, Record<string, { parameters: { name: string; in: string }[]; responses: object }>>;
    }>();
    assert.equal(doc.openapi, '3.1.0');
    for (const route of routes) {
      const path = route.url.replace(/:([A-Za-z]+)/g, '{$1}');
      const op = doc.paths[path]?.[route.method.toLowerCase()];
      assert.ok(op, `${route.method} ${path} is documented`);
      assert.ok(String(route.status) in op.responses, `${route.method} ${path} documents ${route.status}`);
    }
    const feed = doc.paths['/tenants/{slug}/events']!['get']!;
    assert.deepEqual(
      feed.parameters.map((p) => `${p.in}:${p.name}`),
      ['path:slug', 'query:after', 'query:limit', 'query:wait'],
    );
    assert.ok(doc.paths['/tenants/{slug}/guide']);
    const unauthenticated = await h.request('GET', '/admin/v1/openapi.json', undefined, { authorization: '' });
    assert.equal(unauthenticated.statusCode, 401);
  });
});
