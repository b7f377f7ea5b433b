import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import type { EndpointRecord } from '../store/events-port.js';
import { createDispatcher } from './dispatcher.js';
import type { EventJson } from './event-json.js';
import { INTERNAL_TARGETS } from './test-support/internal-targets.js';
import { createUsers, createWebhook, manualClock, openOutboxStore } from './test-support/outbox.js';
import { startReceiver } from './test-support/receiver.js';
import { type ResolvedAddress, sendWebhook } from './webhooks.js';

const NOW = new Date('2026-01-15T10:00:00.000Z');
const EVENT = { id: 'evt_t_1', type: 'user.created', seq: 1 } as unknown as EventJson;

function endpointAt(url: string): EndpointRecord {
  return {
    id: 'wh-1',
    kind: 'webhook',
    name: null,
    tenantId: null,
    url,
    description: null,
    secrets: [{ secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', created: NOW.toISOString(), expiresAt: null }],
    enabled: true,
    created: NOW.toISOString(),
  };
}

/** A raw HTTP server on 127.0.0.1 that counts requests; `handle` writes the answer. */
async function startServer(
  handle: (res: import('node:http').ServerResponse) => void,
): Promise<{ port: number; count: () => number; close: () => Promise<void> }> {
  let count = 0;
  const server: Server = createServer((req, res) => {
    count++;
    req.resume();
    req.on('end', () => handle(res));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    count: () => count,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A resolver answering `addresses` for every name, recording what it was asked. */
function fakeResolver(addresses: readonly ResolvedAddress[]) {
  const asked: string[] = [];
  return {
    asked,
    resolve: async (hostname: string) => {
      asked.push(hostname);
      return addresses;
    },
  };
}

const LOOPBACK = [{ address: '127.0.0.1', family: 4 }] as const;
const LOCAL = { allowTargets: ['127.0.0.1'] };

describe('sending a webhook: what lastError says', () => {
  it('keeps only the status and a scimd-written reason, never the bytes of the answer', async () => {
    const server = await startServer((res) => {
      res.writeHead(500, 'aws_secret_access_key=wJalrXUtnFEMI', { 'x-leak': 'token=abc' });
      res.end('{"error":"db password is hunter2"}');
    });
    try {
      const outcome = await sendWebhook(endpointAt(`http://127.0.0.1:${server.port}/hook`), EVENT, NOW, LOCAL);
      assert.deepEqual(outcome, { ok: false, status: 500, error: 'HTTP 500 from the endpoint' });
    } finally {
      await server.close();
    }
  });

  it('does not follow a redirect, even to a public-looking place', async () => {
    const target = await startServer((res) => res.end('ok'));
    const server = await startServer((res) => {
      res.writeHead(302, { location: `http://127.0.0.1:${target.port}/elsewhere` });
      res.end('moved');
    });
    try {
      const outcome = await sendWebhook(endpointAt(`http://127.0.0.1:${server.port}/hook`), EVENT, NOW, LOCAL);
      assert.deepEqual(outcome, {
        ok: false,
        status: 302,
        error: 'HTTP 302 from the endpoint (redirects are not followed)',
      });
      assert.equal(target.count(), 0);
    } finally {
      await server.close();
      await target.close();
    }
  });

  it('names a refused connection and a timeout in its own words', async () => {
    const closed = await startServer(() => undefined);
    const { port } = closed;
    await closed.close();
    assert.deepEqual(await sendWebhook(endpointAt(`http://127.0.0.1:${port}/`), EVENT, NOW, LOCAL), {
      ok: false,
      status: null,
      error: 'connection refused',
    });
    const hanging = await startServer(() => undefined);
    try {
      const url = `http://127.0.0.1:${hanging.port}/`;
      assert.deepEqual(await sendWebhook(endpointAt(url), EVENT, NOW, { ...LOCAL, timeoutMs: 50 }), {
        ok: false,
        status: null,
        error: 'timed out after 50 ms',
      });
    } finally {
      await hanging.close();
    }
  });

  it('answers 2xx as a success', async () => {
    const server = await startServer((res) => {
      res.statusCode = 202;
      res.end('queued');
    });
    try {
      const outcome = await sendWebhook(endpointAt(`http://127.0.0.1:${server.port}/`), EVENT, NOW, LOCAL);
      assert.deepEqual(outcome, { ok: true, status: 202, error: null });
    } finally {
      await server.close();
    }
  });
});

describe('sending a webhook: internal targets', () => {
  it(`refuses all ${INTERNAL_TARGETS.length} internal URL forms already stored, before connecting`, async () => {
    const { asked, resolve } = fakeResolver(LOOPBACK);
    for (const [url, reason] of INTERNAL_TARGETS) {
      assert.deepEqual(
        await sendWebhook(endpointAt(url), EVENT, NOW, { resolve }),
        { ok: false, status: null, error: `target refused: ${reason}` },
        url,
      );
    }
    assert.deepEqual(asked, [], 'nothing was even resolved');
  });

  it('refuses a host name that resolves to a loopback address: nothing is sent', async () => {
    const receiver = await startReceiver();
    const { asked, resolve } = fakeResolver(LOOPBACK);
    try {
      const url = receiver.url.replace('127.0.0.1', 'hooks.example.com');
      assert.deepEqual(await sendWebhook(endpointAt(url), EVENT, NOW, { resolve }), {
        ok: false,
        status: null,
        error: 'target refused: hooks.example.com resolves to 127.0.0.1, a loopback address (127.0.0.0/8)',
      });
      assert.deepEqual(asked, ['hooks.example.com']);
      assert.equal(receiver.requests.length, 0);
    } finally {
      await receiver.close();
    }
  });

  it('refuses a host name when any of its addresses is internal', async () => {
    const { resolve } = fakeResolver([
      { address: '93.184.215.14', family: 4 },
      { address: '::ffff:169.254.169.254', family: 6 },
    ]);
    assert.deepEqual(await sendWebhook(endpointAt('https://hooks.example.com/x'), EVENT, NOW, { resolve }), {
      ok: false,
      status: null,
      error:
        'target refused: hooks.example.com resolves to ::ffff:a9fe:a9fe, the IPv4-mapped form of 169.254.169.254, a link-local address (169.254.0.0/16)',
    });
  });

  it('connects to the address it checked (an allowed network), keeping the host name in Host', async () => {
    const receiver = await startReceiver();
    const { resolve } = fakeResolver(LOOPBACK);
    try {
      const url = receiver.url.replace('127.0.0.1', 'hooks.example.com');
      const outcome = await sendWebhook(endpointAt(url), EVENT, NOW, { resolve, allowTargets: ['127.0.0.0/8'] });
      assert.deepEqual(outcome, { ok: true, status: 204, error: null });
      assert.equal(receiver.requests.length, 1);
      assert.equal(receiver.requests[0]!.headers.host, new URL(url).host);
    } finally {
      await receiver.close();
    }
  });

  it('checks an https target the same way (the TLS connection goes through the same lookup)', async () => {
    const receiver = await startReceiver();
    const { asked, resolve } = fakeResolver(LOOPBACK);
    try {
      const url = receiver.url.replace('http://127.0.0.1', 'https://hooks.example.com');
      assert.deepEqual(await sendWebhook(endpointAt(url), EVENT, NOW, { resolve }), {
        ok: false,
        status: null,
        error: 'target refused: hooks.example.com resolves to 127.0.0.1, a loopback address (127.0.0.0/8)',
      });
      // Allowed, it connects to the checked address, where a plain-HTTP server fails the handshake.
      const allowed = await sendWebhook(endpointAt(url), EVENT, NOW, { resolve, allowTargets: ['127.0.0.0/8'] });
      assert.deepEqual(allowed, { ok: false, status: null, error: 'TLS failed (EPROTO)' });
      assert.deepEqual(asked, ['hooks.example.com', 'hooks.example.com']);
      assert.equal(receiver.requests.length, 0);
    } finally {
      await receiver.close();
    }
  });

  it('uses the system resolver by default: localhost is refused unless the allow list names it', async () => {
    const receiver = await startReceiver();
    try {
      const url = receiver.url.replace('127.0.0.1', 'localhost');
      assert.deepEqual(await sendWebhook(endpointAt(url), EVENT, NOW), {
        ok: false,
        status: null,
        error: 'target refused: localhost is a single-label host name, resolved inside the local network',
      });
      assert.equal(receiver.requests.length, 0);
      const allowed = await sendWebhook(endpointAt(url), EVENT, NOW, { allowTargets: ['localhost'] });
      assert.deepEqual(allowed, { ok: true, status: 204, error: null });
      assert.equal(receiver.requests.length, 1);
    } finally {
      await receiver.close();
    }
  });

  it('through the dispatcher: the stream records the policy reason and the receiver sees nothing', async () => {
    const store = await openOutboxStore();
    const receiver = await startReceiver();
    const { resolve } = fakeResolver(LOOPBACK);
    try {
      const url = receiver.url.replace('127.0.0.1', 'rebound.example.com');
      const endpoint = await createWebhook(store, url);
      const clock = manualClock();
      await createUsers(store, 't-acme', 1, clock());
      const dispatcher = createDispatcher({
        store,
        kind: 'webhook',
        clock,
        random: () => 0.5,
        deliver: (e, event, now) => sendWebhook(e, event, now, { resolve }),
      });
      assert.equal(await dispatcher.runOnce(), 1);
      const [stream] = await store.endpoints.listStreams(endpoint.id);
      assert.deepEqual(
        [stream!.deliveredSeq, stream!.attempts, stream!.lastStatus, stream!.lastError],
        [0, 1, null, 'target refused: rebound.example.com resolves to 127.0.0.1, a loopback address (127.0.0.0/8)'],
      );
      assert.equal(receiver.requests.length, 0);
    } finally {
      await receiver.close();
      await store.close();
    }
  });
});
