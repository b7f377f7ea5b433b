/**
 * Tenant health end to end through the store: synthetic request histories appended to the
 * provisioning log enter each state exactly at its threshold, on memory, SQLite and PostgreSQL.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { logEntry } from '../store/contract/request-log.contract.js';
import type { RequestLogEntry } from '../store/events-port.js';
import { createMemoryStore } from '../store/memory/store.js';
import type { Store } from '../store/store.js';
import { describeEachBackend } from '../store/test-support/backends.js';
import { tenantRecord } from '../store/test-support/fixtures.js';
import { DEFAULT_HEALTH_SETTINGS } from './health-settings.js';
import { countTenantsByState, readAllHealth, readTenantHealth } from './read-health.js';

const NOW = new Date('2024-03-10T12:30:00.000Z');
const ago = (ms: number) => new Date(NOW.getTime() - ms).toISOString();
const HOUR = 3_600_000;
/** A hundredth of Entra's thresholds: evaluated after 50 failures, 400 non-reference, cap 600. */
const SMALL = { ...DEFAULT_HEALTH_SETTINGS, atRiskFraction: 0.01 };

let n = 0;
/** `count` requests of `tenant` at `time`, the first `failures` of them failing with `status`. */
function history(
  tenant: string,
  time: string,
  count: number,
  failures: number,
  overrides: Partial<RequestLogEntry> = {},
  status = 409,
): RequestLogEntry[] {
  return Array.from({ length: count }, (_, i) =>
    logEntry(`e${++n}`, time, {
      tenantId: tenant,
      status: i < failures ? status : 200,
      ...overrides,
    }),
  );
}

const memberPatch = {
  method: 'PATCH',
  resourceType: 'Group',
  requestBody: '{"Operations":[{"op":"add","path":"members","value":[{"value":"u1"}]}]}',
};

function statesSuite(open: () => Promise<Store>): void {
  it('enters each state exactly at its threshold', async () => {
    const store = await open();
    try {
      const tenants = [
        'deg-at',
        'deg-below',
        'ratio-at',
        'ratio-below',
        'cap-at',
        'cap-below',
        'silent-at',
        'silent-below',
        'idle',
      ];
      for (const t of tenants) await store.tenants.create(tenantRecord(t));
      // Still calling: every tenant but the silent ones has a request a minute ago.
      const calling = (t: string) => history(t, ago(60_000), 1, 0);
      await store.requestLog.append([
        // degraded: 5 % of at least 20 requests in 24 h (1 of 20 at, 1 of 21 below).
        ...history('deg-at', ago(3 * HOUR), 19, 1),
        ...calling('deg-at'),
        ...history('deg-below', ago(3 * HOUR), 20, 1),
        ...calling('deg-below'),
        // at_risk (a hundredth): more than 40 % failing once 50 failed, outside the 24 h window.
        ...history('ratio-at', ago(30 * HOUR), 124, 51),
        ...calling('ratio-at'),
        ...history('ratio-below', ago(30 * HOUR), 124, 50),
        ...calling('ratio-below'),
        // at_risk: 600 failures counting reference updates, which the ratio and 400 leave out.
        ...history('cap-at', ago(30 * HOUR), 600, 600, memberPatch, 404),
        ...calling('cap-at'),
        ...history('cap-below', ago(30 * HOUR), 599, 599, memberPatch, 404),
        ...calling('cap-below'),
        // silent: 10 requests, the last SCIMD_HEALTH_SILENT_AFTER (2 h) ago, or a second less.
        ...history('silent-at', ago(5 * HOUR), 9, 0),
        ...history('silent-at', ago(2 * HOUR), 1, 0),
        ...history('silent-below', ago(5 * HOUR), 9, 0),
        ...history('silent-below', ago(2 * HOUR - 1000), 1, 0),
      ]);
      const states = Object.fromEntries((await readAllHealth(store, NOW, SMALL)).map((h) => [h.tenant.slug, h.state]));
      assert.deepEqual(states, {
        'deg-at': 'degraded',
        'deg-below': 'healthy',
        'ratio-at': 'at_risk',
        'ratio-below': 'healthy',
        'cap-at': 'at_risk',
        'cap-below': 'healthy',
        'silent-at': 'silent',
        'silent-below': 'healthy',
        idle: 'healthy',
      });
      assert.deepEqual(await countTenantsByState(store, NOW, SMALL), {
        at_risk: 2,
        silent: 1,
        degraded: 1,
        healthy: 5,
      });
      // At the default fraction the same histories are far from Entra's thresholds.
      assert.deepEqual(await countTenantsByState(store, NOW), { at_risk: 0, silent: 1, degraded: 1, healthy: 7 });
    } finally {
      await store.close();
    }
  });

  it('details one tenant: windows, IdPs, slowest requests and undeclared attributes', async () => {
    const store = await open();
    try {
      const tenant = tenantRecord('detail');
      await store.tenants.create(tenant);
      await store.requestLog.append([
        logEntry('d1', ago(10 * 60_000), { tenantId: 'detail', latencyMs: 800, ignoredAttributes: ['nickName'] }),
        logEntry('d2', ago(9 * 60_000), { tenantId: 'detail', status: 429, latencyMs: 5 }),
        logEntry('d3', ago(30 * HOUR), { tenantId: 'detail', latencyMs: 9000, idp: 'okta' }),
        logEntry('d4', ago(8 * 60_000), { tenantId: 'detail', ignoredAttributes: ['nickName', 'badge'] }),
      ]);
      const health = await readTenantHealth(store, tenant, NOW);
      assert.equal(health.state, 'healthy');
      assert.deepEqual(health.tenant, { id: 'detail', slug: 'detail', name: 'Tenant detail' });
      assert.equal(health.windows['1h'].requests, 3);
      assert.equal(health.windows['1h'].causes.tooManyRequests, 1);
      assert.equal(health.windows['7d'].requests, 4);
      assert.deepEqual(
        health.idps.map((a) => [a.idp, a.lastRequest, a.requests7d]),
        [
          ['entra', ago(8 * 60_000), 3],
          ['okta', ago(30 * HOUR), 1],
        ],
      );
      // The slowest of the last 24 hours (d3 is older).
      assert.deepEqual(
        health.slowest.map((s) => [s.id, s.latencyMs]),
        [
          ['d1', 800],
          ['d4', 12],
          ['d2', 5],
        ],
      );
      assert.deepEqual(
        health.undeclaredAttributes.map((a) => [a.attribute, a.count]),
        [
          ['nickName', 2],
          ['badge', 1],
        ],
      );
    } finally {
      await store.close();
    }
  });
}

describe('tenant health states (memory)', () => statesSuite(async () => createMemoryStore()));
describeEachBackend('tenant health states', (backend) => statesSuite(() => backend.openStore()));
