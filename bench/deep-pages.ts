/**
 * What a page deep into a large directory costs against the first page (issue #18.2), and what
 * the lookups Entra and Okta send cost as the directory grows.
 *
 *   npm run bench:deep-pages                                   # SQLite at 1,000 / 100,000 / 1,000,000 users
 *   npm run bench:deep-pages -- --sizes=1000,100000 --backends=sqlite,postgres   # PostgreSQL needs SCIMD_BENCH_PG_URL
 *
 * In process, no HTTP: the benchmark directory is seeded (bench/store-cost/seeded.ts), then each
 * query runs through `TenantReader.query` as the SCIM list handler asks it (a page of 100 with
 * its `totalResults`) and the median wall time of several runs is reported. Pages: the first,
 * one by `startIndex` in the middle of the directory (OFFSET), and one by cursor from the same
 * place (RFC 9865, a keyset position). Run it on a quiet machine; it asserts nothing.
 */
import { checkFilter } from '../src/scim/filter/check.js';
import { parseFilter } from '../src/scim/filter/parse.js';
import { GROUP_RESOURCE_TYPE, USER_RESOURCE_TYPE } from '../src/scim/schema/registry.js';
import type { ResourceQuery } from '../src/store/store.js';
import { groupName, seededAt, userId, userName } from './shared/directory.mjs';
import { type Backend, listOption, postgresBaseUrl, seeded, timeMedian } from './store-cost/seeded.js';

const PAGE = 100;

function queries(size: number): [label: string, type: 'User' | 'Group', query: ResourceQuery][] {
  const middle = Math.floor(size / 2);
  const user = (filter: string) => checkFilter(parseFilter(filter), USER_RESOURCE_TYPE);
  const group = (filter: string) => checkFilter(parseFilter(filter), GROUP_RESOURCE_TYPE);
  return [
    ['first page', 'User', { startIndex: 1, count: PAGE }],
    [`startIndex ${middle + 1}`, 'User', { startIndex: middle + 1, count: PAGE }],
    [
      `cursor after user ${middle}`,
      'User',
      { startIndex: 1, count: PAGE, after: { key: seededAt(middle), id: userId(middle) }, withPositions: true },
    ],
    ['userName eq', 'User', { startIndex: 1, count: PAGE, filter: user(`userName eq "${userName(middle)}"`) }],
    ['externalId eq', 'User', { startIndex: 1, count: PAGE, filter: user(`externalId eq "ext-${userName(middle)}"`) }],
    [
      'displayName eq (Group)',
      'Group',
      { startIndex: 1, count: PAGE, filter: group(`displayName eq "${groupName('g10', 3)}"`) },
    ],
    [
      'members[value eq] (Group)',
      'Group',
      { startIndex: 1, count: PAGE, filter: group(`members[value eq "${userId(middle)}"]`) },
    ],
  ];
}

const format = (ms: number) => (ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2));

async function main(): Promise<void> {
  const sizes = listOption('sizes', ['1000', '100000', '1000000']).map(Number);
  const backends = listOption('backends', postgresBaseUrl() ? ['sqlite', 'postgres'] : ['sqlite']) as Backend[];
  const lines = ['| backend | users | query | ms | ÷ first page |', '| --- | --- | --- | --- | --- |'];
  for (const backend of backends) {
    for (const size of sizes) {
      process.stderr.write(`seeding ${size} users on ${backend}…\n`);
      const s = await seeded(backend, size);
      try {
        const tenant = s.store.forTenant(s.tenantId);
        const runs = Math.max(5, Math.min(50, Math.round(5_000_000 / size)));
        let first = Number.NaN;
        for (const [label, type, query] of queries(size)) {
          const ms = await timeMedian(() => tenant.query(type, query), runs);
          if (label === 'first page') first = ms;
          lines.push(
            `| ${backend} | ${size.toLocaleString('en')} | ${label} | ${format(ms)} | ${(ms / first).toFixed(2)}× |`,
          );
          process.stderr.write(`${lines[lines.length - 1]}\n`);
        }
      } finally {
        await s.dispose();
      }
    }
  }
  process.stdout.write(`${lines.join('\n')}\n`);
}

await main();
