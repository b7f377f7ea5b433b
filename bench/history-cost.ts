/**
 * What recording the access history costs a SCIM write (docs/history.md "Cost"): create and
 * PATCH throughput with `SCIMD_HISTORY` on and off, in the same run, on the same backend, in
 * alternating rounds so that machine noise falls on both alike. Requests go through the whole
 * app in-process (`app.inject`: routing, auth, the service, the store), with `--concurrency`
 * requests in flight, so SQLite's group commit works as in production.
 *
 *   npm run bench:history-cost -- [--users 2000] [--rounds 3] [--concurrency 8] [--pg <url>] [--json]
 *
 * Prints the median of the rounds for each mode and the ratio off/on (1.10 = history costs 10 %
 * of throughput). The PATCH mix is Entra's: role added, `active` "False"/"True", title replaced.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { buildApp } from '../src/http/app.js';
import { TEST_CONFIG } from '../src/http/test-support/harness.js';
import { openStore } from '../src/store/open.js';
import { createTenant, issueToken } from '../src/tenancy/tenants.js';

export interface CostOptions {
  readonly users: number;
  readonly rounds: number;
  readonly concurrency: number;
  /** PostgreSQL URL; absent: a SQLite file in a temporary directory. */
  readonly postgresUrl?: string;
}

export interface ModeFigures {
  readonly createsPerSecond: number;
  readonly patchesPerSecond: number;
}

export interface CostReport {
  readonly backend: 'SQLite' | 'PostgreSQL';
  readonly options: CostOptions;
  readonly on: ModeFigures;
  readonly off: ModeFigures;
  /** off / on: how much faster writes are without the history. */
  readonly createRatio: number;
  readonly patchRatio: number;
}

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

async function inParallel(count: number, concurrency: number, fn: (i: number) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < count; i = next++) await fn(i);
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

/** One round of one mode on a fresh database: `users` creates, then one PATCH per user. */
async function round(history: boolean, options: CostOptions, dir: string, n: number): Promise<ModeFigures> {
  const url = options.postgresUrl ?? `file:${join(dir, `cost-${n}-${history ? 'on' : 'off'}.db`)}`;
  const store = await openStore(url);
  const slug = `cost-${process.pid}-${n}-${history ? 'on' : 'off'}`;
  const app = await buildApp({ config: { ...TEST_CONFIG, history }, store, logger: false });
  try {
    await createTenant(store, { slug, name: slug }, new Date());
    const { token } = await issueToken(store, slug, {}, new Date());
    const send = async (method: 'POST' | 'PATCH', path: string, body: unknown) => {
      const res = await app.inject({
        method,
        url: `/t/${slug}/scim/v2${path}`,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' },
        payload: JSON.stringify(body),
      });
      if (res.statusCode >= 300) throw new Error(`${method} ${path}: ${res.statusCode} ${res.body}`);
      return res;
    };
    const ids: string[] = [];
    let started = performance.now();
    await inParallel(options.users, options.concurrency, async (i) => {
      const res = await send('POST', '/Users', {
        schemas: [USER],
        userName: `user${i}@example.com`,
        active: true,
        displayName: `User ${i}`,
        roles: [{ value: 'Reader' }],
      });
      ids[i] = res.json<{ id: string }>().id;
    });
    const createSeconds = (performance.now() - started) / 1000;
    started = performance.now();
    await inParallel(options.users, options.concurrency, async (i) => {
      const ops = [
        [{ op: 'Add', path: 'roles', value: [{ value: `Role${i % 5}` }] }],
        [{ op: 'Replace', path: 'active', value: 'False' }],
        [{ op: 'Replace', path: 'title', value: `Title ${i}` }],
        [{ op: 'Replace', path: 'active', value: 'True' }],
      ][i % 4];
      await send('PATCH', `/Users/${ids[i]}`, { schemas: [PATCH], Operations: ops });
    });
    const patchSeconds = (performance.now() - started) / 1000;
    return { createsPerSecond: options.users / createSeconds, patchesPerSecond: options.users / patchSeconds };
  } finally {
    await app.close();
    await store.close();
  }
}

const median = (values: readonly number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

export async function measureHistoryCost(options: CostOptions): Promise<CostReport> {
  const dir = mkdtempSync(join(tmpdir(), 'scimd-history-cost-'));
  try {
    const figures = { on: [] as ModeFigures[], off: [] as ModeFigures[] };
    for (let n = 0; n < options.rounds; n++) {
      // Alternate which mode goes first, so neither always runs on a warmer process.
      const order = n % 2 === 0 ? [true, false] : [false, true];
      for (const history of order) figures[history ? 'on' : 'off'].push(await round(history, options, dir, n));
    }
    const summary = (list: ModeFigures[]): ModeFigures => ({
      createsPerSecond: median(list.map((f) => f.createsPerSecond)),
      patchesPerSecond: median(list.map((f) => f.patchesPerSecond)),
    });
    const on = summary(figures.on);
    const off = summary(figures.off);
    return {
      backend: options.postgresUrl === undefined ? 'SQLite' : 'PostgreSQL',
      options,
      on,
      off,
      createRatio: off.createsPerSecond / on.createsPerSecond,
      patchRatio: off.patchesPerSecond / on.patchesPerSecond,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export function renderCostReport(report: CostReport): string {
  const f = (x: number) => x.toFixed(0);
  const { users, rounds, concurrency } = report.options;
  return [
    `Access history cost on ${report.backend}: ${users} users, ${rounds} rounds (median), concurrency ${concurrency}`,
    '',
    '| mode | creates/s | PATCHes/s |',
    '| --- | ---: | ---: |',
    `| SCIMD_HISTORY=on | ${f(report.on.createsPerSecond)} | ${f(report.on.patchesPerSecond)} |`,
    `| SCIMD_HISTORY=off | ${f(report.off.createsPerSecond)} | ${f(report.off.patchesPerSecond)} |`,
    `| off / on | ${report.createRatio.toFixed(3)} | ${report.patchRatio.toFixed(3)} |`,
  ].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      users: { type: 'string', default: '2000' },
      rounds: { type: 'string', default: '3' },
      concurrency: { type: 'string', default: '8' },
      pg: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  const report = await measureHistoryCost({
    users: Number(values.users),
    rounds: Number(values.rounds),
    concurrency: Number(values.concurrency),
    ...(values.pg === undefined ? {} : { postgresUrl: values.pg }),
  });
  process.stdout.write(`${values.json ? JSON.stringify(report, null, 2) : renderCostReport(report)}\n`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error: unknown) => {
    process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  });
}
