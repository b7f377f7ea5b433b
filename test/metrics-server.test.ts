/**
 * The metrics listener as `scimd serve` runs it (issue #16.1): started and stopped by
 * startServer, apart from the SCIM port, and absent with SCIMD_METRICS=off.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { loadConfig } from '../src/config/config.js';
import { startServer } from '../src/server.js';

const BASE = { SCIMD_DATABASE_URL: 'memory:', SCIMD_PORT: '0', SCIMD_HOST: '127.0.0.1', SCIMD_LOG_LEVEL: 'silent' };

describe('the metrics listener', () => {
  it('serves /metrics on its own port while the server runs, and stops with it', async () => {
    const server = await startServer(loadConfig({ ...BASE, SCIMD_METRICS_PORT: '0' }));
    let metricsUrl: string | undefined;
    try {
      metricsUrl = server.metricsUrl;
      assert.match(metricsUrl ?? '', /^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
      assert.notEqual(new URL(metricsUrl!).port, new URL(server.url).port);
      assert.equal((await fetch(`${server.url}/scim/v2/Users`)).status, 401);
      const response = await fetch(metricsUrl!);
      assert.equal(response.status, 200);
      assert.match(response.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
      const text = await response.text();
      assert.ok(
        text.includes(
          'scimd_scim_requests_total{route="/scim/v2/Users",method="GET",status_class="4xx",idp="unknown"} 1',
        ),
        text,
      );
      assert.ok(text.includes('scimd_auth_failures_total{reason="missing"} 1'));
      // prom-client's process metrics.
      assert.match(text, /^nodejs_eventloop_lag_seconds \d/m);
      assert.match(text, /^process_resident_memory_bytes \d/m);
      // The health monitor's first pass (at start) counts the tenants in each state: none yet.
      let health = '';
      for (let i = 0; i < 100 && !health.includes('scimd_tenant_health_state{state="healthy"}'); i++) {
        health = await (await fetch(metricsUrl!)).text();
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      for (const state of ['healthy', 'degraded', 'at_risk', 'silent']) {
        assert.ok(health.includes(`scimd_tenant_health_state{state="${state}"} 0`), state);
      }
      assert.equal((await fetch(new URL('/other', metricsUrl))).status, 404);
      // The main port has no /metrics without SCIMD_METRICS_TOKEN_HASH.
      assert.equal((await fetch(`${server.url}/metrics`)).status, 404);
    } finally {
      await server.close();
    }
    await assert.rejects(fetch(metricsUrl!));
  });

  it('is absent with SCIMD_METRICS=off, and so is /metrics on the main port', async () => {
    const server = await startServer(
      loadConfig({ ...BASE, SCIMD_METRICS: 'off', SCIMD_METRICS_TOKEN_HASH: `sha256:${'0'.repeat(64)}` }),
    );
    try {
      assert.equal(server.metricsUrl, undefined);
      assert.equal((await fetch(`${server.url}/metrics`)).status, 404);
    } finally {
      await server.close();
    }
  });

  it('fails to start when its port is taken, closing what it opened', async () => {
    const first = await startServer(loadConfig({ ...BASE, SCIMD_METRICS_PORT: '0' }));
    try {
      const port = new URL(first.metricsUrl!).port;
      await assert.rejects(startServer(loadConfig({ ...BASE, SCIMD_METRICS_PORT: port })), /EADDRINUSE/);
    } finally {
      await first.close();
    }
  });
});
