import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { type Harness, startHarness } from '../http/test-support/harness.js';
import { describeEachBackend } from '../store/test-support/backends.js';
import { createAdminCredential } from '../tenancy/admin-credentials.js';
import { generateAdminToken } from '../tenancy/admin-token.js';
import { ConsoleClient, pageText } from './test-support/console-client.js';

const admin = generateAdminToken();

describeEachBackend('console: admins page', (backend) => {
  let h: Harness;
  let client: ConsoleClient;

  before(async () => {
    h = await startHarness({ backend, config: { adminTokenHash: admin.hash } });
    client = new ConsoleClient(h.app);
    assert.equal((await client.signIn(admin.token)).statusCode, 303);
  });
  after(() => h.close());

  it('says the environment token is configured, and lists no credential yet', async () => {
    const page = await client.get('/console/admins');
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /<a href="\/console\/admins" aria-current="page">Admins<\/a>/);
    assert.match(
      pageText(page.body),
      /An admin token is also configured in the environment \( SCIMD_ADMIN_TOKEN_HASH \)/,
    );
    assert.match(pageText(page.body), /No admin credentials are stored\./);
  });

  it('creates a credential (token shown once), which signs in; revoking it ends that session', async () => {
    await client.get('/console/admins');
    const created = await client.post('/console/admins', { label: 'Alice <laptop>' });
    assert.equal(created.statusCode, 200, created.body);
    const token = /<code id="admin-token">(scimd_admin_[0-9A-Za-z]{43})<\/code>/.exec(created.body)?.[1];
    assert.ok(token, 'the new token is on the page');
    assert.match(created.body, /data-copy="admin-token"/);
    assert.match(created.body, /New admin token for Alice &lt;laptop&gt;/);
    const [record] = await h.store.console.adminCredentials.list();
    assert.equal(record!.hint, `scimd_admin_…${token.slice(-4)}`);
    assert.notEqual(record!.hash, token);

    const again = await client.get('/console/admins');
    assert.equal(again.body.includes(token), false, 'the token is shown once');
    assert.match(again.body, new RegExp(`scimd_admin_…${token.slice(-4)}`));

    const alice = new ConsoleClient(h.app);
    const signedIn = await alice.signIn(token);
    assert.equal(signedIn.statusCode, 303);
    assert.equal(signedIn.headers.location, '/console/tenants');
    const own = await alice.get('/console/admins');
    assert.equal(own.statusCode, 200);
    assert.match(pageText(own.body), /Signed in as Alice <laptop>/);
    assert.match(pageText(own.body), /Alice <laptop> \(this session\)/);

    const revoked = await client.post(`/console/admins/${record!.id}/revoke`, {});
    assert.equal(revoked.statusCode, 200);
    assert.match(pageText(revoked.body), /Admin credential "Alice <laptop>" revoked/);
    assert.match(revoked.body, /<span class="badge revoked">revoked<\/span>/);
    assert.notEqual((await h.store.console.adminCredentials.list())[0]!.revokedAt, null);

    const ended = await alice.get('/console/tenants');
    assert.equal(ended.statusCode, 303);
    assert.equal(
      ended.headers.location,
      `/console/sign-in?${new URLSearchParams({ next: '/console/tenants', reason: 'revoked' })}`,
    );
    const refused = await new ConsoleClient(h.app).signIn(token);
    assert.equal(refused.statusCode, 401, 'a revoked token no longer signs in');
    // The environment's session is untouched.
    assert.equal((await client.get('/console/admins')).statusCode, 200);
  });

  it('refuses an empty label by the create form', async () => {
    await client.get('/console/admins');
    const empty = await client.post('/console/admins', { label: '  ' });
    assert.equal(empty.statusCode, 400);
    assert.match(empty.body, /<p class="alert" role="alert">/);
    assert.equal((await h.store.console.adminCredentials.list()).length, 1);
  });

  it('answers 404 for revoking an unknown credential', async () => {
    await client.get('/console/admins');
    assert.equal((await client.post('/console/admins/nope/revoke', {})).statusCode, 404);
  });

  it('refuses a POST without the CSRF token and changes nothing', async () => {
    const create = await client.post('/console/admins', { _csrf: '', label: 'Mallory' });
    assert.equal(create.statusCode, 403);
    assert.equal((await h.store.console.adminCredentials.list()).length, 1);
    await client.get('/console/admins');
    const created = await client.post('/console/admins', { label: 'Bob' });
    assert.equal(created.statusCode, 200);
    const bob = (await h.store.console.adminCredentials.list()).find((c) => c.label === 'Bob')!;
    const revoke = await client.post(`/console/admins/${bob.id}/revoke`, { _csrf: '' });
    assert.equal(revoke.statusCode, 403);
    assert.equal((await h.store.console.adminCredentials.list()).find((c) => c.label === 'Bob')?.revokedAt, null);
  });
});

describeEachBackend('console: admins page without SCIMD_ADMIN_TOKEN_HASH', (backend) => {
  it('says the stored credentials are the only way in', async () => {
    const h = await startHarness({ backend });
    try {
      const client = new ConsoleClient(h.app);
      const anonymous = await h.app.inject({ method: 'GET', url: '/console/admins' });
      assert.equal(anonymous.statusCode, 303);
      const { token } = await createAdminCredential(h.store, 'Ops', new Date());
      assert.equal((await client.signIn(token)).statusCode, 303);
      const page = await client.get('/console/admins');
      assert.match(
        pageText(page.body),
        /SCIMD_ADMIN_TOKEN_HASH is not configured: the credentials below are the only way in\./,
      );
    } finally {
      await h.close();
    }
  });
});
