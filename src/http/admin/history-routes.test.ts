import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { type Scenario, writeAccessScenario } from '../../service/test-support/access-scenario.js';
import { describeEachBackend } from '../../store/test-support/backends.js';
import { generateAdminToken } from '../../tenancy/admin-token.js';
import { type Harness, startHarness } from '../test-support/harness.js';
import type { AdminRoute } from './route-spec.js';
import { adminRouteTable } from './test-support/route-table.js';

const admin = generateAdminToken();
const auth = { authorization: `Bearer ${admin.token}` };

describeEachBackend('admin API: access history', (backend) => {
  let h: Harness;
  let routes: readonly AdminRoute[];
  let ids: Scenario;

  const call = async (path: string) => {
    const res = await h.request('GET', `/admin/v1${path}`, undefined, auth);
    const bare = path.split('?')[0]!;
    const route = routes.find(
      (r) => r.method === 'GET' && new RegExp(`^${r.url.replace(/:[A-Za-z]+/g, '[^/]+')}$`).test(bare),
    );
    assert.ok(route, `GET ${bare} is declared`);
    if (res.statusCode === 200 && String(res.headers['content-type']).startsWith('application/json')) {
      route.response?.parse(res.json());
    }
    return res;
  };

  before(async () => {
    h = await startHarness({ backend, config: { adminTokenHash: admin.hash } });
    routes = adminRouteTable({ store: h.store, config: { publicUrl: undefined }, clock: () => new Date() });
    ids = await writeAccessScenario(h.store, (await h.store.tenants.getBySlug('acme'))!.id);
  });
  after(() => h.close());

  it("answers a user's timeline by id and, after deletion, by a userName it had", async () => {
    const byName = await call('/tenants/acme/history/users/Bob%40example.com');
    assert.equal(byName.statusCode, 200);
    const timeline = byName.json<{ userIds: string[]; entries: { kind: string; requestId: string }[] }>();
    assert.deepEqual(timeline.userIds, [ids.bob]);
    assert.deepEqual(
      timeline.entries.map((e) => [e.kind, e.requestId]),
      [
        ['created', 'req-002'],
        ['role_granted', 'req-002'],
        ['group_joined', 'req-003'],
        ['deactivated', 'req-005'],
        ['group_left', 'req-007'],
        ['deleted', 'req-007'],
      ],
    );
    const byId = await call(`/tenants/acme/history/users/${ids.ann}`);
    assert.equal(byId.json<{ entries: unknown[] }>().entries.length, 6);
  });

  it('records a SCIM write made over HTTP with the request id the provisioning log keeps', async () => {
    const res = await h.request(
      'PATCH',
      `/scim/v2/Users/${ids.ann}`,
      {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [{ op: 'Replace', path: 'active', value: 'False' }],
      },
      { 'x-request-id': 'entra-req-42' },
    );
    assert.equal(res.statusCode, 200, res.body);
    const entries = (await call(`/tenants/acme/history/users/${ids.ann}`)).json<{
      entries: { kind: string; requestId: string }[];
    }>().entries;
    assert.deepEqual(entries.at(-1), { ...entries.at(-1), kind: 'deactivated', requestId: 'entra-req-42' });
  });

  it('reports who was active at a moment as JSON, and as a CSV attachment', async () => {
    const json = await call('/tenants/acme/access?asOf=2026-02-15T00:00:00Z&role=Admin');
    assert.equal(json.statusCode, 200);
    assert.deepEqual(json.json(), {
      asOf: '2026-02-15T00:00:00.000Z',
      role: 'Admin',
      group: null,
      users: [
        {
          userId: ids.ann,
          userName: 'ann@example.com',
          active: true,
          roles: [
            { value: 'Admin', display: 'Administrator' },
            { value: 'Reader', display: 'Read only' },
          ],
          groups: [{ id: ids.sales, displayName: 'Sales' }],
        },
      ],
    });
    const csv = await call('/tenants/acme/access?asOf=2026-02-15&group=Sales&format=csv');
    assert.equal(csv.statusCode, 200);
    assert.equal(csv.headers['content-type'], 'text/csv; charset=utf-8');
    assert.equal(csv.headers['content-disposition'], 'attachment; filename="access-acme-2026-02-15T235959.999Z.csv"');
    const lines = csv.body.split('\r\n');
    assert.equal(lines[0], '\uFEFF"user_id","user_name","active","roles","group_ids","groups"');
    assert.equal(lines.length, 4);
    assert.ok(lines.includes(`"${ids.bob}","bob@example.com","true","'=Admin","${ids.sales}","Sales"`));
    // An offset's "+" left unencoded in the query string decodes to a space: still understood.
    const offset = await call('/tenants/acme/access?asOf=2026-01-05T10:04+01:00');
    assert.deepEqual(offset.json<{ asOf: string; users: { userId: string }[] }>().asOf, '2026-01-05T09:04:00.000Z');
    assert.deepEqual(
      offset.json<{ users: { userId: string }[] }>().users.map((u) => u.userId),
      [ids.ann],
    );
    const globex = await call('/tenants/globex/access?asOf=2026-02-15');
    assert.deepEqual(globex.json<{ users: unknown[] }>().users, []);
  });

  it('answers 400 for bad times, filters and formats, and 404 for unknown tenants and users', async () => {
    const cases: [string, number, string][] = [
      [
        '/tenants/acme/access',
        400,
        'asOf is required: an ISO 8601 time such as 2026-01-31T23:59:59Z or a date such as 2026-01-31',
      ],
      [
        '/tenants/acme/access?asOf=2026-13-01',
        400,
        'asOf "2026-13-01" is not a time: use ISO 8601 with a time zone, e.g. 2026-01-31T23:59:59Z, or a date such as 2026-01-31 (the end of that day, UTC)',
      ],
      [
        '/tenants/acme/access?asOf=2026-01-31T10:00:00',
        400,
        'asOf "2026-01-31T10:00:00" is not a time: use ISO 8601 with a time zone, e.g. 2026-01-31T23:59:59Z, or a date such as 2026-01-31 (the end of that day, UTC)',
      ],
      [
        '/tenants/acme/access?asOf=2026-01-31&role=',
        400,
        'role filter "" is not valid: give a role value of 1 to 256 characters',
      ],
      [
        `/tenants/acme/access?asOf=2026-01-31&group=${'g'.repeat(300)}`,
        400,
        `group filter "${'g'.repeat(64)}" is not valid: give a group id or displayName of 1 to 256 characters`,
      ],
      ['/tenants/acme/access?asOf=2026-01-31&format=xml', 400, 'unknown format "xml": use json or csv'],
      ['/tenants/nope/access?asOf=2026-01-31', 404, 'tenant "nope" not found'],
      ['/tenants/nope/history/users/x', 404, 'tenant "nope" not found'],
      [
        '/tenants/globex/history/users/ann@example.com',
        404,
        'no access history for user "ann@example.com" in tenant "globex"',
      ],
    ];
    for (const [path, status, detail] of cases) {
      const res = await call(path);
      assert.equal(res.statusCode, status, path);
      assert.deepEqual(res.json(), { error: status === 400 ? 'bad_request' : 'not_found', detail }, path);
    }
  });
});
