/**
 * How each system under test is started and seeded. Every system is its own child process on a
 * free loopback port, stopped (and its data files removed) when the harness is done with it.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { SUPPORTED_DATABASE_URLS } from '../../src/store/open.js';
import { createBenchTenant, seedPostgresRows, seedSqliteRows } from '../seed/scimd.js';
import {
  GROUP_SETS,
  type GroupSet,
  groupBody,
  groupCount,
  memberRange,
  PATCH_OP,
  SPARE_USERS,
  spareUserName,
  userBody,
} from '../shared/directory.mjs';
import { type Child, startChild } from './child.js';
import { deterministicDirectory, type RecordedDirectory, recordedDirectory } from './directory.js';
import { callScim, mapConcurrently, type RunningSystem, type SystemId } from './system.js';

export interface HarnessContext {
  readonly repoRoot: string;
  /** Scratch space of this run (databases), removed at the end. */
  readonly tmpDir: string;
  /** Kept between runs: seeded peer databases that take minutes to build over HTTP. */
  readonly cacheDir: string;
  /** When set, scimd children write V8 CPU profiles here. */
  readonly profileDir: string | undefined;
  /** `dist`: the compiled `bin/scimd.js` (benchmarks); `source`: the sources through tsx (smoke test). */
  readonly scimdEntry: 'dist' | 'source';
  /** PostgreSQL server URL for scimd-postgres (a database is created and dropped per size). */
  readonly postgresUrl: string | undefined;
  log(line: string): void;
}

export interface SystemSpec {
  readonly id: SystemId;
  readonly label: string;
  /** Why the system cannot run here, or undefined. */
  availability(context: HarnessContext): Promise<string | undefined>;
  start(size: number, context: HarnessContext): Promise<RunningSystem>;
}

/** Bumped whenever `shared/directory.mjs` changes what it generates (invalidates the cache). */
const DIRECTORY_VERSION = 1;

const seconds = (since: number) => (Date.now() - since) / 1000;

function running(
  fields: Omit<RunningSystem, 'pid' | 'origin' | 'stop'>,
  child: Child,
  cleanup: () => Promise<void> | void = () => undefined,
): RunningSystem {
  return {
    ...fields,
    pid: child.pid,
    origin: child.url,
    async stop() {
      await child.stop();
      await cleanup();
    },
  };
}

function node(context: HarnessContext, script: string, env: Record<string, string>, cwd?: string) {
  return startChild({
    command: process.execPath,
    args: [join(context.repoRoot, script)],
    env: { ...env, BENCH_PORT: '0', NODE_ENV: 'production' },
    cwd: cwd ?? context.repoRoot,
  });
}

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

function startScimd(context: HarnessContext, databaseUrl: string) {
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
      NODE_ENV: 'production',
    },
    cwd: context.repoRoot,
  });
}

export const scimdSqlite: SystemSpec = {
  id: 'scimd-sqlite',
  label: 'scimd on SQLite',
  availability: async () => undefined,
  async start(size, context) {
    const file = join(context.tmpDir, `scimd-${size}.db`);
    const since = Date.now();
    const { tenantId, token } = await createBenchTenant(`file:${file}`);
    seedSqliteRows(file, tenantId, size);
    const seedSeconds = seconds(since);
    const child = await startScimd(context, `file:${file}`);
    return running(
      {
        id: 'scimd-sqlite',
        scimPath: '/t/bench/scim/v2',
        token,
        directory: deterministicDirectory(size),
        seedSeconds,
        seedMethod: 'bulk SQL inserts (better-sqlite3)',
      },
      child,
      () => {
        for (const suffix of ['', '-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });
      },
    );
  },
};

/** `url` with its database name replaced. */
function withDatabase(url: string, database: string): string {
  const parsed = new URL(url);
  parsed.pathname = `/${database}`;
  return parsed.toString();
}

async function adminQuery(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 3000 });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
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
  async start(size, context) {
    const database = `scimd_bench_${process.pid}_${size}`;
    const admin = context.postgresUrl!;
    await adminQuery(admin, `drop database if exists ${database}`);
    await adminQuery(admin, `create database ${database}`);
    const url = withDatabase(admin, database);
    const drop = () => adminQuery(admin, `drop database if exists ${database} with (force)`);
    try {
      const since = Date.now();
      const { tenantId, token } = await createBenchTenant(url);
      await seedPostgresRows(url, tenantId, size);
      const seedSeconds = seconds(since);
      const child = await startScimd(context, url);
      return running(
        {
          id: 'scimd-postgres',
          scimPath: '/t/bench/scim/v2',
          token,
          directory: deterministicDirectory(size),
          seedSeconds,
          seedMethod: 'bulk SQL inserts (unnest), then ANALYZE',
        },
        child,
        drop,
      );
    } catch (error) {
      await drop().catch(() => undefined);
      throw error;
    }
  },
};

export const scimmy: SystemSpec = {
  id: 'scimmy',
  label: 'SCIMMY + scimmy-routers (Express, in memory)',
  availability: async () => undefined,
  async start(size, context) {
    const token = `scimmy_${randomBytes(24).toString('hex')}`;
    const since = Date.now();
    const child = await node(context, 'bench/peers/scimmy/server.mjs', {
      BENCH_TOKEN: token,
      BENCH_USERS: String(size),
    });
    return running(
      {
        id: 'scimmy',
        scimPath: '/scim/v2',
        token,
        directory: deterministicDirectory(size),
        seedSeconds: seconds(since),
        seedMethod: 'generated in the server process at start (in memory)',
      },
      child,
    );
  },
};

const BETTER_AUTH_DIR = 'bench/peers/better-auth';
const BETTER_AUTH_TOKEN = 'better-auth-bench-token-5f0c2a9e7d3b41c6a8e2f7b9d0c1e3a5';

function betterAuthVersion(context: HarnessContext): string | undefined {
  const file = join(context.repoRoot, BETTER_AUTH_DIR, 'node_modules/better-auth/package.json');
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version : undefined;
}

const MEMBERS_PER_REQUEST = 100;

/** POSTs the directory through the system's own API, recording the ids it assigns. */
async function seedOverHttp(system: RunningSystem, size: number, log: (line: string) => void) {
  const create = async (path: string, body: unknown) => {
    const response = await callScim(system, 'POST', path, body);
    if (response.status !== 201) throw new Error(`seeding ${path} answered ${response.status}: ${response.text}`);
    return String(response.body!['id']);
  };
  const indexes = Array.from({ length: size }, (_, i) => i);
  let done = 0;
  const userIds = await mapConcurrently(indexes, 8, async (i) => {
    const id = await create('/Users', userBody(i));
    if (++done % Math.max(1, Math.floor(size / 4)) === 0) log(`    seeded ${done}/${size} users over HTTP`);
    return id;
  });
  const spareIds = await mapConcurrently(
    Array.from({ length: SPARE_USERS }, (_, j) => j),
    8,
    (j) => create('/Users', userBody(10_000_000 + j, spareUserName(j))),
  );
  const groups = {} as Record<GroupSet, string[]>;
  for (const set of GROUP_SETS) {
    const ks = Array.from({ length: groupCount(set, size) }, (_, k) => k);
    groups[set] = await mapConcurrently(ks, 4, async (k) => {
      const [start, end] = memberRange(set, k);
      const members = userIds.slice(start, end).map((value) => ({ value }));
      // Better Auth refuses a POST naming more than 100 members ("One or more Group members are
      // invalid": its existence check reads at most 100 rows), so larger groups grow by PATCH.
      const id = await create('/Groups', { ...groupBody(set, k), members: members.slice(0, MEMBERS_PER_REQUEST) });
      for (let from = MEMBERS_PER_REQUEST; from < members.length; from += MEMBERS_PER_REQUEST) {
        const value = members.slice(from, from + MEMBERS_PER_REQUEST);
        const response = await callScim(system, 'PATCH', `/Groups/${id}`, {
          schemas: [PATCH_OP],
          Operations: [{ op: 'add', path: 'members', value }],
        });
        if (response.status >= 300)
          throw new Error(`seeding group members answered ${response.status}: ${response.text}`);
      }
      return id;
    });
  }
  return { size, userIds, spareIds, groups } satisfies RecordedDirectory;
}

export const betterAuth: SystemSpec = {
  id: 'better-auth',
  label: 'Better Auth + @better-auth/scim (SQLite)',
  async availability(context) {
    if (betterAuthVersion(context) !== undefined) return undefined;
    context.log(`installing the Better Auth peer (npm ci in ${BETTER_AUTH_DIR})`);
    try {
      execFileSync('npm', ['ci', '--no-audit', '--no-fund'], {
        cwd: join(context.repoRoot, BETTER_AUTH_DIR),
        stdio: 'ignore',
      });
      return betterAuthVersion(context) === undefined ? 'skipped: npm ci did not install better-auth' : undefined;
    } catch (error) {
      return `skipped: installing the peer failed (${(error as Error).message})`;
    }
  },
  async start(size, context) {
    const key = `better-auth-${betterAuthVersion(context)}-d${DIRECTORY_VERSION}-${size}`;
    const cachedDb = join(context.cacheDir, `${key}.db`);
    const cachedIds = join(context.cacheDir, `${key}.json`);
    const file = join(context.tmpDir, `better-auth-${size}.db`);
    const cleanup = () => {
      for (const suffix of ['', '-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });
    };
    const launch = () =>
      node(context, `${BETTER_AUTH_DIR}/server.mjs`, { BENCH_TOKEN: BETTER_AUTH_TOKEN, BENCH_DB: file });
    const base = { id: 'better-auth' as const, scimPath: '/api/auth/scim/v2', token: BETTER_AUTH_TOKEN };
    if (existsSync(cachedDb) && existsSync(cachedIds)) {
      copyFileSync(cachedDb, file);
      const recorded = JSON.parse(readFileSync(cachedIds, 'utf8')) as RecordedDirectory;
      const child = await launch();
      return running(
        {
          ...base,
          directory: recordedDirectory(recorded),
          seedSeconds: 0,
          seedMethod: 'POST over HTTP (restored from the seed cache)',
        },
        child,
        cleanup,
      );
    }
    cleanup();
    const since = Date.now();
    const seeding = await launch();
    let recorded: RecordedDirectory;
    try {
      recorded = await seedOverHttp(
        {
          ...base,
          origin: seeding.url,
          pid: seeding.pid,
          directory: undefined,
          seedSeconds: 0,
          seedMethod: '',
          stop: seeding.stop,
        },
        size,
        context.log,
      );
    } finally {
      await seeding.stop(); // closes the database: the file alone now holds the data
    }
    const seedSeconds = seconds(since);
    mkdirSync(context.cacheDir, { recursive: true });
    copyFileSync(file, cachedDb);
    writeFileSync(cachedIds, JSON.stringify(recorded));
    const child = await launch();
    return running(
      {
        ...base,
        directory: recordedDirectory(recorded),
        seedSeconds,
        seedMethod: 'POST over HTTP, through its own API',
      },
      child,
      cleanup,
    );
  },
};

export const SYSTEMS: readonly SystemSpec[] = [floor, scimdSqlite, scimdPostgres, scimmy, betterAuth];
