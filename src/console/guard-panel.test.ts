/** The deprovision guard on the console's tenant page (docs/guard.md): state, summary, release, reset, threshold. */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { type Harness, startHarness } from '../http/test-support/harness.js';
import { readGuard } from '../service/guard.js';
import { describeEachBackend } from '../store/test-support/backends.js';
import { generateAdminToken } from '../tenancy/admin-token.js';
import { ConsoleClient, pageText } from './test-support/console-client.js';

const admin = generateAdminToken();
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

describeEachBackend('console: deprovision guard panel', (backend) => {
  let h: Harness;
  let client: ConsoleClient;
  before(async () => {
    h = await startHarness({ backend, config: { adminTokenHash: admin.hash } });
    client = new ConsoleClient(h.app);
    assert.equal((await client.signIn(admin.token)).statusCode, 303);
  });
  after(() => h.close());

  it('shows the armed guard and saves a threshold, refusing a bad one beside the form', async () => {
    const page = await client.get('/console/tenants/acme');
    assert.equal(page.statusCode, 200);
    const text = pageText(page.body);
    assert.match(
      text,
      /Deprovision guard State armed Threshold more than 10 % of active users and at least 20 within 60 minutes/,
    );
    assert.doesNotMatch(page.body, /<script>|style="/, 'no inline script or style');

    const bad = await client.post('/console/tenants/acme/guard/settings', {
      enabled: 'default',
      percent: '0',
      minimum: '',
      windowMinutes: '',
    });
    assert.equal(bad.statusCode, 400);
    assert.match(pageText(bad.body), /percent must be a number from 0.1 to 100/);
    const csrfless = await client.post('/console/tenants/acme/guard/settings', { _csrf: '', minimum: '2' });
    assert.equal(csrfless.statusCode, 403);

    const saved = await client.post('/console/tenants/acme/guard/settings', {
      enabled: 'on',
      percent: '10',
      minimum: '2',
      windowMinutes: '',
    });
    assert.equal(saved.statusCode, 200);
    assert.match(pageText(saved.body), /Deprovision guard threshold saved/);
    assert.deepEqual((await readGuard(h.store, 'acme')).overrides, { enabled: true, percent: 10, minimum: 2 });
  });

  it('shows what a tripped guard holds, and releases it', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await h.request('POST', '/t/acme/scim/v2/Users', { schemas: [USER], userName: `c${i}@contoso.com` });
      ids.push(res.json<{ id: string }>().id);
    }
    for (const id of ids.slice(0, 3)) {
      await h.request('PATCH', `/t/acme/scim/v2/Users/${id}`, {
        schemas: [PATCH_OP],
        Operations: [{ op: 'replace', path: 'active', value: false }],
      });
    }
    const page = await client.get('/console/tenants/acme');
    const text = pageText(page.body);
    assert.match(text, /State tripped since/);
    assert.match(text, /Held 2 events after cursor/);
    assert.match(text, /Net effect of what is held: 2 deactivated\./);
    assert.match(text, /User c2@contoso.com deactivated/);
    assert.match(text, /degraded Deprovision guard tripped at/);

    const released = await client.post('/console/tenants/acme/guard/release');
    assert.equal(released.statusCode, 200);
    assert.match(pageText(released.body), /Held events released/);
    const guard = await readGuard(h.store, 'acme');
    assert.equal(guard.state, 'released');
    assert.match(guard.decisions[0]!.actor, /^console:/);
    assert.equal((await client.post('/console/tenants/acme/guard/release')).statusCode, 409);
    const reset = await client.post('/console/tenants/acme/guard/reset');
    assert.equal(reset.statusCode, 200);
    assert.equal((await readGuard(h.store, 'acme')).state, 'armed');
  });
});
