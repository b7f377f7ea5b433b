import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createDispatcher } from '../events/dispatcher.js';
import { INTERNAL_TARGETS, PUBLIC_TARGETS } from '../events/test-support/internal-targets.js';
import { createUsers, manualClock, openOutboxStore } from '../events/test-support/outbox.js';
import type { ScimError } from '../scim/errors.js';
import { assertScimError } from '../store/test-support/fixtures.js';
import {
  createWebhook,
  deleteWebhook,
  getWebhook,
  listWebhookStreams,
  listWebhooks,
  rotateWebhookSecret,
  updateWebhook,
} from './webhook-admin.js';
import { listDeadLetters, redeliverDeadLetter, replayWebhook } from './webhook-deliveries.js';

describe('webhook administration', () => {
  it('creates webhooks for a tenant or all, shows the secret once and a hint after', async () => {
    const store = await openOutboxStore();
    const clock = manualClock();
    try {
      const { webhook, secret } = await createWebhook(
        store,
        { url: 'https://app.example.com/scim-events', tenant: 'acme', description: ' CRM sync ' },
        clock(),
      );
      assert.match(secret, /^whsec_[A-Za-z0-9+/]{43}=$/);
      assert.deepEqual(
        { ...webhook, id: 'x' },
        {
          id: 'x',
          kind: 'webhook',
          name: null,
          tenant: 'acme',
          url: 'https://app.example.com/scim-events',
          description: 'CRM sync',
          enabled: true,
          created: clock().toISOString(),
          secrets: [{ hint: `whsec_…${secret.slice(-4)}`, created: clock().toISOString(), expiresAt: null }],
        },
      );
      const all = await createWebhook(store, { url: 'http://127.0.0.1:3000/hook' }, clock(), {
        allowTargets: ['127.0.0.1'],
      });
      assert.equal(all.webhook.tenant, null);
      assert.deepEqual(
        (await listWebhooks(store)).map((w) => w.id),
        [webhook.id, all.webhook.id].sort(),
      );
      assert.deepEqual(await getWebhook(store, webhook.id), webhook);
      await assertScimError(createWebhook(store, { url: 'ftp://x' }, clock()), 400, undefined, 'use http or https');
      await assertScimError(createWebhook(store, { url: 'not a url' }, clock()), 400, undefined, 'absolute http');
      await assertScimError(
        createWebhook(store, { url: 'https://u:p@x.example' }, clock()),
        400,
        undefined,
        'must not contain credentials',
      );
      await assertScimError(
        createWebhook(store, { url: 'https://x', tenant: 'nope' }, clock()),
        404,
        undefined,
        'nope',
      );
      await assertScimError(getWebhook(store, 'missing'), 404, undefined, 'webhook "missing" not found');
    } finally {
      await store.close();
    }
  });

  it('refuses every URL form that points inside the network, on create and update, storing nothing', async () => {
    const store = await openOutboxStore();
    try {
      const { webhook } = await createWebhook(store, { url: 'https://hooks.example.com/x' }, new Date());
      for (const [url, reason] of INTERNAL_TARGETS) {
        const detail = `webhook URL ${JSON.stringify(url)} refused: ${reason}; scimd does not send webhooks into internal networks unless SCIMD_WEBHOOK_ALLOW_TARGETS lists the receiver`;
        await assert.rejects(createWebhook(store, { url }, new Date()), (error: ScimError) => {
          assert.deepEqual([error.status, error.scimType, error.detail], [400, undefined, detail], url);
          return true;
        });
        await assertScimError(updateWebhook(store, webhook.id, { url }), 400, undefined, detail);
      }
      assert.deepEqual(
        (await store.endpoints.list()).map((e) => e.url),
        ['https://hooks.example.com/x'],
      );
      for (const url of PUBLIC_TARGETS) {
        assert.equal((await createWebhook(store, { url }, new Date())).webhook.url, new URL(url).href, url);
      }
    } finally {
      await store.close();
    }
  });

  it('accepts an internal receiver named by the allow list (host name, address or CIDR), and nothing else', async () => {
    const store = await openOutboxStore();
    try {
      const allowTargets = ['hooks.internal', '10.1.0.0/16', '::1', 'localhost'];
      const create = (url: string) => createWebhook(store, { url }, new Date(), { allowTargets });
      for (const url of [
        'http://hooks.internal:8080/x',
        'http://10.1.2.3/x',
        'http://[::1]/x',
        'http://localhost:3000/x',
      ]) {
        assert.equal((await create(url)).webhook.url, url, url);
      }
      await assertScimError(create('http://10.2.0.1/x'), 400, undefined, '10.2.0.1 is a private address (10.0.0.0/8)');
      await assertScimError(create('http://127.0.0.1/x'), 400, undefined, '127.0.0.1 is a loopback address');
      await assertScimError(create('http://intranet/x'), 400, undefined, 'intranet is a single-label');
    } finally {
      await store.close();
    }
  });

  it("never shows bytes of a receiver's answer kept by an older version in lastError", async () => {
    const store = await openOutboxStore();
    const clock = manualClock();
    try {
      const { webhook } = await createWebhook(store, { url: 'https://a.example/x' }, clock());
      await createUsers(store, 't-acme', 1, clock());
      // Before #12.6 the sender stored `HTTP <status>: <start of the body>`.
      const legacy = 'HTTP 503: <html>internal admin: password=hunter2</html>';
      const dispatcher = createDispatcher({
        store,
        kind: 'webhook',
        clock,
        deliver: async () => ({ ok: false, status: 503, error: legacy }),
      });
      assert.equal(await dispatcher.runOnce(), 1);
      assert.equal((await store.endpoints.listStreams(webhook.id))[0]!.lastError, legacy);
      const [stream] = await listWebhookStreams(store, webhook.id);
      assert.deepEqual([stream!.lastStatus, stream!.lastError], [503, 'HTTP 503 from the endpoint']);
      await store.endpoints.insertDeadLetter({
        id: 'dl-legacy',
        endpointId: webhook.id,
        tenantId: 't-acme',
        seq: 1,
        attempts: 12,
        lastError: 'HTTP 500: {"secret":"x"}',
        lastStatus: 500,
        deadAt: clock().toISOString(),
        state: 'dead',
        nextAttemptAt: null,
        leaseOwner: null,
        leaseUntil: null,
      });
      const [dead] = await listDeadLetters(store, webhook.id);
      assert.equal(dead!.lastError, 'HTTP 500 from the endpoint');
      const redelivered = await redeliverDeadLetter(store, webhook.id, 'dl-legacy', clock());
      assert.equal(redelivered.lastError, 'HTTP 500 from the endpoint');
    } finally {
      await store.close();
    }
  });

  it('updates, disables and deletes', async () => {
    const store = await openOutboxStore();
    try {
      const { webhook } = await createWebhook(store, { url: 'https://a.example/x' }, new Date());
      const updated = await updateWebhook(store, webhook.id, { url: 'https://b.example/y', enabled: false });
      assert.deepEqual([updated.url, updated.enabled, updated.description], ['https://b.example/y', false, null]);
      assert.equal((await updateWebhook(store, webhook.id, { description: 'x' })).description, 'x');
      assert.equal((await updateWebhook(store, webhook.id, { description: null })).description, null);
      assert.deepEqual(await deleteWebhook(store, webhook.id), { ...updated, description: null });
      await assertScimError(deleteWebhook(store, webhook.id), 404, undefined, 'not found');
    } finally {
      await store.close();
    }
  });

  it('rotates the secret: the old one keeps signing for the overlap, then expires', async () => {
    const store = await openOutboxStore();
    const clock = manualClock();
    try {
      const { webhook, secret: first } = await createWebhook(store, { url: 'https://a.example/x' }, clock());
      clock.advance(1000);
      const { secret: second, webhook: rotated } = await rotateWebhookSecret(store, webhook.id, clock(), 60_000);
      assert.notEqual(second, first);
      assert.deepEqual(
        rotated.secrets.map((s) => [s.hint, s.expiresAt]),
        [
          [`whsec_…${first.slice(-4)}`, new Date(clock.ms + 60_000).toISOString()],
          [`whsec_…${second.slice(-4)}`, null],
        ],
      );
      clock.advance(120_000);
      const { webhook: again } = await rotateWebhookSecret(store, webhook.id, clock());
      assert.equal(again.secrets.length, 2, 'the expired first secret is dropped');
      assert.equal(again.secrets[0]!.hint, `whsec_…${second.slice(-4)}`);
    } finally {
      await store.close();
    }
  });

  it('shows delivery positions, dead letters, redelivery and replay', async () => {
    const store = await openOutboxStore();
    const clock = manualClock();
    try {
      const { webhook } = await createWebhook(store, { url: 'https://a.example/x' }, clock());
      await createUsers(store, 't-acme', 3, clock());
      assert.deepEqual(
        (await listWebhookStreams(store, webhook.id)).map((s) => [
          s.tenant,
          s.deliveredCursor,
          s.latestCursor,
          s.pending,
        ]),
        [['acme', '0', '3', 3]],
      );
      await store.endpoints.insertDeadLetter({
        id: 'dl-1',
        endpointId: webhook.id,
        tenantId: 't-acme',
        seq: 2,
        attempts: 12,
        lastError: 'HTTP 500',
        lastStatus: 500,
        deadAt: clock().toISOString(),
        state: 'dead',
        nextAttemptAt: null,
        leaseOwner: null,
        leaseUntil: null,
      });
      const [dead] = await listDeadLetters(store, webhook.id, { tenant: 'acme' });
      assert.deepEqual(dead, {
        id: 'dl-1',
        tenant: 'acme',
        cursor: '2',
        eventId: 'evt_t-acme_2',
        state: 'dead',
        attempts: 12,
        lastStatus: 500,
        lastError: 'HTTP 500',
        deadAt: clock().toISOString(),
        nextAttemptAt: null,
      });
      await assertScimError(
        listDeadLetters(store, webhook.id, { state: 'lost' }),
        400,
        undefined,
        'dead, retrying, delivered',
      );
      const retrying = await redeliverDeadLetter(store, webhook.id, 'dl-1', clock());
      assert.deepEqual(
        [retrying.state, retrying.attempts, retrying.nextAttemptAt],
        ['retrying', 0, clock().toISOString()],
      );
      await assertScimError(
        redeliverDeadLetter(store, webhook.id, 'nope', clock()),
        404,
        undefined,
        'dead letter "nope"',
      );

      await store.endpoints.setStreamPosition(webhook.id, 't-acme', 3, clock().toISOString());
      assert.deepEqual(await replayWebhook(store, webhook.id, 'acme', '1', clock()), {
        webhook: webhook.id,
        tenant: 'acme',
        after: '1',
        latestCursor: '3',
      });
      assert.equal((await listWebhookStreams(store, webhook.id))[0]!.deliveredCursor, '1');
      await assertScimError(replayWebhook(store, webhook.id, 'acme', '9', clock()), 400, 'invalidCursor', 'ahead');
      clock.advance(1000);
      await store.events.prune(clock().toISOString());
      await assertScimError(
        replayWebhook(store, webhook.id, 'acme', '0', clock()),
        400,
        'expiredCursor',
        'has expired',
      );
      const scoped = await createWebhook(store, { url: 'https://a.example/x', tenant: 'globex' }, clock());
      await assertScimError(
        replayWebhook(store, scoped.webhook.id, 'acme', '0', clock()),
        400,
        undefined,
        `does not receive tenant "acme"'s events`,
      );
    } finally {
      await store.close();
    }
  });
});
