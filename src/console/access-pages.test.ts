import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { type Harness, startHarness } from '../http/test-support/harness.js';
import { type Scenario, writeAccessScenario } from '../service/test-support/access-scenario.js';
import { describeEachBackend } from '../store/test-support/backends.js';
import { generateAdminToken } from '../tenancy/admin-token.js';
import { ConsoleClient, pageText } from './test-support/console-client.js';

const admin = generateAdminToken();

describeEachBackend('console: access timeline and access report (#17)', (backend) => {
  let h: Harness;
  let client: ConsoleClient;
  let ids: Scenario;

  before(async () => {
    h = await startHarness({ backend, config: { adminTokenHash: admin.hash } });
    client = new ConsoleClient(h.app);
    assert.equal((await client.signIn(admin.token)).statusCode, 303);
    ids = await writeAccessScenario(h.store, (await h.store.tenants.getBySlug('acme'))!.id);
  });
  after(() => h.close());

  it("shows a user's access timeline with request ids", async () => {
    const page = await client.get(`/console/tenants/acme/users/${ids.ann}`);
    assert.equal(page.statusCode, 200);
    const text = pageText(page.body);
    assert.match(text, /Access timeline Time What Detail Request id/);
    assert.match(text, /role granted Reader \(Read only\) req-001/);
    assert.match(text, new RegExp(`group joined Sales \\(${ids.sales}\\) req-003`));
    assert.match(text, /updated title = "Sales lead" req-004/);
    assert.match(text, /role granted Admin \(Administrator\) req-004/);
    assert.match(text, /group left Sales/);
  });

  it('links the access report from the users page and shows the form alone at first', async () => {
    assert.match(
      (await client.get('/console/tenants/acme/users')).body,
      /href="\/console\/tenants\/acme\/access">Access report</,
    );
    const empty = await client.get('/console/tenants/acme/access');
    assert.equal(empty.statusCode, 200);
    assert.doesNotMatch(pageText(empty.body), /Active users at/);
  });

  it('reports who was active at a moment, filtered, escaped, with a CSV download of the same report', async () => {
    const page = await client.get('/console/tenants/acme/access?asOf=2026-02-15&role=%3DAdmin&group=');
    assert.equal(page.statusCode, 200);
    const text = pageText(page.body);
    assert.match(text, /Active users at .* ?, in id order: 1 shown · Download CSV \(every user\)/);
    assert.doesNotMatch(page.body, /class="pager"/);
    assert.match(text, new RegExp(`bob@example\\.com ${ids.bob} =Admin Sales`));
    assert.doesNotMatch(text, /ann@example\.com/);
    const link = /<a href="([^"]+)" download>Download CSV \(every user\)<\/a>/
      .exec(page.body)?.[1]
      ?.replaceAll('&amp;', '&');
    assert.equal(link, '/console/tenants/acme/access.csv?asOf=2026-02-15&role=%3DAdmin');
    const csv = await client.get(link!);
    assert.equal(csv.statusCode, 200);
    assert.equal(csv.headers['content-disposition'], 'attachment; filename="access-acme-2026-02-15T235959.999Z.csv"');
    assert.equal(
      csv.body,
      `\uFEFF"user_id","user_name","active","roles","group_ids","groups"\r\n"${ids.bob}","bob@example.com","true","'=Admin","${ids.sales}","Sales"\r\n`,
    );
  });

  it('pages a report longer than a page by user id, without reading it whole', async () => {
    const created: string[] = [];
    for (let i = 0; i < 502; i++) {
      const res = await h.request(
        'POST',
        '/scim/v2/Users',
        { userName: `u${i}@globex.example` },
        {
          authorization: `Bearer ${h.otherToken}`,
        },
      );
      assert.equal(res.statusCode, 201);
      created.push(res.json().id);
    }
    created.sort();
    const asOf = encodeURIComponent(new Date().toISOString());
    const ids = (body: string) => [...body.matchAll(/<td class="mono">([^<]+)<\/td>/g)].map((m) => m[1]);
    const first = await client.get(`/console/tenants/globex/access?asOf=${asOf}`);
    assert.equal(first.statusCode, 200);
    assert.match(pageText(first.body), /, in id order: 500 shown, more follow/);
    assert.deepEqual(ids(first.body), created.slice(0, 500));
    assert.doesNotMatch(first.body, /First page/);
    const next = /<a href="([^"]+)" rel="next">Next 500 →<\/a>/.exec(first.body)?.[1]?.replaceAll('&amp;', '&');
    assert.equal(next, `/console/tenants/globex/access?asOf=${asOf}&after=${created[499]}`);
    const second = await client.get(next!);
    assert.equal(second.statusCode, 200);
    assert.match(pageText(second.body), new RegExp(`after ${created[499]} ?: 2 shown · Download CSV`));
    assert.deepEqual(ids(second.body), created.slice(500));
    assert.ok(second.body.includes(`<a href="/console/tenants/globex/access?asOf=${asOf}">← First page</a>`));
    assert.doesNotMatch(second.body, /rel="next"/);
  });

  it('answers a bad time beside the form with 400 and keeps what was typed', async () => {
    const page = await client.get('/console/tenants/acme/access?asOf=%3Cb%3Enow%3C%2Fb%3E');
    assert.equal(page.statusCode, 400);
    assert.match(page.body, /<p class="alert" role="alert">asOf &quot;&lt;b&gt;now&lt;\/b&gt;&quot; is not a time/);
    assert.match(page.body, /value="&lt;b&gt;now&lt;\/b&gt;"/);
    assert.equal((await client.get('/console/tenants/nope/access?asOf=2026-01-01')).statusCode, 404);
  });
});
