/**
 * What a filter on an attribute without a projected column costs (issue #18.1b): the store
 * must scan the tenant's users in SQL, so the figure that matters is the cost per user scanned.
 *
 *   npm run bench:scan                                   # SQLite at 1,000 / 20,000 / 100,000 users
 *   npm run bench:scan -- --sizes=1000 --backends=sqlite,postgres   # PostgreSQL needs SCIMD_BENCH_PG_URL
 *
 * In process, no HTTP: the benchmark directory is seeded (bench/store-cost/seeded.ts), then each
 * filter below is run through `TenantReader.query` (a page of 100, as a SCIM list asks) and the
 * median wall time of several runs is reported, with the time per user in the tenant. On SQLite
 * each filter also runs through a store over the same file whose dialect keeps no folded copy
 * of the body: the comparison before migration 0009, which folded every row compared through
 * the JavaScript function `scim_fold`. Run it on a quiet machine; it asserts nothing.
 */
import { checkFilter } from '../src/scim/filter/check.js';
import { parseFilter } from '../src/scim/filter/parse.js';
import { USER_RESOURCE_TYPE } from '../src/scim/schema/registry.js';
import { createSqlStore } from '../src/store/sql/sql-store.js';
import { connect } from '../src/store/sql/sqlite/connect.js';
import { dialect as sqliteDialect } from '../src/store/sql/sqlite/dialect.js';
import type { Store } from '../src/store/store.js';
import { ENTERPRISE_USER, title } from './shared/directory.mjs';
import { type Backend, listOption, postgresBaseUrl, seeded, timeMedian } from './store-cost/seeded.js';

/** Filters on attributes without a column, each naming a user near the end of the directory. */
function filtersFor(size: number): [label: string, filter: string][] {
  const i = size - 7;
  return [
    ['title eq (1 hit)', `title eq ${JSON.stringify(title(i).toUpperCase())}`],
    ['name.familyName co (1 hit)', `name.familyName co "mily${i}"`],
    ['emails[value eq] (1 hit)', `emails[type eq "work" and value eq "USER${i}@bench.example"]`],
    ['department eq (2 % of users)', `${ENTERPRISE_USER}:department eq "dept 7"`],
    ['title sw (no hit)', 'title sw "nobody"'],
  ];
}

/** The SQLite dialect as it was before 0009: no folded copy, `scim_fold` on every row compared. */
const { foldedBody: _unused, ...fragmentsWithoutCopy } = sqliteDialect.fragments;
const sqliteWithoutCopy = { ...sqliteDialect, fragments: fragmentsWithoutCopy };

async function measure(store: Store, tenantId: string, filter: string, runs: number): Promise<number> {
  const checked = checkFilter(parseFilter(filter), USER_RESOURCE_TYPE);
  const tenant = store.forTenant(tenantId);
  return timeMedian(() => tenant.query('User', { filter: checked, startIndex: 1, count: 100 }), runs);
}

const format = (ms: number) => (ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2));
const perUser = (ms: number, size: number) => `${((ms * 1e6) / size).toFixed(0)} ns`;

async function main(): Promise<void> {
  const sizes = listOption('sizes', ['1000', '20000', '100000']).map(Number);
  const backends = listOption('backends', postgresBaseUrl() ? ['sqlite', 'postgres'] : ['sqlite']) as Backend[];
  const lines = [
    '| backend | users | filter | ms per query | per user | before 0009 (ms, per user) |',
    '| --- | --- | --- | --- | --- | --- |',
  ];
  for (const backend of backends) {
    for (const size of sizes) {
      process.stderr.write(`seeding ${size} users on ${backend}…\n`);
      const s = await seeded(backend, size);
      const before =
        backend === 'sqlite'
          ? createSqlStore({
              db: connect(s.url.slice('file:'.length)),
              dialect: sqliteWithoutCopy,
              capabilities: { sharedAcrossProcesses: false, durable: true },
            })
          : undefined;
      try {
        const runs = Math.max(3, Math.min(25, Math.round(2_000_000 / size)));
        for (const [label, filter] of filtersFor(size)) {
          const after = await measure(s.store, s.tenantId, filter, runs);
          const old = before && (await measure(before, s.tenantId, filter, runs));
          lines.push(
            `| ${backend} | ${size.toLocaleString('en')} | ${label} | ${format(after)} | ${perUser(after, size)} | ${
              old === undefined ? '–' : `${format(old)}, ${perUser(old, size)}`
            } |`,
          );
          process.stderr.write(`${lines[lines.length - 1]}\n`);
        }
      } finally {
        await before?.close();
        await s.dispose();
      }
    }
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

await main();
