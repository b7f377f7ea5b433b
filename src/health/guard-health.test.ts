/** A tripped deprovision guard in tenant health (docs/guard.md, docs/operations.md "Tenant health"). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { HealthBucket } from '../store/health-port.js';
import { noFailures } from '../store/health-rollup.js';
import { evaluateHealth, windowStart } from './evaluate-health.js';
import { DEFAULT_HEALTH_SETTINGS } from './health-settings.js';

const NOW = new Date('2024-01-08T12:30:00.000Z');
const HELD = { since: '2024-01-08T12:00:00.000Z' };

function bucket(failures: number, requests: number): HealthBucket {
  return {
    tenantId: 't',
    hour: windowStart(NOW, 1),
    idp: 'entra',
    requests,
    failures,
    referenceFailures: 0,
    causes: { ...noFailures(), conflict: failures },
    latencySumMs: 0,
    latencyMaxMs: 0,
    lastTime: new Date(NOW.getTime() - 60_000).toISOString(),
  };
}

describe('tenant health with a tripped deprovision guard', () => {
  it('makes a healthy tenant degraded, with the guard as cause and release as fix', () => {
    const health = evaluateHealth([bucket(0, 100)], NOW, DEFAULT_HEALTH_SETTINGS, 'acme', HELD);
    assert.equal(health.state, 'degraded');
    assert.equal(
      health.cause,
      "Deprovision guard tripped at 2024-01-08T12:00:00.000Z: a mass deprovision was detected and delivery of this tenant's change events is held (they are still recorded).",
    );
    assert.equal(
      health.fix,
      'Check with the customer that the deprovisioning is intended (scimd guard show acme), then deliver the held events with scimd guard release acme.',
    );
  });

  it('keeps a worse state and leads its cause and fix with the guard', () => {
    const plain = evaluateHealth([bucket(60, 100)], NOW, DEFAULT_HEALTH_SETTINGS, 'acme');
    const held = evaluateHealth([bucket(60, 100)], NOW, DEFAULT_HEALTH_SETTINGS, 'acme', HELD);
    assert.equal(plain.state, 'degraded');
    assert.equal(held.state, plain.state);
    assert.ok(held.cause.startsWith('Deprovision guard tripped'));
    assert.ok(held.cause.endsWith(`Also: ${plain.cause}`));
    assert.ok(held.fix.endsWith(`Also: ${plain.fix}`));
  });

  it('changes nothing without a hold', () => {
    const buckets = [bucket(0, 100)];
    assert.deepEqual(
      evaluateHealth(buckets, NOW, DEFAULT_HEALTH_SETTINGS, 'acme', undefined),
      evaluateHealth(buckets, NOW, DEFAULT_HEALTH_SETTINGS, 'acme'),
    );
  });
});
