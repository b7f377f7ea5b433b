/**
 * Reads the V8 CPU profiles (`node --cpu-prof`) the scimd children wrote and ranks functions by
 * self time, as a share of the time the process was busy (idle time excluded).
 */
import { copyFileSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';

interface CpuProfile {
  readonly nodes: readonly {
    readonly id: number;
    readonly children?: readonly number[];
    readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  }[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
  /** Microseconds on the monotonic clock of `process.hrtime` (the same clock on Linux). */
  readonly startTime: number;
}

/** A stretch of a profile: from and to in microseconds of `process.hrtime.bigint() / 1000n`. */
export interface ProfileWindow {
  readonly fromUs: number;
  readonly toUs: number;
}

/** Now on the clock of a profile's `startTime` (monotonic microseconds), for a `ProfileWindow`. */
export const profileClockUs = () => Number(process.hrtime.bigint() / 1000n);

const NOT_WORK = new Set(['(idle)', '(program)']);

/** Where the benches leave CPU profiles after a run (their own temporary directory is removed). */
export const KEPT_PROFILES = join(tmpdir(), 'scimd-bench-profiles');

/** The profile file a process with `pid` wrote into `dir`, if any. */
export function profileFileOf(dir: string, pid: number): string | undefined {
  const name = readdirSync(dir).find((file) => file.endsWith('.cpuprofile') && file.split('.').includes(String(pid)));
  return name === undefined ? undefined : join(dir, name);
}

/**
 * Copies the profile the process with `pid` wrote into `dir` to KEPT_PROFILES as
 * `<name>.cpuprofile`, for a closer look (Chrome DevTools, speedscope) after the run's own
 * directory is removed. Returns the kept file, or undefined when the process wrote none.
 */
export function keepProfile(dir: string, pid: number, name: string): string | undefined {
  const file = profileFileOf(dir, pid);
  if (file === undefined) return undefined;
  mkdirSync(KEPT_PROFILES, { recursive: true });
  const kept = join(KEPT_PROFILES, `${name}.cpuprofile`);
  copyFileSync(file, kept);
  return kept;
}

/**
 * Calls `visit` with each sample's node and time (the delta V8 stores before it), only for the
 * samples taken within `window` (all of them without one): sample i was taken at startTime plus
 * the deltas up to and including its own.
 */
function eachSample(
  profile: CpuProfile,
  window: ProfileWindow | undefined,
  visit: (id: number, time: number) => void,
): void {
  let at = profile.startTime;
  profile.samples.forEach((id, i) => {
    const time = profile.timeDeltas[i] ?? 0;
    at += time;
    if (window !== undefined && (at < window.fromUs || at > window.toUs)) return;
    visit(id, time);
  });
}

function location(url: string, line: number, repoRoot: string): string {
  if (url === '') return '';
  const path = url.startsWith('file://') ? new URL(url).pathname : url;
  const shown = path.includes('/node_modules/')
    ? path.slice(path.lastIndexOf('/node_modules/') + 14)
    : relative(repoRoot, path);
  return ` ${shown}:${line + 1}`;
}

/** The `limit` functions with the most self time, with their share of busy time in percent. */
export function summariseProfile(
  file: string,
  repoRoot: string,
  limit = 15,
  window?: ProfileWindow,
): { fn: string; percent: number }[] {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const timeOf = new Map<number, number>();
  eachSample(profile, window, (id, time) => {
    timeOf.set(id, (timeOf.get(id) ?? 0) + time);
  });
  const byFunction = new Map<string, number>();
  let busy = 0;
  for (const node of profile.nodes) {
    const time = timeOf.get(node.id) ?? 0;
    const name = node.callFrame.functionName || '(anonymous)';
    if (NOT_WORK.has(name) || time === 0) continue;
    busy += time;
    const key = name + location(node.callFrame.url, node.callFrame.lineNumber, repoRoot);
    byFunction.set(key, (byFunction.get(key) ?? 0) + time);
  }
  return [...byFunction]
    .sort((a, b) => b[1] - a[1])
    .slice(0, limit)
    .map(([fn, time]) => ({ fn, percent: (100 * time) / busy }));
}

/** A frame of a profile's call stack. */
export interface ProfileFrame {
  readonly functionName: string;
  readonly url: string;
}

/**
 * The share of busy time, in percent, of the samples `attribute` claims: it sees each sample's
 * stack from the running function (index 0) to the root, and says whether the sample's time
 * belongs to what is being costed.
 */
export function shareOfBusyTime(
  file: string,
  attribute: (stack: readonly ProfileFrame[]) => boolean,
  window?: ProfileWindow,
): number {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const frameOf = new Map(profile.nodes.map((node) => [node.id, node.callFrame] as const));
  const claimed = new Map<number, boolean>();
  const isClaimed = (leaf: number): boolean => {
    const known = claimed.get(leaf);
    if (known !== undefined) return known;
    const stack: ProfileFrame[] = [];
    for (let id: number | undefined = leaf; id !== undefined; id = parentOf.get(id)) stack.push(frameOf.get(id)!);
    const verdict = attribute(stack);
    claimed.set(leaf, verdict);
    return verdict;
  };
  let busy = 0;
  let share = 0;
  eachSample(profile, window, (id, time) => {
    if (NOT_WORK.has(frameOf.get(id)?.functionName ?? '')) return;
    busy += time;
    if (isClaimed(id)) share += time;
  });
  return busy === 0 ? 0 : (100 * share) / busy;
}

/**
 * Who owns each sample's time: the garbage collector, or the package (`node_modules/<name>`),
 * source directory (`src/<dir>`) or Node internals of the innermost frame with a script, so
 * native work (SQLite's statement execution, a Map lookup) counts for the code that called it.
 * Percent of busy time, largest first.
 */
export function busyTimeByOwner(
  file: string,
  repoRoot: string,
  window?: ProfileWindow,
): { owner: string; percent: number }[] {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const frameOf = new Map(profile.nodes.map((node) => [node.id, node.callFrame] as const));
  const ownerOf = new Map<number, string>();
  const owner = (leaf: number): string => {
    const known = ownerOf.get(leaf);
    if (known !== undefined) return known;
    let found = '(native, no caller)';
    const frame = frameOf.get(leaf);
    if (frame?.functionName === '(garbage collector)') found = 'garbage collection';
    // better-sqlite3 runs the statement inside the driver's call (no frame of its own).
    else if (frame?.functionName === 'executeQuery' && frame.url.endsWith('/sqlite-driver.js'))
      found = 'SQLite statement execution';
    else {
      for (let id: number | undefined = leaf; id !== undefined; id = parentOf.get(id)) {
        const url = frameOf.get(id)?.url ?? '';
        if (url === '') continue;
        found = ownerOfScript(url, repoRoot);
        break;
      }
    }
    ownerOf.set(leaf, found);
    return found;
  };
  const byOwner = new Map<string, number>();
  let busy = 0;
  eachSample(profile, window, (id, time) => {
    if (NOT_WORK.has(frameOf.get(id)?.functionName ?? '')) return;
    busy += time;
    const key = owner(id);
    byOwner.set(key, (byOwner.get(key) ?? 0) + time);
  });
  return [...byOwner]
    .sort((a, b) => b[1] - a[1])
    .map(([name, time]) => ({ owner: name, percent: busy === 0 ? 0 : (100 * time) / busy }));
}

function ownerOfScript(url: string, repoRoot: string): string {
  if (url.startsWith('node:')) return 'node internals';
  const path = url.startsWith('file://') ? new URL(url).pathname : url;
  const modules = path.lastIndexOf('/node_modules/');
  if (modules >= 0) {
    const rest = path.slice(modules + 14).split('/');
    return rest[0]!.startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0]!;
  }
  // The compiled …/dist/store/sql/x.js (of this build or another) counts as src/store/sql, like the source.
  const compiled = path.lastIndexOf('/dist/');
  const parts = compiled >= 0 ? ['src', ...path.slice(compiled + 6).split('/')] : relative(repoRoot, path).split('/');
  return parts.slice(0, Math.min(3, parts.length - 1)).join('/');
}

/** Where better-sqlite3 runs a statement: Kysely's SQLite driver (the statement's native work has no frame). */
const isSqliteExecution = (frame: ProfileFrame | undefined) =>
  frame?.functionName === 'executeQuery' && frame.url.endsWith('/sqlite-driver.js');

/**
 * SQLite's statement execution split by how Kysely called it, in percent of busy time: the COMMIT
 * of a transaction (with SQLite's WAL writes and any automatic checkpoint), the statements of a
 * transaction (Kysely's `Transaction`: on scimd's SQLite the provisioning log's flush and the
 * units of work), and the statements outside one (a request's reads). The profile loses the
 * caller beyond Kysely's executor (an await), so the SQL text is not known here; the bench's
 * report names what runs in each.
 */
export function sqliteTimeByCallPath(
  file: string,
  window?: ProfileWindow,
): { commit: number; inTransaction: number; outside: number } {
  const sqlite = (stack: readonly ProfileFrame[]) => isSqliteExecution(stack[0]);
  const commit = (stack: readonly ProfileFrame[]) =>
    sqlite(stack) && stack.some((f) => f.functionName === 'commitTransaction' || f.functionName === 'beginTransaction');
  // A transaction's statement reaches Kysely's executor through the transaction's own
  // provideConnection (in kysely.js); any other statement through a connection provider.
  const inTransaction = (stack: readonly ProfileFrame[]) => {
    if (!sqlite(stack) || commit(stack)) return false;
    const executor = stack.findIndex((f) => f.url.endsWith('/query-executor/query-executor-base.js'));
    return executor >= 0 && (stack[executor + 1]?.url.endsWith('/kysely/dist/esm/kysely.js') ?? false);
  };
  const all = shareOfBusyTime(file, sqlite, window);
  const c = shareOfBusyTime(file, commit, window);
  const t = shareOfBusyTime(file, inTransaction, window);
  return { commit: c, inTransaction: t, outside: all - c - t };
}
