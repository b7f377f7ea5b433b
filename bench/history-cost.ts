/**
 * What recording the access history costs a SCIM write (docs/history.md "Cost"): create and
 * PATCH throughput with `SCIMD_HISTORY` on and off, in the same run, on the same backend.
 * Each round opens both modes side by side on fresh databases and runs each phase in slices
 * of `--slice` requests, alternating the mode every slice, so a change of machine load falls on
 * both alike. Requests go through the whole app in-process (`app.inject`: routing, auth, the
 * service, the store), with `--concurrency` requests in flight, so SQLite's group commit works
 * as in production.
 *
 *   npm run bench:history-cost -- [--users 4000] [--rounds 3] [--slice 200] [--concurrency 8] [--pg <url>] [--json]
 *
 * Prints each mode's throughput over all rounds, this process's CPU per request, and the
 * ratios off/on (1.10 = history costs 10 % of throughput). The PATCH mix is Entra's: role
 * added, `active` "False"/"True", title replaced.
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
  /** Requests per slice: the modes alternate every slice. */
  readonly slice: number;
  /** PostgreSQL URL; absent: a SQLite file in a temporary directory. */
  readonly postgresUrl?: string;
}

export interface ModeFigures {
  readonly createsPerSecond: number;
  readonly patchesPerSecond: number;
  /** This process's CPU (user + system) per request, in microseconds: scimd's, and SQLite's. */
  readonly createCpuUs: number;
  readonly patchCpuUs: number;
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

interface Side {
  readonly send: (method: 'POST' | 'PATCH', path: string, body: unknown) => Promise<{ json<T>(): T }>;
  readonly ids: string[];
  readonly close: () => Promise<void>;
  /** Wall and CPU time spent in this mode's requests, per phase. */
  readonly spent: { create: Spent; patch: Spent };
}

interface Spent {
  ms: number;
  cpuUs: number;
  requests: number;
}

async function openSide(history: boolean, options: CostOptions, dir: string, n: number): Promise<Side> {
  const mode = history ? 'on' : 'off';
  const url = options.postgresUrl ?? `file:${join(dir, `cost-${n}-${mode}.db`)}`;
  const store = await openStore(url);
  const slug = `cost-${process.pid}-${n}-${mode}`;
  const app = await buildApp({ config: { ...TEST_CONFIG, history }, store, logger: false });
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
  const zero = (): Spent => ({ ms: 0, cpuUs: 0, requests: 0 });
  return {
    send,
    ids: [],
    spent: { create: zero(), patch: zero() },
    close: async () => {
      await app.close();
      await store.close();
    },
  };
}

const createBody = (i: number) => ({
  schemas: [USER],
  userName: `user${i}@example.com`,
  active: true,
  displayName: `User ${i}`,
  roles: [{ value: 'Reader' }],
});

/** Entra's mix: a role added, `active` "False", a title replaced, `active` "True". */
const patchBody = (i: number) => ({
  schemas: [PATCH],
  Operations: [
    [{ op: 'Add', path: 'roles', value: [{ value: `Role${i % 5}` }] }],
    [{ op: 'Replace', path: 'active', value: 'False' }],
    [{ op: 'Replace', path: 'title', value: `Title ${i}` }],
    [{ op: 'Replace', path: 'active', value: 'True' }],
  ][i % 4],
});

/** Requests `from` to `to` of one phase on one side, timed (wall and this process's CPU). */
async function slice(side: Side, phase: 'create' | 'patch', from: number, to: number, concurrency: number) {
  const cpu = process.cpuUsage();
  const started = performance.now();
  await inParallel(to - from, concurrency, async (k) => {
    const i = from + k;
    if (phase === 'create') {
      const res = await side.send('POST', '/Users', createBody(i));
      side.ids[i] = res.json<{ id: string }>().id;
    } else {
      await side.send('PATCH', `/Users/${side.ids[i]}`, patchBody(i));
    }
  });
  const spent = side.spent[phase];
  spent.ms += performance.now() - started;
  const used = process.cpuUsage(cpu);
  spent.cpuUs += used.user + used.system;
  spent.requests += to - from;
}

/**
 * One round: both modes on fresh databases, side by side; each phase runs in slices of
 * `--slice` requests, alternating the mode (and which goes first), so that a change of machine
 * load in the middle of a round falls on both modes alike.
 */
async function round(options: CostOptions, dir: string, n: number): Promise<{ on: Side; off: Side }> {
  const on = await openSide(true, options, dir, n);
  const off = await openSide(false, options, dir, n);
  try {
    for (const phase of ['create', 'patch'] as const) {
      for (let from = 0, k = 0; from < options.users; from += options.slice, k++) {
        const to = Math.min(options.users, from + options.slice);
        const order = (k + n) % 2 === 0 ? [on, off] : [off, on];
        for (const side of order) await slice(side, phase, from, to, options.concurrency);
      }
    }
    return { on, off };
  } finally {
    await on.close();
    await off.close();
  }
}

export async function measureHistoryCost(options: CostOptions): Promise<CostReport> {
  const dir = mkdtempSync(join(tmpdir(), 'scimd-history-cost-'));
  try {
    const total = { on: [] as Side[], off: [] as Side[] };
    for (let n = 0; n < options.rounds; n++) {
      const { on, off } = await round(options, dir, n);
      total.on.push(on);
      total.off.push(off);
    }
    const summary = (sides: Side[]): ModeFigures => {
      const sum = (phase: 'create' | 'patch', key: keyof Spent) => sides.reduce((a, s) => a + s.spent[phase][key], 0);
      return {
        createsPerSecond: sum('create', 'requests') / (sum('create', 'ms') / 1000),
        patchesPerSecond: sum('patch', 'requests') / (sum('patch', 'ms') / 1000),
        createCpuUs: sum('create', 'cpuUs') / sum('create', 'requests'),
        patchCpuUs: sum('patch', 'cpuUs') / sum('patch', 'requests'),
      };
    };
    const on = summary(total.on);
    const off = summary(total.off);
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
  const { users, rounds, concurrency, slice } = report.options;
  return [
    `Access history cost on ${report.backend}: ${users} users, ${rounds} rounds, modes alternating every ${slice} requests, concurrency ${concurrency}`,
    '',
    '| mode | creates/s | PATCHes/s | create CPU µs | PATCH CPU µs |',
    '| --- | ---: | ---: | ---: | ---: |',
    `| SCIMD_HISTORY=on | ${f(report.on.createsPerSecond)} | ${f(report.on.patchesPerSecond)} | ${f(report.on.createCpuUs)} | ${f(report.on.patchCpuUs)} |`,
    `| SCIMD_HISTORY=off | ${f(report.off.createsPerSecond)} | ${f(report.off.patchesPerSecond)} | ${f(report.off.createCpuUs)} | ${f(report.off.patchCpuUs)} |`,
    `| off / on | ${report.createRatio.toFixed(3)} | ${report.patchRatio.toFixed(3)} | ${(report.on.createCpuUs / report.off.createCpuUs).toFixed(3)} | ${(report.on.patchCpuUs / report.off.patchCpuUs).toFixed(3)} |`,
  ].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      users: { type: 'string', default: '4000' },
      rounds: { type: 'string', default: '3' },
      slice: { type: 'string', default: '200' },
      concurrency: { type: 'string', default: '8' },
      pg: { type: 'string' },
      json: { type: 'boolean', default: false },
    },
  });
  const report = await measureHistoryCost({
    users: Number(values.users),
    rounds: Number(values.rounds),
    concurrency: Number(values.concurrency),
    slice: Number(values.slice),
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
