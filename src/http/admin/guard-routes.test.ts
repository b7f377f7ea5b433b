/** The deprovision guard over the admin API (docs/guard.md): a real trip through SCIM, read, configured, released. */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { GuardSummary, GuardView } from '../../service/guard.js';
import { describeEachBackend } from '../../store/test-support/backends.js';
import { generateAdminToken } from '../../tenancy/admin-token.js';
import { type Harness, startHarness } from '../test-support/harness.js';

const admin = generateAdminToken();
const auth = { authorization: `Bearer ${admin.token}` };
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

describeEachBackend('admin API: deprovision guard (#17)', (backend) => {
  let h: Harness;
  const ids: string[] = [];
  before(async () => {
    h = await startHarness({ backend, config: { adminTokenHash: admin.hash } });
    for (let i = 0; i < 10; i++) {
      const res = await h.request('POST', '/t/acme/scim/v2/Users', { schemas: [USER], userName: `u${i}@contoso.com` });
      ids.push(res.json<{ id: string }>().id);
    }
  });
  after(() => h.close());

  it('validates settings: a bad value or an unknown setting changes nothing', async () => {
    for (const [body, detail] of [
      [{ percent: 0 }, 'percent must be a number from 0.1 to 100'],
      [{ minimum: 1.5 }, 'minimum must be a whole number from 1 to 1000000'],
      [{ windowMinutes: 0 }, 'windowMinutes must be a whole number of minutes'],
      [{ colour: 'red' }, 'invalid body'],
      [{ enabled: 'yes' }, 'invalid body'],
    ] as const) {
      const res = await h.request('PATCH', '/admin/v1/tenants/acme/guard', body, auth);
      assert.equal(res.statusCode, 400, JSON.stringify(body));
      assert.equal(res.json()['error'], 'bad_request');
      assert.ok(String(res.json()['detail']).includes(detail), res.body);
    }
    const res = await h.request('GET', '/admin/v1/tenants/acme/guard', undefined, auth);
    assert.deepEqual(res.json<GuardSummary>().guard.overrides, {});
    assert.deepEqual(res.json<GuardSummary>().guard.decisions, []);
    assert.equal((await h.request('GET', '/admin/v1/tenants/nosuch/guard', undefined, auth)).statusCode, 404);
    assert.equal((await h.request('GET', '/admin/v1/guard')).statusCode, 401);
  });

  it('configures, trips through SCIM, summarises, refuses a reset, releases and records who did what', async () => {
    const set = await h.request('PATCH', '/admin/v1/tenants/acme/guard', { minimum: 2, percent: 10 }, auth);
    assert.equal(set.statusCode, 200, set.body);
    assert.deepEqual(set.json<GuardView>().settings, { enabled: true, percent: 10, minimum: 2, windowMinutes: 60 });

    for (const id of ids.slice(0, 2)) {
      const res = await h.request('PATCH', `/t/acme/scim/v2/Users/${id}`, {
        schemas: [PATCH_OP],
        Operations: [{ op: 'replace', path: 'active', value: false }],
      });
      assert.equal(res.statusCode, 200);
    }
    assert.equal((await h.request('DELETE', `/t/acme/scim/v2/Users/${ids[2]}`)).statusCode, 204);

    const all = await h.request('GET', '/admin/v1/guard', undefined, auth);
    assert.deepEqual(
      all.json<{ tenants: GuardView[] }>().tenants.map((g) => [g.tenant.slug, g.state, g.heldEvents]),
      [
        ['acme', 'tripped', 2],
        ['globex', 'armed', 0],
      ],
    );
    const one = (await h.request('GET', '/admin/v1/tenants/acme/guard', undefined, auth)).json<GuardSummary>();
    assert.deepEqual(one.counts, { deactivated: 1, deleted: 1 });
    assert.deepEqual(
      one.changes.map((c) => [c.id, c.effects]),
      [
        [ids[1], ['deactivated']],
        [ids[2], ['deleted']],
      ],
    );

    const health = await h.request('GET', '/admin/v1/tenants/acme/health', undefined, auth);
    assert.match(health.json()['cause'] as string, /^Deprovision guard tripped at /);

    const reset = await h.request('POST', '/admin/v1/tenants/acme/guard/reset', undefined, auth);
    assert.equal(reset.statusCode, 409);
    assert.match(reset.json()['detail'] as string, /release them first/);

    const release = await h.request('POST', '/admin/v1/tenants/acme/guard/release', undefined, auth);
    assert.equal(release.statusCode, 200, release.body);
    const released = release.json<GuardView>();
    assert.equal(released.state, 'released');
    assert.deepEqual(released.decisions.map((d) => [d.action, d.actor]).sort(), [
      ['configure', 'admin-api:environment token'],
      ['release', 'admin-api:environment token'],
      ['trip', 'guard'],
    ]);
    assert.equal((await h.request('POST', '/admin/v1/tenants/acme/guard/release', undefined, auth)).statusCode, 409);
    const rearmed = await h.request('POST', '/admin/v1/tenants/acme/guard/reset', undefined, auth);
    assert.equal(rearmed.json<GuardView>().state, 'armed');

    const back = await h.request('PATCH', '/admin/v1/tenants/acme/guard', { minimum: null, percent: null }, auth);
    assert.deepEqual(back.json<GuardView>().overrides, {});
  });
});
