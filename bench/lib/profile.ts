/**
 * Reads the V8 CPU profiles (`node --cpu-prof`) the scimd children wrote and ranks functions by
 * self time, as a share of the time the process was busy (idle time excluded).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

interface CpuProfile {
  readonly nodes: readonly {
    readonly id: number;
    readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  }[];
  readonly samples: readonly number[];
  readonly timeDeltas: readonly number[];
}

const NOT_WORK = new Set(['(idle)', '(program)']);

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
