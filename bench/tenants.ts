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
 *   --no-build                use the existing dist/ instead of compiling scimd first
 *   --out=DIR                 where the report goes (default bench/results)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { compileScimd } from './lib/build.js';
import { readRss } from './lib/child.js';
import { databaseCpu } from './lib/database-cpu.js';
import { type LoadResult, runLoad } from './lib/load.js';
import { median, writeReport } from './lib/results.js';
import { adminQuery, type HarnessContext, startScimd, withDatabase } from './lib/systems.js';
import { TENANT_WORKLOADS, type TenantWorkloadId } from './lib/tenant-workloads.js';
import { seedPostgresTenants, seedSqliteTenants } from './seed/scimd.js';
import { type BenchTenant, seedPostgresTenantRows, seedSqliteTenantRows } from './seed/tenants.js';

const REPO_ROOT = resolve(import.meta.dirname, '..');

type Backend = 'sqlite' | 'postgres';

interface Shape {
  readonly tenants: number;
  readonly users: number;
}

interface Settings {
  readonly profile: 'quick' | 'full';
  readonly shapes: readonly Shape[];
  readonly backends: readonly Backend[];
  readonly runs: number;
  readonly durationSeconds: number;
  readonly warmupSeconds: number;
  readonly connections: number;
  readonly control: boolean;
  readonly healthInterval: string | undefined;
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
}

interface Row {
  readonly backend: Backend;
  readonly shape: Shape;
  readonly workload: TenantWorkloadId;
  readonly one: Figure | { readonly failed: string };
  readonly many: Figure | { readonly failed: string };
  /** With --control: one tenant holding every user of the shape. */
  readonly control?: Figure | { readonly failed: string };
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
  return {
    profile: quick ? 'quick' : 'full',
    shapes,
    backends,
    runs: number('runs', quick ? 1 : 3),
    durationSeconds: number('duration', quick ? 1 : 3),
    warmupSeconds: number('warmup', quick ? 0.25 : 1),
    connections: number('connections', 10),
    control: flags.has('control'),
    healthInterval: flags.get('health-interval'),
    build: !flags.has('no-build'),
    outDir: resolve(flags.get('out') ?? join(REPO_ROOT, 'bench/results')),
  };
}

function postgresUrl(): string | undefined {
  return process.env.SCIMD_BENCH_PG_URL || process.env.SCIMD_TEST_PG_URL || undefined;
}

interface Started {
  readonly origin: string;
  readonly pid: number;
  readonly tenants: readonly BenchTenant[];
  readonly served: Served;
  readonly database: Awaited<ReturnType<typeof databaseCpu>> | undefined;
  stop(): Promise<void>;
}

let databases = 0;

/** A scimd process on `backend` holding `count` tenants of `users` users each. */
async function start(
  backend: Backend,
  count: number,
  users: number,
  context: HarnessContext,
  env: Readonly<Record<string, string>>,
): Promise<Started> {
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
    const seedSeconds = (Date.now() - since) / 1000;
    const child = await startScimd(context, `file:${file}`, env);
    return {
      origin: child.url,
      pid: child.pid,
      tenants,
      served: { tenants: count, users, seedSeconds, idleRssMb: mb(await readRss(child.pid)) },
      database: undefined,
      async stop() {
        await child.stop();
        for (const suffix of ['', '-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });
      },
    };
  }
  const admin = context.postgresUrl!;
  const name = `scimd_tenants_${process.pid}_${++databases}`;
  await adminQuery(admin, `drop database if exists ${name}`);
  await adminQuery(admin, `create database ${name}`);
  const drop = () => adminQuery(admin, `drop database if exists ${name} with (force)`);
  try {
    const url = withDatabase(admin, name);
    const tenants = await seedPostgresTenantRows(url, count);
    await seedPostgresTenants(
      url,
      tenants.map((t) => t.id),
      users,
      { spares: false },
    );
    const seedSeconds = (Date.now() - since) / 1000;
    const child = await startScimd(context, url, env);
    const database = await databaseCpu(admin, name);
    return {
      origin: child.url,
      pid: child.pid,
      tenants,
      served: { tenants: count, users, seedSeconds, idleRssMb: mb(await readRss(child.pid)) },
      database,
      async stop() {
        await child.stop();
        await database.close();
        await drop();
      },
    };
  } catch (error) {
    await drop().catch(() => undefined);
    throw error;
  }
}

const mb = (bytes: number | undefined) => (bytes === undefined ? undefined : bytes / 1024 / 1024);

function fold(runs: readonly LoadResult[]): Figure {
  const defined = (xs: (number | undefined)[]) => xs.filter((x): x is number => x !== undefined);
  const rss = defined(runs.map((r) => r.rssPeak));
  return {
    throughput: median(runs.map((r) => r.throughput)),
    cpuMsPerRequest: median(defined(runs.map((r) => r.cpuMsPerRequest))),
    databaseCpuMsPerRequest: median(defined(runs.map((r) => r.databaseCpuMsPerRequest))),
    rssPeakMb: rss.length > 0 ? Math.max(...rss) / 1024 / 1024 : undefined,
    non2xx: runs.reduce((sum, r) => sum + r.non2xx, 0),
    errors: runs.reduce((sum, r) => sum + r.errors, 0),
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
  return fold(runs);
}

const fixed = (n: number | undefined, digits = 3) => (n === undefined ? '–' : n.toFixed(digits));
const whole = (n: number | undefined) => (n === undefined ? '–' : Math.round(n).toLocaleString('en-US'));
const isFigure = (f: Figure | { failed: string }): f is Figure => !('failed' in f);
/** CPU per request including the database server's, when measured. */
const totalCpu = (f: Figure) =>
  f.cpuMsPerRequest === undefined ? undefined : f.cpuMsPerRequest + (f.databaseCpuMsPerRequest ?? 0);
const ratio = (a: number | undefined, b: number | undefined) =>
  a === undefined || b === undefined || b === 0 ? '–' : `${(a / b).toFixed(2)}×`;

function render(settings: Settings, rows: readonly Row[], served: readonly (Served & { backend: Backend })[]): string {
  const out: string[] = [];
  const date = new Date().toISOString().slice(0, 10);
  out.push(`# scimd with many tenants — ${date} (${settings.profile})`, '');
  out.push(
    `${cpus().length} × ${cpus()[0]?.model.trim() ?? 'CPU'}, Node ${process.version}, load average ${loadavg()[0]!.toFixed(2)} at the end. ` +
      `${settings.runs} run(s) of ${settings.durationSeconds} s per figure (median), ${settings.connections} connections, ` +
      `the first run after ${settings.warmupSeconds} s of warm-up${settings.healthInterval === undefined ? '' : `, SCIMD_HEALTH_INTERVAL=${settings.healthInterval}`}. "one": scimd holding a single tenant of the same size; ` +
      '"many": every tenant of the shape, each request (or cycle) for a tenant drawn at random with its own token. ' +
      'CPU: the scimd process per request, plus PostgreSQL\'s backends on PostgreSQL ("+ db"). Target: many ÷ one ≤ 1.2× for CPU and RSS.',
    '',
    '## Seeding',
    '',
    '| backend | tenants × users | seconds | RSS idle MB |',
    '| --- | --- | ---: | ---: |',
  );
  for (const s of served) {
    out.push(
      `| ${s.backend} | ${whole(s.tenants)} × ${whole(s.users)} | ${s.seedSeconds.toFixed(1)} | ${whole(s.idleRssMb)} |`,
    );
  }
  out.push(
    '',
    '## Figures',
    '',
    '| backend | tenants × users | workload | one: req/s · CPU ms/req · RSS MB | many: req/s · CPU ms/req · RSS MB | CPU many ÷ one | RSS many ÷ one |',
    '| --- | --- | --- | --- | --- | ---: | ---: |',
  );
  const cell = (f: Figure | { failed: string }) =>
    isFigure(f)
      ? `${whole(f.throughput)} · ${fixed(f.cpuMsPerRequest)}${f.databaseCpuMsPerRequest === undefined ? '' : ` + db ${fixed(f.databaseCpuMsPerRequest)}`} · ${whole(f.rssPeakMb)}${f.non2xx + f.errors > 0 ? ` ⚠ ${f.non2xx} non-2xx, ${f.errors} errors` : ''}`
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
  return `${out.join('\n')}\n`;
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
  const served: (Served & { backend: Backend })[] = [];
  try {
    for (const backend of settings.backends) {
      for (const shape of settings.shapes) {
        log(`${backend}: seeding 1 × ${shape.users} and ${shape.tenants} × ${shape.users}`);
        const env: Record<string, string> =
          settings.healthInterval === undefined ? {} : { SCIMD_HEALTH_INTERVAL: settings.healthInterval };
        const one = await start(backend, 1, shape.users, context, env);
        up.add(one);
        const many = await start(backend, shape.tenants, shape.users, context, env);
        up.add(many);
        const control = settings.control
          ? await start(backend, 1, shape.tenants * shape.users, context, env)
          : undefined;
        if (control) up.add(control);
        const systems = control ? [one, many, control] : [one, many];
        for (const s of systems) {
          served.push({ ...s.served, backend });
          log(
            `  ${s.served.tenants} tenant(s) seeded in ${s.served.seedSeconds.toFixed(1)} s, RSS ${whole(s.served.idleRssMb)} MB`,
          );
        }
        for (const workload of TENANT_WORKLOADS) {
          const figures = [];
          for (const system of systems) figures.push(await measure(system, workload, settings));
          const [a, b, c] = figures as [
            Figure | { failed: string },
            Figure | { failed: string },
            Figure | { failed: string } | undefined,
          ];
          rows.push({ backend, shape, workload: workload.id, one: a, many: b, ...(c ? { control: c } : {}) });
          const line = (f: Figure | { failed: string }) =>
            isFigure(f)
              ? `${whole(f.throughput)} req/s, CPU ${fixed(totalCpu(f))} ms/req, RSS ${whole(f.rssPeakMb)} MB`
              : f.failed;
          log(`  ${workload.id}: one ${line(a)}; many ${line(b)}${c ? `; control ${line(c)}` : ''}`);
        }
        for (const s of systems) {
          await s.stop();
          up.delete(s);
        }
      }
    }
  } finally {
    await stopAll();
  }
  const markdown = render(settings, rows, served);
  const name = `${new Date().toISOString().slice(0, 10)}-tenants-${settings.profile}`;
  const file = writeReport(settings.outDir, name, markdown, { settings, served, rows });
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
