import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { createDispatcher } from '../../events/dispatcher.js';
import { createUsers } from '../../events/test-support/outbox.js';
import { startReceiver } from '../../events/test-support/receiver.js';
import { referenceVerify } from '../../events/test-support/standard-webhooks.js';
import { sendWebhook } from '../../events/webhooks.js';
import { describeEachBackend } from '../../store/test-support/backends.js';
import { generateAdminToken } from '../../tenancy/admin-token.js';
import { type Harness, startHarness } from '../test-support/harness.js';

const admin = generateAdminToken();
const auth = { authorization: `Bearer ${admin.token}` };

describeEachBackend('admin API: change feed and webhooks', (backend) => {
  let h: Harness;
  let acme: string;
  const call = (method: string, path: string, body?: unknown) => h.request(method, `/admin/v1${path}`, body, auth);

  before(async () => {
    h = await startHarness({ backend, config: { adminTokenHash: admin.hash, webhookAllowTargets: ['127.0.0.1'] } });
    acme = (await h.store.tenants.getBySlug('acme'))!.id;
  });
  after(() => h.close());

  it('reads the feed after a cursor and refuses an expired one', async () => {
    await createUsers(h.store, acme, 3, new Date());
    const page = await call('GET', '/tenants/acme/events?limit=2');
    assert.equal(page.statusCode, 200);
    const body = page.json<{ events: { cursor: string; type: string }[]; nextCursor: string; latestCursor: string }>();
    assert.deepEqual(
      body.events.map((e) => [e.cursor, e.type]),
      [
        ['1', 'user.created'],
        ['2', 'user.created'],
      ],
    );
    assert.deepEqual([body.nextCursor, body.latestCursor], ['2', '3']);
    const rest = await call('GET', `/tenants/acme/events?after=${body.nextCursor}`);
    assert.deepEqual(
      rest.json<{ events: { seq: number }[] }>().events.map((e) => e.seq),
      [3],
    );
    const bad = await call('GET', '/tenants/acme/events?wait=61');
    assert.match(bad.json<{ detail: string }>().detail, /^invalid query: wait: /);
    const ahead = await call('GET', '/tenants/acme/events?after=99');
    assert.deepEqual(ahead.json(), {
      error: 'bad_request',
      detail: 'cursor "99" is ahead of the latest event ("3") of tenant "acme"',
    });
    await h.store.events.prune(new Date(Date.now() + 1000).toISOString());
    const expired = await call('GET', '/tenants/acme/events?after=1');
    assert.equal(expired.statusCode, 400);
    assert.match(
      expired.json<{ detail: string }>().detail,
      /^cursor "1" has expired: events up to "3" of tenant "acme"/,
    );
  });

  it('long-polls until an event is committed', async () => {
    const started = Date.now();
    const waiting = call('GET', '/tenants/globex/events?after=0&wait=10');
    setTimeout(async () => {
      const globex = (await h.store.tenants.getBySlug('globex'))!;
      await createUsers(h.store, globex.id, 1, new Date());
    }, 100);
    const res = await waiting;
    assert.deepEqual(
      res.json<{ events: { cursor: string }[] }>().events.map((e) => e.cursor),
      ['1'],
    );
    assert.ok(Date.now() - started < 5000);
  });

  it('manages a webhook end to end: create, deliver signed, inspect, rotate, replay, delete', async () => {
    const receiver = await startReceiver();
    try {
      const created = await call('POST', '/webhooks', { url: receiver.url, tenant: 'acme', description: 'CRM' });
      assert.equal(created.statusCode, 201);
      const { webhook, secret } = created.json<{ webhook: { id: string; tenant: string }; secret: string }>();
      assert.equal(webhook.tenant, 'acme');
      const latest = (await h.store.events.list(acme, 0, 0)).lastSeq;
      await createUsers(h.store, acme, 2, new Date());
      const dispatcher = createDispatcher({
        store: h.store,
        kind: 'webhook',
        deliver: (e, event, now) => sendWebhook(e, event, now, { allowTargets: ['127.0.0.1'] }),
      });
      assert.equal(await dispatcher.runOnce(), 2);
      assert.deepEqual(
        receiver.requests.map((r) => r.json.seq),
        [latest + 1, latest + 2],
      );
      for (const r of receiver.requests) assert.equal(await referenceVerify(secret, r.headers, r.body), true);

      const shown = await call('GET', `/webhooks/${webhook.id}`);
      const detail = shown.json<{ streams: { tenant: string; deliveredCursor: string; pending: number }[] }>();
      assert.deepEqual(detail.streams, [
        {
          ...detail.streams[0],
          tenant: 'acme',
          deliveredCursor: String(latest + 2),
          pending: 0,
        },
      ]);
      assert.equal(
        (await call('GET', '/webhooks'))
          .json<{ webhooks: { id: string }[] }>()
          .webhooks.some((w) => w.id === webhook.id),
        true,
      );

      const rotated = await call('POST', `/webhooks/${webhook.id}/rotate-secret`, { overlapHours: 1 });
      const next = rotated.json<{ secret: string; webhook: { secrets: { expiresAt: string | null }[] } }>();
      assert.notEqual(next.secret, secret);
      assert.equal(next.webhook.secrets.length, 2);
      const replay = await call('POST', `/webhooks/${webhook.id}/replay`, {
        tenant: 'acme',
        after: String(latest + 1),
      });
      assert.deepEqual(replay.json(), {
        webhook: webhook.id,
        tenant: 'acme',
        after: String(latest + 1),
        latestCursor: String(latest + 2),
      });
      assert.equal(await dispatcher.runOnce(), 1);
      const again = receiver.requests.at(-1)!;
      assert.equal(again.json.seq, latest + 2);
      assert.equal(await referenceVerify(secret, again.headers, again.body), true, 'the old secret still verifies');
      assert.equal(await referenceVerify(next.secret, again.headers, again.body), true);

      await h.store.endpoints.insertDeadLetter({
        id: 'dl-api',
        endpointId: webhook.id,
        tenantId: acme,
        seq: latest + 1,
        attempts: 12,
        lastError: 'HTTP 502',
        lastStatus: 502,
        deadAt: new Date().toISOString(),
        state: 'dead',
        nextAttemptAt: null,
        leaseOwner: null,
        leaseUntil: null,
      });
      const dead = await call('GET', `/webhooks/${webhook.id}/dead-letters?state=dead`);
      assert.deepEqual(
        dead.json<{ deadLetters: { id: string; cursor: string }[] }>().deadLetters.map((d) => [d.id, d.cursor]),
        [['dl-api', String(latest + 1)]],
      );
      const redelivered = await call('POST', `/webhooks/${webhook.id}/dead-letters/dl-api/redeliver`);
      assert.equal(redelivered.json<{ state: string }>().state, 'retrying');
      assert.equal(await dispatcher.runOnce(), 1);
      assert.equal((await h.store.endpoints.getDeadLetter(webhook.id, 'dl-api'))?.state, 'delivered');

      const disabled = await call('PATCH', `/webhooks/${webhook.id}`, { enabled: false });
      assert.equal(disabled.json<{ enabled: boolean }>().enabled, false);
      assert.equal((await call('DELETE', `/webhooks/${webhook.id}`)).statusCode, 200);
      assert.equal((await call('GET', `/webhooks/${webhook.id}`)).statusCode, 404);
      const invalid = await call('POST', '/webhooks', { url: 'file:///etc/passwd' });
      assert.deepEqual(invalid.json(), {
        error: 'bad_request',
        detail: 'invalid webhook URL "file:///etc/passwd": use http or https',
      });
    } finally {
      await receiver.close();
    }
  });
});

describeEachBackend('admin API: long-polls and shutdown', (backend) => {
  it('a waiting feed request answers at once when the server closes', async () => {
    const h = await startHarness({ backend, config: { adminTokenHash: admin.hash } });
    // A listening server, as in production: closing waits for requests in flight (inject does
    // not), so the store is never closed under a request that is still being answered.
    await h.app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = h.app.server.address() as { port: number };
    const started = Date.now();
    const waiting = fetch(`http://127.0.0.1:${port}/admin/v1/tenants/acme/events?wait=30`, { headers: auth });
    await new Promise((resolve) => setTimeout(resolve, 100));
    await h.close();
    const res = await waiting;
    assert.deepEqual([res.status, ((await res.json()) as { events: unknown[] }).events], [200, []]);
    assert.ok(Date.now() - started < 5000, 'the long-poll did not hold up the shutdown');
  });
});
