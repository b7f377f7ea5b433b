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
  },
);
