/**
 * The per-tenant windows of the provisioning log's unauthenticated limit hold only tenants heard
 * from in the last minute: driving 10,000 tenants through it and closing the minute leaves none.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createUnauthenticatedLimit } from './log-unauthenticated-limit.js';

describe('unauthenticated log limit with many tenants', () => {
  it('forgets every tenant once its minute is closed', () => {
    const warnings: unknown[] = [];
    const limit = createUnauthenticatedLimit(1, { warn: (fields: unknown) => warnings.push(fields) } as never);
    const start = 1_000_000;
    for (let t = 0; t < 10_000; t++) {
      assert.equal(limit.admit(`tenant-${t}`, start), true);
      assert.equal(limit.admit(`tenant-${t}`, start), false, 'over the limit of one a minute');
    }
    limit.closeWindows(start + 60_000);
    assert.equal(warnings.length, 10_000, 'each tenant reported once when its minute closed');
    // Nothing was kept: a later close has nothing to report, and every tenant starts afresh.
    limit.closeWindows(start + 10 * 60_000);
    assert.equal(warnings.length, 10_000);
    assert.equal(limit.admit('tenant-0', start + 60_001), true);
  });
});
