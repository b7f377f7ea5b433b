/**
 * Memory abuse benchmark (issue #12.3): how much memory and event-loop time one tenant can take
 * from a running scimd with large resources and concurrent full-page lists.
 *
 *   npm run bench:memory                       # SQLite in a temporary directory
 *   npm run bench:memory -- --database postgres://…   # or PostgreSQL
 *   npm run bench:memory -- --users 200 --string-bytes 31000 --clients 6 --rounds 3
 *   npm run build && npm run bench:memory -- --built   # scimd from dist/, as npm start runs it
 *
 * scimd runs in a child process (this file with `--serve`) on the default settings plus any
 * SCIMD_* variables in the environment. The parent creates one tenant's users, each as large as
 * the default limits allow (SCIMD_MAX_ATTRIBUTE_BYTES, SCIMD_MAX_RESOURCE_BYTES): eight string
 * attributes of `--string-bytes` each, about 248 KB a user. Then it has `--clients` clients each send `--rounds` times
 * `GET /Users?count=200` at once, while `/healthz` is probed every 20 ms. It reports the child's
 * peak RSS (VmHWM, Linux /proc) and `/healthz` latency before and during the lists.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Worker } from 'node:worker_threads';
import { loadConfig } from '../src/config/config.js';
import { startServer } from '../src/server.js';
import { openStore } from '../src/store/open.js';
import { createTenant, issueToken } from '../src/tenancy/tenants.js';

interface Ready {
  readonly url: string;
  readonly token: string;
}

/** The child: a tenant and its token in the configured database, then `scimd serve`. */
async function serve(): Promise<void> {
  const config = loadConfig(process.env);
  const store = await openStore(config.databaseUrl);
  const now = new Date();
  await createTenant(store, { slug: 'abuse', name: 'Abuse' }, now);
  const { token } = await issueToken(store, 'abuse', {}, now);
  await store.close();
  const server = await startServer(config);
  process.stdout.write(`${JSON.stringify({ url: server.url, token } satisfies Ready)}\n`);
  process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
}

/**
 * The same child from the compiled `dist/` (after `npm run build`), as `npm start` runs scimd:
 * without tsx's compiler in the process, RSS is what production sees.
 */
const SERVE_BUILT = `
const dist = (path) => new URL('../dist/' + path, ${JSON.stringify(import.meta.url)}).href;
const { loadConfig } = await import(dist('config/config.js'));
const { startServer } = await import(dist('server.js'));
const { openStore } = await import(dist('store/open.js'));
const { createTenant, issueToken } = await import(dist('tenancy/tenants.js'));
const config = loadConfig(process.env);
const store = await openStore(config.databaseUrl);
const now = new Date();
await createTenant(store, { slug: 'abuse', name: 'Abuse' }, now);
const { token } = await issueToken(store, 'abuse', {}, now);
await store.close();
const server = await startServer(config);
process.stdout.write(JSON.stringify({ url: server.url, token }) + '\\n');
process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
`;

function startChild(databaseUrl: string, built: boolean): Promise<{ child: ChildProcess; ready: Ready }> {
  const args = built
    ? ['--input-type=module', '--eval', SERVE_BUILT]
    : ['--import', 'tsx', import.meta.filename, '--serve'];
  const child = spawn(process.execPath, args, {
    env: {
      ...process.env,
      SCIMD_DATABASE_URL: databaseUrl,
      SCIMD_HOST: '127.0.0.1',
      SCIMD_PORT: '0',
      SCIMD_LOG_LEVEL: process.env.SCIMD_LOG_LEVEL ?? 'error',
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

/** Kilobytes of a /proc status field (VmRSS now, VmHWM the peak), or NaN off Linux. */
function procKb(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
    return match ? Number(match[1]) : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** Probes /healthz every 20 ms until told to stop, then posts the latencies (plain JS: eval). */
const PROBE = `
const { parentPort, workerData } = require('node:worker_threads');
const latencies = [];
let stop = false;
parentPort.on('message', () => { stop = true; });
(async () => {
  // One warm-up request (connection, fetch's first use) before timing, then say so.
  await (await fetch(workerData.url)).text();
  parentPort.postMessage('ready');
  while (!stop) {
    const started = performance.now();
    const res = await fetch(workerData.url);
    await res.text();
    latencies.push(performance.now() - started);
    await new Promise((r) => setTimeout(r, 20));
  }
  parentPort.postMessage(latencies);
})();
`;

const mb = (kb: number) => `${(kb / 1024).toFixed(0)} MB`;

function summary(latencies: readonly number[]): string {
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
  return `n=${sorted.length} p50=${at(0.5).toFixed(1)} ms p99=${at(0.99).toFixed(1)} ms max=${(sorted.at(-1) ?? Number.NaN).toFixed(1)} ms`;
}

async function timeHealthz(url: string): Promise<number> {
  const started = performance.now();
  const res = await fetch(`${url}/healthz`);
  await res.text();
  return performance.now() - started;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      serve: { type: 'boolean', default: false },
      built: { type: 'boolean', default: false },
      database: { type: 'string' },
      users: { type: 'string', default: '200' },
      'string-bytes': { type: 'string', default: '31000' },
      clients: { type: 'string', default: '6' },
      rounds: { type: 'string', default: '3' },
    },
  });
  if (values.serve) return serve();
  const users = Number(values.users);
  const stringBytes = Number(values['string-bytes']);
  const clients = Number(values.clients);
  const rounds = Number(values.rounds);
  const dir = mkdtempSync(join(tmpdir(), 'scimd-memory-abuse-'));
  const databaseUrl = values.database ?? `file:${join(dir, 'scimd.db')}`;
  const { child, ready } = await startChild(databaseUrl, values.built);
  const pid = child.pid!;
  const scim = `${ready.url}/t/abuse/scim/v2`;
  const headers = { authorization: `Bearer ${ready.token}`, 'content-type': 'application/scim+json' };
  try {
    const idle: number[] = [];
    for (let i = 0; i < 50; i++) idle.push(await timeHealthz(ready.url));
    const rssIdle = procKb(pid, 'VmRSS');

    const big = 'x'.repeat(stringBytes);
    const enterprise = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
    for (let i = 0; i < users; i++) {
      const user = {
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', enterprise],
        userName: `abuse-${i}@example.com`,
        title: big,
        displayName: big,
        nickName: big,
        [enterprise]: { department: big, division: big, organization: big, costCenter: big, employeeNumber: big },
      };
      const res = await fetch(`${scim}/Users`, { method: 'POST', headers, body: JSON.stringify(user) });
      if (res.status !== 201) throw new Error(`creating user ${i}: ${res.status} ${await res.text()}`);
      await res.arrayBuffer();
    }
    const rssLoaded = procKb(pid, 'VmRSS');

    // The probe runs in a worker thread: parsing the large list responses here must not delay it.
    const probe = new Worker(PROBE, { eval: true, workerData: { url: `${ready.url}/healthz` } });
    await new Promise((resolve) => probe.once('message', resolve));
    const during = new Promise<number[]>((resolve) => probe.once('message', resolve));
    let peakSample = 0;
    const sampler = setInterval(() => {
      peakSample = Math.max(peakSample, procKb(pid, 'VmRSS'));
    }, 25);
    const pageSizes: number[] = [];
    const started = performance.now();
    await Promise.all(
      Array.from({ length: clients }, async () => {
        for (let r = 0; r < rounds; r++) {
          const res = await fetch(`${scim}/Users?count=200`, { headers });
          const page = (await res.json()) as { itemsPerPage?: number };
          if (res.status !== 200) throw new Error(`list: ${res.status}`);
          pageSizes.push(page.itemsPerPage ?? -1);
        }
      }),
    );
    const elapsed = performance.now() - started;
    probe.postMessage('stop');
    const duringLatencies = await during;
    await probe.terminate();
    clearInterval(sampler);

    const lines = [
      `memory abuse: ${users} users of eight ${stringBytes}-byte strings each, ${clients} clients x ${rounds} rounds of GET /Users?count=200`,
      `database: ${values.database ? 'postgres' : 'sqlite'}; scimd from ${values.built ? 'dist/' : 'sources (tsx)'}; SCIMD_LIST_MAX_PAGE_BYTES=${process.env.SCIMD_LIST_MAX_PAGE_BYTES ?? 'default'}`,
      `itemsPerPage: ${[...new Set(pageSizes)].join(', ')}; ${pageSizes.length} lists in ${(elapsed / 1000).toFixed(1)} s`,
      `RSS: idle ${mb(rssIdle)}, after creates ${mb(rssLoaded)}, peak sampled during lists ${mb(peakSample)}, peak overall (VmHWM) ${mb(procKb(pid, 'VmHWM'))}`,
      `/healthz before: ${summary(idle)}`,
      `/healthz during: ${summary(duringLatencies)}`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
