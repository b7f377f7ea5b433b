/**
 * `npm run bench [-- options]`: scimd side by side with the floor and its open-source peers.
 *
 * Options:
 *   --quick                 about two minutes: fewer sizes, one short run per figure
 *   --systems=a,b           floor, scimd-sqlite, scimd-postgres, scimmy, better-auth (default: all)
 *   --sizes=1000,100000     directory sizes for every system (default: per profile and system)
 *   --workloads=a,b         workload ids (default: all; see bench/lib/workloads.ts)
 *   --runs=N --duration=S --warmup=S --connections=N
 *   --min-responses=N --max-seconds=S   a slow figure runs until N responses, at most S seconds
 *   --profile               run scimd with --cpu-prof and add the hottest functions to the report
 *   --no-build              use the existing dist/ instead of compiling scimd first
 *   --out=DIR               where the report goes (default bench/results)
 *   --render=FILE.json      only rewrite FILE.md from an earlier run's JSON
 *   --metrics-cost          only the cost of metrics: Entra lookup and create, SCIMD_METRICS=off
 *                           against =on in the same run, and their throughput ratio
 *   --history-cost          only the cost of the access history: Entra create and PATCH with
 *                           SCIMD_HISTORY=off, off again (the noise) and on, on SQLite and
 *                           PostgreSQL, in the same run (bench/lib/history-cost.ts)
 *
 * PostgreSQL is included when SCIMD_BENCH_PG_URL (or SCIMD_TEST_PG_URL) names a server where
 * the harness may create and drop databases.
 */
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { compileScimd } from './lib/build.js';
import { runPlan } from './lib/harness.js';
import { renderHistoryCost, runHistoryCost } from './lib/history-cost.js';
import { renderMetricsCost, runMetricsCost } from './lib/metrics-cost.js';
import { renderPreparedCost, runPreparedCost } from './lib/prepared-cost.js';
import { KEPT_PROFILES } from './lib/profile.js';
import { renderMarkdown } from './lib/report.js';
import { type BenchReport, type Settings, writeReport } from './lib/results.js';
import type { RunningSystem, SystemId } from './lib/system.js';
import { type HarnessContext, SYSTEMS } from './lib/systems.js';
import { WORKLOADS, type Workload } from './lib/workloads.js';

const REPO_ROOT = resolve(import.meta.dirname, '..');

interface Options {
  readonly settings: Settings;
  readonly systems: readonly SystemId[];
  readonly workloads: readonly Workload[];
  readonly profile: boolean;
  readonly build: boolean;
  readonly outDir: string;
  readonly metricsCost: boolean;
  readonly historyCost: boolean;
  readonly preparedCost: boolean;
}

const QUICK: Settings = {
  profile: 'quick',
  warmupSeconds: 0.25,
  durationSeconds: 1,
  runs: 1,
  connections: 10,
  minResponses: 5,
  maxSeconds: 2,
  prewalkSeconds: 2,
  sizes: {
    floor: [0],
    'scimd-sqlite': [1000, 100000],
    'scimd-postgres': [1000],
    scimmy: [1000],
    'better-auth': [1000],
  },
};

const FULL: Settings = {
  profile: 'full',
  warmupSeconds: 1,
  durationSeconds: 3,
  runs: 3,
  connections: 10,
  minResponses: 30,
  maxSeconds: 30,
  prewalkSeconds: 30,
  sizes: {
    floor: [0],
    'scimd-sqlite': [1000, 100000, 1000000],
    'scimd-postgres': [1000, 100000, 1000000],
    scimmy: [1000, 100000],
    'better-auth': [1000, 10000],
  },
};

function parseOptions(argv: readonly string[]): Options {
  const flags = new Map<string, string>();
  for (const arg of argv) {
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!match) throw new Error(`unknown argument ${JSON.stringify(arg)} (see the comment at the top of bench/run.ts)`);
    flags.set(match[1]!, match[2] ?? 'true');
  }
  const known = [
    'quick',
    'systems',
    'sizes',
    'workloads',
    'runs',
    'duration',
    'warmup',
    'connections',
    'min-responses',
    'max-seconds',
    'profile',
    'no-build',
    'out',
    'metrics-cost',
    'history-cost',
    'prepared-cost',
  ];
  for (const name of flags.keys()) if (!known.includes(name)) throw new Error(`unknown option --${name}`);
  const base = flags.has('quick') ? QUICK : FULL;
  const list = (name: string) =>
    flags
      .get(name)
      ?.split(',')
      .filter((x) => x !== '');
  const number = (name: string, fallback: number) => {
    const value = flags.get(name);
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} needs a positive number`);
    return n;
  };
  const systems = (list('systems') ?? SYSTEMS.map((s) => s.id)) as SystemId[];
  for (const s of systems) if (!SYSTEMS.some((x) => x.id === s)) throw new Error(`unknown system ${s}`);
  const workloadIds = list('workloads');
  const workloads = workloadIds === undefined ? WORKLOADS : WORKLOADS.filter((w) => workloadIds.includes(w.id));
  if (workloadIds && workloads.length !== workloadIds.length) throw new Error(`unknown workload in ${workloadIds}`);
  const sizes = list('sizes')?.map(Number);
  const settings: Settings = {
    ...base,
    runs: number('runs', base.runs),
    durationSeconds: number('duration', base.durationSeconds),
    warmupSeconds: number('warmup', base.warmupSeconds),
    connections: number('connections', base.connections),
    minResponses: number('min-responses', base.minResponses),
    maxSeconds: number('max-seconds', base.maxSeconds),
    sizes: sizes ? Object.fromEntries(SYSTEMS.map((s) => [s.id, s.id === 'floor' ? [0] : sizes])) : base.sizes,
  };
  return {
    settings,
    systems,
    workloads,
    profile: flags.has('profile'),
    build: !flags.has('no-build'),
    outDir: resolve(flags.get('out') ?? join(REPO_ROOT, 'bench/results')),
    metricsCost: flags.has('metrics-cost'),
    historyCost: flags.has('history-cost'),
    preparedCost: flags.has('prepared-cost'),
  };
}

function versions(): Record<string, string> {
  const version = (path: string) => {
    try {
      return (JSON.parse(readFileSync(join(REPO_ROOT, path), 'utf8')) as { version: string }).version;
    } catch {
      return 'not installed';
    }
  };
  return {
    scimd: version('package.json'),
    fastify: version('node_modules/fastify/package.json'),
    'better-sqlite3': version('node_modules/better-sqlite3/package.json'),
    autocannon: version('node_modules/autocannon/package.json'),
    scimmy: version('node_modules/scimmy/package.json'),
    'scimmy-routers': version('node_modules/scimmy-routers/package.json'),
    express: version('node_modules/express/package.json'),
    'better-auth': version('bench/peers/better-auth/node_modules/better-auth/package.json'),
    '@better-auth/scim': version('bench/peers/better-auth/node_modules/@better-auth/scim/package.json'),
  };
}

/** `--render=FILE.json`: writes FILE.md again from the JSON of an earlier run. */
function render(file: string): void {
  const report = JSON.parse(readFileSync(file, 'utf8')) as BenchReport;
  writeFileSync(file.replace(/\.json$/, '.md'), renderMarkdown(report));
}

async function main(): Promise<void> {
  const renderArg = process.argv.find((arg) => arg.startsWith('--render='));
  if (renderArg !== undefined) return render(resolve(renderArg.slice('--render='.length)));
  const options = parseOptions(process.argv.slice(2));
  const { settings } = options;
  const started = Date.now();
  const loadAtStart = loadavg()[0]!;
  const log = (line: string) =>
    process.stderr.write(`[${String(Math.round((Date.now() - started) / 1000)).padStart(4)} s] ${line}\n`);
  const tmpDir = mkdtempSync(join(tmpdir(), 'scimd-bench-'));
  const profileDir = options.profile ? join(tmpDir, 'profiles') : undefined;
  if (profileDir) mkdirSync(profileDir);
  const context: HarnessContext = {
    repoRoot: REPO_ROOT,
    tmpDir,
    cacheDir: join(tmpdir(), 'scimd-bench-cache'),
    profileDir,
    scimdEntry: 'dist',
    postgresUrl: process.env.SCIMD_BENCH_PG_URL || process.env.SCIMD_TEST_PG_URL || undefined,
    log,
  };
  const running = new Set<RunningSystem>();
  let aborted = false;
  const abort = () => {
    aborted = true;
    log('interrupted: stopping the systems under test');
    void Promise.allSettled([...running].map((system) => system.stop())).finally(() => {
      rmSync(tmpDir, { recursive: true, force: true });
      process.exit(130);
    });
  };
  process.once('SIGINT', abort);
  process.once('SIGTERM', abort);

  if (options.build) compileScimd(REPO_ROOT, log);

  /** A cost mode's report: the run's directory removed, the Markdown written and printed. */
  const writeCostReport = (mode: string, markdown: string) => {
    rmSync(tmpDir, { recursive: true, force: true });
    mkdirSync(options.outDir, { recursive: true });
    const file = join(options.outDir, `${new Date().toISOString().slice(0, 10)}-${mode}-${settings.profile}.md`);
    writeFileSync(file, markdown);
    process.stdout.write(`${markdown}\n`);
    log(`report written to ${file}`);
  };

  if (options.metricsCost) {
    const rows = await runMetricsCost(settings, context, running, () => aborted);
    writeCostReport('metrics-cost', renderMetricsCost(rows, settings));
    return;
  }

  if (options.historyCost) {
    const rows = await runHistoryCost(settings, context, running, () => aborted);
    writeCostReport('history-cost', renderHistoryCost(rows, settings, [loadAtStart, loadavg()[0]!]));
    return;
  }

  if (options.preparedCost) {
    const rows = await runPreparedCost(settings, context, running, () => aborted);
    writeCostReport('prepared-cost', renderPreparedCost(rows, settings, [loadAtStart, loadavg()[0]!]));
    return;
  }

  const result = await runPlan(
    { settings, systems: options.systems, workloads: options.workloads, keptProfilesDir: KEPT_PROFILES },
    context,
    running,
    () => aborted,
  );
  rmSync(tmpDir, { recursive: true, force: true });

  const now = new Date();
  const report: BenchReport = {
    date: now.toISOString().slice(0, 10),
    settings,
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
      memoryGb: Math.round(totalmem() / 1024 ** 3),
      node: process.version,
      platform: `${process.platform} ${process.arch}`,
      loadAverage: [loadAtStart, loadavg()[0]!],
    },
    versions: versions(),
    systems: result.systems,
    measurements: result.measurements,
    profiles: result.profiles,
    elapsedSeconds: (Date.now() - started) / 1000,
  };
  const name = settings.profile === 'quick' ? `${report.date}-quick` : report.date;
  const markdown = renderMarkdown(report);
  const file = writeReport(options.outDir, name, markdown, report);
  process.stdout.write(`${markdown}\n`);
  log(`report written to ${file} and .json`);
}

try {
  await main();
  process.exit(0);
} catch (error) {
  process.stderr.write(`bench: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
}
