import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { describeEachBackend } from '../../store/test-support/backends.js';
import { generateAdminToken } from '../../tenancy/admin-token.js';
import { addRole } from '../../tenancy/role-catalogue.js';
import { type Harness, NOW, scimError, startHarness } from '../test-support/harness.js';

const PROD = '11111111-2222-3333-4444-555555555555';
const GUIDE = '/admin/v1/tenants/acme/guide';

describeEachBackend('admin API: absent without SCIMD_ADMIN_TOKEN_HASH and with SCIMD_CONSOLE=off', (backend) => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ backend, config: { consoleEnabled: false } });
  });
  after(() => h.close());

  it('answers 404 exactly as for any unknown path, whatever the credentials', async () => {
    const { token } = generateAdminToken();
    const unknown = await h.request('GET', '/nothing/here', undefined, { authorization: `Bearer ${token}` });
    const res = await h.request('GET', GUIDE, undefined, { authorization: `Bearer ${token}` });
    assert.equal(res.statusCode, 404);
    assert.deepEqual(res.json(), scimError(404, undefined, `No such endpoint: GET ${GUIDE}.`));
    assert.equal(res.headers['content-type'], unknown.headers['content-type']);
  });
});

describeEachBackend('admin API: tenant setup guide', (backend) => {
  let h: Harness;
  const admin = generateAdminToken();
  const auth = { authorization: `Bearer ${admin.token}` };
  before(async () => {
    h = await startHarness({ backend, config: { adminTokenHash: admin.hash, entraClientIdProd: PROD } });
    await addRole(h.store, { value: 'sales.editor', displayName: 'Sales Editor', description: 'Edit deals' }, NOW);
  });
  after(() => h.close());

  it('refuses a missing, wrong or tenant token with 401 JSON and a challenge', async () => {
    for (const authorization of ['', `Bearer ${generateAdminToken().token}`, `Bearer ${h.token}`, admin.token]) {
      const res = await h.request('GET', GUIDE, undefined, { authorization });
      assert.equal(res.statusCode, 401, authorization);
      assert.match(String(res.headers['content-type']), /^application\/json/);
      assert.equal(res.headers['www-authenticate'], 'Bearer realm="scimd-admin"');
      assert.deepEqual(res.json(), {
        error: 'unauthorized',
        detail: 'Send the admin token as "Authorization: Bearer <token>".',
      });
    }
  });

  it('serves the guide as a printable HTML page by default', async () => {
    const res = await h.request('GET', GUIDE, undefined, auth);
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['content-type'], 'text/html; charset=utf-8');
    assert.equal(res.headers['cache-control'], 'no-store');
    assert.equal(
      res.headers['content-security-policy'],
      "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
    );
    assert.match(res.body, /^<!doctype html>/);
    assert.ok(res.body.includes('<title>Microsoft Entra ID provisioning setup for Acme Corp</title>'));
    assert.ok(res.body.includes('<code>https://scim.example.com/t/acme/scim/v2</code>'));
    assert.ok(res.body.includes(`https://login.microsoftonline.com/common/adminconsent?client_id=${PROD}`));
    assert.ok(res.body.includes('<td>Sales Editor</td><td><code>sales.editor</code></td><td>Edit deals</td>'));
    assert.equal(res.body.match(/scimd_[0-9A-Za-z]{43}/), null, 'never a token');
  });

  it('serves Markdown and JSON', async () => {
    const md = await h.request('GET', `${GUIDE}?format=md`, undefined, auth);
    assert.equal(md.headers['content-type'], 'text/markdown; charset=utf-8');
    assert.ok(md.body.startsWith('# Microsoft Entra ID provisioning setup for Acme Corp\n'));
    const json = await h.request('GET', `${GUIDE}?format=json`, undefined, auth);
    assert.equal(json.headers['content-type'], 'application/json; charset=utf-8');
    const guide = json.json<{ scimUrl: string; secretToken: null; consent: unknown; roles: unknown }>();
    assert.equal(guide.scimUrl, 'https://scim.example.com/t/acme/scim/v2');
    assert.equal(guide.secretToken, null);
    assert.deepEqual(guide.consent, {
      production: { clientId: PROD, url: `https://login.microsoftonline.com/common/adminconsent?client_id=${PROD}` },
      test: null,
    });
    assert.deepEqual(guide.roles, [{ value: 'sales.editor', displayName: 'Sales Editor', description: 'Edit deals' }]);
  });

  it('answers JSON errors for a bad format, an unknown or invalid tenant and an unknown route', async () => {
    const cases: [string, number, Record<string, string>][] = [
      [`${GUIDE}?format=pdf`, 400, { error: 'bad_request', detail: 'unknown guide format "pdf": use md, html, json' }],
      ['/admin/v1/tenants/nope/guide', 404, { error: 'not_found', detail: 'tenant "nope" not found' }],
      [
        '/admin/v1/tenants/Bad_Slug/guide',
        400,
        {
          error: 'bad_request',
          detail:
            'invalid tenant slug "Bad_Slug": use 2 to 63 lower-case letters, digits or hyphens, starting with a letter (e.g. acme-corp)',
        },
      ],
      ['/admin/v1/nothing', 404, { error: 'not_found', detail: 'No such admin endpoint: GET /admin/v1/nothing.' }],
    ];
    for (const [url, status, body] of cases) {
      const res = await h.request('GET', url, undefined, auth);
      assert.equal(res.statusCode, status, url);
      assert.match(String(res.headers['content-type']), /^application\/json/);
      assert.deepEqual(res.json(), body, url);
    }
  });

  it('leaves SCIM untouched: the admin token is not a SCIM token', async () => {
    const res = await h.request('GET', '/scim/v2/Users', undefined, auth);
    assert.equal(res.statusCode, 401);
    assert.equal((await h.request('GET', '/scim/v2/Users')).statusCode, 200);
  });
});
