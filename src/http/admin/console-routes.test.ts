/** Setup links and admin credentials over the admin API (#15), through the whole HTTP stack. */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { describeEachBackend } from '../../store/test-support/backends.js';
import { createAdminCredential } from '../../tenancy/admin-credentials.js';
import { generateAdminToken } from '../../tenancy/admin-token.js';
import { resolveSetupLink } from '../../tenancy/setup-links.js';
import type { AppConfig } from '../app.js';
import { type Harness, startHarness } from '../test-support/harness.js';
import type { AdminRoute } from './route-spec.js';
import { adminRouteTable } from './test-support/route-table.js';

const env = generateAdminToken();
const auth = { authorization: `Bearer ${env.token}` };
/** `consoleEnabled` reaches the admin API through the app's config as the server passes it. */
const consoleOn = { consoleEnabled: true } as unknown as Partial<AppConfig>;

function routeFor(routes: readonly AdminRoute[], method: string, path: string): AdminRoute {
  const found = routes.find(
    (r) => r.method === method && new RegExp(`^${r.url.replace(/:[A-Za-z]+/g, '[^/]+')}$`).test(path),
  );
  assert.ok(found, `${method} ${path} is declared`);
  return found;
}

describeEachBackend('admin API: setup links and admin credentials', (backend) => {
  let h: Harness;
  let routes: AdminRoute[];
  const call = async (method: string, path: string, body?: unknown, headers = auth) => {
    const res = await h.request(method, `/admin/v1${path}`, body, headers);
    const route = routeFor(routes, method, path.split('?')[0]!);
    if (res.statusCode === route.status && route.response) route.response.parse(res.json());
    return res;
  };

  before(async () => {
    h = await startHarness({ backend, config: { adminTokenHash: env.hash } });
    routes = adminRouteTable({ store: h.store, config: { publicUrl: undefined }, clock: () => new Date() });
  });
  after(() => h.close());

  it('creates a setup link whose URL appears once and resolves to the tenant', async () => {
    const res = await call('POST', '/tenants/acme/setup-links', { expiresIn: '2d' });
    assert.equal(res.statusCode, 201);
    assert.equal(res.headers['cache-control'], 'no-store');
    const link = res.json<Record<string, string>>();
    assert.match(link['url']!, /^https:\/\/scim\.example\.com\/setup\/scimd_setup_[0-9A-Za-z]{43}$/);
    const opaque = link['url']!.split('/setup/')[1]!;
    assert.deepEqual(
      { ...link, id: undefined, url: undefined, created: undefined, expiresAt: undefined },
      {
        id: undefined,
        tenant: 'acme',
        url: undefined,
        hint: `…${opaque.slice(-4)}`,
        status: 'active',
        created: undefined,
        createdBy: 'admin-api',
        expiresAt: undefined,
      },
    );
    assert.equal(Date.parse(link['expiresAt']!) - Date.parse(link['created']!), 2 * 86_400_000);
    const resolved = await resolveSetupLink(h.store, opaque, new Date());
    assert.ok(resolved.ok && resolved.tenant.slug === 'acme' && resolved.link.id === link['id']);

    const list = await call('GET', '/tenants/acme/setup-links');
    assert.equal(list.statusCode, 200);
    const body = list.json<{ links: Record<string, unknown>[]; events: unknown[] }>();
    assert.deepEqual(body.events, []);
    assert.deepEqual(
      body.links.map((l) => [l['id'], l['status'], l['opened'], l['tokensGenerated'], l['lastUsedAt']]),
      [[link['id'], 'active', 0, 0, null]],
    );
    assert.ok(!list.body.includes(opaque), 'never the link again');
  });

  it('refuses bad expiries and unknown tenants with JSON errors', async () => {
    const cases: [string, unknown, number, Record<string, string>][] = [
      [
        '/tenants/acme/setup-links',
        { expiresIn: 'never' },
        400,
        { error: 'bad_request', detail: 'invalid setup link expiry "never": a setup link lasts at most 90d' },
      ],
      [
        '/tenants/acme/setup-links',
        { expiresIn: 7 },
        400,
        { error: 'bad_request', detail: 'invalid body: expiresIn: Invalid input: expected string, received number' },
      ],
      ['/tenants/nope/setup-links', {}, 404, { error: 'not_found', detail: 'tenant "nope" not found' }],
    ];
    for (const [path, body, status, expected] of cases) {
      const res = await call('POST', path, body);
      assert.deepEqual([res.statusCode, res.json()], [status, expected], JSON.stringify(body));
    }
  });

  it("revokes a link only through its own tenant's slug", async () => {
    const other = (await call('POST', '/tenants/globex/setup-links', {})).json<{ id: string; url: string }>();
    const wrong = await call('POST', `/tenants/acme/setup-links/${other.id}/revoke`);
    assert.deepEqual(
      [wrong.statusCode, wrong.json()],
      [404, { error: 'not_found', detail: `setup link "${other.id}" not found in tenant "acme"` }],
    );
    const opaque = other.url.split('/setup/')[1]!;
    assert.equal((await resolveSetupLink(h.store, opaque, new Date())).ok, true);
    const revoked = await call('POST', `/tenants/globex/setup-links/${other.id}/revoke`);
    assert.equal(revoked.statusCode, 200);
    assert.equal(revoked.json<{ status: string }>().status, 'revoked');
    assert.deepEqual(await resolveSetupLink(h.store, opaque, new Date()), { ok: false, reason: 'revoked' });
  });

  it('creates admin credentials that authenticate until revoked', async () => {
    const created = await call('POST', '/admin-credentials', { label: 'Alice laptop' });
    assert.equal(created.statusCode, 201);
    const credential = created.json<{ id: string; token: string; hint: string; status: string; label: string }>();
    assert.match(credential.token, /^scimd_admin_[0-9A-Za-z]{43}$/);
    assert.deepEqual(
      [credential.label, credential.status, credential.hint],
      ['Alice laptop', 'active', `scimd_admin_…${credential.token.slice(-4)}`],
    );
    const stored = { authorization: `Bearer ${credential.token}` };
    const tenants = await call('GET', '/tenants', undefined, stored);
    assert.equal(tenants.statusCode, 200);

    const list = await call('GET', '/admin-credentials');
    const listed = list.json<{ credentials: Record<string, unknown>[] }>().credentials;
    const mine = listed.find((c) => c['id'] === credential.id);
    assert.equal(mine?.['status'], 'active');
    assert.equal(typeof mine?.['lastUsedAt'], 'string', 'use is recorded');
    assert.ok(!list.body.includes(credential.token));

    const revoked = await call('POST', `/admin-credentials/${credential.id}/revoke`, undefined, stored);
    assert.deepEqual([revoked.statusCode, revoked.json<{ status: string }>().status], [200, 'revoked']);
    const refused = await h.request('GET', '/admin/v1/tenants', undefined, stored);
    assert.equal(refused.statusCode, 401);
    assert.equal((await call('GET', '/tenants')).statusCode, 200, 'the environment token is unaffected');

    const unknown = await call('POST', '/admin-credentials/nope/revoke');
    assert.deepEqual(
      [unknown.statusCode, unknown.json()],
      [404, { error: 'not_found', detail: 'admin credential "nope" not found' }],
    );
    const blank = await call('POST', '/admin-credentials', { label: ' ' });
    assert.deepEqual(
      [blank.statusCode, blank.json()],
      [400, { error: 'bad_request', detail: 'credential label must not be empty' }],
    );
  });

  it('answers 401 to every new route without an admin credential', async () => {
    for (const [method, path] of [
      ['GET', '/tenants/acme/setup-links'],
      ['POST', '/tenants/acme/setup-links'],
      ['POST', '/tenants/acme/setup-links/x/revoke'],
      ['GET', '/admin-credentials'],
      ['POST', '/admin-credentials'],
      ['POST', '/admin-credentials/x/revoke'],
    ] as const) {
      for (const authorization of ['', `Bearer ${h.token}`, `Bearer ${generateAdminToken().token}`]) {
        const res = await h.request(method, `/admin/v1${path}`, {}, { authorization });
        assert.equal(res.statusCode, 401, `${method} ${path} ${authorization}`);
      }
    }
  });
});

describeEachBackend('admin API: on with the console, without SCIMD_ADMIN_TOKEN_HASH', (backend) => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ backend, config: consoleOn });
  });
  after(() => h.close());

  it('exists, refusing everything but a stored credential', async () => {
    const missing = await h.request('GET', '/admin/v1/tenants', undefined, { authorization: '' });
    assert.deepEqual(
      [missing.statusCode, missing.json()],
      [401, { error: 'unauthorized', detail: 'Send the admin token as "Authorization: Bearer <token>".' }],
    );
    const stray = await h.request('GET', '/admin/v1/tenants', undefined, auth);
    assert.equal(stray.statusCode, 401);
    const { token } = await createAdminCredential(h.store, 'console', new Date());
    const res = await h.request('GET', '/admin/v1/tenants', undefined, { authorization: `Bearer ${token}` });
    assert.equal(res.statusCode, 200);
  });
});
