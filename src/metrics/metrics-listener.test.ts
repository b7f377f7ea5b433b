import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { Registry } from 'prom-client';
import { loadConfig } from '../config/config.js';
import { type RunningServer, startServer } from '../server.js';
import { type MetricsListener, startMetricsListener } from './metrics-listener.js';

describe('the metrics listener', () => {
  let listener: MetricsListener;
  let origin: string;
  before(async () => {
    const registry = new Registry();
    registry.registerMetric({
      name: 'test_metric',
      help: 'A test metric.',
      type: 'gauge',
      get: async () => ({
        name: 'test_metric',
        help: 'A test metric.',
        type: 'gauge',
        values: [{ value: 7, labels: {} }],
        aggregator: 'sum',
      }),
      reset: () => undefined,
    } as unknown as Parameters<Registry['registerMetric']>[0]);
    listener = await startMetricsListener(
      { exposition: () => registry.metrics(), contentType: registry.contentType },
      '127.0.0.1',
      0,
    );
    origin = new URL(listener.url).origin;
  });
  after(() => listener.close());

  it('serves the exposition at /metrics', async () => {
    const res = await fetch(listener.url);
    assert.equal(res.status, 200);
    assert.match(String(res.headers.get('content-type')), /^text\/plain; version=0\.0\.4/);
    assert.match(await res.text(), /^test_metric 7$/m);
  });

  it('answers /healthz 200 {"status":"ok"}, like the SCIM port', async () => {
    const res = await fetch(`${origin}/healthz`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'application/json; charset=utf-8');
    assert.deepEqual(await res.json(), { status: 'ok' });
    const head = await fetch(`${origin}/healthz`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(await head.text(), '');
  });

  it('refuses other paths with 404 and other methods with 405', async () => {
    const missing = await fetch(`${origin}/readyz`);
    assert.equal(missing.status, 404);
    assert.equal(await missing.text(), 'Not found: try /metrics or /healthz\n');
    const post = await fetch(`${origin}/healthz`, { method: 'POST' });
    assert.equal(post.status, 405);
    assert.equal(post.headers.get('allow'), 'GET, HEAD');
  });
});

describe('liveness while the SCIM port is at SCIMD_MAX_CONNECTIONS', () => {
  let dir: string;
  let server: RunningServer;
  const sockets: Socket[] = [];
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'scimd-listener-'));
    const config = loadConfig({
      SCIMD_DATABASE_URL: `file:${join(dir, 'scimd.db')}`,
      SCIMD_HOST: '127.0.0.1',
      SCIMD_PORT: '0',
      SCIMD_METRICS_PORT: '0',
      SCIMD_MAX_CONNECTIONS: '2',
      SCIMD_CONSOLE: 'off',
      SCIMD_LOG_LEVEL: 'silent',
    });
    server = await startServer(config);
  });
  after(async () => {
    for (const socket of sockets) socket.destroy();
    await server.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps answering /healthz on the metrics port when the SCIM port closes new connections', async () => {
    const { port } = new URL(server.url);
    // Two idle connections fill the SCIM port; wait until the server has accepted them.
    for (let i = 0; i < 2; i++) {
      const socket = connect(Number(port), '127.0.0.1');
      sockets.push(socket);
      await new Promise((resolve) => socket.once('connect', resolve));
    }
    let refused: unknown;
    for (let tries = 0; refused === undefined && tries < 50; tries++) {
      refused = await fetch(`${server.url}/healthz`).then(
        (res) => res.body?.cancel(),
        (error: unknown) => error,
      );
    }
    assert.ok(refused instanceof TypeError, 'the SCIM port should close a third connection');
    const metricsOrigin = new URL(server.metricsUrl!).origin;
    const res = await fetch(`${metricsOrigin}/healthz`);
    assert.equal(res.status, 200);
    assert.deepEqual(await res.json(), { status: 'ok' });
  });
});
