/**
 * Differential: the health the pass reads from totals summed by the store (`health.totals`, in
 * pages) is, for every tenant, exactly the health evaluated from all of its hourly buckets
 * folded in JavaScript (`evaluateHealth` of `health.buckets`), for random request histories, on
 * memory, SQLite and PostgreSQL. The totals themselves equal `totalsOf` of the buckets.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { logEntry } from '../store/contract/request-log.contract.js';
import type { RequestLogEntry } from '../store/events-port.js';
import { totalsOf } from '../store/health-port.js';

import { createMemoryStore } from '../store/memory/store.js';
import { openStore } from '../store/open.js';
import { padded } from '../store/sql/health.js';
import type { Store } from '../store/store.js';
import { describeEachBackend } from '../store/test-support/backends.js';
import { tenantRecord } from '../store/test-support/fixtures.js';
import { evaluateHealth, WINDOWS, windowStart, windowStarts } from './evaluate-health.js';
import { DEFAULT_HEALTH_SETTINGS, type HealthSettings } from './health-settings.js';
import { HEALTH_PAGE_TENANTS, readAllHealth, readTenantHealth } from './read-health.js';

const HOUR = 3_600_000;
const BASE = Date.parse('2024-03-10T12:00:00.000Z');

const memberPatch = {
  method: 'PATCH',
  resourceType: 'Group',
  requestBody: '{"Operations":[{"op":"add","path":"members","value":[{"value":"u1"}]}]}',
};

/** A run of `count` alike requests of one tenant at one time. */
const burst = fc.record({
  tenant: fc.nat(3),
  /** Milliseconds before now: up to 8 days, past the 7-day window; on hour boundaries too. */
  ago: fc.oneof(
    fc.integer({ min: 0, max: 8 * 24 * HOUR }),
    fc.nat(8 * 24).map((h) => h * HOUR),
  ),
  idp: fc.constantFrom('entra', 'okta', null, 'unauthenticated'),
  status: fc.constantFrom(200, 201, 204, 400, 401, 404, 409, 413, 429, 500, 502),
  scimType: fc.constantFrom(null, 'invalidValue', 'invalidFilter', 'uniqueness'),
  reference: fc.boolean(),
  count: fc.integer({ min: 1, max: 40 }),
  latencyMs: fc.double({ min: 0, max: 70_000, noNaN: true }),
});

const history = fc.record({
  /** Now, somewhere in an hour, so the windows' edges fall between and on the bursts. */
  offset: fc.nat(HOUR - 1),
  bursts: fc.array(burst, { maxLength: 30 }),
  settings: fc.record({
    atRiskFraction: fc.constantFrom(0.001, 0.01, 0.5),
    silentAfterMs: fc.constantFrom(HOUR, 2 * HOUR, 30 * HOUR),
  }),
});

let run = 0;

function differentialSuite(open: () => Promise<Store>): void {
  let store: Store;
  before(async () => {
    store = await open();
  });
  after(() => store.close());

  it('reads every tenant as its buckets evaluated in JavaScript', async () => {
    await fc.assert(
      fc.asyncProperty(history, async ({ offset, bursts, settings: s }) => {
        const now = new Date(BASE + offset);
        const settings: HealthSettings = { ...DEFAULT_HEALTH_SETTINGS, ...s };
        const r = ++run;
        const tenants = [0, 1, 2, 3].map((i) => tenantRecord(`r${r}-t${i}`));
        for (const t of tenants) await store.tenants.create(t);
        let n = 0;
        const entries: RequestLogEntry[] = bursts.flatMap((b) =>
          Array.from({ length: b.count }, () =>
            logEntry(`r${r}-e${++n}`, new Date(now.getTime() - b.ago).toISOString(), {
              tenantId: (tenants[b.tenant] as { id: string }).id,
              status: b.status,
              scimType: b.status === 400 ? b.scimType : null,
              latencyMs: b.latencyMs,
              idp: b.idp === 'unauthenticated' ? null : b.idp,
              authenticated: b.idp !== 'unauthenticated',
              ...(b.reference ? memberPatch : {}),
            }),
          ),
        );
        if (entries.length > 0) await store.requestLog.append(entries);

        const since = windowStart(now, WINDOWS['7d']);
        const all = await readAllHealth(store, now, settings);
        for (const tenant of tenants) {
          const buckets = await store.health.buckets(since, tenant.id);
          const expected = evaluateHealth(buckets, now, settings, tenant.slug);
          const read = all.find((e) => e.tenant.id === tenant.id);
          assert.deepEqual(read, { tenant: { id: tenant.id, slug: tenant.slug, name: tenant.name }, ...expected });
          const detail = await readTenantHealth(store, tenant, now, settings);
          assert.deepEqual(
            { ...detail, slowest: undefined, undeclaredAttributes: undefined },
            {
              ...read,
              slowest: undefined,
              undeclaredAttributes: undefined,
            },
          );
        }
        // The totals, in any order of the starts, are the buckets' totals.
        const ids = tenants.map((t) => t.id);
        const buckets = (await store.health.buckets(since)).filter((b) => ids.includes(b.tenantId));
        for (const starts of [windowStarts(now), [...windowStarts(now)].reverse()]) {
          assert.deepEqual(await store.health.totals(starts, ids), totalsOf(buckets, starts));
        }
      }),
      { numRuns: 20 },
    );
  });

  it('reads tenants in pages: more tenants than a page, each read once', async () => {
    const now = new Date(BASE);
    const count = HEALTH_PAGE_TENANTS * 2 + 3;
    const before = (await store.tenants.list()).length;
    const tenants = Array.from({ length: count }, (_, i) => tenantRecord(`p-${String(i).padStart(4, '0')}`));
    for (const t of tenants) await store.tenants.create(t);
    // Every tenant fails 5 of 20 requests in the last hour but one in seven, which is healthy.
    await store.requestLog.append(
      tenants.flatMap((t, i) =>
        Array.from({ length: 20 }, (_, k) =>
          logEntry(`${t.id}-${k}`, new Date(now.getTime() - 60_000).toISOString(), {
            tenantId: t.id,
            status: i % 7 !== 0 && k < 5 ? 409 : 200,
          }),
        ),
      ),
    );
    const all = await readAllHealth(store, now);
    assert.equal(all.length, before + count);
    const paged = all.filter((e) => e.tenant.id.startsWith('p-'));
    assert.deepEqual(
      paged.map((e) => [e.tenant.slug, e.state, e.windows['1h'].requests, e.windows['1h'].failures]),
      tenants.map((t, i) => [t.slug, i % 7 !== 0 ? 'degraded' : 'healthy', 20, i % 7 !== 0 ? 5 : 0]),
    );
  });
}

describe('health read differential (memory)', () => differentialSuite(async () => createMemoryStore()));
describeEachBackend('health read differential', (backend) => differentialSuite(() => backend.openStore()));

describe('health read statements (sqlite)', () => {
  it('prepares a few SQL texts for the totals of any number of tenants (in-lists padded to a power of two)', async () => {
    const prepared = new Set<string>();
    const originalPrepare = Database.prototype.prepare;
    Database.prototype.prepare = function (this: Database.Database, source: string) {
      if (/health_buckets/.test(source) && /\bsegment\b/.test(source)) prepared.add(source);
      return originalPrepare.call(this, source);
    } as typeof originalPrepare;
    const store = await openStore('sqlite::memory:');
    try {
      const now = new Date(BASE);
      for (let i = 0; i < 2 * HEALTH_PAGE_TENANTS + 37; i++) {
        await store.tenants.create(tenantRecord(`s-${String(i).padStart(4, '0')}`));
        // Every tenant count from 1 to 2 pages and more: each last page of another size.
        await readAllHealth(store, now);
      }
      await readTenantHealth(store, tenantRecord('s-0000'), now);
    } finally {
      Database.prototype.prepare = originalPrepare;
      await store.close();
    }
    // 1, 2, 4, …, 128: eight texts, whatever the number of tenants.
    assert.equal(prepared.size, Math.ceil(Math.log2(HEALTH_PAGE_TENANTS)) + 1);
  });

  it('pads an in-list with its last id up to a power of two', () => {
    assert.deepEqual(padded(['a']), ['a']);
    assert.deepEqual(padded(['a', 'b', 'c']), ['a', 'b', 'c', 'c']);
    assert.equal(padded(Array.from({ length: 100 }, (_, i) => `t${i}`)).length, 128);
  });
});
