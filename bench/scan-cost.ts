/**
 * What a filter on an attribute without a projected column costs (issue #18.1b): the store
 * must scan the tenant's users in SQL, so the figure that matters is the cost per user scanned.
 *
 *   npm run bench:scan                                   # SQLite at 1,000 / 20,000 / 100,000 users
 *   npm run bench:scan -- --sizes=100000 --backends=sqlite,postgres  # PostgreSQL needs SCIMD_BENCH_PG_URL
 *   npm run bench:scan -- --others=3                     # three other tenants of the same size
 *   npm run bench:scan -- --writes=3000                  # what keeping the scan tables costs a write
 *   npm run bench:scan -- --migration --sizes=100000     # how long 0012 takes on a database at 0011
 *
 * In process, no HTTP: the benchmark directory is seeded for the measured tenant and for
 * `--others` other tenants (default 1) of the same size (bench/seed/scimd.ts), then each filter
 * below is run through `TenantReader.query` (a page of 100, as a SCIM list asks) and the median
 * wall time of several runs is reported, with the time per user in the tenant. On SQLite each
 * filter also runs, query by query in turn, through two stores over the same file: one whose
 * dialect does not read `resource_scan_elements` (multi-valued attributes walk the folded copy
 * with `json_each`: the comparison before migration 0012), and one whose dialect keeps no folded
 * copy of the body (the comparison before migration 0009, which read every wide row and folded
 * every value compared through the JavaScript function `scim_fold`). Run it on a quiet machine; it asserts
 * nothing.
 *
 * `--writes=N` measures writes instead: N creates of benchmark users, then N Entra-like PATCHes
 * (a new title; a new work email), each its own transaction, on a store with the element rows of
 * 0012-element-scan and on one without them (their table and triggers dropped: the layout of
 * 0011), alternating the two stores round by round; it reports the median µs per write of each.
 */

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { checkFilter } from '../src/scim/filter/check.js';
import { parseFilter } from '../src/scim/filter/parse.js';
import { USER_RESOURCE_TYPE } from '../src/scim/schema/registry.js';
import { openStore } from '../src/store/open.js';
import { createSqlStore, openSqlStore } from '../src/store/sql/sql-store.js';
import { connect } from '../src/store/sql/sqlite/connect.js';
import { dialect as sqliteDialect } from '../src/store/sql/sqlite/dialect.js';
import type { Store } from '../src/store/store.js';
import { createTenant } from '../src/tenancy/tenants.js';
import { scratchDatabase } from './lib/systems.js';
import { createBenchTenant, seedPostgresTenants, seedSqliteTenants } from './seed/scimd.js';
import { ENTERPRISE_USER, title, userBody } from './shared/directory.mjs';
import { type Backend, listOption, postgresBaseUrl } from './store-cost/seeded.js';

/** Filters on attributes without a column, each naming a user near the end of the directory. */
function filtersFor(size: number): [label: string, filter: string][] {
  const i = size - 7;
  return [
    ['title eq (1 hit)', `title eq ${JSON.stringify(title(i).toUpperCase())}`],
    ['name.familyName co (1 hit)', `name.familyName co "mily${i}"`],
    ['emails[value eq] (1 hit)', `emails[type eq "work" and value eq "USER${i}@bench.example"]`],
    ['department eq (2 % of users)', `${ENTERPRISE_USER}:department eq "dept 7"`],
    ['title sw (no hit)', 'title sw "nobody"'],
    ['emails[type eq].value sw (1 hit)', `emails[type eq "work"].value sw "user${i}@"`],
    ['emails.value eq (1 hit)', `emails.value eq "user${i}@bench.example"`],
    ['emails[value sw] (1 hit)', `emails[value sw "user${i}@"]`],
    ['title eq or emails[value co] (1 hit)', `title eq "nobody" or emails[value co "r${i}@"]`],
  ];
}

interface Seeded {
  readonly store: Store;
  readonly tenantId: string;
  readonly url: string;
  dispose(): Promise<void>;
}

/** The measured tenant and `others` tenants, each with the directory of `size` users. */
async function seeded(backend: Backend, size: number, others: number): Promise<Seeded> {
  let url: string;
  let drop = async () => {};
  if (backend === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'scimd-scan-'));
    url = `file:${join(dir, 'scimd.db')}`;
    drop = async () => rmSync(dir, { recursive: true, force: true });
  } else {
    const base = postgresBaseUrl();
    if (base === undefined) throw new Error('set SCIMD_BENCH_PG_URL or SCIMD_TEST_PG_URL for PostgreSQL');
    ({ url, drop } = await scratchDatabase(base, `scimd_scan_${process.pid}_${size}`));
  }
  const { tenantId } = await createBenchTenant(url);
  const setup = await openStore(url);
  const ids = [tenantId];
  for (let k = 0; k < others; k++) {
    ids.push((await createTenant(setup, { slug: `other-${k}`, name: `Other ${k}` }, new Date())).id);
  }
  await setup.close();
  if (backend === 'sqlite') seedSqliteTenants(url.slice('file:'.length), ids, size);
  else await seedPostgresTenants(url, ids, size);
  const store = await openStore(url);
  return {
    store,
    tenantId,
    url,
    async dispose() {
      await store.close();
      await drop();
    },
  };
}

/** The SQLite dialect as it was before 0009: no folded copy, `scim_fold` on every row compared. */
const { foldedBody: _unused, ...fragmentsWithoutCopy } = sqliteDialect.fragments;
const sqliteWithoutCopy = { ...sqliteDialect, fragments: fragmentsWithoutCopy };

/** The SQLite dialect as it was before 0012: multi-valued filters walk the copy with `json_each`. */
const foldedBody = sqliteDialect.fragments.foldedBody;
const sqliteWithoutElementRows = {
  ...sqliteDialect,
  fragments: {
    ...sqliteDialect.fragments,
    ...(foldedBody ? { foldedBody: { ...foldedBody, elementRows: false } } : {}),
  },
};

/**
 * Median ms of a page of `filter` through each of `stores`, the stores taking turns query by
 * query (after one warm-up each), so that every figure is measured under the same load.
 */
async function measureAlternating(stores: readonly Store[], tenantId: string, filter: string, runs: number) {
  const checked = checkFilter(parseFilter(filter), USER_RESOURCE_TYPE);
  const page = (store: Store) =>
    store.forTenant(tenantId).query('User', { filter: checked, startIndex: 1, count: 100 });
  for (const store of stores) await page(store);
  const samples: number[][] = stores.map(() => []);
  for (let run = 0; run < runs; run++) {
    for (const [k, store] of stores.entries()) {
      const start = performance.now();
      await page(store);
      samples[k]!.push(performance.now() - start);
    }
  }
  return samples.map((xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!);
}

const format = (ms: number) => (ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2));
const perUser = (ms: number, size: number) => `${((ms * 1e6) / size).toFixed(0)} ns`;

/** A store on a new SQLite file, with the element rows of 0012 or without them (0011's layout). */
async function writeStore(dir: string, name: string, elements: boolean): Promise<Store> {
  const file = join(dir, `${name}.db`);
  const db = connect(file);
  const store = await openSqlStore({
    db,
    dialect: sqliteDialect,
    capabilities: { sharedAcrossProcesses: false, durable: true },
  });
  if (!elements) {
    for (const t of ['insert', 'update', 'delete'])
      await sql`drop trigger ${sql.raw(`resource_scan_elements_${t}`)}`.execute(db);
    await sql`drop table resource_scan_elements`.execute(db);
  }
  await store.tenants.create({ id: 't', slug: 't', name: 'T', status: 'active', created: new Date().toISOString() });
  return store;
}

/** µs per write: `n` creates from user `first` on, then `n` PATCHes of each kind of those users. */
async function writeRound(store: Store, first: number, n: number): Promise<Record<string, number>> {
  const tenant = store.forTenant('t');
  const now = () => new Date().toISOString();
  const timed = async (write: (i: number) => Promise<unknown>) => {
    const start = process.hrtime.bigint();
    for (let i = first; i < first + n; i++) await write(i);
    return Number(process.hrtime.bigint() - start) / 1000 / n;
  };
  const body = (i: number) => userBody(i) as Record<string, unknown>;
  return {
    create: await timed((i) =>
      tenant.transaction((tx) => tx.insertResource({ id: `u${i}`, resourceType: 'User', body: body(i), now: now() })),
    ),
    'PATCH title': await timed((i) =>
      tenant.transaction((tx) => tx.replaceResource('User', `u${i}`, { ...body(i), title: `New ${i}` }, now())),
    ),
    'PATCH work email': await timed((i) =>
      tenant.transaction((tx) =>
        tx.replaceResource(
          'User',
          `u${i}`,
          { ...body(i), title: `New ${i}`, emails: [{ value: `new${i}@bench.example`, type: 'work', primary: true }] },
          now(),
        ),
      ),
    ),
  };
}

async function measureWrites(n: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'scimd-scan-writes-'));
  const stores = {
    'element rows (0012)': await writeStore(dir, 'after', true),
    'no element rows (0011)': await writeStore(dir, 'before', false),
  };
  const samples: Record<string, Record<string, number[]>> = {};
  try {
    const rounds = 5;
    const perRound = Math.ceil(n / rounds);
    for (let round = 0; round < rounds; round++) {
      // Alternate which store goes first, so that neither always runs right after the other.
      const order = Object.entries(stores);
      if (round % 2) order.reverse();
      for (const [label, store] of order) {
        const figures = await writeRound(store, round * perRound, perRound);
        for (const [kind, us] of Object.entries(figures)) {
          const byLabel = samples[kind] ?? {};
          samples[kind] = byLabel;
          byLabel[label] = [...(byLabel[label] ?? []), us];
        }
      }
    }
  } finally {
    for (const store of Object.values(stores)) await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  const labels = Object.keys(stores);
  const lines = [`| write | ${labels.join(' | ')} | ratio |`, `| --- | ${labels.map(() => '---').join(' | ')} | --- |`];
  for (const [kind, byLabel] of Object.entries(samples)) {
    const [a, b] = labels.map((l) => median(byLabel[l]!));
    lines.push(`| ${kind} | ${a!.toFixed(0)} µs | ${b!.toFixed(0)} µs | ${(a! / b!).toFixed(2)} |`);
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

/**
 * Seeds `size` users in the measured tenant and in `others` others, takes the database back to
 * 0011 (no element rows, no triggers writing them), and times the open that migrates it again.
 */
async function measureMigration(size: number, others: number): Promise<void> {
  const s = await seeded('sqlite', size, others);
  const file = s.url.slice('file:'.length);
  const raw = connect(file);
  for (const t of ['insert', 'update', 'delete'])
    await sql`drop trigger ${sql.raw(`resource_scan_elements_${t}`)}`.execute(raw);
  await sql`drop table resource_scan_elements`.execute(raw);
  await sql`delete from scimd_migrations where name >= '0012-element-scan'`.execute(raw); // later ones run again too
  await raw.destroy();
  const started = performance.now();
  const migrated = await openStore(s.url);
  const migrating = performance.now() - started;
  await migrated.close();
  const again = performance.now();
  const reopened = await openStore(s.url);
  const reopening = performance.now() - again;
  await reopened.close();
  const check = connect(file);
  const count = async (query: string) =>
    Number((await sql<{ n: number }>`${sql.raw(query)}`.execute(check)).rows[0]?.n);
  const users = await count(`select sum(n) as n from resource_counts where resource_type = 'User'`);
  const elements = await count('select count(*) as n from resource_scan_elements');
  await check.destroy();
  process.stdout.write(
    `${users.toLocaleString('en')} users, ${elements.toLocaleString('en')} element rows: the open that migrates ${migrating.toFixed(0)} ms, the next open ${reopening.toFixed(0)} ms\n`,
  );
  await s.dispose();
}

async function main(): Promise<void> {
  const writes = listOption('writes', [])[0];
  if (writes !== undefined) return measureWrites(Number(writes));
  if (process.argv.includes('--migration')) {
    return measureMigration(Number(listOption('sizes', ['100000'])[0]), Number(listOption('others', ['1'])[0]));
  }
  const sizes = listOption('sizes', ['1000', '20000', '100000']).map(Number);
  const backends = listOption('backends', postgresBaseUrl() ? ['sqlite', 'postgres'] : ['sqlite']) as Backend[];
  const others = Number(listOption('others', ['1'])[0]);
  const lines = [
    '| backend | users | filter | ms per query | per user | json_each, before 0012 (ms, ratio) | no folded copy (ms, per user) |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const backend of backends) {
    for (const size of sizes) {
      process.stderr.write(`seeding ${size} users on ${backend} for ${1 + others} tenants…\n`);
      const s = await seeded(backend, size, others);
      const file = s.url.slice('file:'.length);
      const capabilities = { sharedAcrossProcesses: false, durable: true };
      // The same file through the layouts before: each store its own connection.
      const comparisons =
        backend === 'sqlite'
          ? [
              createSqlStore({ db: connect(file), dialect: sqliteWithoutElementRows, capabilities }),
              createSqlStore({ db: connect(file), dialect: sqliteWithoutCopy, capabilities }),
            ]
          : [];
      try {
        const runs = Math.max(3, Math.min(25, Math.round(2_000_000 / size)));
        for (const [label, filter] of filtersFor(size)) {
          const [after, jsonEach, old] = await measureAlternating([s.store, ...comparisons], s.tenantId, filter, runs);
          const dash = '–';
          lines.push(
            `| ${backend} | ${size.toLocaleString('en')} | ${label} | ${format(after!)} | ${perUser(after!, size)} | ${
              jsonEach === undefined ? dash : `${format(jsonEach)}, ${(after! / jsonEach).toFixed(2)}`
            } | ${old === undefined ? dash : `${format(old)}, ${perUser(old, size)}`} |`,
          );
          process.stderr.write(`${lines[lines.length - 1]}\n`);
        }
      } finally {
        for (const store of comparisons) await store.close();
        await s.dispose();
      }
    }
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

await main();
