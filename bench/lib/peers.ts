/**
 * The open-source peers, each started the way its own documentation shows (details and the
 * deviations in docs/benchmarks.md): SCIMMY + scimmy-routers seeded in memory at start, and
 * Better Auth + @better-auth/scim seeded through its own API (cached between runs).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
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
import { deterministicDirectory, type RecordedDirectory, recordedDirectory } from './directory.js';
import {
  callScim,
  type HarnessContext,
  mapConcurrently,
  node,
  type RunningSystem,
  running,
  type SystemSpec,
  seconds,
} from './system.js';

/** Bumped whenever `shared/directory.mjs` changes what it generates (invalidates the cache). */
const DIRECTORY_VERSION = 1;

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
