/**
 * The provisioning log under hostile and careless clients (issue 12.1, 12.4, 12.5, 12.8) and
 * the ignored attributes it records (issue 13.4), through the whole HTTP stack on each backend.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { RequestLogEntry } from '../store/events-port.js';
import { describeEachBackend } from '../store/test-support/backends.js';
import { ENTRA_USER, type Harness, startHarness } from './test-support/harness.js';

const ENTRA_UA = 'Microsoft Azure AD SCIM provisioning 1.0.0';

/** Waits for the batched writer until every request id has its entry in acme's log. */
async function recorded(h: Harness, requestIds: readonly string[]): Promise<Map<string, RequestLogEntry>> {
  const acme = (await h.store.tenants.getBySlug('acme'))!;
  let byId = new Map<string, RequestLogEntry>();
  for (let i = 0; i < 300; i++) {
    byId = new Map((await h.store.requestLog.list(acme.id, { limit: 500 })).map((e) => [e.requestId, e]));
    if (requestIds.every((id) => byId.has(id))) return byId;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.fail(`no provisioning log entry for ${requestIds.filter((id) => !byId.has(id)).join(', ')}`);
}

/** A User whose extension holds arrays nested `depth` deep, as text (JSON.stringify would overflow). */
function deepUser(depth: number): string {
  const user = JSON.stringify({ ...ENTRA_USER, userName: 'deep@contoso.com' });
  return `${user.slice(0, -1)},"urn:example:deep:2.0:User":{"deep":${'['.repeat(depth)}"bottom"${']'.repeat(depth)}}}`;
}

describeEachBackend('provisioning log under abuse', (backend) => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ backend, config: { logMaxBodyBytes: 4096 } });
  });
  after(() => h.close());

  it('stores an entry holding NUL without losing the others of its batch (#12.1)', async () => {
    const nul = await h.request('GET', '/t/acme/scim/v2/Users/%00', undefined, { 'x-request-id': 'nul-get' });
    const group = await h.request(
      'POST',
      '/t/acme/scim/v2/Groups',
      { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'Nul \u0000 group \ud800' },
      { 'x-request-id': 'nul-body' },
    );
    const neighbour = await h.request('GET', '/t/acme/scim/v2/Users', undefined, { 'x-request-id': 'nul-neighbour' });
    assert.equal(neighbour.statusCode, 200);
    const entries = await recorded(h, ['nul-get', 'nul-body', 'nul-neighbour']);
    const nulEntry = entries.get('nul-get')!;
    assert.equal(nulEntry.status, nul.statusCode);
    assert.equal(nulEntry.resourceId, '\\u0000');
    assert.equal(entries.get('nul-body')!.status, group.statusCode);
    assert.ok(!JSON.stringify([...entries.values()]).includes('\u0000'));
  });

  it('records every request, however deep its body (#12.4)', async () => {
    const deep = await h.request('POST', '/t/acme/scim/v2/Users', deepUser(20_000), { 'x-request-id': 'deep-create' });
    const entry = (await recorded(h, ['deep-create'])).get('deep-create')!;
    assert.equal(entry.status, deep.statusCode);
    assert.equal(entry.method, 'POST');
    assert.ok(entry.requestBody === null || entry.requestBody.length <= 4096 + 40);
  });

  it('keeps unauthenticated requests apart: they never evict a genuine entry, and name no IdP (#12.5)', async () => {
    const genuine = await h.request('GET', '/t/acme/scim/v2/Users', undefined, {
      'x-request-id': 'genuine',
      'user-agent': ENTRA_UA,
    });
    assert.equal(genuine.statusCode, 200);
    for (let i = 0; i < 150; i++) {
      const refused = await h.request('GET', '/t/acme/scim/v2/Users', undefined, {
        authorization: `Bearer scimd_${'F'.repeat(43)}`,
        'user-agent': ENTRA_UA,
        'x-request-id': `forged-${i}`,
      });
      assert.equal(refused.statusCode, 401);
    }
    // Entries are written in order: once this one is there, every earlier one is too.
    await h.request('GET', '/t/acme/scim/v2/Groups', undefined, { 'x-request-id': 'after-forged' });
    const entries = await recorded(h, ['genuine', 'forged-0', 'after-forged']);
    const acme = (await h.store.tenants.getBySlug('acme'))!;
    const all = await h.store.requestLog.list(acme.id, { limit: 1000 });
    const forged = all.filter((e) => e.requestId.startsWith('forged-'));
    assert.ok(forged.length >= 1 && forged.length <= 60, `${forged.length} unauthenticated entries are rate-limited`);
    for (const e of forged) assert.deepEqual([e.authenticated, e.idp, e.userAgent], [false, null, ENTRA_UA]);
    assert.deepEqual([entries.get('genuine')!.authenticated, entries.get('genuine')!.idp], [true, 'entra']);
    // Retention as `scimd serve` applies it, with a tenant bound of 100 entries.
    await h.store.requestLog.prune('2000-01-01T00:00:00.000Z', 100);
    const kept = await h.store.requestLog.list(acme.id, { limit: 1000, authenticated: true });
    assert.ok(kept.some((e) => e.requestId === 'genuine'));
    assert.deepEqual(
      (await h.store.requestLog.list(acme.id, { limit: 1000, authenticated: false })).map((e) => e.authenticated),
      forged.map(() => false),
    );
  });

  it('records the attributes a request sent that were ignored (#13.4)', async () => {
    const user = await h.request(
      'POST',
      '/t/acme/scim/v2/Users',
      { ...ENTRA_USER, userName: 'plain@contoso.com' },
      {
        'x-request-id': 'not-ignored',
      },
    );
    assert.equal(user.statusCode, 201);
    const entry = (await recorded(h, ['not-ignored'])).get('not-ignored')!;
    assert.deepEqual(entry.ignoredAttributes, []);
  });
});

describeEachBackend('ignored attributes on the entry (#13.4)', (backend) => {
  it('lists what a create and a PATCH sent that no schema declares, end to end', async () => {
    const h = await startHarness({ backend });
    try {
      const custom = 'urn:example:custom:2.0:User';
      const created = await h.request(
        'POST',
        '/t/acme/scim/v2/Users',
        {
          ...ENTRA_USER,
          schemas: [...ENTRA_USER.schemas, custom],
          userName: 'ignored@contoso.com',
          adreses: [{ locality: 'Lyon' }],
          [custom]: { badge: '7' },
        },
        { 'x-request-id': 'ignoring-post' },
      );
      assert.equal(created.statusCode, 201, created.body);
      const id = String(created.json().id);
      const patched = await h.request(
        'PATCH',
        `/t/acme/scim/v2/Users/${id}`,
        {
          schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
          Operations: [
            { op: 'Replace', path: 'shoeSize', value: '44' },
            { op: 'Replace', path: 'title', value: 'Engineer' },
          ],
        },
        { 'x-request-id': 'ignoring-patch' },
      );
      assert.equal(patched.statusCode, 200, patched.body);
      assert.equal(patched.json().title, 'Engineer');
      const entries = await recorded(h, ['ignoring-post', 'ignoring-patch']);
      assert.deepEqual(entries.get('ignoring-post')!.ignoredAttributes, ['adreses', `${custom}:badge`]);
      assert.deepEqual(entries.get('ignoring-patch')!.ignoredAttributes, ['shoeSize']);
    } finally {
      await h.close();
    }
  });
});

describeEachBackend('no secret in any log (#12.8)', (backend) => {
  // Short enough for a path parameter (Fastify's maxParamLength is 100).
  const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dBjftJeZ4CVPmB92K27uhbUJU1p1r_wW1gFWFOEjXk';
  const OPAQUE = 'Zx81kQp2Lm7Vw3Rt9Yb4Nc6Hd8Jf1Gs5Ae0Ui2Oy';
  const BASIC = Buffer.from('svc-user:B4sicPassw0rd').toString('base64');

  for (const level of ['info', 'trace']) {
    it(`keeps tokens and passwords out of the request log at ${level} and out of the provisioning log`, async () => {
      const lines: string[] = [];
      const h = await startHarness({
        backend,
        config: { logMaxBodyBytes: 4096 },
        logger: { level, stream: { write: (line: string) => lines.push(line) } },
      });
      try {
        const secrets = [h.token, JWT, OPAQUE, BASIC, 'Sup3rS3cret!', 'PwdS3cret!', 'F1lterS3cret', 'P4thS3cret'];
        const sent = [
          ['GET', `/t/acme/scim/v2/Users?access_token=${h.token}`, undefined, {}],
          ['GET', `/t/acme/scim/v2/Users?access_token=${OPAQUE}&count=1`, undefined, {}],
          ['GET', `/t/acme/scim/v2/Users?auth=Basic%20${encodeURIComponent(BASIC)}`, undefined, {}],
          ['GET', `/t/acme/scim/v2/Users/${h.token}`, undefined, {}],
          ['GET', `/t/acme/scim/v2/Users/${JWT}`, undefined, {}],
          ['GET', `/t/acme/scim/v2/Users/${OPAQUE}`, undefined, {}],
          ['GET', '/t/acme/scim/v2/Users', undefined, { 'x-request-id': h.token }],
          ['GET', '/t/acme/scim/v2/Users', undefined, { 'x-request-id': OPAQUE }],
          ['GET', `/t/acme/scim/v2/Users?filter=${encodeURIComponent('password eq "P4thS3cret"')}`, undefined, {}],
          [
            'POST',
            '/t/acme/scim/v2/Users',
            { ...ENTRA_USER, userName: 'pwd@contoso.com', 'urn:example:x:2.0:User': { pwd: 'PwdS3cret!' } },
            {},
          ],
        ] as const;
        for (const [method, url, body, headers] of sent) {
          const response = await h.request(method, url, body, headers);
          assert.ok(response.statusCode < 500, `${method} ${url}: ${response.statusCode}`);
          assert.ok(!String(response.headers['x-request-id']).includes('Zx81'), 'a credential is no request id');
        }
        const created = await h.request('POST', '/t/acme/scim/v2/Users', { ...ENTRA_USER, userName: 'p@contoso.com' });
        const id = created.json<{ id: string }>().id;
        const patches = [
          { op: 'replace', path: 'password', valu: 'Sup3rS3cret!' },
          { op: 'remove', path: 'password[value eq "F1lterS3cret"]' },
          { op: 'add', value: { pwd: 'PwdS3cret!' } },
        ];
        for (const operation of patches) {
          await h.request('PATCH', `/t/acme/scim/v2/Users/${id}`, {
            schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
            Operations: [operation],
          });
        }
        const acme = (await h.store.tenants.getBySlug('acme'))!;
        let stored: readonly RequestLogEntry[] = [];
        for (let i = 0; i < 300 && stored.length < sent.length + 4; i++) {
          await new Promise((resolve) => setTimeout(resolve, 10));
          stored = await h.store.requestLog.list(acme.id, { limit: 100 });
        }
        assert.equal(stored.length, sent.length + 4, JSON.stringify(stored.map((e) => [e.method, e.path, e.status])));
        assert.ok(lines.some((line) => line.includes('incoming request')));
        const logged = lines.join('\n');
        const kept = JSON.stringify(stored);
        for (const secret of secrets) {
          assert.ok(!logged.includes(secret), `the ${level} log lines hold ${secret}`);
          assert.ok(!kept.includes(secret), `the provisioning log holds ${secret}`);
          assert.ok(!kept.includes(encodeURIComponent(secret)), `the provisioning log holds ${secret}, encoded`);
        }
      } finally {
        await h.close();
      }
    });
  }
});
