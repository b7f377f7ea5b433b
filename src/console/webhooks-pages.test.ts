import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { createDispatcher } from '../events/dispatcher.js';
import { createUsers } from '../events/test-support/outbox.js';
import { type Harness, startHarness } from '../http/test-support/harness.js';
import { describeEachBackend } from '../store/test-support/backends.js';
import { generateAdminToken } from '../tenancy/admin-token.js';
import { ConsoleClient, pageText } from './test-support/console-client.js';

const admin = generateAdminToken();
/** Nothing listens there: the target policy allows it because the harness lists 127.0.0.1. */
const TARGET = 'http://127.0.0.1:9/scim-events';

describeEachBackend('console: webhooks pages', (backend) => {
  let h: Harness;
  let client: ConsoleClient;
  let acme: string;
  let webhookId: string;

  before(async () => {
    h = await startHarness({ backend, config: { adminTokenHash: admin.hash, webhookAllowTargets: ['127.0.0.1'] } });
    acme = (await h.store.tenants.getBySlug('acme'))!.id;
    client = new ConsoleClient(h.app);
    assert.equal((await client.signIn(admin.token)).statusCode, 303);
  });
  after(() => h.close());

  it('lists no webhook at first, with the create form', async () => {
    const page = await client.get('/console/webhooks');
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /<a href="\/console\/webhooks" aria-current="page">Webhooks<\/a>/);
    assert.match(pageText(page.body), /No webhooks yet\./);
    assert.match(page.body, /<option value="acme">acme<\/option>/);
  });

  it('refuses an internal target the policy does not allow, keeping the form', async () => {
    await client.get('/console/webhooks');
    const refused = await client.post('/console/webhooks', {
      url: 'http://10.1.2.3/hook',
      tenant: 'acme',
      description: 'x',
    });
    assert.equal(refused.statusCode, 400);
    assert.match(
      refused.body,
      /<p class="alert" role="alert">webhook URL &quot;http:\/\/10\.1\.2\.3\/hook&quot; refused: /,
    );
    assert.match(refused.body, /value="http:\/\/10\.1\.2\.3\/hook"/);
    assert.deepEqual(await h.store.endpoints.list(), []);
  });

  it('creates a webhook and shows its signing secret once', async () => {
    await client.get('/console/webhooks');
    const created = await client.post('/console/webhooks', { url: TARGET, tenant: 'acme', description: 'CRM <sync>' });
    assert.equal(created.statusCode, 200, created.body);
    const secret = /<code id="signing-secret">(whsec_[^<]+)<\/code>/.exec(created.body)?.[1];
    assert.ok(secret, 'the secret is on the page');
    assert.match(created.body, /data-copy="signing-secret"/);
    const [endpoint] = await h.store.endpoints.list();
    assert.equal(endpoint!.url, TARGET);
    assert.equal(endpoint!.tenantId, acme);
    assert.equal(endpoint!.secrets[0]!.secret, secret);
    webhookId = endpoint!.id;
    assert.match(created.body, /CRM &lt;sync&gt;/);

    const list = await client.get('/console/webhooks');
    assert.equal(list.body.includes(secret), false, 'the secret is shown once');
    assert.match(list.body, new RegExp(`href="/console/webhooks/${webhookId}"`));
    const detail = await client.get(`/console/webhooks/${webhookId}`);
    assert.equal(detail.statusCode, 200);
    assert.equal(detail.body.includes(secret), false);
    // The hint's last characters are base64 (`+`, `/`, `=`): compared as text, not as a pattern.
    assert.ok(pageText(detail.body).includes(`whsec_…${secret.slice(-4)}`), 'the hint is shown');
  });

  it('shows the delivery backlog and the last error per tenant', async () => {
    await createUsers(h.store, acme, 2, new Date());
    // One failed attempt: the receiver answered 503.
    const dispatcher = createDispatcher({
      store: h.store,
      kind: 'webhook',
      deliver: async () => ({ ok: false, status: 503, error: 'HTTP 503 from the endpoint' }),
    });
    assert.equal(await dispatcher.runOnce(), 1);
    const detail = await client.get(`/console/webhooks/${webhookId}`);
    const streams = /<table>\s*<caption class="visually-hidden">Delivery per tenant<\/caption>[\s\S]*?<\/table>/.exec(
      detail.body,
    )?.[0];
    assert.ok(streams, detail.body);
    assert.match(
      pageText(streams),
      /^Delivery per tenant Tenant Delivered up to Latest Backlog Attempts Last attempt Next attempt Last error acme 0 2 2 1 .* \(HTTP 503\) .* HTTP 503 from the endpoint$/,
    );
    const list = await client.get('/console/webhooks');
    assert.match(list.body, /<span class="badge bad">2<\/span>/);
    assert.match(pageText(list.body), /HTTP 503 from the endpoint \(acme\)/);
  });

  it('lists a dead letter and redelivers it', async () => {
    await h.store.endpoints.insertDeadLetter({
      id: 'dl-console',
      endpointId: webhookId,
      tenantId: acme,
      seq: 1,
      attempts: 12,
      lastError: 'HTTP 502 from the endpoint',
      lastStatus: 502,
      deadAt: new Date().toISOString(),
      state: 'dead',
      nextAttemptAt: null,
      leaseOwner: null,
      leaseUntil: null,
    });
    const detail = await client.get(`/console/webhooks/${webhookId}`);
    const action = `/console/webhooks/${webhookId}/dead-letters/dl-console/redeliver`;
    assert.match(detail.body, new RegExp(`<form method="post" action="${action}">`));
    assert.match(pageText(detail.body), /Dead letters .* 1 \S+ acme dead 12 HTTP 502 from the endpoint/);

    const noCsrf = await client.post(action, { _csrf: '' });
    assert.equal(noCsrf.statusCode, 403);
    assert.equal((await h.store.endpoints.getDeadLetter(webhookId, 'dl-console'))?.state, 'dead');

    await client.get(`/console/webhooks/${webhookId}`);
    const redelivered = await client.post(action, {});
    assert.equal(redelivered.statusCode, 200);
    assert.match(pageText(redelivered.body), /Event 1 of acme will be delivered again now, on its own\./);
    assert.equal((await h.store.endpoints.getDeadLetter(webhookId, 'dl-console'))?.state, 'retrying');
    assert.doesNotMatch(redelivered.body, new RegExp(`action="${action}"`), 'no Redeliver button while it retries');
  });

  it('replays from a cursor, and refuses one ahead of the latest event', async () => {
    await client.get(`/console/webhooks/${webhookId}`);
    const ahead = await client.post(`/console/webhooks/${webhookId}/replay`, { tenant: 'acme', after: '99' });
    assert.equal(ahead.statusCode, 400);
    assert.match(
      ahead.body,
      /<p class="alert" role="alert">cursor &quot;99&quot; is ahead of the latest event \(&quot;2&quot;\) of tenant &quot;acme&quot;<\/p>/,
    );
    const replay = await client.post(`/console/webhooks/${webhookId}/replay`, { tenant: 'acme', after: '1' });
    assert.equal(replay.statusCode, 200);
    assert.match(pageText(replay.body), /Replay scheduled: acme's events after cursor 1 \(up to 2 now\)/);
    const [stream] = await h.store.endpoints.listStreams(webhookId);
    assert.equal(stream!.deliveredSeq, 1);
  });

  it('disables and enables delivery, rotates the secret, then deletes after confirmation', async () => {
    await client.get(`/console/webhooks/${webhookId}`);
    const disabled = await client.post(`/console/webhooks/${webhookId}/enabled`, { enabled: 'false' });
    assert.equal(disabled.statusCode, 200);
    assert.equal((await h.store.endpoints.get(webhookId))?.enabled, false);
    assert.match(disabled.body, /<span class="badge disabled">disabled<\/span>/);
    await client.post(`/console/webhooks/${webhookId}/enabled`, { enabled: 'true' });
    assert.equal((await h.store.endpoints.get(webhookId))?.enabled, true);

    const rotated = await client.post(`/console/webhooks/${webhookId}/rotate-secret`, {});
    const secret = /<code id="signing-secret">(whsec_[^<]+)<\/code>/.exec(rotated.body)?.[1];
    assert.ok(secret);
    assert.equal((await h.store.endpoints.get(webhookId))?.secrets.at(-1)?.secret, secret);

    const unconfirmed = await client.post(`/console/webhooks/${webhookId}/delete`, {});
    assert.equal(unconfirmed.statusCode, 400);
    assert.match(unconfirmed.body, /<p class="alert" role="alert">Tick the box to confirm/);
    assert.notEqual(await h.store.endpoints.get(webhookId), undefined);
    const noCsrf = await client.post(`/console/webhooks/${webhookId}/delete`, { _csrf: '', confirm: 'yes' });
    assert.equal(noCsrf.statusCode, 403);
    assert.notEqual(await h.store.endpoints.get(webhookId), undefined);
    await client.get(`/console/webhooks/${webhookId}`);
    const deleted = await client.post(`/console/webhooks/${webhookId}/delete`, { confirm: 'yes' });
    assert.equal(deleted.statusCode, 303);
    assert.equal(deleted.headers.location, `/console/webhooks?deleted=${encodeURIComponent(TARGET)}`);
    assert.equal(await h.store.endpoints.get(webhookId), undefined);
    assert.equal((await client.get(`/console/webhooks/${webhookId}`)).statusCode, 404);
  });

  it('refuses a create without the CSRF token and changes nothing', async () => {
    const refused = await client.post('/console/webhooks', { _csrf: '', url: TARGET });
    assert.equal(refused.statusCode, 403);
    assert.deepEqual(await h.store.endpoints.list(), []);
  });
});
