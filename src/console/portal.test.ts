/**
 * The customer setup portal through the real HTTP stack (issue #15.2, #15.4), on SQLite and
 * PostgreSQL: what a link opens, what it can never reach, how it stops, and the live panel.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { type Harness, startHarness } from '../http/test-support/harness.js';
import { describeEachBackend } from '../store/test-support/backends.js';
import { createSetupLink, listSetupLinkEvents, listSetupLinks, revokeSetupLink } from '../tenancy/setup-links.js';
import { createTenant, listTokens, setTenantStatus } from '../tenancy/tenants.js';
import { CSRF_COOKIE } from './console-options.js';
import { ConsoleClient, pageText } from './test-support/console-client.js';

const ENTRA_AGENT = 'Azure Active Directory SCIM Client';
const HOUR = 3600_000;

describeEachBackend('setup portal', (backend) => {
  let harness: Harness;
  before(async () => {
    harness = await startHarness({ backend, config: { setupTokenGraceMs: 2 * HOUR } });
  });
  after(() => harness.close());

  const newLink = async (slug = 'acme', expiresIn = '7d') =>
    (await createSetupLink(harness.store, slug, { expiresIn, createdBy: 'cli' }, new Date())).opaque;

  it("opens the tenant's portal and records the opening", async () => {
    const link = await newLink();
    const client = new ConsoleClient(harness.app);
    const page = await client.get(`/setup/${link}`);
    assert.equal(page.statusCode, 200);
    const text = pageText(page.body);
    assert.match(text, /Connect Acme Corp to Microsoft Entra ID/);
    assert.ok(text.includes('https://scim.example.com/t/acme/scim/v2'), 'the Tenant URL');
    assert.match(text, /Waiting for Test Connection/);
    assert.match(text, /Provisioning Mode/);
    assert.ok(!text.includes('Globex'), 'nothing of another tenant');
    assert.ok(
      !page.body.includes(link.slice(-20)) || page.body.includes(`/setup/${link}/`),
      'the link only in its own forms',
    );
    const events = await listSetupLinkEvents(harness.store, 'acme', {});
    assert.equal(events[0]?.kind, 'opened');
    // A reload from the same address within ten minutes is not recorded again.
    await client.get(`/setup/${link}`);
    const linkId = events[0]!.linkId;
    const openings = (await listSetupLinkEvents(harness.store, 'acme', { linkId })).filter((e) => e.kind === 'opened');
    assert.equal(openings.length, 1);
    assert.equal(page.headers['referrer-policy'], 'no-referrer');
    assert.equal(page.headers['cache-control'], 'no-store');
  });

  it('generates a Secret Token once; generating again keeps the previous one for the grace period', async () => {
    const link = await newLink();
    const client = new ConsoleClient(harness.app);
    await client.get(`/setup/${link}`);
    const first = await client.post(`/setup/${link}/token`);
    assert.equal(first.statusCode, 200);
    const token = /<code id="secret-token">(scimd_\w+)<\/code>/.exec(first.body)?.[1];
    assert.ok(token, 'the token is shown');
    const scim = await harness.request('GET', '/t/acme/scim/v2/Users?count=1', undefined, {
      authorization: `Bearer ${token}`,
    });
    assert.equal(scim.statusCode, 200);
    const elsewhere = await harness.request('GET', '/t/globex/scim/v2/Users?count=1', undefined, {
      authorization: `Bearer ${token}`,
    });
    assert.equal(elsewhere.statusCode, 401, "the token is the link's tenant's only");
    // Reloading the page never shows the token again.
    assert.ok(!(await client.get(`/setup/${link}`)).body.includes(token));

    const before = Date.now();
    const second = await client.post(`/setup/${link}/token`);
    const again = /<code id="secret-token">(scimd_\w+)<\/code>/.exec(second.body)?.[1];
    assert.ok(again && again !== token);
    assert.match(pageText(second.body), /previous token keeps working until/);
    const portalTokens = (await listTokens(harness.store, 'acme', new Date())).filter(
      (t) => t.label === 'Setup portal',
    );
    const previous = portalTokens.find((t) => token.endsWith(t.hint.slice(-4)))!;
    const expiry = Date.parse(previous.expiresAt!);
    assert.ok(expiry >= before + 2 * HOUR - 1000 && expiry <= Date.now() + 2 * HOUR, 'expires after the grace period');
    const stillWorks = await harness.request('GET', '/t/acme/scim/v2/Users?count=1', undefined, {
      authorization: `Bearer ${token}`,
    });
    assert.equal(stillWorks.statusCode, 200, 'the previous token works during the grace period');
    const kinds = (await listSetupLinkEvents(harness.store, 'acme', {})).map((e) => e.kind);
    assert.equal(kinds.filter((k) => k === 'token_generated').length >= 2, true);
  });

  it('refuses to generate a token without the CSRF token, and issues none', async () => {
    const link = await newLink();
    const client = new ConsoleClient(harness.app);
    await client.get(`/setup/${link}`);
    const count = (await listTokens(harness.store, 'acme', new Date())).length;
    const forged = await client.post(`/setup/${link}/token`, { _csrf: '' });
    assert.equal(forged.statusCode, 403);
    const noCookie = new ConsoleClient(harness.app);
    const blind = await noCookie.post(`/setup/${link}/token`, { _csrf: client.csrf! });
    assert.equal(blind.statusCode, 403);
    assert.equal((await listTokens(harness.store, 'acme', new Date())).length, count);
    assert.ok(client.cookie(CSRF_COOKIE));
  });

  it('shows a clear page for an unknown, expired or revoked link', async () => {
    const client = new ConsoleClient(harness.app);
    const unknown = await client.get(`/setup/scimd_setup_${'x'.repeat(43)}`);
    assert.equal(unknown.statusCode, 404);
    assert.match(pageText(unknown.body), /This setup link is not valid/);
    const garbage = await client.get('/setup/%3Cscript%3E');
    assert.equal(garbage.statusCode, 404);
    assert.ok(!garbage.body.includes('<script>'));

    const revokedLink = await newLink();
    const [latest] = await listSetupLinks(harness.store, 'acme', new Date());
    await revokeSetupLink(harness.store, 'acme', latest!.id, new Date());
    const revoked = await client.get(`/setup/${revokedLink}`);
    assert.equal(revoked.statusCode, 410);
    assert.match(pageText(revoked.body), /This setup link was withdrawn/);
    const revokedPost = await client.post(`/setup/${revokedLink}/token`);
    assert.ok(revokedPost.statusCode === 410 || revokedPost.statusCode === 403);

    const old = await createSetupLink(
      harness.store,
      'acme',
      { expiresIn: '1d', createdBy: 'cli' },
      new Date(Date.now() - 2 * 86_400_000),
    );
    const expired = await client.get(`/setup/${old.opaque}`);
    assert.equal(expired.statusCode, 410);
    assert.match(pageText(expired.body), /This setup link has expired/);
  });

  it("closes a disabled tenant's portal", async () => {
    const link = await newLink('globex');
    await setTenantStatus(harness.store, 'globex', 'disabled');
    try {
      const page = await new ConsoleClient(harness.app).get(`/setup/${link}`);
      assert.equal(page.statusCode, 403);
      assert.match(pageText(page.body), /disabled/);
    } finally {
      await setTenantStatus(harness.store, 'globex', 'active');
    }
  });

  it('grants no console access', async () => {
    const link = await newLink();
    const client = new ConsoleClient(harness.app);
    await client.get(`/setup/${link}`);
    await client.post(`/setup/${link}/token`);
    const console = await client.get('/console/tenants');
    assert.equal(console.statusCode, 303);
    assert.match(String(console.headers.location), /^\/console\/sign-in/);
    const api = await client.get('/admin/v1/tenants');
    assert.equal(api.statusCode, 401);
  });

  it('turns the live panel green when Entra connects, and says so when the link is revoked', async () => {
    // A tenant no test has called yet: its panel starts out waiting.
    await createTenant(harness.store, { slug: 'initech', name: 'Initech' }, new Date());
    const link = await newLink('initech');
    const client = new ConsoleClient(harness.app);
    await client.get(`/setup/${link}`);
    const page = await client.post(`/setup/${link}/token`);
    const token = /<code id="secret-token">(scimd_\w+)<\/code>/.exec(page.body)![1]!;
    const address = await harness.app.listen({ port: 0, host: '127.0.0.1' });
    const abort = new AbortController();
    const response = await fetch(`${address}/setup/${link}/status`, { signal: abort.signal });
    assert.equal(response.status, 200);
    assert.match(String(response.headers.get('content-type')), /^text\/event-stream/);
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let received = '';
    const waitFor = async (pattern: RegExp) => {
      const deadline = Date.now() + 20_000;
      while (!pattern.test(received)) {
        assert.ok(Date.now() < deadline, `timed out waiting for ${pattern} in ${received}`);
        const { value, done } = await reader.read();
        if (done) break;
        received += value;
      }
      assert.match(received, pattern);
    };
    try {
      await waitFor(/event: status\n(data: .*\n)*data: .*Waiting for Test Connection/);
      // Entra's Test Connection: a filter on a random userName with the new token.
      const test = await fetch(`${address}/t/initech/scim/v2/Users?filter=userName+eq+%22a1b2c3%22`, {
        headers: { authorization: `Bearer ${token}`, 'user-agent': ENTRA_AGENT },
      });
      assert.equal(test.status, 200);
      await waitFor(/Test Connection received from Microsoft Entra ID/);
      const [latest] = await listSetupLinks(harness.store, 'initech', new Date());
      await revokeSetupLink(harness.store, 'initech', latest!.id, new Date());
      await waitFor(/event: closed\n(data: .*\n)*data: .*This setup link was withdrawn/);
    } finally {
      abort.abort();
    }
  });
});
