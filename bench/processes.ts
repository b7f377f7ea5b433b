/**
 * `npm run bench:processes [-- options]`: N scimd processes on one PostgreSQL database behind
 * the load generator's round-robin (issue #18.4). The same database (tenants × users, each tenant
 * with its own token) is served by N = 1, 2, 4 processes in turn; each workload spreads its
 * requests over the tenants at random and its connections over the processes (connection i talks
 * to process i mod N). Reported: throughput, and throughput per scimd CPU-second (responses
 * divided by the CPU time all N processes spent, from /proc/<pid>/stat), with PostgreSQL's
 * backends' CPU per request beside it. On a machine with fewer cores than N + PostgreSQL + the
 * load generator, throughput cannot grow with N; CPU per request says what each process costs.
 *
 * Options:
 *   --quick                   20 tenants × 100 users, one short run per figure
 *   --processes=1,2,4         process counts (default)
 *   --tenants=N --users=N     the directory (default 100 tenants × 1,000 users)
 *   --runs=N --duration=S --warmup=S --connections=N (default 16: divisible by 1, 2 and 4)
 *   --pool-size=N             SCIMD_DATABASE_POOL_SIZE of each process (default: scimd's)
 *   --no-build --out=DIR
 * Needs SCIMD_BENCH_PG_URL (or SCIMD_TEST_PG_URL).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { compileScimd } from './lib/build.js';
import type { Child } from './lib/child.js';
import { databaseCpu } from './lib/database-cpu.js';
import { type LoadResult, runLoad } from './lib/load.js';
import { median, writeReport } from './lib/results.js';
import { adminQuery, type HarnessContext, startScimd, withDatabase } from './lib/systems.js';
import { TENANT_WORKLOADS, type TenantWorkloadId } from './lib/tenant-workloads.js';
import { seedPostgresTenants } from './seed/scimd.js';
import { seedPostgresTenantRows } from './seed/tenants.js';

const REPO_ROOT = resolve(import.meta.dirname, '..');

interface Settings {
  readonly profile: 'quick' | 'full';
  readonly processes: readonly number[];
  readonly tenants: number;
  readonly users: number;
  readonly runs: number;
  readonly durationSeconds: number;
  readonly warmupSeconds: number;
  readonly connections: number;
  readonly poolSize: number | undefined;
  readonly build: boolean;
  readonly outDir: string;
}

interface Row {
  readonly processes: number;
  readonly workload: TenantWorkloadId;
  readonly throughput: number | undefined;
  /** Responses per second of CPU time of all scimd processes together. */
  readonly perCpuSecond: number | undefined;
  readonly cpuMsPerRequest: number | undefined;
  readonly databaseCpuMsPerRequest: number | undefined;
  readonly rssMb: number | undefined;
  readonly non2xx: number;
  readonly errors: number;
  readonly failed?: string;
}

function parse(argv: readonly string[]): Settings {
  const flags = new Map<string, string>();
  for (const arg of argv) {
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!match)
      throw new Error(`unknown argument ${JSON.stringify(arg)} (see the comment at the top of bench/processes.ts)`);
    flags.set(match[1]!, match[2] ?? 'true');
  }
  const known = [
    'quick',
    'processes',
    'tenants',
    'users',
    'runs',
    'duration',
    'warmup',
    'connections',
    'pool-size',
    'no-build',
    'out',
  ];
  for (const name of flags.keys()) if (!known.includes(name)) throw new Error(`unknown option --${name}`);
  const quick = flags.has('quick');
  const number = (name: string, fallback: number) => {
    const value = flags.get(name);
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!Number.isInteger(n) && !['duration', 'warmup'].includes(name))
      throw new Error(`--${name} needs a whole number`);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} needs a positive number`);
    return n;
  };
  const processes = (flags.get('processes') ?? '1,2,4').split(',').map(Number);
  if (processes.some((n) => !Number.isInteger(n) || n < 1)) throw new Error('--processes: a list of whole numbers ≥ 1');
  const users = number('users', quick ? 100 : 1000);
  if (users < 10) throw new Error('--users: at least 10 (the Entra cycle adds to groups of 10)');
  return {
    profile: quick ? 'quick' : 'full',
    processes,
    tenants: number('tenants', quick ? 20 : 100),
    users,
    runs: number('runs', quick ? 1 : 3),
    durationSeconds: number('duration', quick ? 1 : 5),
    warmupSeconds: number('warmup', quick ? 0.25 : 1),
    connections: number('connections', 16),
    poolSize: flags.has('pool-size') ? number('pool-size', 1) : undefined,
    build: !flags.has('no-build'),
    outDir: resolve(flags.get('out') ?? join(REPO_ROOT, 'bench/results')),
  };
}

const fixed = (n: number | undefined, digits = 3) => (n === undefined ? '–' : n.toFixed(digits));
const whole = (n: number | undefined) => (n === undefined ? '–' : Math.round(n).toLocaleString('en-US'));

function render(settings: Settings, rows: readonly Row[], seedSeconds: number): string {
  const out = [
    `# scimd as several processes on one PostgreSQL — ${new Date().toISOString().slice(0, 10)} (${settings.profile})`,
    '',
    `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'CPU'}, Node ${process.version}, load average ${loadavg()[0]!.toFixed(2)} at the end. ` +
      `${settings.tenants.toLocaleString('en-US')} tenants × ${settings.users.toLocaleString('en-US')} users (seeded in ${seedSeconds.toFixed(1)} s), ` +
      `${settings.connections} connections spread round-robin over the processes, ${settings.runs} run(s) of ${settings.durationSeconds} s per figure (median)` +
      `${settings.poolSize === undefined ? '' : `, SCIMD_DATABASE_POOL_SIZE=${settings.poolSize}`}. ` +
      '"per scimd CPU-s": responses per second of CPU time of all the scimd processes together; "db": PostgreSQL backends\' CPU per request.',
    '',
    '| workload | processes | req/s | req per scimd CPU-s | scimd CPU ms/req | db CPU ms/req | RSS MB (sum) |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of rows) {
    const title = TENANT_WORKLOADS.find((w) => w.id === r.workload)!.title;
    if (r.failed !== undefined) {
      out.push(`| ${title} | ${r.processes} | failed: ${r.failed} | | | | |`);
      continue;
    }
    const flag = r.non2xx + r.errors > 0 ? ` ⚠ ${r.non2xx} non-2xx, ${r.errors} errors` : '';
    out.push(
      `| ${title} | ${r.processes} | ${whole(r.throughput)}${flag} | ${whole(r.perCpuSecond)} | ${fixed(r.cpuMsPerRequest)} | ${fixed(r.databaseCpuMsPerRequest)} | ${whole(r.rssMb)} |`,
    );
  }
  return `${out.join('\n')}\n`;
}

async function main(): Promise<void> {
  const settings = parse(process.argv.slice(2));
  const admin = process.env.SCIMD_BENCH_PG_URL || process.env.SCIMD_TEST_PG_URL;
  if (!admin)
    throw new Error(
      'set SCIMD_BENCH_PG_URL (or SCIMD_TEST_PG_URL) to a PostgreSQL server where databases may be created',
    );
  const started = Date.now();
  const log = (line: string) =>
    process.stderr.write(`[${String(Math.round((Date.now() - started) / 1000)).padStart(4)} s] ${line}\n`);
  const tmpDir = mkdtempSync(join(tmpdir(), 'scimd-bench-processes-'));
  const context: HarnessContext = {
    repoRoot: REPO_ROOT,
    tmpDir,
    cacheDir: join(tmpdir(), 'scimd-bench-cache'),
    profileDir: undefined,
    scimdEntry: 'dist',
    postgresUrl: admin,
    log,
  };
  if (settings.build) compileScimd(REPO_ROOT, log);
  const name = `scimd_processes_${process.pid}`;
  await adminQuery(admin, `drop database if exists ${name}`);
  await adminQuery(admin, `create database ${name}`);
  const url = withDatabase(admin, name);
  const children = new Set<Child>();
  const cleanUp = async () => {
    await Promise.allSettled([...children].map((c) => c.stop()));
    await adminQuery(admin, `drop database if exists ${name} with (force)`).catch(() => undefined);
    rmSync(tmpDir, { recursive: true, force: true });
  };
  const interrupt = () => {
    log('interrupted: stopping the servers');
    void cleanUp().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  const rows: Row[] = [];
  let seedSeconds = 0;
  try {
    const since = Date.now();
    const tenants = await seedPostgresTenantRows(url, settings.tenants);
    await seedPostgresTenants(
      url,
      tenants.map((t) => t.id),
      settings.users,
      { spares: false },
    );
    seedSeconds = (Date.now() - since) / 1000;
    log(`seeded ${settings.tenants} tenants × ${settings.users} users in ${seedSeconds.toFixed(1)} s`);
    const database = await databaseCpu(admin, name);
    try {
      for (const n of settings.processes) {
        const env: Record<string, string> =
          settings.poolSize === undefined ? {} : { SCIMD_DATABASE_POOL_SIZE: String(settings.poolSize) };
        const group = await Promise.all(Array.from({ length: n }, () => startScimd(context, url, env)));
        for (const child of group) children.add(child);
        log(`${n} process(es) listening`);
        for (const workload of TENANT_WORKLOADS) {
          const failure = await workload.probe(group[0]!.url, tenants.at(-1)!, settings.users);
          if (failure) {
            rows.push({ processes: n, workload: workload.id, failed: failure } as Row);
            continue;
          }
          const runs: LoadResult[] = [];
          for (let i = 0; i < settings.runs; i++) {
            runs.push(
              await runLoad(
                {
                  origin: group.map((c) => c.url),
                  requests: workload.requests(group[0]!.url, tenants, settings.users),
                  connections: settings.connections,
                  durationSeconds: settings.durationSeconds,
                  minResponses: 5,
                  maxSeconds: settings.durationSeconds * 3,
                },
                group.map((c) => c.pid),
                i === 0 ? settings.warmupSeconds : 0,
                database,
              ),
            );
          }
          const defined = (xs: (number | undefined)[]) => xs.filter((x): x is number => x !== undefined);
          const cpu = median(defined(runs.map((r) => r.cpuMsPerRequest)));
          const rss = defined(runs.map((r) => r.rssPeak));
          const row: Row = {
            processes: n,
            workload: workload.id,
            throughput: median(runs.map((r) => r.throughput)),
            perCpuSecond: cpu === undefined || cpu === 0 ? undefined : 1000 / cpu,
            cpuMsPerRequest: cpu,
            databaseCpuMsPerRequest: median(defined(runs.map((r) => r.databaseCpuMsPerRequest))),
            rssMb: rss.length > 0 ? Math.max(...rss) / 1024 / 1024 : undefined,
            non2xx: runs.reduce((sum, r) => sum + r.non2xx, 0),
            errors: runs.reduce((sum, r) => sum + r.errors, 0),
          };
          rows.push(row);
          log(
            `  ${n} × ${workload.id}: ${whole(row.throughput)} req/s, ${whole(row.perCpuSecond)} per scimd CPU-s, db ${fixed(row.databaseCpuMsPerRequest)} ms/req`,
          );
        }
        for (const child of group) {
          await child.stop();
          children.delete(child);
        }
      }
    } finally {
      await database.close();
    }
  } finally {
    await cleanUp();
  }
  const markdown = render(settings, rows, seedSeconds);
  const reportName = `${new Date().toISOString().slice(0, 10)}-processes-${settings.profile}`;
  const file = writeReport(settings.outDir, reportName, markdown, { settings, seedSeconds, rows });
  process.stdout.write(markdown);
  log(`report written to ${file} and .json`);
}

try {
  await main();
  process.exit(0);
} catch (error) {
  process.stderr.write(`bench:processes: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
}
