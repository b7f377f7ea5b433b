/**
 * Reads the V8 CPU profiles (`node --cpu-prof`) the scimd children wrote and ranks functions by
 * self time, as a share of the time the process was busy (idle time excluded).
 */
import { readdirSync, readFileSync } from 'node:fs';
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
}

const NOT_WORK = new Set(['(idle)', '(program)']);

/** Where the benches leave CPU profiles after a run (their own temporary directory is removed). */
export const KEPT_PROFILES = join(tmpdir(), 'scimd-bench-profiles');

/** The profile file a process with `pid` wrote into `dir`, if any. */
export function profileFileOf(dir: string, pid: number): string | undefined {
  const name = readdirSync(dir).find((file) => file.endsWith('.cpuprofile') && file.split('.').includes(String(pid)));
  return name === undefined ? undefined : join(dir, name);
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
export function summariseProfile(file: string, repoRoot: string, limit = 15): { fn: string; percent: number }[] {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const timeOf = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    timeOf.set(id, (timeOf.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
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
export function shareOfBusyTime(file: string, attribute: (stack: readonly ProfileFrame[]) => boolean): number {
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
  profile.samples.forEach((id, i) => {
    const time = profile.timeDeltas[i] ?? 0;
    if (NOT_WORK.has(frameOf.get(id)?.functionName ?? '')) return;
    busy += time;
    if (isClaimed(id)) share += time;
  });
  return busy === 0 ? 0 : (100 * share) / busy;
}
