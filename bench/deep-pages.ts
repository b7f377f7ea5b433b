/**
 * What a page deep into a large directory costs against the first page (issue #18.2), what the
 * lookups Entra and Okta send cost as the directory grows, and how many bytes the database
 * holds per user, per group membership, per logged request and per change event (the sizing
 * guide, docs/postgres.md "Sizing").
 *
 *   npm run bench:deep-pages                                   # SQLite at 1,000 / 100,000 / 1,000,000 users
 *   npm run bench:deep-pages -- --sizes=1000,100000 --backends=sqlite,postgres   # PostgreSQL needs SCIMD_BENCH_PG_URL
 *   npm run bench:deep-pages -- --out=bench/results/2026-12-05-deep-pages      # also writes .md and .json
 *
 * In process, no HTTP for the pages: the benchmark directory is seeded (bench/store-cost/seeded.ts),
 * then each query runs through `TenantReader.query` as the SCIM list handler asks it (a page of
 * 100 with its `totalResults`). The queries take turns within each round (the machine is noisy)
 * and the median of the rounds is reported, with its ratio to the first page of the same
 * rounds. Pages: the first, `totalResults` alone (`count=0`), pages by `startIndex` (SQL
 * OFFSET) at growing depths up to the last page, and pages by cursor (RFC 9865, a keyset
 * position) from the middle and from the end.
 *
 * Sizes: after the seed, bytes per table (bench/lib/database-size.ts); then `--traffic` new
 * users (default 500) go through the whole HTTP stack (`app.inject`) the way Entra provisions
 * one (lookup by userName, create, PATCH, add to a group), and what the provisioning log, the
 * change events and the access history gained is divided by the rows they gained.
 * It asserts nothing; run it on a quiet machine.
 */
import { writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { loadConfig } from '../src/config/config.js';
import { buildApp } from '../src/http/app.js';
import { checkFilter } from '../src/scim/filter/check.js';
import { parseFilter } from '../src/scim/filter/parse.js';
import { GROUP_RESOURCE_TYPE, USER_RESOURCE_TYPE } from '../src/scim/schema/registry.js';
import type { ResourceQuery } from '../src/store/store.js';
import { issueToken } from '../src/tenancy/tenants.js';
import { sizeDelta, type TableSize, tableSizes } from './lib/database-size.js';
import {
  groupCount,
  groupId,
  groupName,
  PATCH_OP,
  seededAt,
  TENANT_SLUG,
  userBody,
  userId,
  userName,
} from './shared/directory.mjs';
import { type Backend, listOption, postgresBaseUrl, type Seeded, seeded } from './store-cost/seeded.js';

const PAGE = 100;
/** Index-paging depths measured (those inside the directory), then the last page. */
const DEPTHS = [101, 1_001, 2_001, 5_001, 10_001, 50_001, 100_001, 500_001];

type Query = [label: string, type: 'User' | 'Group', query: ResourceQuery];

function queries(size: number): Query[] {
  const middle = Math.floor(size / 2);
  const last = size - PAGE;
  const user = (filter: string) => checkFilter(parseFilter(filter), USER_RESOURCE_TYPE);
  const group = (filter: string) => checkFilter(parseFilter(filter), GROUP_RESOURCE_TYPE);
  const depths = [...DEPTHS.filter((d) => d < last), last + 1];
  return [
    ['first page', 'User', { startIndex: 1, count: PAGE }],
    ['totalResults only (count=0)', 'User', { startIndex: 1, count: 0 }],
    ...depths.map((d): Query => [`startIndex ${d.toLocaleString('en')}`, 'User', { startIndex: d, count: PAGE }]),
    ...[middle, last].map(
      (n): Query => [
        `cursor after user ${n.toLocaleString('en')}`,
        'User',
        { startIndex: 1, count: PAGE, after: { key: seededAt(n), id: userId(n) }, withPositions: true },
      ],
    ),
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

interface PageFigure {
  readonly backend: Backend;
  readonly users: number;
  readonly query: string;
  readonly ms: number;
  readonly ratio: number;
  readonly totalResults: number;
  readonly returned: number;
}

/** Each query once per round, in turn; the median per query over `rounds` rounds after one unmeasured. */
async function measurePages(s: Seeded, backend: Backend, size: number): Promise<PageFigure[]> {
  const tenant = s.store.forTenant(s.tenantId);
  const list = queries(size);
  const rounds = Math.max(5, Math.min(31, Math.round(3_000_000 / size)));
  const times = list.map((): number[] => []);
  const answers = list.map(() => ({ totalResults: 0, returned: 0 }));
  for (let round = 0; round <= rounds; round++) {
    for (const [i, [, type, query]] of list.entries()) {
      const start = process.hrtime.bigint();
      const result = await tenant.query(type, query);
      const ms = Number(process.hrtime.bigint() - start) / 1e6;
      if (round > 0) times[i]?.push(ms);
      answers[i] = { totalResults: result.totalResults, returned: result.resources.length };
    }
  }
  const medians = times.map((t) => t.sort((a, b) => a - b)[Math.floor(t.length / 2)] as number);
  const first = medians[0] as number;
  return list.map(([label], i) => ({
    backend,
    users: size,
    query: label,
    ms: medians[i] as number,
    ratio: (medians[i] as number) / first,
    ...(answers[i] as { totalResults: number; returned: number }),
  }));
}

interface TrafficFigure {
  readonly requests: number;
  readonly delta: Record<string, TableSize>;
}

/** `users` new users provisioned the way Entra does it, through the whole HTTP stack. */
async function provisionThroughHttp(s: Seeded, size: number, users: number): Promise<TrafficFigure> {
  const before = await tableSizes(s.url);
  const { token } = await issueToken(s.store, TENANT_SLUG, { label: 'size' }, new Date());
  // One tenant at full speed, as in the HTTP benchmark (bench/lib/systems.ts).
  const config = loadConfig({ SCIMD_DATABASE_URL: s.url, SCIMD_TENANT_RATE_LIMIT: 'off' });
  const app = await buildApp({ config, store: s.store, logger: false });
  let requests = 0;
  const send = async (method: 'GET' | 'POST' | 'PATCH', url: string, body?: unknown) => {
    requests++;
    const response = await app.inject({
      method,
      url: `/t/${TENANT_SLUG}/scim/v2${url}`,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' },
      ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
    });
    if (response.statusCode >= 300) throw new Error(`${method} ${url}: ${response.statusCode} ${response.body}`);
    return (response.body === '' ? {} : response.json()) as { id: string };
  };
  const groups = groupCount('g10', size);
  try {
    for (let j = 0; j < users; j++) {
      const i = size + 1_000 + j;
      const name = `new${i}@bench.example`;
      await send('GET', `/Users?filter=${encodeURIComponent(`userName eq "${name}"`)}`);
      const { id } = await send('POST', '/Users', userBody(i, name));
      await send('PATCH', `/Users/${id}`, {
        schemas: [PATCH_OP],
        Operations: [{ op: 'replace', path: 'title', value: `Promoted ${i}` }],
      });
      await send('PATCH', `/Groups/${groupId('g10', j % groups)}`, {
        schemas: [PATCH_OP],
        Operations: [{ op: 'add', path: 'members', value: [{ value: id }] }],
      });
    }
  } finally {
    await app.close(); // flushes the provisioning log
  }
  const after = await tableSizes(s.url);
  return { requests, delta: Object.fromEntries(sizeDelta(before, after)) };
}

interface SizeReport {
  readonly backend: Backend;
  readonly users: number;
  readonly seeded: Record<string, TableSize>;
  readonly traffic?: TrafficFigure;
}

const format = (ms: number) => (ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2));
const perRow = (t: TableSize | undefined) =>
  t && t.rows > 0 ? Math.round(t.bytes / t.rows).toLocaleString('en') : '–';
const load = () =>
  loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

function renderPages(figures: readonly PageFigure[]): string[] {
  const lines = [
    '| backend | users | query | ms (median) | ÷ first page | totalResults | returned |',
    '| --- | --- | --- | --- | --- | --- | --- |',
  ];
  for (const f of figures) {
    lines.push(
      `| ${f.backend} | ${f.users.toLocaleString('en')} | ${f.query} | ${format(f.ms)} | ${f.ratio.toFixed(2)}× | ${f.totalResults.toLocaleString('en')} | ${f.returned} |`,
    );
  }
  return lines;
}

function renderSizes(sizes: readonly SizeReport[]): string[] {
  const lines = ['| backend | users | table | rows | bytes | bytes per row |', '| --- | --- | --- | --- | --- | --- |'];
  for (const s of sizes) {
    for (const [table, t] of Object.entries(s.seeded).sort((a, b) => b[1].bytes - a[1].bytes)) {
      if (t.rows === 0) continue;
      lines.push(
        `| ${s.backend} | ${s.users.toLocaleString('en')} | ${table} | ${t.rows.toLocaleString('en')} | ${t.bytes.toLocaleString('en')} | ${perRow(t)} |`,
      );
    }
  }
  lines.push('', 'What Entra-like provisioning over HTTP added (per new user: lookup, create, PATCH, add to a group):');
  lines.push('', '| backend | users | requests | table | rows gained | bytes gained | bytes per row |');
  lines.push('| --- | --- | --- | --- | --- | --- | --- |');
  for (const s of sizes) {
    if (!s.traffic) continue;
    for (const [table, t] of Object.entries(s.traffic.delta).sort((a, b) => b[1].bytes - a[1].bytes)) {
      lines.push(
        `| ${s.backend} | ${s.users.toLocaleString('en')} | ${s.traffic.requests} | ${table} | ${t.rows.toLocaleString('en')} | ${t.bytes.toLocaleString('en')} | ${perRow(t)} |`,
      );
    }
  }
  return lines;
}

async function main(): Promise<void> {
  const sizes = listOption('sizes', ['1000', '100000', '1000000']).map(Number);
  const backends = listOption('backends', postgresBaseUrl() ? ['sqlite', 'postgres'] : ['sqlite']) as Backend[];
  if (backends.includes('postgres') && postgresBaseUrl() === undefined) {
    throw new Error('--backends=postgres needs SCIMD_BENCH_PG_URL (or SCIMD_TEST_PG_URL)'); // before any seed
  }
  const traffic = Number(listOption('traffic', ['500'])[0]);
  const out = listOption('out', [])[0];
  const pages: PageFigure[] = [];
  const databaseSizes: SizeReport[] = [];
  const notes: string[] = [`started ${new Date().toISOString()}, load average ${load()}`];
  for (const backend of backends) {
    for (const size of sizes) {
      const started = Date.now();
      process.stderr.write(`seeding ${size} users on ${backend}…\n`);
      const s = await seeded(backend, size);
      const seedSeconds = (Date.now() - started) / 1000;
      try {
        const seededSizes = Object.fromEntries(await tableSizes(s.url));
        const figures = await measurePages(s, backend, size);
        pages.push(...figures);
        for (const line of renderPages(figures).slice(2)) process.stderr.write(`${line}\n`);
        const report: SizeReport = {
          backend,
          users: size,
          seeded: seededSizes,
          ...(traffic > 0 ? { traffic: await provisionThroughHttp(s, size, traffic) } : {}),
        };
        databaseSizes.push(report);
        notes.push(
          `${backend} ${size.toLocaleString('en')} users: seeded in ${seedSeconds.toFixed(0)} s, measured by ${new Date().toISOString()}, load average ${load()}`,
        );
        process.stderr.write(`${notes[notes.length - 1]}\n`);
      } finally {
        await s.dispose();
      }
    }
  }
  const markdown = [
    '# Deep pages and database size (`npm run bench:deep-pages`)',
    '',
    `Arguments: \`${process.argv.slice(2).join(' ')}\``,
    '',
    ...notes.map((n) => `- ${n}`),
    '',
    '## Pages of 100 through the store',
    '',
    ...renderPages(pages),
    '',
    '## Database size',
    '',
    'After the seed (indexes counted with their table):',
    '',
    ...renderSizes(databaseSizes),
    '',
  ].join('\n');
  process.stdout.write(markdown);
  if (out !== undefined) {
    writeFileSync(`${out}.md`, markdown);
    writeFileSync(`${out}.json`, `${JSON.stringify({ notes, pages, databaseSizes }, null, 2)}\n`);
  }
}

await main();
