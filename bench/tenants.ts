/**
 * `npm run bench:tenants [-- options]`: scimd serving many tenants against scimd serving one,
 * in the same run (issue #18.3). For each backend and each shape (tenants × users per tenant),
 * two scimd processes are seeded: one with a single tenant of that many users (the baseline),
 * one with every tenant of the shape, each with its own bearer token. They take turns on each
 * workload (a lookup, a create, an Entra sync cycle, every request or cycle for a tenant drawn
 * at random); the report gives each one's CPU per request and RSS, and the ratio many ÷ one
 * (target: within 1.2×).
 *
 * Options:
 *   --quick                   200 × 20 and 5 × 1,000, one short run per figure (a smoke run)
 *   --shapes=10000x100,10x100000   tenants × users per tenant (default: these two)
 *   --backends=sqlite,postgres     default: both when SCIMD_BENCH_PG_URL (or SCIMD_TEST_PG_URL) is set
 *   --runs=N --duration=S --warmup=S --connections=N
 *   --control                 also measure a third process, one tenant holding every user of the shape
 *                             (1 × tenants·users): control ÷ one is what the database's size costs,
 *                             many ÷ control what the number of tenants costs
 *   --health-interval=<d>     SCIMD_HEALTH_INTERVAL of the servers (default theirs, 60s): the health
 *                             pass reads every tenant (2.7 s of CPU at 10,000 tenants with a week of rollups), and
 *                             lands in one 3-s run or another; e.g. 1h keeps it out of every run
 *                             (its cost is measured on its own by bench:health-pass)
 *   --profile                 run every scimd under --cpu-prof and report, per process and workload,
 *                             where its busy time went (the samples of that workload's runs only,
 *                             by owner and by function, each share also in ms of the CPU per request;
 *                             on SQLite the statement execution split into reads outside a transaction,
 *                             statements in one, BEGIN/COMMIT); the profiles are kept in the temporary
 *                             directory bench/lib/profile.ts names (KEPT_PROFILES); the report's .json
 *                             has each process's pid and the window of each workload on the profile's clock
 *   --workloads=lookup,create      which workloads (default: all three)
 *   --cold                    skip the warm-up that sends one lookup to every tenant before the
 *                             first workload: without it, the first request of each of 10,000 tokens
 *                             reads its credentials from the database (kept 5 minutes after), which in
 *                             a run of seconds is a large share of the requests, not the steady state
 *   --baseline=DIR            also serve a copy of the many tenants' database with the scimd build in DIR
 *                             (bin/scimd.js and a compiled dist/, e.g. main's), measured in turns with the
 *                             others: many ÷ baseline compares two builds in one run, on the same rows
 *   --no-build                use the existing dist/ instead of compiling scimd first
 *   --out=DIR                 where the report goes (default bench/results)
 */
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { compileScimd } from './lib/build.js';
import { readRss } from './lib/child.js';
import { databaseCpu } from './lib/database-cpu.js';
import { type LoadResult, runLoad } from './lib/load.js';
import {
  busyTimeByOwner,
  keepProfile,
  type ProfileWindow,
  profileClockUs,
  sqliteTimeByCallPath,
  summariseProfile,
} from './lib/profile.js';
import { median, writeReport } from './lib/results.js';
import { mapConcurrently } from './lib/system.js';
import { adminQuery, type HarnessContext, startScimd, withDatabase } from './lib/systems.js';
import { lookup, TENANT_WORKLOADS, type TenantWorkloadId } from './lib/tenant-workloads.js';
import { seedPostgresTenants, seedSqliteTenants } from './seed/scimd.js';
import { type BenchTenant, seedPostgresTenantRows, seedSqliteTenantRows } from './seed/tenants.js';

const REPO_ROOT = resolve(import.meta.dirname, '..');

type Backend = 'sqlite' | 'postgres';

interface Shape {
  readonly tenants: number;
  readonly users: number;
}

interface Settings {
  readonly mode: 'quick' | 'full';
  readonly shapes: readonly Shape[];
  readonly backends: readonly Backend[];
  readonly runs: number;
  readonly durationSeconds: number;
  readonly warmupSeconds: number;
  readonly connections: number;
  readonly control: boolean;
  readonly healthInterval: string | undefined;
  readonly profile: boolean;
  readonly cold: boolean;
  /** Another build (a directory with bin/scimd.js and dist/) to serve a copy of the many tenants. */
  readonly baseline: string | undefined;
  readonly workloads: readonly TenantWorkloadId[];
  readonly build: boolean;
  readonly outDir: string;
}

/** One scimd process under test: how many tenants it holds and how it was seeded. */
interface Served {
  readonly tenants: number;
  readonly users: number;
  readonly seedSeconds: number;
  readonly idleRssMb: number | undefined;
}

interface Figure {
  readonly throughput: number | undefined;
  readonly cpuMsPerRequest: number | undefined;
  readonly databaseCpuMsPerRequest: number | undefined;
  readonly rssPeakMb: number | undefined;
  readonly non2xx: number;
  readonly errors: number;
  /** The 1-minute load average when the runs ended. */
  readonly loadAverage: number;
  /**
   * KB the process read and wrote through system calls per request (`rchar`, `wchar` of
   * /proc/<pid>/io over the runs): the HTTP traffic, the same for every process of a workload,
   * plus, on SQLite, the pages read past its page cache and written to the WAL and checkpoints.
   */
  readonly readKbPerRequest: number | undefined;
  readonly writtenKbPerRequest: number | undefined;
}

interface Row {
  readonly backend: Backend;
  readonly shape: Shape;
  readonly workload: TenantWorkloadId;
  readonly one: Figure | { readonly failed: string };
  readonly many: Figure | { readonly failed: string };
  /** With --control: one tenant holding every user of the shape. */
  readonly control?: Figure | { readonly failed: string };
  /** With --baseline: the many tenants served by the other build. */
  readonly baseline?: Figure | { readonly failed: string };
}

function parse(argv: readonly string[]): Settings {
  const flags = new Map<string, string>();
  for (const arg of argv) {
    const match = /^--([a-z-]+)(?:=(.*))?$/.exec(arg);
    if (!match)
      throw new Error(`unknown argument ${JSON.stringify(arg)} (see the comment at the top of bench/tenants.ts)`);
    flags.set(match[1]!, match[2] ?? 'true');
  }
  const known = [
    'quick',
    'shapes',
    'backends',
    'runs',
    'duration',
    'warmup',
    'connections',
    'control',
    'health-interval',
    'profile',
    'workloads',
    'cold',
    'baseline',
    'no-build',
    'out',
  ];
  for (const name of flags.keys()) if (!known.includes(name)) throw new Error(`unknown option --${name}`);
  const quick = flags.has('quick');
  const number = (name: string, fallback: number) => {
    const value = flags.get(name);
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0) throw new Error(`--${name} needs a positive number`);
    return n;
  };
  const shapes = (flags.get('shapes') ?? (quick ? '200x20,5x1000' : '10000x100,10x100000')).split(',').map((text) => {
    const match = /^(\d+)x(\d+)$/.exec(text);
    if (!match || Number(match[1]) < 1 || Number(match[2]) < 10) {
      throw new Error(`--shapes: ${JSON.stringify(text)} is not <tenants>x<users per tenant> (at least 10 users)`);
    }
    return { tenants: Number(match[1]), users: Number(match[2]) };
  });
  const pgUrl = postgresUrl();
  const backends = (flags.get('backends')?.split(',') ?? (pgUrl ? ['sqlite', 'postgres'] : ['sqlite'])) as Backend[];
  for (const b of backends) {
    if (b !== 'sqlite' && b !== 'postgres') throw new Error(`--backends: unknown backend ${b}`);
    if (b === 'postgres' && !pgUrl)
      throw new Error('--backends=postgres needs SCIMD_BENCH_PG_URL or SCIMD_TEST_PG_URL');
  }
  const workloads = (flags.get('workloads')?.split(',') ?? TENANT_WORKLOADS.map((w) => w.id)) as TenantWorkloadId[];
  for (const w of workloads) {
    if (!TENANT_WORKLOADS.some((known) => known.id === w)) throw new Error(`--workloads: unknown workload ${w}`);
  }
  return {
    mode: quick ? 'quick' : 'full',
    shapes,
    backends,
    runs: number('runs', quick ? 1 : 3),
    durationSeconds: number('duration', quick ? 1 : 3),
    warmupSeconds: number('warmup', quick ? 0.25 : 1),
    connections: number('connections', 10),
    control: flags.has('control'),
    healthInterval: flags.get('health-interval'),
    profile: flags.has('profile'),
    cold: flags.has('cold'),
    baseline: flags.has('baseline') ? resolve(flags.get('baseline')!) : undefined,
    workloads,
    build: !flags.has('no-build'),
    outDir: resolve(flags.get('out') ?? join(REPO_ROOT, 'bench/results')),
  };
}

function postgresUrl(): string | undefined {
  return process.env.SCIMD_BENCH_PG_URL || process.env.SCIMD_TEST_PG_URL || undefined;
}

interface Started {
  readonly side: Side;
  /** Where its CPU profile goes (--profile), and when each workload ran. */
  readonly profileDir: string | undefined;
  readonly windows: Map<TenantWorkloadId, ProfileWindow>;
  readonly origin: string;
  readonly pid: number;
  readonly tenants: readonly BenchTenant[];
  readonly served: Served;
  readonly database: Awaited<ReturnType<typeof databaseCpu>> | undefined;
  stop(): Promise<void>;
}

let databases = 0;

type Side = 'one' | 'many' | 'control' | 'baseline';

/** Where one process's busy time went during one workload (--profile). */
interface ProfileRow {
  readonly backend: Backend;
  readonly shape: Shape;
  readonly side: Side;
  readonly workload: TenantWorkloadId;
  /** When the workload's runs went, on the profile's clock (for a closer look at the kept profile). */
  readonly window: ProfileWindow;
  readonly owners: { owner: string; percent: number }[];
  /** SQLite's statement execution by how it was called (percent of busy time), SQLite only. */
  readonly sqlite?: { commit: number; inTransaction: number; outside: number };
  readonly functions: { fn: string; percent: number }[];
}

/** A seeded database: its URL for scimd, its tenants, and how to copy or remove it. */
interface Seeded {
  readonly backend: Backend;
  readonly url: string;
  /** PostgreSQL: the database, for its backends' CPU. */
  readonly database: string | undefined;
  readonly tenants: readonly BenchTenant[];
  readonly count: number;
  readonly users: number;
  readonly seedSeconds: number;
  /** The same rows in a database of their own (for a second build to serve). */
  copy(): Promise<Seeded>;
  drop(): Promise<void>;
}

async function seed(backend: Backend, count: number, users: number, context: HarnessContext): Promise<Seeded> {
  const since = Date.now();
  if (backend === 'sqlite') {
    const file = join(context.tmpDir, `tenants-${count}x${users}-${++databases}.db`);
    const tenants = await seedSqliteTenantRows(file, count);
    seedSqliteTenants(
      file,
      tenants.map((t) => t.id),
      users,
      { spares: false },
    );
    const sqliteDatabase = (at: string, seedSeconds: number): Seeded => ({
      backend,
      url: `file:${at}`,
      database: undefined,
      tenants,
      count,
      users,
      seedSeconds,
      async copy() {
        // The seed ends with a checkpoint that truncates the WAL: the file alone is the database.
        const to = join(context.tmpDir, `tenants-${count}x${users}-${++databases}.db`);
        copyFileSync(at, to);
        return sqliteDatabase(to, seedSeconds);
      },
      async drop() {
        for (const suffix of ['', '-wal', '-shm']) rmSync(`${at}${suffix}`, { force: true });
      },
    });
    return sqliteDatabase(file, (Date.now() - since) / 1000);
  }
  const admin = context.postgresUrl!;
  const name = `scimd_tenants_${process.pid}_${++databases}`;
  await adminQuery(admin, `drop database if exists ${name}`);
  await adminQuery(admin, `create database ${name}`);
  const postgresDatabase = (at: string, tenants: readonly BenchTenant[], seedSeconds: number): Seeded => ({
    backend,
    url: withDatabase(admin, at),
    database: at,
    tenants,
    count,
    users,
    seedSeconds,
    async copy() {
      const to = `scimd_tenants_${process.pid}_${++databases}`;
      await adminQuery(admin, `create database ${to} template ${at}`);
      return postgresDatabase(to, tenants, seedSeconds);
    },
    drop: () => adminQuery(admin, `drop database if exists ${at} with (force)`),
  });
  try {
    const url = withDatabase(admin, name);
    const tenants = await seedPostgresTenantRows(url, count);
    await seedPostgresTenants(
      url,
      tenants.map((t) => t.id),
      users,
      { spares: false },
    );
    return postgresDatabase(name, tenants, (Date.now() - since) / 1000);
  } catch (error) {
    await adminQuery(admin, `drop database if exists ${name} with (force)`).catch(() => undefined);
    throw error;
  }
}

/** A scimd process (of the build at `shared.repoRoot`) serving `seeded`, stopped with its database removed. */
async function serve(
  side: Side,
  seeded: Seeded,
  shared: HarnessContext,
  env: Readonly<Record<string, string>>,
  profile: boolean,
): Promise<Started> {
  const profileDir = profile ? join(shared.tmpDir, `profiles-${side}-${databases}`) : undefined;
  if (profileDir) mkdirSync(profileDir);
  try {
    const child = await startScimd({ ...shared, profileDir }, seeded.url, env);
    const database =
      seeded.database === undefined ? undefined : await databaseCpu(shared.postgresUrl!, seeded.database);
    return {
      side,
      profileDir,
      windows: new Map<TenantWorkloadId, ProfileWindow>(),
      origin: child.url,
      pid: child.pid,
      tenants: seeded.tenants,
      served: {
        tenants: seeded.count,
        users: seeded.users,
        seedSeconds: seeded.seedSeconds,
        idleRssMb: mb(await readRss(child.pid)),
      },
      database,
      async stop() {
        await child.stop();
        await database?.close();
        await seeded.drop();
      },
    };
  } catch (error) {
    await seeded.drop().catch(() => undefined);
    throw error;
  }
}

const mb = (bytes: number | undefined) => (bytes === undefined ? undefined : bytes / 1024 / 1024);

/** Bytes read and written through system calls so far (Linux), undefined elsewhere. */
function ioOf(pid: number): { read: number; written: number } | undefined {
  try {
    const text = readFileSync(`/proc/${pid}/io`, 'utf8');
    const field = (name: string) => Number(new RegExp(`^${name}: (\\d+)$`, 'm').exec(text)?.[1]);
    return { read: field('rchar'), written: field('wchar') };
  } catch {
    return undefined;
  }
}

function fold(runs: readonly LoadResult[], io: { read: number; written: number } | undefined): Figure {
  const requests = runs.reduce((sum, r) => sum + r.requests, 0);
  const defined = (xs: (number | undefined)[]) => xs.filter((x): x is number => x !== undefined);
  const rss = defined(runs.map((r) => r.rssPeak));
  return {
    throughput: median(runs.map((r) => r.throughput)),
    cpuMsPerRequest: median(defined(runs.map((r) => r.cpuMsPerRequest))),
    databaseCpuMsPerRequest: median(defined(runs.map((r) => r.databaseCpuMsPerRequest))),
    rssPeakMb: rss.length > 0 ? Math.max(...rss) / 1024 / 1024 : undefined,
    non2xx: runs.reduce((sum, r) => sum + r.non2xx, 0),
    errors: runs.reduce((sum, r) => sum + r.errors, 0),
    loadAverage: loadavg()[0]!,
    readKbPerRequest: io === undefined || requests === 0 ? undefined : io.read / 1024 / requests,
    writtenKbPerRequest: io === undefined || requests === 0 ? undefined : io.written / 1024 / requests,
  };
}

async function measure(
  system: Started,
  workload: (typeof TENANT_WORKLOADS)[number],
  settings: Settings,
): Promise<Figure | { failed: string }> {
  // The first, the last and one tenant between must answer correctly before any figure counts.
  const tenants = system.tenants;
  for (const tenant of new Set([tenants[0]!, tenants[Math.floor(tenants.length / 2)]!, tenants.at(-1)!])) {
    const failure = await workload.probe(system.origin, tenant, system.served.users);
    if (failure) return { failed: `probe of ${tenant.slug}: ${failure}` };
  }
  const runs: LoadResult[] = [];
  const fromUs = profileClockUs();
  const ioBefore = ioOf(system.pid);
  for (let i = 0; i < settings.runs; i++) {
    runs.push(
      await runLoad(
        {
          origin: system.origin,
          requests: workload.requests(system.origin, tenants, system.served.users),
          connections: settings.connections,
          durationSeconds: settings.durationSeconds,
          minResponses: 5,
          maxSeconds: settings.durationSeconds * 3,
        },
        system.pid,
        i === 0 ? settings.warmupSeconds : 0,
        system.database,
      ),
    );
  }
  system.windows.set(workload.id, { fromUs, toUs: profileClockUs() });
  const ioAfter = ioOf(system.pid);
  const io =
    ioBefore === undefined || ioAfter === undefined
      ? undefined
      : { read: ioAfter.read - ioBefore.read, written: ioAfter.written - ioBefore.written };
  return fold(runs, io);
}

/**
 * One lookup for every tenant, `connections` at a time: each token's credentials are then in the
 * process's memo (5 minutes) and its last use recorded (a minute), as in a process that has
 * served its tenants for a while. Throws when a tenant answers wrongly.
 */
async function warmEveryTenant(system: Started, connections: number): Promise<void> {
  const failures = await mapConcurrently(system.tenants, connections, (tenant) =>
    lookup.probe(system.origin, tenant, system.served.users),
  );
  const failed = failures.findIndex((f) => f !== undefined);
  if (failed >= 0) throw new Error(`warm-up of ${system.tenants[failed]!.slug}: ${failures[failed]}`);
}

/** After `system` stopped (its profile is written at exit): where its time went in each workload. */
function profileRows(system: Started, backend: Backend, shape: Shape, log: (line: string) => void): ProfileRow[] {
  if (system.profileDir === undefined) return [];
  const kept = keepProfile(
    system.profileDir,
    system.pid,
    `tenants-${backend}-${shape.tenants}x${shape.users}-${system.side}`,
  );
  if (kept === undefined) {
    log(`  no CPU profile from the ${system.side} process`);
    return [];
  }
  log(`  CPU profile of the ${system.side} process kept as ${kept}`);
  return [...system.windows].map(([workload, window]) => ({
    backend,
    shape,
    side: system.side,
    workload,
    window,
    owners: busyTimeByOwner(kept, REPO_ROOT, window).slice(0, 12),
    ...(backend === 'sqlite' ? { sqlite: sqliteTimeByCallPath(kept, window) } : {}),
    functions: summariseProfile(kept, REPO_ROOT, 15, window),
  }));
}

const fixed = (n: number | undefined, digits = 3) => (n === undefined ? '–' : n.toFixed(digits));
const whole = (n: number | undefined) => (n === undefined ? '–' : Math.round(n).toLocaleString('en-US'));
const isFigure = (f: Figure | { failed: string }): f is Figure => !('failed' in f);
/** CPU per request including the database server's, when measured. */
const totalCpu = (f: Figure) =>
  f.cpuMsPerRequest === undefined ? undefined : f.cpuMsPerRequest + (f.databaseCpuMsPerRequest ?? 0);
const ratio = (a: number | undefined, b: number | undefined) =>
  a === undefined || b === undefined || b === 0 ? '–' : `${(a / b).toFixed(2)}×`;

function render(
  settings: Settings,
  rows: readonly Row[],
  served: readonly (Served & { backend: Backend; side: Side })[],
  profiles: readonly ProfileRow[],
): string {
  const out: string[] = [];
  const date = new Date().toISOString().slice(0, 10);
  out.push(`# scimd with many tenants — ${date} (${settings.mode})`, '');
  out.push(
    `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'CPU'}, Node ${process.version}, load average ${loadavg()[0]!.toFixed(2)} at the end. ` +
      `${settings.runs} run(s) of ${settings.durationSeconds} s per figure (median), ${settings.connections} connections, ` +
      `${settings.cold ? '' : 'every tenant answered one lookup before the first workload (its credentials memoised), '}the first run after ${settings.warmupSeconds} s of warm-up${settings.healthInterval === undefined ? '' : `, SCIMD_HEALTH_INTERVAL=${settings.healthInterval}`}. "one": scimd holding a single tenant of the same size; ` +
      '"many": every tenant of the shape, each request (or cycle) for a tenant drawn at random with its own token. ' +
      'CPU: the scimd process per request, plus PostgreSQL\'s backends on PostgreSQL ("+ db"). Target: many ÷ one ≤ 1.2× for CPU and RSS.',
    '',
    '## Seeding',
    '',
    '| backend | process | tenants × users | seconds | RSS idle MB |',
    '| --- | --- | --- | ---: | ---: |',
  );
  for (const s of served) {
    out.push(
      `| ${s.backend} | ${s.side} | ${whole(s.tenants)} × ${whole(s.users)} | ${s.seedSeconds.toFixed(1)} | ${whole(s.idleRssMb)} |`,
    );
  }
  out.push(
    '',
    '## Figures',
    '',
    '| backend | tenants × users | workload | one: req/s · CPU ms/req · RSS MB (load average) | many: req/s · CPU ms/req · RSS MB (load average) | CPU many ÷ one | RSS many ÷ one |',
    '| --- | --- | --- | --- | --- | ---: | ---: |',
  );
  const cell = (f: Figure | { failed: string }) =>
    isFigure(f)
      ? `${whole(f.throughput)} · ${fixed(f.cpuMsPerRequest)}${f.databaseCpuMsPerRequest === undefined ? '' : ` + db ${fixed(f.databaseCpuMsPerRequest)}`} · ${whole(f.rssPeakMb)} (load ${f.loadAverage.toFixed(1)})${f.non2xx + f.errors > 0 ? ` ⚠ ${f.non2xx} non-2xx, ${f.errors} errors` : ''}`
      : `failed: ${f.failed}`;
  for (const r of rows) {
    const both = isFigure(r.one) && isFigure(r.many) ? [r.one, r.many] : undefined;
    out.push(
      `| ${r.backend} | ${whole(r.shape.tenants)} × ${whole(r.shape.users)} | ${TENANT_WORKLOADS.find((w) => w.id === r.workload)!.title} | ${cell(r.one)} | ${cell(r.many)} | ${both ? ratio(totalCpu(both[1]!), totalCpu(both[0]!)) : '–'} | ${both ? ratio(both[1]!.rssPeakMb, both[0]!.rssPeakMb) : '–'} |`,
    );
  }
  const controlled = rows.filter((r) => r.control !== undefined);
  if (controlled.length > 0) {
    out.push(
      '',
      '## Control: one tenant holding every user of the shape',
      '',
      'control ÷ one: what a database of tenants × users rows costs a single tenant (the size); many ÷ control: what spreading the same rows over many tenants adds (the tenants).',
      '',
      '| backend | tenants × users | workload | control: req/s · CPU ms/req · RSS MB | CPU control ÷ one | CPU many ÷ control | RSS many ÷ control |',
      '| --- | --- | --- | --- | ---: | ---: | ---: |',
    );
    for (const r of controlled) {
      const [one, many, control] = [r.one, r.many, r.control!];
      const ok = isFigure(one) && isFigure(many) && isFigure(control);
      out.push(
        `| ${r.backend} | ${whole(r.shape.tenants)} × ${whole(r.shape.users)} | ${TENANT_WORKLOADS.find((w) => w.id === r.workload)!.title} | ${cell(control)} | ${ok ? ratio(totalCpu(control), totalCpu(one)) : '–'} | ${ok ? ratio(totalCpu(many), totalCpu(control)) : '–'} | ${ok ? ratio(many.rssPeakMb, control.rssPeakMb) : '–'} |`,
      );
    }
  }
  const compared = rows.filter((r) => r.baseline !== undefined);
  if (compared.length > 0) {
    out.push(
      '',
      `## This build against the baseline (${settings.baseline})`,
      '',
      'The same many-tenant rows (a copy made before either served them), served by the baseline build, measured in turns with the others. many ÷ baseline: what this build changes.',
      '',
      '| backend | tenants × users | workload | baseline: req/s · CPU ms/req · RSS MB | CPU many ÷ baseline | RSS many ÷ baseline | CPU baseline ÷ one |',
      '| --- | --- | --- | --- | ---: | ---: | ---: |',
    );
    for (const r of compared) {
      const [one, many, base] = [r.one, r.many, r.baseline!];
      const ok = isFigure(one) && isFigure(many) && isFigure(base);
      out.push(
        `| ${r.backend} | ${whole(r.shape.tenants)} × ${whole(r.shape.users)} | ${TENANT_WORKLOADS.find((w) => w.id === r.workload)!.title} | ${cell(base)} | ${ok ? ratio(totalCpu(many), totalCpu(base)) : '–'} | ${ok ? ratio(many.rssPeakMb, base.rssPeakMb) : '–'} | ${ok ? ratio(totalCpu(base), totalCpu(one)) : '–'} |`,
      );
    }
  }
  const io = (f: Figure | { failed: string } | undefined) =>
    f === undefined || !isFigure(f) ? '–' : `${fixed(f.readKbPerRequest, 1)} / ${fixed(f.writtenKbPerRequest, 1)}`;
  out.push(
    '',
    '## I/O per request',
    '',
    'KB read / written through system calls per request (`rchar` / `wchar` of /proc/<pid>/io): the HTTP traffic (the same for every process of a workload) plus, on SQLite, the pages read past its page cache and those written to the WAL and by checkpoints.',
    '',
    '| backend | tenants × users | workload | one | many | baseline | control |',
    '| --- | --- | --- | ---: | ---: | ---: | ---: |',
  );
  for (const r of rows) {
    out.push(
      `| ${r.backend} | ${whole(r.shape.tenants)} × ${whole(r.shape.users)} | ${r.workload} | ${io(r.one)} | ${io(r.many)} | ${io(r.baseline)} | ${io(r.control)} |`,
    );
  }
  if (profiles.length > 0) out.push(...renderProfiles(profiles, rows));
  return `${out.join('\n')}\n`;
}

/** Per workload, the processes side by side: busy time by owner, then each one's hottest functions. */
function renderProfiles(profiles: readonly ProfileRow[], rows: readonly Row[]): string[] {
  const out = [
    '',
    "## Where the busy time went (--cpu-prof, the samples of each workload's runs)",
    '',
    "Percent of the process's busy time (idle excluded) by owner: the package or source directory of the innermost frame with a script, so native work (SQLite executing a statement) counts for its caller's package. After the share, that share of the process's CPU per request, in ms (the profile sees the main thread only: an estimate).",
  ];
  const groups = new Map<string, ProfileRow[]>();
  for (const p of profiles) {
    const key = `${p.backend} ${whole(p.shape.tenants)} × ${whole(p.shape.users)}, ${p.workload}`;
    groups.set(key, [...(groups.get(key) ?? []), p]);
  }
  for (const [key, group] of groups) {
    const first = group[0]!;
    const row = rows.find(
      (r) => r.backend === first.backend && r.shape === first.shape && r.workload === first.workload,
    );
    const cpuOf = (p: ProfileRow) => {
      const figure = row?.[p.side];
      return figure !== undefined && isFigure(figure) ? figure.cpuMsPerRequest : undefined;
    };
    const cell = (p: ProfileRow, share: number | undefined) => {
      if (share === undefined) return '–';
      const cpu = cpuOf(p);
      return `${share.toFixed(1)} %${cpu === undefined ? '' : ` · ${((share / 100) * cpu).toFixed(3)}`}`;
    };
    const owners = [...new Set(group.flatMap((p) => p.owners.map((o) => o.owner)))];
    out.push('', `### ${key}`, '', `| owner | ${group.map((p) => p.side).join(' | ')} |`);
    out.push(`| --- | ${group.map(() => '---:').join(' | ')} |`);
    for (const owner of owners) {
      const cells = group.map((p) => cell(p, p.owners.find((o) => o.owner === owner)?.percent));
      out.push(`| ${owner} | ${cells.join(' | ')} |`);
    }
    if (group.some((p) => p.sqlite !== undefined)) {
      const split = [
        ['SQLite: statements outside a transaction', 'outside'],
        ['SQLite: statements in a transaction', 'inTransaction'],
        ['SQLite: BEGIN and COMMIT (WAL writes, checkpoints)', 'commit'],
      ] as const;
      for (const [label, part] of split)
        out.push(`| ${label} | ${group.map((p) => cell(p, p.sqlite?.[part])).join(' | ')} |`);
    }
    for (const p of group) {
      out.push('', `${p.side}, hottest functions (self time):`, '');
      for (const f of p.functions) out.push(`- ${f.percent.toFixed(1)} % ${f.fn}`);
    }
  }
  return out;
}

async function main(): Promise<void> {
  const settings = parse(process.argv.slice(2));
  const started = Date.now();
  const log = (line: string) =>
    process.stderr.write(`[${String(Math.round((Date.now() - started) / 1000)).padStart(4)} s] ${line}\n`);
  const tmpDir = mkdtempSync(join(tmpdir(), 'scimd-bench-tenants-'));
  const context: HarnessContext = {
    repoRoot: REPO_ROOT,
    tmpDir,
    cacheDir: join(tmpdir(), 'scimd-bench-cache'),
    profileDir: undefined,
    scimdEntry: 'dist',
    postgresUrl: postgresUrl(),
    log,
  };
  const up = new Set<Started>();
  const stopAll = async () => {
    await Promise.allSettled([...up].map((s) => s.stop()));
    rmSync(tmpDir, { recursive: true, force: true });
  };
  const interrupt = () => {
    log('interrupted: stopping the servers');
    void stopAll().finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  if (settings.build) compileScimd(REPO_ROOT, log);
  const rows: Row[] = [];
  const served: (Served & { backend: Backend; side: Side })[] = [];
  const profiles: ProfileRow[] = [];
  /** When each process ran each workload (monotonic microseconds), for a closer look afterwards. */
  const windows: { backend: Backend; side: Side; pid: number; workload: TenantWorkloadId; window: ProfileWindow }[] =
    [];
  try {
    for (const backend of settings.backends) {
      for (const shape of settings.shapes) {
        log(`${backend}: seeding 1 × ${shape.users} and ${shape.tenants} × ${shape.users}`);
        const env: Record<string, string> =
          settings.healthInterval === undefined ? {} : { SCIMD_HEALTH_INTERVAL: settings.healthInterval };
        const baseline = settings.baseline;
        const start = async (side: Side, count: number, users: number) => {
          const seeded = await seed(backend, count, users, context);
          // A copy of the many tenants' rows for the other build, made before either serves them.
          const copy = side === 'many' && baseline !== undefined ? await seeded.copy() : undefined;
          const started = [await serve(side, seeded, context, env, settings.profile)];
          if (copy)
            started.push(await serve('baseline', copy, { ...context, repoRoot: baseline! }, env, settings.profile));
          for (const s of started) up.add(s);
          return started;
        };
        const [one] = await start('one', 1, shape.users);
        const [many, other] = await start('many', shape.tenants, shape.users);
        const [control] = settings.control ? await start('control', 1, shape.tenants * shape.users) : [];
        // Measured in this order, in turns, each workload.
        const systems = [one!, many!, ...(other ? [other] : []), ...(control ? [control] : [])];
        if (!settings.cold) {
          for (const s of systems) await warmEveryTenant(s, settings.connections);
          log(`  every tenant answered one lookup (warm-up)`);
        }
        for (const s of systems) {
          served.push({ ...s.served, backend, side: s.side });
          log(
            `  ${s.side}: ${s.served.tenants} tenant(s) seeded in ${s.served.seedSeconds.toFixed(1)} s, RSS ${whole(s.served.idleRssMb)} MB`,
          );
        }
        for (const workload of TENANT_WORKLOADS.filter((w) => settings.workloads.includes(w.id))) {
          const figures = new Map<Side, Figure | { failed: string }>();
          for (const system of systems) figures.set(system.side, await measure(system, workload, settings));
          const [a, b, c, d] = [
            figures.get('one')!,
            figures.get('many')!,
            figures.get('control'),
            figures.get('baseline'),
          ];
          rows.push({
            backend,
            shape,
            workload: workload.id,
            one: a,
            many: b,
            ...(c ? { control: c } : {}),
            ...(d ? { baseline: d } : {}),
          });
          const line = (f: Figure | { failed: string }) =>
            isFigure(f)
              ? `${whole(f.throughput)} req/s, CPU ${fixed(totalCpu(f))} ms/req, RSS ${whole(f.rssPeakMb)} MB, I/O ${fixed(f.readKbPerRequest, 1)} KB read ${fixed(f.writtenKbPerRequest, 1)} KB written a request, load ${f.loadAverage.toFixed(1)}`
              : f.failed;
          log(
            `  ${workload.id}: one ${line(a)}; many ${line(b)}${d ? `; baseline ${line(d)}` : ''}${c ? `; control ${line(c)}` : ''}`,
          );
        }
        for (const s of systems)
          for (const [workload, window] of s.windows)
            windows.push({ backend, side: s.side, pid: s.pid, workload, window });
        for (const s of systems) {
          await s.stop();
          up.delete(s);
          profiles.push(...profileRows(s, backend, shape, log));
        }
      }
    }
  } finally {
    await stopAll();
  }
  const markdown = render(settings, rows, served, profiles);
  const name = `${new Date().toISOString().slice(0, 10)}-tenants-${settings.mode}`;
  const file = writeReport(settings.outDir, name, markdown, { settings, served, rows, profiles, windows });
  process.stdout.write(markdown);
  log(`report written to ${file} and .json`);
}

try {
  await main();
  process.exit(0);
} catch (error) {
  process.stderr.write(`bench:tenants: ${(error as Error).stack ?? String(error)}\n`);
  process.exit(1);
}
