/**
 * The console's sign-in, session and CSRF rules through the real HTTP stack (issue #15.1, #15.4),
 * on SQLite and PostgreSQL: who gets in, how long a session lasts, what a forged form does.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { buildApp } from '../http/app.js';
import { type Harness, startHarness, TEST_CONFIG } from '../http/test-support/harness.js';
import { describeEachBackend } from '../store/test-support/backends.js';
import { generateAdminToken } from '../tenancy/admin-token.js';
import { listTenants } from '../tenancy/tenants.js';
import { SESSION_COOKIE } from './console-options.js';
import { FirstRunGate } from './first-run.js';
import { ConsoleClient, pageText } from './test-support/console-client.js';

const admin = generateAdminToken();

describeEachBackend('console sign-in and sessions', (backend) => {
  let harness: Harness;
  before(async () => {
    harness = await startHarness({ backend, config: { adminTokenHash: admin.hash } });
  });
  after(() => harness.close());

  it('sends a signed-out visitor to sign-in, remembering where they were going', async () => {
    const client = new ConsoleClient(harness.app);
    const response = await client.get('/console/tenants/acme');
    assert.equal(response.statusCode, 303);
    assert.equal(response.headers.location, '/console/sign-in?next=%2Fconsole%2Ftenants%2Facme');
  });

  it('refuses a wrong token with 401 and no session', async () => {
    const client = new ConsoleClient(harness.app);
    const response = await client.signIn(`${admin.token}x`);
    assert.equal(response.statusCode, 401);
    assert.match(pageText(response.body), /That admin token is not valid/);
    assert.equal(client.cookie(SESSION_COOKIE), undefined);
    assert.equal((await client.get('/console/tenants')).statusCode, 303);
  });

  it('signs in with the admin token: an HttpOnly, SameSite=Strict session cookie for /console', async () => {
    const client = new ConsoleClient(harness.app);
    const response = await client.signIn(admin.token);
    assert.equal(response.statusCode, 303);
    assert.equal(response.headers.location, '/console/tenants');
    const cookie = [response.headers['set-cookie']].flat().find((c) => c?.startsWith(`${SESSION_COOKIE}=`));
    assert.ok(cookie, 'a session cookie');
    assert.match(cookie, /; HttpOnly/);
    assert.match(cookie, /; SameSite=Strict/);
    assert.match(cookie, /; Path=\/console/);
    assert.doesNotMatch(cookie, /; Secure/, 'plain HTTP: no Secure flag, or the browser would drop it');
    const page = await client.get('/console/tenants');
    assert.equal(page.statusCode, 200);
    assert.match(pageText(page.body), /Acme Corp/);
    assert.match(pageText(page.body), /Globex/);
    // Each tenant's health state (src/health/), with its cause on hover.
    assert.match(page.body, /<span class="badge health-healthy" title="[^"]+">healthy<\/span>/);
  });

  it('never redirects outside the console after sign-in', async () => {
    const client = new ConsoleClient(harness.app);
    await client.get('/console/sign-in');
    for (const next of ['https://evil.example/', '//evil.example/x', '/admin/v1/tenants', 'javascript:alert(1)']) {
      const response = await client.post('/console/sign-in', { token: admin.token, next });
      assert.equal(response.headers.location, '/console/tenants', next);
    }
  });

  it('refuses a form without its CSRF token (403) and changes nothing', async () => {
    const client = new ConsoleClient(harness.app);
    await client.signIn(admin.token);
    const missing = await client.post('/console/tenants', { slug: 'forged', _csrf: '' });
    assert.equal(missing.statusCode, 403);
    assert.match(pageText(missing.body), /This form has expired/);
    const wrong = await client.post('/console/tenants', { slug: 'forged', _csrf: 'not-a-token' });
    assert.equal(wrong.statusCode, 403);
    // A token from another browser's page does not match this browser's CSRF secret.
    const other = new ConsoleClient(harness.app);
    await other.signIn(admin.token);
    const foreign = await client.post('/console/tenants', { slug: 'forged', _csrf: other.csrf! });
    assert.equal(foreign.statusCode, 403);
    assert.ok(!(await listTenants(harness.store)).some((t) => t.slug === 'forged'));
  });

  it('signs out: the old session cookie no longer opens a page', async () => {
    const client = new ConsoleClient(harness.app);
    await client.signIn(admin.token);
    const stolen = client.cookie(SESSION_COOKIE)!;
    await client.get('/console/tenants');
    const out = await client.post('/console/sign-out');
    assert.equal(out.statusCode, 303);
    assert.equal(out.headers.location, '/console/sign-in?reason=signed-out');
    const replay = await harness.app.inject({
      method: 'GET',
      url: '/console/tenants',
      headers: { cookie: `${SESSION_COOKIE}=${stolen}` },
    });
    assert.equal(replay.statusCode, 303);
  });

  it('answers with a strict Content-Security-Policy and no caching', async () => {
    const client = new ConsoleClient(harness.app);
    const page = await client.get('/console/sign-in');
    const csp = String(page.headers['content-security-policy']);
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /script-src 'self'/);
    assert.match(csp, /style-src 'self'/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval|https?:/);
    assert.equal(page.headers['x-content-type-options'], 'nosniff');
    assert.equal(page.headers['referrer-policy'], 'no-referrer');
    assert.equal(page.headers['cache-control'], 'no-store');
    assert.doesNotMatch(page.body, /<script>|style="/, 'no inline script or style');
  });

  it('escapes what tenants are called', async () => {
    const client = new ConsoleClient(harness.app);
    await client.signIn(admin.token);
    const created = await client.post('/console/tenants', { slug: 'evil', name: '<script>alert(1)</script>' });
    assert.equal(created.statusCode, 303);
    const page = await client.get('/console/tenants?q=evil');
    assert.ok(page.body.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
    assert.ok(!page.body.includes('<script>alert(1)'));
  });

  it('re-renders the create form with the reason when a slug is taken or malformed', async () => {
    const client = new ConsoleClient(harness.app);
    await client.signIn(admin.token);
    const taken = await client.post('/console/tenants', { slug: 'acme' });
    assert.equal(taken.statusCode, 409);
    assert.match(pageText(taken.body), /tenant "acme" already exists/);
    const bad = await client.post('/console/tenants', { slug: 'Not A Slug' });
    assert.equal(bad.statusCode, 400);
    assert.match(pageText(bad.body), /invalid tenant slug/);
  });

  it('deletes a tenant only when its slug is typed exactly', async () => {
    const client = new ConsoleClient(harness.app);
    await client.signIn(admin.token);
    await client.post('/console/tenants', { slug: 'doomed' });
    await client.get('/console/tenants/doomed/delete');
    const wrong = await client.post('/console/tenants/doomed/delete', { confirm: 'doomed-not' });
    assert.equal(wrong.statusCode, 400);
    assert.ok((await listTenants(harness.store)).some((t) => t.slug === 'doomed'));
    const right = await client.post('/console/tenants/doomed/delete', { confirm: 'doomed' });
    assert.equal(right.statusCode, 303);
    assert.ok(!(await listTenants(harness.store)).some((t) => t.slug === 'doomed'));
  });
});

describeEachBackend('console session timeouts', (backend) => {
  it('ends a session left idle longer than the idle timeout', async () => {
    const harness = await startHarness({ backend, config: { adminTokenHash: admin.hash, consoleIdleTimeoutMs: 1000 } });
    try {
      const client = new ConsoleClient(harness.app);
      await client.signIn(admin.token);
      assert.equal((await client.get('/console/tenants')).statusCode, 200);
      const cookie = client.cookie(SESSION_COOKIE)!;
      await sleep(1300);
      // Even a client that keeps sending the expired cookie finds no session behind it.
      const late = await harness.app.inject({
        method: 'GET',
        url: '/console/tenants',
        headers: { cookie: `${SESSION_COOKIE}=${cookie}` },
      });
      assert.equal(late.statusCode, 303);
    } finally {
      await harness.close();
    }
  });

  it('ends a busy session at the absolute timeout', async () => {
    const absoluteMs = 2000;
    const harness = await startHarness({
      backend,
      config: { adminTokenHash: admin.hash, consoleAbsoluteTimeoutMs: absoluteMs },
    });
    try {
      const client = new ConsoleClient(harness.app);
      const signedIn = performance.now();
      await client.signIn(admin.token);
      // In use for the first half of the session's life (each request would renew an idle
      // timeout, never the absolute one); the other half is margin for a loaded machine.
      let requests = 0;
      while (performance.now() - signedIn < absoluteMs / 2) {
        assert.equal((await client.get('/console/tenants')).statusCode, 200);
        requests++;
        await sleep(200);
      }
      assert.ok(requests >= 2);
      await sleep(absoluteMs + 100 - (performance.now() - signedIn));
      const late = await client.get('/console/tenants');
      assert.equal(late.statusCode, 303);
      assert.match(String(late.headers.location), /reason=expired/);
    } finally {
      await harness.close();
    }
  });
});

describeEachBackend('console first run', (backend) => {
  it('lets the one-time URL in once, then only to create a durable admin credential', async () => {
    const store = await backend.openStore({});
    const firstRun = new FirstRunGate();
    const app = await buildApp({ config: TEST_CONFIG, store, logger: false, firstRun });
    try {
      const path = firstRun.issue(new Date());
      assert.match(path, /^\/console\/first-run\?token=[\w-]{43}$/);
      const client = new ConsoleClient(app);
      const entry = await client.get(path);
      assert.equal(entry.statusCode, 303);
      assert.equal(entry.headers.location, '/console/welcome');
      // Single use: a second browser with the same URL is refused.
      const again = await new ConsoleClient(app).get(path);
      assert.equal(again.statusCode, 403);
      assert.match(pageText(again.body), /used or has expired/);
      // Until a credential exists, every console page leads to the welcome page.
      const tenants = await client.get('/console/tenants');
      assert.equal(tenants.statusCode, 303);
      assert.equal(tenants.headers.location, '/console/welcome');
      await client.get('/console/welcome');
      const created = await client.post('/console/welcome', { label: 'Ops laptop' });
      assert.equal(created.statusCode, 200);
      const token = /<code id="admin-token">(scimd_admin_\w+)<\/code>/.exec(created.body)?.[1];
      assert.ok(token, 'the new admin token is shown once');
      assert.equal((await client.get('/console/tenants')).statusCode, 200);
      // The credential works for a new sign-in and for the admin API.
      const later = new ConsoleClient(app);
      assert.equal((await later.signIn(token)).statusCode, 303);
      const api = await app.inject({
        method: 'GET',
        url: '/admin/v1/tenants',
        headers: { authorization: `Bearer ${token}` },
      });
      assert.equal(api.statusCode, 200);
      // The credential page never shows the token again.
      assert.ok(!(await later.get('/console/tenants')).body.includes(token));
    } finally {
      await app.close();
      await store.close();
    }
  });

  it('refuses an expired first-run URL', async () => {
    const gate = new FirstRunGate();
    const path = gate.issue(new Date('2026-01-01T00:00:00Z'));
    const secret = path.split('token=')[1];
    assert.equal(gate.consume(secret, new Date('2026-01-01T00:15:00Z')), false);
    assert.equal(gate.consume('wrong', new Date('2026-01-01T00:01:00Z')), false);
    assert.equal(gate.consume(secret, new Date('2026-01-01T00:01:00Z')), true);
    assert.equal(gate.consume(secret, new Date('2026-01-01T00:01:01Z')), false);
  });
});

describe('console switched off', () => {
  describeEachBackend('SCIMD_CONSOLE=off', (backend) => {
    it('serves neither the console nor the portal', async () => {
      const harness = await startHarness({ backend, config: { consoleEnabled: false } });
      try {
        for (const url of ['/console', '/console/sign-in', '/console/assets/console.css', '/setup/scimd_setup_x']) {
          const response = await harness.app.inject({ method: 'GET', url });
          assert.equal(response.statusCode, 404, url);
          assert.match(String(response.headers['content-type']), /scim\+json/, url);
        }
      } finally {
        await harness.close();
      }
    });
  });
});
