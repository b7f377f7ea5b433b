import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { RequestLogEntry } from '../store/store.js';
import { ENTRA_USER, type Harness, startHarness } from './test-support/harness.js';

const ENTRA_UA = 'Microsoft Azure AD SCIM provisioning 1.0.0';

/** Waits for the batched writer, then returns acme's entries, oldest first. */
async function entries(h: Harness, count: number): Promise<RequestLogEntry[]> {
  const acme = (await h.store.tenants.getBySlug('acme'))!;
  for (let i = 0; i < 200; i++) {
    const list = await h.store.requestLog.list(acme.id, { limit: 1000 });
    if (list.length >= count) return [...list].reverse();
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.fail(`expected ${count} provisioning log entries`);
}

describe('provisioning log', () => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ config: { logMaxBodyBytes: 4096 } });
  });
  after(() => h.close());

  it('records each SCIM request with status, resource, IdP and redacted bodies', async () => {
    const created = await h.request(
      'POST',
      '/t/acme/scim/v2/Users',
      { ...ENTRA_USER, password: 'Hunter2!secret' },
      { 'user-agent': ENTRA_UA, 'x-request-id': 'req-create-1' },
    );
    assert.equal(created.statusCode, 201);
    const id = created.json<{ id: string }>().id;
    const patched = await h.request(
      'PATCH',
      `/t/acme/scim/v2/Users/${id}`,
      {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [
          { op: 'Replace', path: 'password', value: 'N3wPassw0rd!' },
          { op: 'replace', path: 'displayName', value: 'Jane' },
        ],
      },
      { 'user-agent': 'Okta SCIM Client 1.0.0' },
    );
    assert.equal(patched.statusCode, 200);
    const clash = await h.request('POST', '/scim/v2/Users', ENTRA_USER, { 'user-agent': ENTRA_UA });
    assert.equal(clash.statusCode, 409);

    const all = await entries(h, 3);
    const create = all.find((e) => e.status === 201);
    const patch = all.find((e) => e.method === 'PATCH');
    const conflict = all.find((e) => e.status === 409);
    assert.deepEqual(
      [create!.method, create!.path, create!.status, create!.scimType, create!.resourceType, create!.resourceId],
      ['POST', '/t/acme/scim/v2/Users', 201, null, 'User', id],
    );
    assert.deepEqual([create!.idp, create!.userAgent, create!.requestId], ['entra', ENTRA_UA, 'req-create-1']);
    assert.equal(JSON.parse(create!.requestBody!).password, '[redacted]');
    assert.equal(JSON.parse(create!.responseBody!).id, id);
    assert.ok(create!.latencyMs >= 0 && Number.isInteger(create!.latencyMs));
    assert.deepEqual([patch!.method, patch!.status, patch!.resourceId, patch!.idp], ['PATCH', 200, id, 'okta']);
    assert.deepEqual(
      JSON.parse(patch!.requestBody!).Operations.map((o: { value: unknown }) => o.value),
      ['[redacted]', 'Jane'],
    );
    assert.deepEqual([conflict!.path, conflict!.status, conflict!.scimType], ['/scim/v2/Users', 409, 'uniqueness']);
  });

  it("records refused requests on a tenant's URL, never a token or password anywhere", async () => {
    const wrongToken = `scimd_${'Z'.repeat(43)}`;
    const before = (await entries(h, 3)).length;
    const refused = await h.request(
      'GET',
      `/t/acme/scim/v2/Users?filter=userName%20eq%20%22${wrongToken}%22`,
      undefined,
      {
        authorization: `Bearer ${wrongToken}`,
      },
    );
    assert.equal(refused.statusCode, 401);
    const anonymous = await h.request('GET', '/scim/v2/Users', undefined, { authorization: '' });
    assert.equal(anonymous.statusCode, 401);
    await h.request('GET', '/t/acme/scim/v2/Users', undefined, { authorization: `Bearer ${h.token}` });
    const all = await entries(h, before + 2);
    const denied = all.find((e) => e.status === 401)!;
    assert.equal(denied.path, '/t/acme/scim/v2/Users?filter=userName%20eq%20%22[redacted]%22');
    assert.equal(all.filter((e) => e.status === 401).length, 1, 'a request without a tenant is not recorded');
    const stored = JSON.stringify(all);
    for (const secret of [h.token, wrongToken, 'Hunter2!secret', 'N3wPassw0rd!', 'Bearer']) {
      assert.ok(!stored.includes(secret), `the log must not contain ${secret}`);
    }
  });

  it('cuts bodies to SCIMD_LOG_MAX_BODY_BYTES', async () => {
    const small = await startHarness({ config: { logMaxBodyBytes: 40 } });
    try {
      await small.request('POST', '/t/acme/scim/v2/Users', ENTRA_USER);
      const [entry] = await entries(small, 1);
      assert.match(entry!.requestBody!, /^.{1,40}…\[truncated \d+ bytes\]$/);
    } finally {
      await small.close();
    }
  });
});
