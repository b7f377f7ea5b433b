/**
 * How each system under test is started and seeded. Every system is its own child process on a
 * free loopback port, stopped (and its data files removed) when the harness is done with it.
 * The peers (SCIMMY, Better Auth) are in peers.ts.
 */
import { createHash, randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { SUPPORTED_DATABASE_URLS } from '../../src/store/open.js';
import { createBenchTenant, seedPostgresRows, seedSqliteRows } from '../seed/scimd.js';
import { startChild } from './child.js';
import { databaseCpu } from './database-cpu.js';
import { deterministicDirectory } from './directory.js';
import { betterAuth, scimmy } from './peers.js';
import { type HarnessContext, node, type RunningSystem, running, type SystemSpec, seconds } from './system.js';

export type { HarnessContext, SystemSpec } from './system.js';

export const floor: SystemSpec = {
  id: 'floor',
  label: 'floor (bare Fastify route)',
  availability: async () => undefined,
  async start(_size, context) {
    const token = `floor_${randomBytes(24).toString('hex')}`;
    const child = await node(context, 'bench/peers/floor/server.mjs', { BENCH_TOKEN: token });
    return running(
      { id: 'floor', scimPath: '/scim/v2', token, directory: undefined, seedSeconds: 0, seedMethod: 'none' },
      child,
    );
  },
};

/** The admin API's token of every scimd the benches start (the history's drain), as its hash in the environment. */
const ADMIN_TOKEN = `bench-${randomBytes(16).toString('hex')}`;
const ADMIN_TOKEN_HASH = `sha256:${createHash('sha256').update(ADMIN_TOKEN).digest('hex')}`;

/**
 * Reads one (absent) user's access history: the store projects everything pending for the
 * tenant first (docs/history.md), so the answer comes once the backlog is drained. Returns the
 * milliseconds it took.
 */
export async function drainHistory(system: Pick<RunningSystem, 'origin' | 'scimPath'>): Promise<number> {
  const slug = /^\/t\/([^/]+)\//.exec(system.scimPath)?.[1] ?? 'bench';
  const since = performance.now();
  const response = await fetch(`${system.origin}/admin/v1/tenants/${slug}/history/users/nobody-${Date.now()}`, {
    headers: { authorization: `Bearer ${ADMIN_TOKEN}` },
  });
  await response.text();
  if (response.status !== 404 && response.status !== 200) throw new Error(`history read: HTTP ${response.status}`);
  return performance.now() - since;
}

export function startScimd(context: HarnessContext, databaseUrl: string, env: Readonly<Record<string, string>> = {}) {
  const profile = context.profileDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${context.profileDir}`];
  const entry =
    context.scimdEntry === 'dist'
      ? [join(context.repoRoot, 'bin/scimd.js'), 'serve']
      : ['--import', 'tsx', join(context.repoRoot, 'bench/serve-source.ts')];
  return startChild({
    command: process.execPath,
    args: [...profile, ...entry],
    env: {
      SCIMD_DATABASE_URL: databaseUrl,
      SCIMD_PORT: '0',
      SCIMD_HOST: '127.0.0.1',
      SCIMD_LOG_LEVEL: 'warn',
      // Metrics stay on (the default) but their listener takes a free port.
      SCIMD_METRICS_PORT: '0',
      // One tenant at full speed is the workload measured: the per-tenant limit (100/s by
      // default) would answer most of it 429, and the peers have none.
      SCIMD_TENANT_RATE_LIMIT: 'off',
      // The write workloads put the directory back by deleting what they created: hundreds of
      // deletions an hour, which would trip the deprovision guard (docs/guard.md) and make every
      // later write pay for holding. The history stays on, as in production.
      SCIMD_GUARD: 'off',
      // A request costing 50 ms or more (the scans of filter-unindexed at 100,000 users and up),
      // ten at a time, pushes the event loop's mean delay past the 1 s shedding threshold on a
      // busy machine: the run would then count cheap 503s as requests (2026-12-05: 3,277 of
      // them at 100,000 users on SQLite). Shedding is measured by bench:overload instead.
      SCIMD_SHED_EVENT_LOOP_DELAY_MS: '0',
      SCIMD_ADMIN_TOKEN_HASH: ADMIN_TOKEN_HASH,
      NODE_ENV: 'production',
      ...env,
    },
    cwd: context.repoRoot,
  });
}

/**
 * scimd on SQLite seeded with `size` users, with `env` added to its environment (the metrics cost
 * mode starts one with SCIMD_METRICS=off and one with =on); `name` keeps their files apart.
 */
export async function startScimdSqlite(
  size: number,
  context: HarnessContext,
  env: Readonly<Record<string, string>> = {},
  name = 'scimd',
) {
  const file = join(context.tmpDir, `${name}-${size}.db`);
  const since = Date.now();
  const { tenantId, token } = await createBenchTenant(`file:${file}`);
  seedSqliteRows(file, tenantId, size);
  const seedSeconds = seconds(since);
  const child = await startScimd(context, `file:${file}`, env);
  return running(
    {
      id: 'scimd-sqlite',
      scimPath: '/t/bench/scim/v2',
      token,
      directory: deterministicDirectory(size),
      seedSeconds,
      seedMethod: 'bulk SQL inserts (better-sqlite3)',
      settle: () => drainHistory({ origin: child.url, scimPath: '/t/bench/scim/v2' }),
    },
    child,
    () => {
      for (const suffix of ['', '-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });
    },
  );
}

export const scimdSqlite: SystemSpec = {
  id: 'scimd-sqlite',
  label: 'scimd on SQLite',
  availability: async () => undefined,
  start: (size, context) => startScimdSqlite(size, context),
};

/** `url` with its database name replaced. */
export function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

export async function adminQuery(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A fresh, empty database `name` on `admin`'s server (one left over by a killed run is dropped first). */
export async function scratchDatabase(admin: string, name: string): Promise<{ url: string; drop(): Promise<void> }> {
  await adminQuery(admin, `drop database if exists ${name}`);
  await adminQuery(admin, `create database ${name}`);
  return {
    url: withDatabase(admin, name),
    drop: () => adminQuery(admin, `drop database if exists ${name} with (force)`),
  };
}

export const scimdPostgres: SystemSpec = {
  id: 'scimd-postgres',
  label: 'scimd on PostgreSQL',
  async availability(context) {
    if (context.postgresUrl === undefined)
      return 'skipped: set SCIMD_BENCH_PG_URL (or SCIMD_TEST_PG_URL) to include it';
    if (!SUPPORTED_DATABASE_URLS.some((form) => form.startsWith('postgres'))) {
      return 'skipped: this build of scimd has no PostgreSQL backend';
    }
    try {
      await adminQuery(context.postgresUrl, 'select 1');
      return undefined;
    } catch (error) {
      return `skipped: PostgreSQL at the given URL does not answer (${(error as Error).message})`;
    }
  },
  start: (size, context) => startScimdPostgres(size, context),
};

/**
 * scimd on a fresh PostgreSQL database seeded with `size` users, with `env` added to its
 * environment (the history cost mode starts one per side); `name` keeps their databases apart.
 */
export async function startScimdPostgres(
  size: number,
  context: HarnessContext,
  env: Readonly<Record<string, string>> = {},
  name = 'scimd',
) {
  const database = `${name === 'scimd' ? 'scimd_bench' : name.replace(/\W/g, '_')}_${process.pid}_${size}`;
  const admin = context.postgresUrl!;
  const { url, drop } = await scratchDatabase(admin, database);
  try {
    const since = Date.now();
    const { tenantId, token } = await createBenchTenant(url);
    await seedPostgresRows(url, tenantId, size);
    const seedSeconds = seconds(since);
    const child = await startScimd(context, url, env);
    const backends = await databaseCpu(admin, database);
    return running(
      {
        id: 'scimd-postgres',
        scimPath: '/t/bench/scim/v2',
        token,
        directory: deterministicDirectory(size),
        seedSeconds,
        seedMethod: 'bulk SQL inserts (unnest), then ANALYZE',
        databaseCpu: backends,
        settle: () => drainHistory({ origin: child.url, scimPath: '/t/bench/scim/v2' }),
      },
      child,
      async () => {
        await backends.close();
        await drop();
      },
    );
  } catch (error) {
    await drop().catch(() => undefined);
    throw error;
  }
}

export const SYSTEMS: readonly SystemSpec[] = [floor, scimdSqlite, scimdPostgres, scimmy, betterAuth];
