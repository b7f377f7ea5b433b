/**
 * The evaluator's thresholds, exactly: one below a documented threshold the state is not
 * entered, at it it is (docs/operations.md "Tenant health").
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FailureCause, HealthBucket } from '../store/health-port.js';
import { noFailures } from '../store/health-rollup.js';
import { evaluateHealth, windowStart } from './evaluate-health.js';
import { atRiskThresholds, DEFAULT_HEALTH_SETTINGS } from './health-settings.js';

const NOW = new Date('2024-01-08T12:30:00.000Z');
const HOUR = 3_600_000;

/**
 * A bucket `hoursAgo` clock hours before NOW's. Its last request is a minute before NOW unless
 * told (the IdP is still calling), so only the silent tests meet `silent`.
 */
function bucket(hoursAgo: number, counts: Partial<HealthBucket> & { cause?: FailureCause } = {}): HealthBucket {
  const hour = windowStart(NOW, hoursAgo);
  const failures = counts.failures ?? 0;
  const causes = { ...noFailures(), [counts.cause ?? 'conflict']: failures };
  return {
    tenantId: 't',
    hour,
    idp: 'entra',
    requests: failures,
    failures,
    referenceFailures: 0,
    causes,
    latencySumMs: 0,
    latencyMaxMs: 0,
    lastTime: new Date(NOW.getTime() - 60_000).toISOString(),
    ...counts,
  };
}

const evaluate = (buckets: HealthBucket[], settings = DEFAULT_HEALTH_SETTINGS, now = NOW) =>
  evaluateHealth(buckets, now, settings, 'acme');
const stateOf = (...buckets: HealthBucket[]) => evaluate(buckets).state;

describe('tenant health evaluator', () => {
  it('is healthy without requests, and says how to start', () => {
    const health = evaluate([]);
    assert.equal(health.state, 'healthy');
    assert.match(health.cause, /No requests in the last 7 days/);
    assert.match(health.fix, /scimd guide acme/);
  });

  it('degraded: at least 5 % of at least 20 requests failed in the 24-hour window', () => {
    assert.equal(stateOf(bucket(5, { requests: 20, failures: 1 })), 'degraded');
    assert.equal(stateOf(bucket(5, { requests: 21, failures: 1 })), 'healthy');
    assert.equal(stateOf(bucket(5, { requests: 19, failures: 1 })), 'healthy');
    assert.equal(stateOf(bucket(5, { requests: 40, failures: 2 })), 'degraded');
    // The 24-hour window is the current hour and the 24 before it.
    assert.equal(stateOf(bucket(24, { requests: 20, failures: 1 })), 'degraded');
    assert.equal(stateOf(bucket(25, { requests: 20, failures: 1 })), 'healthy');
  });

  it('degraded: at least 10 failures in the 1-hour window, whatever the ratio', () => {
    assert.equal(stateOf(bucket(0, { requests: 10_000, failures: 9 })), 'healthy');
    assert.equal(stateOf(bucket(0, { requests: 10_000, failures: 10 })), 'degraded');
    assert.equal(stateOf(bucket(1, { requests: 10_000, failures: 10 })), 'degraded');
    assert.equal(stateOf(bucket(2, { requests: 10_000, failures: 10 })), 'healthy');
    const health = evaluate([bucket(0, { requests: 10_000, failures: 10, cause: 'unauthorized' })]);
    assert.match(health.cause, /^10 of 10000 requests failed in the last hour; the most: 10 requests refused with 401/);
    assert.match(health.fix, /scimd tokens issue acme/);
  });

  it("at_risk thresholds are the configured fraction of Entra ID's, rounded up", () => {
    assert.deepEqual(atRiskThresholds(0.5), { evaluatedAfter: 2500, percent: 40, failures: 20_000, cap: 30_000 });
    assert.deepEqual(atRiskThresholds(1), { evaluatedAfter: 5000, percent: 40, failures: 40_000, cap: 60_000 });
    assert.deepEqual(atRiskThresholds(0.333), { evaluatedAfter: 1665, percent: 40, failures: 13_320, cap: 19_980 });
  });

  // Failures older than the 24-hour window: below an at_risk threshold the tenant is healthy.
  it('at_risk: more than 40 % of requests failed (references excluded), once 2,500 failed', () => {
    assert.equal(stateOf(bucket(100, { requests: 6250, failures: 2500 })), 'healthy');
    assert.equal(stateOf(bucket(100, { requests: 6250, failures: 2501 })), 'at_risk');
    // Fewer than 2,500 failures: not evaluated, however high the ratio.
    assert.equal(stateOf(bucket(100, { requests: 2499, failures: 2499 })), 'healthy');
    assert.equal(stateOf(bucket(100, { requests: 2500, failures: 2500 })), 'at_risk');
    // Reference updates count toward the 2,500 but not toward the 40 %.
    assert.equal(stateOf(bucket(100, { requests: 6250, failures: 2600, referenceFailures: 100 })), 'healthy');
    assert.equal(stateOf(bucket(100, { requests: 6250, failures: 2601, referenceFailures: 100 })), 'at_risk');
    const health = evaluate([bucket(100, { requests: 6250, failures: 2501 })]);
    assert.match(
      health.cause,
      /^At risk of quarantine by Entra ID: in the last 7 days 40.02 % of 6250 requests failed/,
    );
    assert.match(health.fix, /6 h, 12 h, 24 h/);
  });

  it('at_risk: 20,000 failures other than reference updates, whatever the ratio', () => {
    assert.equal(stateOf(bucket(100, { requests: 1_000_000, failures: 19_999 })), 'healthy');
    assert.equal(stateOf(bucket(100, { requests: 1_000_000, failures: 20_000 })), 'at_risk');
    assert.equal(stateOf(bucket(100, { requests: 1_000_000, failures: 20_500, referenceFailures: 501 })), 'healthy');
    assert.equal(stateOf(bucket(100, { requests: 1_000_000, failures: 20_500, referenceFailures: 500 })), 'at_risk');
  });

  it('at_risk: 30,000 failures of any kind, reference updates included', () => {
    const refs = (failures: number) => bucket(100, { requests: 10_000_000, failures, referenceFailures: failures });
    assert.equal(stateOf(refs(29_999)), 'healthy');
    assert.equal(stateOf(refs(30_000)), 'at_risk');
    assert.match(evaluate([refs(30_000)]).cause, /30000 failed requests, at least 30000 \(of Entra's cap of 60,000\)/);
  });

  it('at_risk counts the 7-day window: the current hour and the 168 before it', () => {
    assert.equal(stateOf(bucket(168, { requests: 2500, failures: 2500 })), 'at_risk');
    assert.equal(stateOf(bucket(169, { requests: 2500, failures: 2500 })), 'healthy');
    const fractionOne = { ...DEFAULT_HEALTH_SETTINGS, atRiskFraction: 1 };
    assert.equal(evaluate([bucket(100, { requests: 6250, failures: 4999 })], fractionOne).state, 'healthy');
    assert.equal(evaluate([bucket(100, { requests: 6250, failures: 5000 })], fractionOne).state, 'at_risk');
  });

  it('silent: an IdP with at least 10 requests in 7 days has not called for SCIMD_HEALTH_SILENT_AFTER', () => {
    const last = (ms: number, requests = 10, idp = 'entra') =>
      bucket(3, { requests, idp, lastTime: new Date(NOW.getTime() - ms).toISOString() });
    const twoHours = 2 * HOUR;
    assert.equal(stateOf(last(twoHours)), 'silent');
    assert.equal(stateOf(last(twoHours - 1)), 'healthy');
    assert.equal(stateOf(last(twoHours, 9)), 'healthy');
    // Unauthenticated requests ('') prove no client: they never make a tenant silent.
    assert.equal(stateOf(last(twoHours, 50, '')), 'healthy');
    // One IdP silent is enough, even while another calls.
    const health = evaluate([last(twoHours + 5 * 60_000), bucket(0, { requests: 5, idp: 'okta' })]);
    assert.equal(health.state, 'silent');
    assert.match(
      health.cause,
      /^entra has not called for 2 h 5 min \(last request .*, 10 requests in the last 7 days\)\.$/,
    );
    assert.deepEqual(
      health.idps.map((a) => [a.idp, a.silent]),
      [
        ['okta', false],
        ['entra', true],
      ],
    );
    const settings = { ...DEFAULT_HEALTH_SETTINGS, silentAfterMs: 30 * 60_000 };
    assert.equal(evaluate([last(30 * 60_000)], settings).state, 'silent');
    assert.equal(evaluate([last(30 * 60_000 - 1)], settings).state, 'healthy');
  });

  it('ranks at_risk over silent over degraded', () => {
    const lastTime = new Date(NOW.getTime() - 5 * HOUR).toISOString();
    assert.equal(stateOf(bucket(5, { requests: 2500, failures: 2500, lastTime })), 'at_risk');
    assert.equal(stateOf(bucket(5, { requests: 200, failures: 100, lastTime })), 'silent');
    assert.equal(stateOf(bucket(5, { requests: 200, failures: 100 })), 'degraded');
  });

  it('reports the windows, causes and latency', () => {
    const health = evaluate([
      bucket(0, { requests: 4, failures: 1, cause: 'tooManyRequests', latencySumMs: 400, latencyMaxMs: 250 }),
      bucket(30, { requests: 6, failures: 2, cause: 'notFound', latencySumMs: 60, latencyMaxMs: 20 }),
    ]);
    assert.deepEqual(health.windows['1h'], {
      requests: 4,
      failures: 1,
      referenceFailures: 0,
      failureRatio: 0.25,
      causes: { ...noFailures(), tooManyRequests: 1 },
      latencyMaxMs: 250,
      latencyAvgMs: 100,
    });
    assert.equal(health.windows['24h'].requests, 4);
    assert.deepEqual(health.windows['7d'].causes, { ...noFailures(), tooManyRequests: 1, notFound: 2 });
    assert.equal(health.windows['7d'].latencyAvgMs, 46);
    assert.deepEqual(health.quarantine, {
      failures: 3,
      nonReferenceFailures: 3,
      requests: 10,
      thresholds: atRiskThresholds(0.5),
    });
  });
});
