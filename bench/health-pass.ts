/**
 * What one tenant health pass costs at 10,000 tenants (issue #18.3; src/events/health-monitor.ts):
 * every SCIMD_HEALTH_INTERVAL each scimd process evaluates every tenant from the hourly rollups.
 *
 *   npm run bench:health-pass                                   # SQLite, 10,000 tenants
 *   npm run bench:health-pass -- --tenants=1000 --backends=sqlite,postgres   # PostgreSQL needs SCIMD_BENCH_PG_URL
 *   npm run bench:health-pass -- --database=postgres://…        # PostgreSQL at that server only
 *
 * In process, no HTTP. Each tenant gets a full 7 days of hourly buckets of one IdP (`entra`,
 * a sync every 40 minutes: 2 to 60 requests an hour) written straight into `health_buckets`;
 * 8 % of tenants fail now and then, 2 % fail a third of their requests, 1 % stopped calling 3
 * hours ago. Then, on the same store and clock:
 *
 * - `before`: the read as it was, every bucket of the 7-day window (`health.buckets`) folded in
 *   JavaScript per tenant (`evaluateHealth`);
 * - `after`: `readAllHealth`, per tenant and IdP totals summed by the database
 *   (`health.totals`), in pages of HEALTH_PAGE_TENANTS tenants;
 * - `pass`: `evaluateTenantHealth` in steady state (every state already recorded, so it only
 *   reads and compares), the work the monitor does every interval.
 *
 * For each: wall time, this process's CPU (process.cpuUsage), the longest the event loop was
 * blocked (perf_hooks monitorEventLoopDelay max), rows the store returned, and on a local
 * PostgreSQL the CPU of its backends. The `before` and `after` results are compared and must be
 * identical. Run it on a quiet machine; it asserts only that sameness.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import pg from 'pg';
import { evaluateTenantHealth } from '../src/events/health-monitor.js';
import { evaluateHealth, WINDOWS, windowStart } from '../src/health/evaluate-health.js';
import { DEFAULT_HEALTH_SETTINGS } from '../src/health/health-settings.js';
import { HEALTH_PAGE_TENANTS, readAllHealth, type TenantHealthEntry } from '../src/health/read-health.js';
import type { HealthBucket, HealthRepository } from '../src/store/health-port.js';
import { openStore } from '../src/store/open.js';
import { FAILURE_COLUMNS } from '../src/store/sql/migrations/0006-health.js';
import type { Store } from '../src/store/store.js';
import { cpuBetween, databaseCpu } from './lib/database-cpu.js';
import { scratchDatabase } from './lib/systems.js';
import { seedPostgresTenantRows, seedSqliteTenantRows } from './seed/tenants.js';
import { listOption, postgresBaseUrl } from './store-cost/seeded.js';

type Backend = 'sqlite' | 'postgres';

const HOUR = 3_600_000;
const HOURS = WINDOWS['7d'] + 1;
/** `health_buckets`' columns in the order `bucketRows` yields them (migration 0006). */
const COLUMNS = [
  'tenant_id',
  'hour',
  'idp',
  'requests',
  'failures',
  'reference_failures',
  ...FAILURE_COLUMNS,
  'latency_sum',
  'latency_max',
  'last_time',
] as const;

/** A small deterministic generator (mulberry32), so every run seeds the same history. */
function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Tenant `index`'s 169 buckets (fewer when it stopped calling), as rows in COLUMNS order. */
function* bucketRows(tenantId: string, index: number, now: Date): Generator<unknown[]> {
  const next = random(index + 1);
  const kind = index % 100; // 0–7 fail now and then, 8–9 fail a third, 10 stopped calling
  const first = Date.parse(windowStart(now, WINDOWS['7d']));
  for (let h = 0; h < HOURS; h++) {
    const hour = first + h * HOUR;
    if (kind === 10 && hour > now.getTime() - 3 * HOUR) break;
    const requests = 2 + Math.floor(next() * 59);
    let failures = 0;
    if (kind < 8 && next() < 0.1) failures = 1 + Math.floor(next() * 3);
    if (kind === 8 || kind === 9) failures = Math.floor(requests / 3);
    const causes: number[] = FAILURE_COLUMNS.map(() => 0);
    causes[kind === 8 ? 1 : 2] = failures; // notFound or conflict
    const latencyMax = 40 + Math.floor(next() * 400);
    const last = Math.min(hour + Math.floor(next() * HOUR), now.getTime() - 1000);
    yield [
      tenantId,
      new Date(hour).toISOString(),
      'entra',
      requests,
      failures,
      0,
      ...causes,
      requests * 35,
      latencyMax,
      new Date(last).toISOString(),
    ];
  }
}

async function seedSqlite(tenants: number, now: Date): Promise<{ url: string; dispose(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'scimd-health-pass-'));
  const file = join(dir, 'scimd.db');
  const seeded = await seedSqliteTenantRows(file, tenants);
  const db = new Database(file);
  try {
    const insert = db.prepare(
      `insert into health_buckets (${COLUMNS.join(', ')}) values (${COLUMNS.map(() => '?').join(', ')})`,
    );
    db.transaction(() => {
      for (const [i, t] of seeded.entries()) for (const row of bucketRows(t.id, i, now)) insert.run(...row);
    })();
  } finally {
    db.close();
  }
  return { url: `file:${file}`, dispose: async () => rmSync(dir, { recursive: true, force: true }) };
}

async function seedPostgres(
  base: string,
  tenants: number,
  now: Date,
): Promise<{ url: string; database: string; dispose(): Promise<void> }> {
  const database = `scimd_health_${process.pid}`;
  const { url, drop } = await scratchDatabase(base, database);
  const seeded = await seedPostgresTenantRows(url, tenants);
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const types = COLUMNS.map((c) =>
      c === 'tenant_id' || c === 'hour' || c === 'idp' || c === 'last_time' ? 'text' : 'bigint',
    );
    const statement = `insert into health_buckets (${COLUMNS.join(', ')})
      select * from unnest(${types.map((t, i) => `$${i + 1}::${t}[]`).join(', ')})`;
    let batch: unknown[][] = COLUMNS.map(() => []);
    const flush = async () => {
      if ((batch[0] as unknown[]).length > 0) await client.query(statement, batch);
      batch = COLUMNS.map(() => []);
    };
    for (const [i, t] of seeded.entries()) {
      for (const row of bucketRows(t.id, i, now)) for (const [c, value] of row.entries()) batch[c]?.push(value);
      if ((batch[0] as unknown[]).length >= 20_000) await flush();
    }
    await flush();
    await client.query('analyze');
  } finally {
    await client.end();
  }
  return {
    url,
    database,
    dispose: drop,
  };
}

/** The read as it was before `health.totals`: every bucket of the window, folded in JavaScript. */
async function readAllHealthByBuckets(store: Store, now: Date): Promise<TenantHealthEntry[]> {
  const [tenants, buckets, guards] = await Promise.all([
    store.tenants.list(),
    store.health.buckets(windowStart(now, WINDOWS['7d'])),
    store.guard.list(),
  ]);
  const held = new Map(guards.filter((g) => g.state === 'tripped').map((g) => [g.tenantId, { since: g.since }]));
  const byTenant = new Map<string, HealthBucket[]>();
  for (const bucket of buckets) {
    const list = byTenant.get(bucket.tenantId);
    if (list === undefined) byTenant.set(bucket.tenantId, [bucket]);
    else list.push(bucket);
  }
  const bySlug = [...tenants].sort((a, b) => (a.slug < b.slug ? -1 : a.slug > b.slug ? 1 : 0));
  return bySlug.map((tenant) => ({
    tenant: { id: tenant.id, slug: tenant.slug, name: tenant.name },
    ...evaluateHealth(byTenant.get(tenant.id) ?? [], now, DEFAULT_HEALTH_SETTINGS, tenant.slug, held.get(tenant.id)),
  }));
}

/** `store` whose health repository counts the rows `buckets` and `totals` return. */
function counting(store: Store): { store: Store; rows: { n: number } } {
  const rows = { n: 0 };
  const health: HealthRepository = {
    ...store.health,
    buckets: async (...args) => {
      const result = await store.health.buckets(...args);
      rows.n += result.length;
      return result;
    },
    totals: async (...args) => {
      const result = await store.health.totals(...args);
      rows.n += result.length;
      return result;
    },
  };
  const proxy = new Proxy(store, {
    get: (target, key) => (key === 'health' ? health : Reflect.get(target, key, target)),
  });
  return { store: proxy, rows };
}

interface Measure {
  readonly wallMs: number;
  readonly cpuMs: number;
  readonly blockMs: number;
  readonly rows: number;
  readonly dbCpuMs: number | undefined;
}

async function measure<T>(
  fn: (store: Store) => Promise<T>,
  store: Store,
  dbCpu: (() => Promise<ReadonlyMap<number, number>>) | undefined,
): Promise<{ result: T; m: Measure }> {
  const counted = counting(store);
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  const dbBefore = await dbCpu?.();
  histogram.enable();
  // The histogram records from its second tick on: let it tick before the work starts.
  await new Promise((resolve) => setTimeout(resolve, 20));
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  const result = await fn(counted.store);
  const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
  const used = process.cpuUsage(cpu);
  await new Promise((resolve) => setTimeout(resolve, 20)); // the last block is recorded on the next turn
  histogram.disable();
  const dbAfter = await dbCpu?.();
  return {
    result,
    m: {
      wallMs,
      cpuMs: (used.user + used.system) / 1000,
      blockMs: histogram.max / 1e6,
      rows: counted.rows.n,
      dbCpuMs: dbBefore && dbAfter ? cpuBetween(dbBefore, dbAfter) : undefined,
    },
  };
}

const ms = (n: number) => (n >= 100 ? n.toFixed(0) : n.toFixed(1));

function line(backend: Backend, tenants: number, label: string, m: Measure): string {
  return `| ${backend} | ${tenants.toLocaleString('en')} | ${label} | ${ms(m.wallMs)} | ${ms(m.cpuMs)} | ${ms(
    m.blockMs,
  )} | ${m.rows.toLocaleString('en')} | ${m.dbCpuMs === undefined ? '–' : ms(m.dbCpuMs)} |`;
}

/** The run of `runs` with the median wall time. */
function median(ms: Measure[]): Measure {
  return [...ms].sort((a, b) => a.wallMs - b.wallMs)[Math.floor(ms.length / 2)] as Measure;
}

async function main(): Promise<void> {
  const tenants = Number(listOption('tenants', ['10000'])[0]);
  const runs = Number(listOption('runs', ['3'])[0]);
  const database = listOption('database', [])[0];
  const pgBase = database ?? postgresBaseUrl();
  const backends = listOption(
    'backends',
    database ? ['postgres'] : pgBase ? ['sqlite', 'postgres'] : ['sqlite'],
  ) as Backend[];
  const now = new Date();
  const lines = [
    `| backend | tenants | read | wall ms | CPU ms | longest event-loop block ms | rows read | PostgreSQL CPU ms |`,
    '| --- | --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const backend of backends) {
    process.stderr.write(`seeding ${tenants} tenants × ${HOURS} hours on ${backend}…\n`);
    const seed =
      backend === 'sqlite'
        ? { ...(await seedSqlite(tenants, now)), database: undefined }
        : await (() => {
            if (pgBase === undefined) throw new Error('set SCIMD_BENCH_PG_URL or pass --database for PostgreSQL');
            return seedPostgres(pgBase, tenants, now);
          })();
    const store = await openStore(seed.url);
    const cpu = seed.database && pgBase ? await databaseCpu(pgBase, seed.database) : undefined;
    try {
      // Records every tenant's first state, so the timed passes only read and compare.
      await evaluateTenantHealth(store, DEFAULT_HEALTH_SETTINGS, now);
      const timed: [string, (s: Store) => Promise<unknown>][] = [
        ['before: every bucket, folded in JS', (s) => readAllHealthByBuckets(s, now)],
        [`after: totals in SQL, pages of ${HEALTH_PAGE_TENANTS}`, (s) => readAllHealth(s, now)],
        ['pass (evaluateTenantHealth, steady state)', (s) => evaluateTenantHealth(s, DEFAULT_HEALTH_SETTINGS, now)],
      ];
      const results: unknown[] = [];
      for (const [label, fn] of timed) {
        const measures: Measure[] = [];
        let result: unknown;
        for (let r = 0; r < runs; r++) {
          const run = await measure(fn, store, cpu?.snapshot);
          measures.push(run.m);
          result = run.result;
        }
        results.push(result);
        lines.push(line(backend, tenants, label, median(measures)));
        process.stderr.write(`${lines[lines.length - 1]}\n`);
      }
      assert.deepEqual(results[1], results[0], 'the aggregated read must evaluate every tenant as the bucket read');
      assert.deepEqual(results[2], [], 'a steady-state pass records no transition');
      const states = new Map<string, number>();
      for (const e of results[1] as TenantHealthEntry[]) states.set(e.state, (states.get(e.state) ?? 0) + 1);
      process.stderr.write(`identical results; states: ${JSON.stringify(Object.fromEntries(states))}\n`);
    } finally {
      await cpu?.close();
      await store.close();
      await seed.dispose();
    }
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

await main();
