/**
 * The background health evaluator: each change of a tenant's state is recorded and emitted as
 * one `tenant.health_changed` event, even with several evaluators at once.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEFAULT_HEALTH_SETTINGS } from '../health/health-settings.js';
import { logEntry } from '../store/contract/request-log.contract.js';
import { createMemoryStore } from '../store/memory/store.js';
import type { Store } from '../store/store.js';
import { describeEachBackend } from '../store/test-support/backends.js';
import { tenantRecord } from '../store/test-support/fixtures.js';
import { toEventJson } from './event-json.js';
import { evaluateTenantHealth, startHealthMonitor } from './health-monitor.js';

const NOW = new Date('2024-03-10T12:30:00.000Z');
const later = (hours: number) => new Date(NOW.getTime() + hours * 3_600_000);

/** 20 requests a minute before NOW, `failures` of them 409. */
async function traffic(store: Store, tenantId: string, failures: number): Promise<void> {
  const time = new Date(NOW.getTime() - 60_000).toISOString();
  await store.requestLog.append(
    Array.from({ length: 20 }, (_, i) =>
      logEntry(`${tenantId}-${i}`, time, { tenantId, status: i < failures ? 409 : 200 }),
    ),
  );
}

function monitorSuite(open: () => Promise<Store>): void {
  it('records each change once and emits it through the outbox', async () => {
    const store = await open();
    try {
      await store.tenants.create(tenantRecord('t-bad', 'bad'));
      await store.tenants.create(tenantRecord('t-good', 'good'));
      await traffic(store, 't-bad', 1);
      await traffic(store, 't-good', 0);

      // Two evaluators at once (two processes): each change is recorded and emitted once.
      const [one, two] = await Promise.all([
        evaluateTenantHealth(store, DEFAULT_HEALTH_SETTINGS, NOW),
        evaluateTenantHealth(store, DEFAULT_HEALTH_SETTINGS, NOW),
      ]);
      assert.deepEqual([...one, ...two].map((t) => [t.slug, t.from, t.to, t.emitted]).sort(), [
        ['bad', null, 'degraded', true],
        ['good', null, 'healthy', false],
      ]);
      assert.deepEqual(
        (await store.health.states()).map((s) => [s.tenantId, s.state, s.since]),
        [
          ['t-bad', 'degraded', NOW.toISOString()],
          ['t-good', 'healthy', NOW.toISOString()],
        ],
      );
      assert.deepEqual((await store.events.list('t-good', 0, 10)).events, []);
      const [event] = (await store.events.list('t-bad', 0, 10)).events;
      const json = toEventJson(event!, 'bad');
      assert.equal(json.type, 'tenant.health_changed');
      assert.equal(json.seq, 1);
      assert.equal(json.timestamp, NOW.toISOString());
      assert.deepEqual(
        { ...json.data, resource: { ...json.data.resource, cause: undefined, fix: undefined } },
        {
          resourceType: 'Tenant',
          id: 't-bad',
          changedAttributes: ['state'],
          resource: {
            id: 't-bad',
            slug: 'bad',
            name: 'Tenant t-bad',
            state: 'degraded',
            previousState: null,
            cause: undefined,
            fix: undefined,
            requests24h: 20,
            failures24h: 1,
            failureRatio24h: 0.05,
            idps: [{ idp: 'entra', lastRequest: new Date(NOW.getTime() - 60_000).toISOString(), silent: false }],
          },
        },
      );
      assert.match(String(json.data.resource.cause), /^1 of 20 requests \(5 %\) failed in the last 24 hours/);

      // Nothing changed: nothing emitted; the pass still reports how many tenants are in each state.
      let counts: Readonly<Record<string, number>> | undefined;
      assert.deepEqual(
        await evaluateTenantHealth(store, DEFAULT_HEALTH_SETTINGS, NOW, (c) => {
          counts = c;
        }),
        [],
      );
      assert.deepEqual(counts, { at_risk: 0, silent: 0, degraded: 1, healthy: 1 });
      // Two days on, the failure left the 24-hour window and the IdP stopped calling: silent.
      const transitions = await evaluateTenantHealth(store, DEFAULT_HEALTH_SETTINGS, later(48));
      assert.deepEqual(
        transitions.map((t) => [t.slug, t.from, t.to, t.emitted]),
        [
          ['bad', 'degraded', 'silent', true],
          ['good', 'healthy', 'silent', true],
        ],
      );
      const events = (await store.events.list('t-bad', 0, 10)).events;
      assert.deepEqual(
        events.map((e) => [e.seq, e.type, e.snapshot.previousState, e.snapshot.state]),
        [
          [1, 'tenant.health_changed', null, 'degraded'],
          [2, 'tenant.health_changed', 'degraded', 'silent'],
        ],
      );
    } finally {
      await store.close();
    }
  });
}

describe('health monitor (memory)', () => {
  monitorSuite(async () => createMemoryStore());

  it('runs a pass when started and stops cleanly', async () => {
    const store = createMemoryStore();
    await store.tenants.create(tenantRecord('t-bad', 'bad'));
    await traffic(store, 't-bad', 5);
    const errors: unknown[] = [];
    const monitor = startHealthMonitor({
      store,
      settings: DEFAULT_HEALTH_SETTINGS,
      intervalMs: 60_000,
      clock: () => NOW,
      log: { warn: () => undefined, error: (obj) => errors.push(obj) },
    });
    await monitor.stop();
    assert.deepEqual(errors, []);
    assert.deepEqual(
      (await store.health.states()).map((s) => s.state),
      ['degraded'],
    );
    assert.equal((await store.events.list('t-bad', 0, 10)).events.length, 1);
  });
});
describeEachBackend('health monitor', (backend) => monitorSuite(() => backend.openStore()));
