import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { type Harness, startHarness } from '../http/test-support/harness.js';
import { readChangeFeed } from '../service/change-feed.js';
import { describeEachBackend } from '../store/test-support/backends.js';
import { generateAdminToken } from '../tenancy/admin-token.js';
import { SESSION_COOKIE } from './console-options.js';
import { ConsoleClient } from './test-support/console-client.js';

const admin = generateAdminToken();
const user = (userName: string) => ({ schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName });

/** The event types of a feed page's rows (or of one SSE row), in order. */
const typesOf = (html: string) =>
  [...html.matchAll(/<span class="badge [a-z]+">([a-z_.]+)<\/span>/g)].map((m) => m[1]!);

describeEachBackend('console: change feed page and its live panel (#15)', (backend) => {
  let h: Harness;
  let client: ConsoleClient;

  before(async () => {
    h = await startHarness({ backend, config: { adminTokenHash: admin.hash } });
    client = new ConsoleClient(h.app);
    assert.equal((await client.signIn(admin.token)).statusCode, 303);
    const created = await h.request('POST', '/t/acme/scim/v2/Users', user('feed-a@example.com'));
    assert.equal(created.statusCode, 201);
    const deactivate = {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'replace', path: 'active', value: false }],
    };
    const patched = await h.request('PATCH', `/t/acme/scim/v2/Users/${created.json<{ id: string }>().id}`, deactivate);
    assert.equal(patched.statusCode, 200);
    const group = { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'Feed Group' };
    assert.equal((await h.request('POST', '/t/acme/scim/v2/Groups', group)).statusCode, 201);
    assert.equal((await h.request('POST', '/t/acme/scim/v2/Users', user('feed-b@example.com'))).statusCode, 201);
  });
  after(() => h.close());

  it('lists the latest events newest first, as the feed has them', async () => {
    const feed = await readChangeFeed(h.store, 'acme', {});
    const expected = feed.events.map((e) => e.type).reverse();
    assert.deepEqual(expected, ['user.created', 'group.created', 'user.deactivated', 'user.created']);
    const page = await client.get('/console/feed');
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /<a href="\/console\/feed" aria-current="page">/);
    assert.match(page.body, /<option value="acme" selected>/);
    assert.deepEqual(typesOf(page.body), expected);
    assert.match(page.body, /feed-b@example\.com/);
    assert.match(page.body, /data-live="\/console\/feed\/stream\?tenant=acme&amp;after=4"/);
    assert.doesNotMatch(page.body, /style=|<script>/);
    // Another tenant, no events yet.
    const globex = await client.get('/console/feed?tenant=globex');
    assert.equal(globex.statusCode, 200);
    assert.deepEqual(typesOf(globex.body), []);
    assert.match(globex.body, /data-live="\/console\/feed\/stream\?tenant=globex&amp;after=0"/);
  });

  it('filters by event type; an unknown type is a 400 page, an unknown tenant 404', async () => {
    const created = await client.get('/console/feed?type=user.created');
    assert.equal(created.statusCode, 200);
    assert.deepEqual(typesOf(created.body), ['user.created', 'user.created']);
    assert.match(created.body, /<option value="user.created" selected>/);
    assert.match(created.body, /data-live="\/console\/feed\/stream\?tenant=acme&amp;type=user.created&amp;after=4"/);
    assert.deepEqual(typesOf((await client.get('/console/feed?type=user.deactivated')).body), ['user.deactivated']);
    assert.deepEqual(typesOf((await client.get('/console/feed?type=group.deleted')).body), []);
    const bad = await client.get('/console/feed?type=user.exploded');
    assert.equal(bad.statusCode, 400);
    assert.match(bad.headers['content-type'] as string, /^text\/html/);
    assert.equal((await client.get('/console/feed?tenant=nope')).statusCode, 404);
    assert.equal((await client.get('/console/feed/stream?tenant=acme&type=nope')).statusCode, 400);
    assert.equal((await client.get('/console/feed/stream?tenant=acme&after=x')).statusCode, 400);
    assert.equal((await client.get('/console/feed/stream?tenant=acme&after=99')).statusCode, 400);
  });

  it("streams each new event of the type as a row after the page's newest one", async () => {
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    const address = h.app.server.address() as { port: number };
    const controller = new AbortController();
    const response = await fetch(
      `http://127.0.0.1:${address.port}/console/feed/stream?tenant=acme&type=user.created&after=4`,
      {
        headers: { cookie: `${SESSION_COOKIE}=${client.cookie(SESSION_COOKIE)}` },
        signal: controller.signal,
      },
    );
    assert.equal(response.status, 200);
    assert.match(response.headers.get('content-type') ?? '', /^text\/event-stream/);
    const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
    let text = '';
    try {
      // A group first: not of the type, so it never reaches the stream.
      const group = { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'Live Group' };
      assert.equal((await h.request('POST', '/t/acme/scim/v2/Groups', group)).statusCode, 201);
      assert.equal((await h.request('POST', '/t/acme/scim/v2/Users', user('live@example.com'))).statusCode, 201);
      const deadline = Date.now() + 10_000;
      while (!/event: row\n[\s\S]*?\n\n/.test(text) && Date.now() < deadline) {
        const { value, done } = await reader.read();
        if (done) break;
        text += value;
      }
    } finally {
      controller.abort();
      await reader.cancel().catch(() => undefined);
    }
    const frame = /event: row\nid: (\d+)\n((?:data: .*\n)+)\n/.exec(text);
    assert.ok(frame, text);
    assert.equal(frame[1], '6');
    const row = frame[2]!.replace(/^data: /gm, '');
    assert.deepEqual(typesOf(row), ['user.created']);
    assert.match(row, /^<tr>/);
    assert.match(row, /live@example\.com/);
    assert.doesNotMatch(text, /Live Group/);
  });

  it('redirects a signed-out visitor to sign-in', async () => {
    const stranger = new ConsoleClient(h.app);
    for (const url of ['/console/feed', '/console/feed/stream?tenant=acme']) {
      const response = await stranger.get(url);
      assert.equal(response.statusCode, 303);
      assert.match(response.headers.location as string, /^\/console\/sign-in\?next=/);
    }
  });
});
