import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { diagnoseRequest } from '../guide/diagnose.js';
import { renderTextHtml } from '../guide/html.js';
import { loadGuideInput } from '../guide/load.js';
import { type Harness, startHarness } from '../http/test-support/harness.js';
import { queryRequestLog } from '../service/request-log.js';
import { describeEachBackend } from '../store/test-support/backends.js';
import { generateAdminToken } from '../tenancy/admin-token.js';
import { ConsoleClient, pageText } from './test-support/console-client.js';

const admin = generateAdminToken();
/** Entries of one millisecond are ordered by their random id bits: keep requests apart in time. */
const tick = () => new Promise((resolve) => setTimeout(resolve, 3));
const USER = { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'log-page@example.com' };

/** The provisioning log is written in batches: wait until the entry of `requestId` is stored. */
async function waitForEntry(h: Harness, slug: string, requestId: string): Promise<void> {
  for (let i = 0; i < 500; i++) {
    const page = await queryRequestLog(h.store, slug, { limit: 500 }, new Date());
    if (page.entries.some((e) => e.requestId === requestId)) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.fail(`no log entry for ${requestId}`);
}

describeEachBackend('console: provisioning log pages (#15)', (backend) => {
  let h: Harness;
  let client: ConsoleClient;
  /** Log entry id → the X-Request-Id it was sent with. */
  const requestIdOf = new Map<string, string>();
  let userId = '';

  before(async () => {
    h = await startHarness({ backend, config: { adminTokenHash: admin.hash } });
    client = new ConsoleClient(h.app);
    assert.equal((await client.signIn(admin.token)).statusCode, 303);
    const id = (requestId: string) => ({ 'x-request-id': requestId });
    const created = await h.request('POST', '/t/acme/scim/v2/Users', USER, id('r-create'));
    assert.equal(created.statusCode, 201);
    userId = created.json<{ id: string }>().id;
    await tick();
    assert.equal((await h.request('POST', '/t/acme/scim/v2/Users', USER, id('r-conflict'))).statusCode, 409);
    await tick();
    assert.equal((await h.request('GET', '/t/acme/scim/v2/Groups', undefined, id('r-groups'))).statusCode, 200);
    const patch = {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'replace', path: 'displayName', value: 'Log Page' }],
    };
    await tick();
    assert.equal((await h.request('PATCH', `/t/acme/scim/v2/Users/${userId}`, patch, id('r-patch'))).statusCode, 200);
    await tick();
    const refused = await h.request('GET', '/t/acme/scim/v2/Users', undefined, {
      ...id('r-refused'),
      authorization: 'Bearer not-a-token',
    });
    assert.equal(refused.statusCode, 401);
    await tick();
    assert.equal(
      (await h.request('GET', '/t/acme/scim/v2/ServiceProviderConfig', undefined, id('r-other'))).statusCode,
      200,
    );
    await tick();
    assert.equal(
      (await h.request('DELETE', '/t/acme/scim/v2/Users/no-such-user', undefined, id('r-missing'))).statusCode,
      404,
    );
    await waitForEntry(h, 'acme', 'r-missing');
    for (const e of (await queryRequestLog(h.store, 'acme', { limit: 500 }, new Date())).entries) {
      requestIdOf.set(e.id, e.requestId);
    }
  });
  after(() => h.close());

  /** The request ids of the rows of a log page, in page order. */
  const rows = (html: string) =>
    [...html.matchAll(/href="\/console\/log\/acme\/([^"]+)"/g)].map((m) => requestIdOf.get(m[1]!) ?? m[1]!);

  async function list(query: string): Promise<string[]> {
    const response = await client.get(`/console/log${query}`);
    assert.equal(response.statusCode, 200, response.body);
    return rows(response.body);
  }

  it("lists the first tenant's requests newest first, each linking to its entry", async () => {
    const page = await client.get('/console/log');
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /<option value="acme" selected>/);
    assert.match(page.body, /<a href="\/console\/log" aria-current="page">/);
    assert.deepEqual(rows(page.body), [
      'r-missing',
      'r-other',
      'r-refused',
      'r-patch',
      'r-groups',
      'r-conflict',
      'r-create',
    ]);
    assert.deepEqual(await list('?tenant=acme'), rows(page.body));
    assert.doesNotMatch(page.body, /style=|<script>/);
  });

  it('filters by status, errors, method, resource type, time and authentication', async () => {
    assert.deepEqual(await list('?status=409'), ['r-conflict']);
    assert.deepEqual(await list('?status=4xx'), ['r-missing', 'r-refused', 'r-conflict']);
    assert.deepEqual(await list('?errors=1'), ['r-missing', 'r-refused', 'r-conflict']);
    assert.deepEqual(await list('?errors=1&status=401'), ['r-refused']);
    assert.deepEqual(await list('?method=PATCH'), ['r-patch']);
    assert.deepEqual(await list('?method=DELETE'), ['r-missing']);
    assert.deepEqual(await list('?type=Groups'), ['r-groups']);
    assert.deepEqual(await list('?type=other'), ['r-other']);
    assert.deepEqual(await list('?type=Users&method=POST'), ['r-conflict', 'r-create']);
    assert.deepEqual(await list('?auth=refused'), ['r-refused']);
    assert.deepEqual(await list('?auth=authenticated&status=4xx'), ['r-missing', 'r-conflict']);
    assert.deepEqual((await list('?since=1h')).length, 7);
    assert.deepEqual(await list('?until=1h'), []);
    assert.deepEqual(await list(`?since=${new Date(Date.now() + 3_600_000).toISOString()}`), []);
    // The form shows the filters back.
    const shown = await client.get('/console/log?method=PATCH&type=Groups&errors=1&auth=refused&status=5xx');
    assert.match(shown.body, /<option value="PATCH" selected>/);
    assert.match(shown.body, /<option value="Groups" selected>/);
    assert.match(shown.body, /<option value="refused" selected>/);
    assert.match(shown.body, /name="errors" value="1" checked/);
    assert.match(shown.body, /name="status" value="5xx"/);
    assert.match(pageText(shown.body), /No requests match these filters\./);
  });

  it('pages older entries with the same filters', async () => {
    const globex = { authorization: `Bearer ${h.otherToken}` };
    for (let i = 0; i < 51; i++) {
      await tick();
      await h.request('GET', '/t/globex/scim/v2/Users', undefined, { ...globex, 'x-request-id': `g${i}` });
    }
    await waitForEntry(h, 'globex', 'g50');
    const first = await client.get('/console/log?tenant=globex&method=GET');
    assert.equal(first.statusCode, 200);
    assert.equal([...first.body.matchAll(/href="\/console\/log\/globex\//g)].length, 50);
    const older = /<a href="([^"]+)">Older<\/a>/.exec(first.body)?.[1]?.replaceAll('&amp;', '&');
    assert.match(older ?? '', /^\/console\/log\?tenant=globex&method=GET&before=/);
    const second = await client.get(older!);
    const ids = [...second.body.matchAll(/href="\/console\/log\/globex\/([^"]+)"/g)].map((m) => m[1]!);
    assert.equal(ids.length, 1);
    const entry = await client.get(`/console/log/globex/${ids[0]}`);
    assert.match(entry.body, /<dd class="mono">g0<\/dd>/);
    assert.doesNotMatch(second.body, />Older</);
  });

  it('answers an invalid filter with a 400 page and an unknown tenant or entry with 404', async () => {
    for (const query of [
      'status=abc',
      'status=600',
      'method=TRACE',
      'type=Bulks',
      'since=yesterday',
      'until=2026-13-45',
      'auth=maybe',
    ]) {
      const response = await client.get(`/console/log?${query}`);
      assert.equal(response.statusCode, 400, query);
      assert.match(response.headers['content-type'] as string, /^text\/html/);
    }
    assert.equal((await client.get('/console/log?tenant=nope')).statusCode, 404);
    assert.equal((await client.get('/console/log/acme/no-such-entry')).statusCode, 404);
    assert.equal((await client.get('/console/log/nope/no-such-entry')).statusCode, 404);
    // An entry of another tenant is not found under this one.
    const [acmeEntry] = [...requestIdOf.keys()];
    assert.equal((await client.get(`/console/log/globex/${acmeEntry}`)).statusCode, 404);
  });

  async function entryPage(requestId: string) {
    const id = [...requestIdOf].find(([, r]) => r === requestId)![0];
    const response = await client.get(`/console/log/acme/${id}`);
    assert.equal(response.statusCode, 200);
    return response;
  }

  it("shows a failed request with its bodies and the guide's cause and fix: 409 uniqueness and 401", async () => {
    const input = await loadGuideInput(h.store, 'acme', { baseUrl: 'https://scim.example.com' });
    for (const [requestId, expected] of [
      ['r-conflict', 'uniqueness'],
      ['r-refused', 'unauthorized'],
    ] as const) {
      const page = await entryPage(requestId);
      const stored = (
        await h.store.requestLog.list((await h.store.tenants.getBySlug('acme'))!.id, { limit: 500 })
      ).find((e) => e.requestId === requestId)!;
      const diagnosis = diagnoseRequest(stored, input);
      assert.equal(diagnosis?.id, expected);
      assert.ok(page.body.includes(renderTextHtml(diagnosis.meaning)), `${requestId}: meaning`);
      assert.ok(page.body.includes(renderTextHtml(diagnosis.action)), `${requestId}: action`);
      assert.match(pageText(page.body), /Why it failed What it means:/);
      assert.doesNotMatch(page.body, /style=|<script>/);
    }
    const conflict = await entryPage('r-conflict');
    // The bodies, pretty-printed JSON, escaped.
    assert.ok(conflict.body.includes('  &quot;userName&quot;: &quot;log-page@example.com&quot;'), 'request body');
    assert.ok(conflict.body.includes('  &quot;scimType&quot;: &quot;uniqueness&quot;'), 'response body');
    const ok = await entryPage('r-create');
    assert.doesNotMatch(ok.body, /Why it failed/);
    assert.ok(ok.body.includes(`&quot;id&quot;: &quot;${userId}&quot;`));
  });

  it('redirects a signed-out visitor to sign-in', async () => {
    const stranger = new ConsoleClient(h.app);
    for (const url of ['/console/log', '/console/log/acme/x']) {
      const response = await stranger.get(url);
      assert.equal(response.statusCode, 303);
      assert.match(response.headers.location as string, /^\/console\/sign-in\?next=/);
    }
  });
});
