import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { describeEachBackend } from '../../store/test-support/backends.js';
import { generateAdminToken } from '../../tenancy/admin-token.js';
import { type Harness, startHarness } from '../test-support/harness.js';
import { logEntrySchema, logPageSchema } from './response-schemas.js';

const admin = generateAdminToken();
const auth = { authorization: `Bearer ${admin.token}` };

describeEachBackend(
  'admin API: unauthenticated entries and ignored attributes in the provisioning log (#12.5, #13.4)',
  (backend) => {
    let h: Harness;
    before(async () => {
      h = await startHarness({ backend, config: { adminTokenHash: admin.hash } });
    });
    after(() => h.close());

    it('marks requests refused before authentication, filters them, and shows ignoredAttributes', async () => {
      const ua = { 'user-agent': 'Microsoft Azure AD SCIM provisioning' };
      await h.request('GET', '/t/acme/scim/v2/Users', undefined, { ...ua, 'x-request-id': 'admin-genuine' });
      const refused = await h.request('GET', '/t/acme/scim/v2/Users', undefined, {
        ...ua,
        authorization: 'Bearer expired',
        'x-request-id': 'admin-refused',
      });
      assert.equal(refused.statusCode, 401);
      // Written in order: once the last request has its entry, so have the others.
      await h.request('GET', '/t/acme/scim/v2/Groups', undefined, { 'x-request-id': 'admin-last' });
      let page: { entries: { requestId: string; id: string; authenticated: boolean; idp: string | null }[] } = {
        entries: [],
      };
      for (let i = 0; i < 300 && !page.entries.some((e) => e.requestId === 'admin-last'); i++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
        page = (await h.request('GET', '/admin/v1/tenants/acme/log', undefined, auth)).json();
      }
      logPageSchema.parse(page);
      const summary = (e: { requestId: string; authenticated: boolean; idp: string | null }) => [
        e.requestId,
        e.authenticated,
        e.idp,
      ];
      const unauthenticated = await h.request('GET', '/admin/v1/tenants/acme/log?authenticated=false', undefined, auth);
      assert.equal(unauthenticated.statusCode, 200);
      assert.deepEqual(unauthenticated.json<typeof page>().entries.map(summary), [['admin-refused', false, null]]);
      const authenticated = await h.request('GET', '/admin/v1/tenants/acme/log?authenticated=true', undefined, auth);
      assert.deepEqual(authenticated.json<typeof page>().entries.map(summary), [
        ['admin-last', true, null],
        ['admin-genuine', true, 'entra'],
      ]);
      const id = page.entries.find((e) => e.requestId === 'admin-genuine')!.id;
      const one = await h.request('GET', `/admin/v1/tenants/acme/log/${id}`, undefined, auth);
      assert.equal(one.statusCode, 200);
      const entry = logEntrySchema.parse(one.json());
      assert.deepEqual([entry.authenticated, entry.ignoredAttributes], [true, []]);
      const bad = await h.request('GET', '/admin/v1/tenants/acme/log?authenticated=maybe', undefined, auth);
      assert.equal(bad.statusCode, 400);
    });

    it('filters by method and resource type, and refuses values it does not know with 400 (#15)', async () => {
      const user = await h.request(
        'POST',
        '/t/globex/scim/v2/Users',
        { userName: 'method-filter@example.com' },
        {
          authorization: `Bearer ${h.otherToken}`,
        },
      );
      assert.equal(user.statusCode, 201);
      const id = user.json<{ id: string }>().id;
      const globex = { authorization: `Bearer ${h.otherToken}` };
      // Entries of one millisecond are ordered by their random id bits: keep requests apart in time.
      const tick = () => new Promise((resolve) => setTimeout(resolve, 3));
      await tick();
      await h.request(
        'PATCH',
        `/t/globex/scim/v2/Users/${id}`,
        {
          schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
          Operations: [{ op: 'replace', path: 'active', value: false }],
        },
        globex,
      );
      await tick();
      await h.request('GET', '/t/globex/scim/v2/Groups', undefined, globex);
      await tick();
      await h.request('GET', '/t/globex/scim/v2/ServiceProviderConfig', undefined, {
        ...globex,
        'x-request-id': 'last',
      });
      type Page = { entries: { requestId: string; method: string; resourceType: string | null; path: string }[] };
      const read = async (query: string) => {
        const response = await h.request('GET', `/admin/v1/tenants/globex/log?${query}`, undefined, auth);
        assert.equal(response.statusCode, 200, response.body);
        return response.json<Page>().entries.map((e) => `${e.method} ${e.path}`);
      };
      for (let i = 0; i < 300 && !(await read('')).some((line) => line.endsWith('ServiceProviderConfig')); i++) {
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
      assert.deepEqual(await read('method=patch'), [`PATCH /t/globex/scim/v2/Users/${id}`]);
      assert.deepEqual(await read('resourceType=Users'), [
        `PATCH /t/globex/scim/v2/Users/${id}`,
        'POST /t/globex/scim/v2/Users',
      ]);
      assert.deepEqual(await read('resourceType=groups&method=GET'), ['GET /t/globex/scim/v2/Groups']);
      assert.deepEqual(await read('resourceType=other'), ['GET /t/globex/scim/v2/ServiceProviderConfig']);
      for (const query of ['method=TRACE', 'resourceType=Bulks']) {
        const bad = await h.request('GET', `/admin/v1/tenants/globex/log?${query}`, undefined, auth);
        assert.equal(bad.statusCode, 400, query);
      }
    });
  },
);
