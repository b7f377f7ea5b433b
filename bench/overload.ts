/**
 * Overload benchmark (issue #16.3): what 1,000 connections asking more than the machine can
 * serve get from scimd, with load shedding off and on, in one run.
 *
 *   npm run bench:overload                           # SQLite in a temporary directory, 20 s a mode
 *   npm run bench:overload -- --duration 10 --connections 500 --timeout 10
 *   npm run bench:overload -- --database postgres://…
 *   npm run bench:overload -- --modes off,shed       # a subset of: off, shed, defaults
 *
 * Each mode starts scimd afresh in a child process (this file with `--serve`), with one tenant:
 * - off:      no shedding, no in-flight cap, no tenant limit (what scimd did before #16.3);
 * - shed:     shedding and the in-flight cap at their defaults, no tenant limit;
 * - defaults: every limit at its default, the tenant limit included (one tenant: it is hit).
 * autocannon then drives `--connections` connections for `--duration` seconds, each request
 * an Entra-style `GET /Users?filter=userName eq "…"` or, one in four, a `POST /Users`. It reports
 * the count of each status, client time-outs (no answer within `--timeout` s) and errors, and
 * latency percentiles of the answered requests; scimd's own count of requests it took longer
 * than the time-out to answer (its latency histogram); /healthz probed every second on the SCIM
 * port and on the metrics port from a separate process; and the time until a SCIM request is
 * answered 200 again after the load. With two CPUs or more and taskset, scimd and the probers
 * run on CPU 1 and the load generator on CPU 0. Any SCIMD_* variable in the environment applies
 * to every mode unless the mode sets it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import autocannon, { type AutocannonRequest, type AutocannonResult } from 'autocannon';
import { loadConfig } from '../src/config/config.js';
import { startServer } from '../src/server.js';
import { openStore } from '../src/store/open.js';
import { createTenant, issueToken } from '../src/tenancy/tenants.js';
import { pinLoadGenerator } from './lib/pinning.js';

interface Ready {
  readonly url: string;
  readonly token: string;
  readonly metricsUrl: string;
}

const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';

const MODES: Readonly<Record<string, Record<string, string>>> = {
  off: {
    SCIMD_SHED_EVENT_LOOP_DELAY_MS: '0',
    SCIMD_MAX_IN_FLIGHT: '0',
    SCIMD_TENANT_RATE_LIMIT: 'off',
  },
  shed: { SCIMD_TENANT_RATE_LIMIT: 'off' },
  defaults: {},
};

/** The child: a tenant and its token in the configured database, then `scimd serve`. */
async function serve(): Promise<void> {
  const config = loadConfig(process.env);
  const store = await openStore(config.databaseUrl);
  const now = new Date();
  await createTenant(store, { slug: 'load', name: 'Load' }, now);
  const { token } = await issueToken(store, 'load', {}, now);
  await store.close();
  const server = await startServer(config);
  if (server.metricsUrl === undefined)
    throw new Error('the overload bench reads scimd metrics: SCIMD_METRICS must be on');
  const ready: Ready = { url: server.url, token, metricsUrl: server.metricsUrl };
  process.stdout.write(`${JSON.stringify(ready)}\n`);
  process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
}

function startChild(databaseUrl: string, env: Record<string, string>): Promise<{ child: ChildProcess; ready: Ready }> {
  const child = spawn(process.execPath, ['--import', 'tsx', import.meta.filename, '--serve'], {
    env: {
      ...process.env,
      ...env,
      SCIMD_DATABASE_URL: databaseUrl,
      SCIMD_HOST: '127.0.0.1',
      SCIMD_PORT: '0',
      SCIMD_LOG_LEVEL: process.env.SCIMD_LOG_LEVEL ?? 'error',
      // The admin console is not under test; its first-run banner would only add noise.
      SCIMD_CONSOLE: 'off',
      // The bench reads scimd's own latency histogram afterwards, from a listener on a free port.
      SCIMD_METRICS: 'on',
      SCIMD_METRICS_PORT: '0',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk) => {
      out += chunk;
      const line = out.split('\n')[0];
      if (out.includes('\n') && line) resolve({ child, ready: JSON.parse(line) as Ready });
    });
    child.on('exit', (code) => reject(new Error(`scimd exited with ${code} before it was ready`)));
  });
}

function stop(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
    setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
  });
}

function drive(ready: Ready, connections: number, duration: number, timeout: number): Promise<AutocannonResult> {
  const base = '/t/load/scim/v2/Users';
  const authorization = `Bearer ${ready.token}`;
  let serial = 0;
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: ready.url,
        connections,
        duration,
        timeout,
        requests: [
          {
            // Fresh request objects: autocannon keeps a body's length in the headers it is given.
            setupRequest: (template): AutocannonRequest => {
              // The template holds the host and port; the body and headers are this request's own.
              const { body: _body, headers: _headers, ...request } = template;
              const n = serial++;
              if (n % 4 === 3) {
                return {
                  ...request,
                  headers: { authorization, 'content-type': 'application/scim+json' },
                  method: 'POST',
                  path: base,
                  body: JSON.stringify({ schemas: [USER_SCHEMA], userName: `load-${n}@example.com`, active: true }),
                };
              }
              const filter = encodeURIComponent(`userName eq "load-${n - 1}@example.com"`);
              return {
                ...request,
                headers: { authorization },
                method: 'GET',
                path: `${base}?filter=${filter}`,
              };
            },
          },
        ],
      },
      (error, result) => (error ? reject(error) : resolve(result)),
    );
  });
}

interface Probed {
  readonly maxMs: number;
  readonly failed: number;
  readonly probes: number;
}

interface Row {
  readonly mode: string;
  readonly result: AutocannonResult;
  /**
   * /healthz probed once a second during the load, on the SCIM port and on the metrics port: the
   * slowest answer, and probes unanswered in 5 s.
   */
  readonly healthz: { readonly main: Probed; readonly metricsPort: Probed };
  /** From the end of the load to the first SCIM request answered 200. */
  readonly recoveredMs: number;
  /** scimd's own count of requests answered, and of those it took longer than the client's time-out to answer. */
  readonly server: { readonly answered: number; readonly slower: number };
}

/**
 * Probes `/healthz` once a second from a process of its own, on scimd's CPU: in this process
 * the probe would wait behind the load generator's own work and measure that instead.
 */
const PROBER = `
let slowest = 0, failed = 0, probes = 0;
const timer = setInterval(async () => {
  probes++;
  const started = performance.now();
  try {
    const res = await fetch(process.argv[1] + '/healthz', { signal: AbortSignal.timeout(5000) });
    await res.text();
    if (res.status === 200) slowest = Math.max(slowest, performance.now() - started);
    else failed++;
  } catch {
    failed++;
  }
}, 1000);
process.on('SIGTERM', () => {
  clearInterval(timer);
  setTimeout(() => { process.stdout.write(JSON.stringify({ maxMs: slowest, failed, probes })); process.exit(0); }, 5500);
});
`;

function probeLiveness(url: string, pinning: ReturnType<typeof pinLoadGenerator>) {
  const prober = spawn(process.execPath, ['-e', PROBER, url], { stdio: ['ignore', 'pipe', 'inherit'] });
  if (prober.pid !== undefined) pinning?.server(prober.pid);
  let out = '';
  prober.stdout!.on('data', (chunk) => {
    out += chunk;
  });
  const exited = new Promise<void>((resolve) => prober.once('exit', () => resolve()));
  return async (): Promise<Probed> => {
    prober.kill('SIGTERM');
    await exited;
    return JSON.parse(out) as Probed;
  };
}

/**
 * What scimd itself measured (scimd_scim_request_duration_seconds): requests answered, and those
 * it took longer than `seconds` to answer. A client time-out with no slow answer on the server's
 * side is the load generator not reading its answers in time.
 */
async function serverSide(ready: Ready, seconds: number): Promise<Row['server']> {
  const text = await (await fetch(ready.metricsUrl)).text();
  let answered = 0;
  let within = 0;
  for (const line of text.split('\n')) {
    const value = Number(line.slice(line.lastIndexOf(' ') + 1));
    if (line.startsWith('scimd_scim_request_duration_seconds_count{')) answered += value;
    else if (line.startsWith(`scimd_scim_request_duration_seconds_bucket{le="${seconds}",`)) within += value;
  }
  return { answered, slower: answered - within };
}

/** Milliseconds until a SCIM list request is answered 200 again. */
async function timeToRecover(ready: Ready): Promise<number> {
  const started = performance.now();
  for (;;) {
    const res = await fetch(`${ready.url}/t/load/scim/v2/Users?count=1`, {
      headers: { authorization: `Bearer ${ready.token}` },
    }).catch(() => undefined);
    await res?.text();
    if (res?.status === 200) return performance.now() - started;
    if (performance.now() - started > 60_000) return Number.POSITIVE_INFINITY;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

const probed = (p: Probed) => `${p.maxMs.toFixed(0)} (${p.failed}/${p.probes})`;

function report(rows: readonly Row[], connections: number, duration: number, timeout: number, pinned: boolean): string {
  const count = (r: AutocannonResult, test: (code: number) => boolean) =>
    Object.entries(r.statusCodeStats)
      .filter(([code]) => test(Number(code)))
      .reduce((sum, [, s]) => sum + s.count, 0);
  const lines = [
    `${connections} connections, ${duration} s a mode, client time-out ${timeout} s; ${pinned ? 'scimd on CPU 1, the load generator on CPU 0' : 'not pinned to CPUs'}`,
    '',
    `| mode | 2xx | 429 | 503 | other statuses | client time-outs | errors | p50 ms | p99 ms | max ms | scimd: answered | scimd: answered after ${timeout} s | /healthz during, SCIM port: slowest ms (unanswered/probes) | /healthz during, metrics port | recovered after ms |`,
    '| --- | --: | --: | --: | --- | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: |',
  ];
  for (const { mode, result: r, healthz, recoveredMs, server } of rows) {
    const ok = count(r, (c) => c >= 200 && c < 300);
    const tooMany = count(r, (c) => c === 429);
    const shed = count(r, (c) => c === 503);
    const other =
      Object.entries(r.statusCodeStats)
        .filter(([code]) => !/^(2\d\d|429|503)$/.test(code))
        .map(([code, s]) => `${s.count}×${code}`)
        .join(', ') || '0';
    lines.push(
      `| ${mode} | ${ok} | ${tooMany} | ${shed} | ${other} | ${r.timeouts} | ${r.errors - r.timeouts} | ${r.latency.p50} | ${r.latency.p99} | ${r.latency.max} | ${server.answered} | ${server.slower} | ${probed(healthz.main)} | ${probed(healthz.metricsPort)} | ${recoveredMs.toFixed(0)} |`,
    );
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      serve: { type: 'boolean', default: false },
      database: { type: 'string' },
      connections: { type: 'string', default: '1000' },
      duration: { type: 'string', default: '20' },
      timeout: { type: 'string', default: '10' },
      modes: { type: 'string', default: 'off,shed,defaults' },
    },
  });
  if (values.serve) return serve();
  const connections = Number(values.connections);
  const duration = Number(values.duration);
  const timeout = Number(values.timeout);
  const rows: Row[] = [];
  const pinning = pinLoadGenerator();
  process.stderr.write(pinning ? 'load generator on CPU 0, scimd on CPU 1\n' : 'not pinned to CPUs\n');
  for (const mode of values.modes.split(',')) {
    const env = MODES[mode];
    if (env === undefined) throw new Error(`unknown mode ${mode}: use ${Object.keys(MODES).join(', ')}`);
    const dir = mkdtempSync(join(tmpdir(), 'scimd-overload-'));
    const { child, ready } = await startChild(values.database ?? `file:${join(dir, 'scimd.db')}`, env);
    if (child.pid !== undefined) pinning?.server(child.pid);
    try {
      process.stderr.write(`${mode}: driving ${connections} connections for ${duration} s…\n`);
      const probers = [probeLiveness(ready.url, pinning), probeLiveness(new URL(ready.metricsUrl).origin, pinning)];
      const result = await drive(ready, connections, duration, timeout);
      const [main, metricsPort] = await Promise.all(probers.map((stop) => stop()));
      const healthz = { main: main!, metricsPort: metricsPort! };
      const recoveredMs = await timeToRecover(ready);
      rows.push({ mode, result, healthz, recoveredMs, server: await serverSide(ready, timeout) });
    } finally {
      await stop(child);
      rmSync(dir, { recursive: true, force: true });
    }
  }
  pinning?.release();
  process.stdout.write(`${report(rows, connections, duration, timeout, pinning !== undefined)}\n`);
}

await main();
