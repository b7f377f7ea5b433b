/**
 * `npm run bench [-- options]`: scimd side by side with the floor and its open-source peers.
 *
 * Options:
 *   --quick                 about two minutes: fewer sizes, one short run per figure
 *   --systems=a,b           floor, scimd-sqlite, scimd-postgres, scimmy, better-auth (default: all)
 *   --sizes=1000,100000     directory sizes for every system (default: per profile and system)
 *   --workloads=a,b         workload ids (default: all; see bench/lib/workloads.ts)
 *   --runs=N --duration=S --warmup=S --connections=N
 *   --profile               run scimd with --cpu-prof and add the hottest functions to the report
 *   --no-build              use the existing dist/ instead of compiling scimd first
 *   --out=DIR               where the report goes (default bench/results)
 *
 * PostgreSQL is included when SCIMD_BENCH_PG_URL (or SCIMD_TEST_PG_URL) names a server where
 * the harness may create and drop databases.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { readRss } from './lib/child.js';
import { EMPTY_DIRECTORY } from './lib/directory.js';
import { runLoad } from './lib/load.js';
import { profileFileOf, summariseProfile } from './lib/profile.js';
import { renderMarkdown } from './lib/report.js';
import {
  type BenchReport,
  type Measurement,
  type ProfileSummary,
  type Settings,
  type SystemRun,
  summarise,
} from './lib/results.js';
import type { RunningSystem, SystemId } from './lib/system.js';
import { type HarnessContext, SYSTEMS, type SystemSpec } from './lib/systems.js';
import { WORKLOADS, type Workload } from './lib/workloads.js';

const REPO_ROOT = resolve(import.meta.dirname, '..');
/** Where `--profile` leaves the raw V8 profiles (large; never committed). */
const KEPT_PROFILES = join(tmpdir(), 'scimd-bench-profiles');

interface Options {
  readonly settings: Settings;
  readonly systems: readonly SystemId[];
  readonly workloads: readonly Workload[];
  readonly profile: boolean;
  readonly build: boolean;
  readonly outDir: string;
}

const QUICK: Settings = {
  profile: 'quick',
  warmupSeconds: 0.3,
  durationSeconds: 1,
  runs: 1,
  connections: 10,
  minResponses: 10,
  maxSeconds: 3,
  prewalkSeconds: 3,
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
    'profile',
    'no-build',
    'out',
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

async function measure(
  system: RunningSystem,
  workload: Workload,
  size: number,
  settings: Settings,
  log: (line: string) => void,
): Promise<Measurement> {
  const base = { system: system.id, size, workload: workload.id };
  let prepared: Awaited<ReturnType<Workload['prepare']>>;
  try {
    prepared = await workload.prepare(system, system.directory ?? EMPTY_DIRECTORY, settings);
  } catch (error) {
    return { ...base, status: 'failed', reason: `probe failed: ${(error as Error).message}` };
  }
  if ('unavailable' in prepared) {
    log(`    ${system.id} ${workload.id}: n/a (${prepared.unavailable})`);
    return { ...base, status: 'unavailable', reason: prepared.unavailable };
  }
  const load = (durationSeconds: number, minResponses: number) =>
    runLoad(
      {
        origin: system.origin,
        requests: prepared.requests(),
        connections: settings.connections,
        durationSeconds,
        minResponses,
        maxSeconds: settings.maxSeconds,
      },
      system.pid,
    );
  try {
    await load(settings.warmupSeconds, 0);
    const runs = [];
    for (let i = 0; i < settings.runs; i++) runs.push(await load(settings.durationSeconds, settings.minResponses));
    const m = summarise(
      {
        ...base,
        ...(prepared.note === undefined ? {} : { note: prepared.note }),
        ...(prepared.requestsPerOperation === undefined ? {} : { requestsPerOperation: prepared.requestsPerOperation }),
      },
      runs,
    );
    log(
      `    ${system.id} ${workload.id}: ${Math.round(m.throughput ?? 0)} req/s, p50 ${m.p50?.toFixed(2) ?? '–'} ms, p99 ${m.p99?.toFixed(2) ?? '–'} ms, CPU ${m.cpuMsPerRequest?.toFixed(3) ?? '?'} ms/req, RSS ${m.rssMb?.toFixed(0) ?? '?'} MB${m.reason ? ` (${m.reason})` : ''}`,
    );
    return m;
  } catch (error) {
    return { ...base, status: 'failed', reason: (error as Error).message };
  }
}

async function main(): Promise<void> {
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

  if (options.build) {
    log('compiling scimd (tsc -p tsconfig.build.json)');
    execFileSync(process.execPath, [join(REPO_ROOT, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json'], {
      cwd: REPO_ROOT,
      stdio: 'inherit',
    });
  }

  const systemRuns: SystemRun[] = [];
  const measurements: Measurement[] = [];
  const profiles: ProfileSummary[] = [];
  const specs: SystemSpec[] = options.systems.map((id) => SYSTEMS.find((s) => s.id === id)!);
  const available: SystemSpec[] = [];
  for (const spec of specs) {
    const unavailable = await spec.availability(context);
    if (unavailable === undefined) {
      available.push(spec);
      continue;
    }
    log(`${spec.id}: ${unavailable}`);
    for (const size of settings.sizes[spec.id] ?? []) {
      systemRuns.push({ system: spec.id, label: spec.label, size, status: 'skipped', reason: unavailable });
    }
  }

  const start = async (spec: SystemSpec, size: number): Promise<RunningSystem | undefined> => {
    log(`${spec.id}${spec.id === 'floor' ? '' : ` with ${size.toLocaleString('en-US')} users`}: starting`);
    let system: RunningSystem;
    try {
      system = await spec.start(size, context);
    } catch (error) {
      const reason = (error as Error).message.split('\n').slice(0, 6).join(' / ');
      log(`${spec.id}: failed to start: ${reason}`);
      systemRuns.push({ system: spec.id, label: spec.label, size, status: 'failed', reason });
      return undefined;
    }
    running.add(system);
    const idle = await readRss(system.pid);
    systemRuns.push({
      system: spec.id,
      label: spec.label,
      size,
      status: 'ok',
      seedSeconds: system.seedSeconds,
      seedMethod: system.seedMethod,
      ...(idle === undefined ? {} : { idleRssMb: idle / 1024 / 1024 }),
    });
    log(
      `  ready in ${system.seedSeconds.toFixed(1)} s (${system.seedMethod}), RSS ${((idle ?? 0) / 1048576).toFixed(0)} MB`,
    );
    return system;
  };
  const stop = async (system: RunningSystem, size: number) => {
    await system.stop();
    running.delete(system);
    const file = profileDir === undefined ? undefined : profileFileOf(profileDir, system.pid);
    if (file) {
      profiles.push({ system: system.id, size, top: summariseProfile(file, REPO_ROOT) });
      const kept = join(KEPT_PROFILES, `${system.id}-${size}-${basename(file)}`);
      mkdirSync(KEPT_PROFILES, { recursive: true });
      copyFileSync(file, kept);
      log(`  CPU profile kept as ${kept} (open it in Chrome DevTools or speedscope)`);
    }
  };

  // The floor runs throughout and is measured next to the others at every size; the systems
  // holding a size run together and take turns on each workload, so the figures compared in a
  // ratio are measured minutes apart at most, whatever else the machine is doing.
  const floorSpec = available.find((s) => s.id === 'floor');
  const floorSystem = floorSpec === undefined ? undefined : await start(floorSpec, 0);
  const others = available.filter((s) => s.id !== 'floor');
  const sizes = [...new Set(others.flatMap((s) => settings.sizes[s.id] ?? []))].sort((a, b) => a - b);
  for (const size of sizes) {
    const group: RunningSystem[] = [];
    for (const spec of others.filter((s) => (settings.sizes[s.id] ?? []).includes(size))) {
      const system = await start(spec, size);
      if (system) group.push(system);
    }
    log(`measuring ${group.map((s) => s.id).join(', ')} at ${size.toLocaleString('en-US')} users`);
    for (const workload of options.workloads) {
      const turn = workload.id === 'test-connection' && floorSystem ? [floorSystem, ...group] : group;
      for (const system of turn) {
        if (aborted) return;
        measurements.push(await measure(system, workload, size, settings, log));
      }
    }
    for (const system of group) await stop(system, size);
  }
  if (floorSystem) await stop(floorSystem, 0);
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
    systems: systemRuns,
    measurements,
    profiles,
    elapsedSeconds: (Date.now() - started) / 1000,
  };
  mkdirSync(options.outDir, { recursive: true });
  const name = settings.profile === 'quick' ? `${report.date}-quick` : report.date;
  const markdown = renderMarkdown(report);
  writeFileSync(join(options.outDir, `${name}.md`), markdown);
  writeFileSync(join(options.outDir, `${name}.json`), `${JSON.stringify(report, null, 2)}\n`);
  process.stdout.write(`${markdown}\n`);
  log(`report written to ${join(options.outDir, `${name}.md`)} and .json`);
}

try {
  await main();
  process.exit(0);
} catch (error) {
  process.stderr.write(`bench: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
}
