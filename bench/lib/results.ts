/** The shape of a benchmark run's results (written as JSON next to the Markdown report). */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LoadResult } from './load.js';
import type { SystemId } from './system.js';
import type { WorkloadId } from './workloads.js';

export interface Measurement {
  readonly system: SystemId;
  readonly size: number;
  readonly workload: WorkloadId;
  /** `unavailable`: the system cannot do it (probe failed or feature missing); `failed`: it crashed. */
  readonly status: 'ok' | 'unavailable' | 'failed';
  readonly reason?: string;
  readonly note?: string;
  /** Medians over the measured runs. */
  readonly throughput?: number;
  readonly p50?: number;
  readonly p99?: number;
  /** Peak RSS over the measured runs, MB. */
  readonly rssMb?: number;
  /** Median CPU time of the server per request, ms. */
  readonly cpuMsPerRequest?: number;
  /** Median CPU time of the database server (PostgreSQL on this machine) per request, ms. */
  readonly databaseCpuMsPerRequest?: number;
  /**
   * Users the tenant held when the workload started (`totalResults` of `GET /Users`): the
   * directory's size plus its spare users, unless an earlier workload left users behind.
   */
  readonly usersHeld?: number;
  readonly non2xx?: number;
  readonly errors?: number;
  readonly requestsPerOperation?: number;
  readonly runs?: readonly Omit<LoadResult, 'statusCodes'>[];
  readonly statusCodes?: Record<string, number>;
}

export interface SystemRun {
  readonly system: SystemId;
  readonly label: string;
  readonly size: number;
  readonly status: 'ok' | 'skipped' | 'failed';
  readonly reason?: string;
  readonly seedSeconds?: number;
  readonly seedMethod?: string;
  /** RSS after start and seeding, before any load, MB. */
  readonly idleRssMb?: number;
}

export interface Settings {
  readonly profile: 'quick' | 'full';
  readonly warmupSeconds: number;
  readonly durationSeconds: number;
  readonly runs: number;
  readonly connections: number;
  /** A slow figure runs past its duration until this many responses arrived... */
  readonly minResponses: number;
  /** ...but never longer than this. */
  readonly maxSeconds: number;
  /** How long the cursor workload may walk to reach its starting depth. */
  readonly prewalkSeconds: number;
  readonly sizes: Readonly<Partial<Record<SystemId, readonly number[]>>>;
}

export interface Machine {
  readonly cpus: number;
  readonly cpuModel: string;
  readonly memoryGb: number;
  readonly node: string;
  readonly platform: string;
  /** 1-minute load average at the start and at the end of the run. */
  readonly loadAverage: readonly number[];
}

export interface ProfileSummary {
  readonly system: SystemId;
  readonly size: number;
  /** Share of non-idle CPU time by function (self time), largest first. */
  readonly top: readonly { readonly fn: string; readonly percent: number }[];
}

export interface BenchReport {
  readonly date: string;
  readonly settings: Settings;
  readonly machine: Machine;
  readonly versions: Readonly<Record<string, string>>;
  readonly systems: readonly SystemRun[];
  readonly measurements: readonly Measurement[];
  readonly profiles: readonly ProfileSummary[];
  readonly elapsedSeconds: number;
}

export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

const optional = <K extends string>(key: K, value: number | undefined) =>
  (value === undefined ? {} : { [key]: value }) as Partial<Record<K, number>>;

/** Folds the measured runs of one (system, size, workload) into its medians. */
export function summarise(
  base: Pick<Measurement, 'system' | 'size' | 'workload' | 'note' | 'requestsPerOperation' | 'usersHeld'>,
  runs: readonly LoadResult[],
): Measurement {
  const defined = (xs: (number | undefined)[]) => xs.filter((x): x is number => x !== undefined);
  const rss = defined(runs.map((r) => r.rssPeak));
  const statusCodes: Record<string, number> = {};
  for (const run of runs) {
    for (const [code, count] of Object.entries(run.statusCodes)) statusCodes[code] = (statusCodes[code] ?? 0) + count;
  }
  const non2xx = runs.reduce((sum, r) => sum + r.non2xx, 0);
  const errors = runs.reduce((sum, r) => sum + r.errors, 0);
  const wrong = Object.keys(statusCodes).filter((code) => !code.startsWith('2'));
  const answered = runs.reduce((sum, r) => sum + r.requests, 0);
  return {
    ...base,
    status: 'ok',
    ...(answered === 0
      ? { reason: 'no response arrived within the run: slower than one response per run length' }
      : non2xx + errors > 0
        ? { reason: `${non2xx} non-2xx (${wrong.join(', ') || 'none'}) and ${errors} connection errors during load` }
        : {}),
    throughput: median(runs.map((r) => r.throughput)),
    p50: median(defined(runs.map((r) => r.p50))),
    p99: median(defined(runs.map((r) => r.p99))),
    rssMb: rss.length > 0 ? Math.max(...rss) / 1024 / 1024 : undefined,
    cpuMsPerRequest: median(defined(runs.map((r) => r.cpuMsPerRequest))),
    ...optional('databaseCpuMsPerRequest', median(defined(runs.map((r) => r.databaseCpuMsPerRequest)))),
    non2xx,
    errors,
    runs: runs.map(({ statusCodes: _codes, ...rest }) => rest),
    statusCodes,
  };
}

/**
 * Writes a report as `<outDir>/<name>.md` and `<name>.json` (the JSON for `--render` and later
 * comparison) and returns the Markdown file's path.
 */
export function writeReport(outDir: string, name: string, markdown: string, data: unknown): string {
  mkdirSync(outDir, { recursive: true });
  const file = join(outDir, `${name}.md`);
  writeFileSync(file, markdown);
  writeFileSync(join(outDir, `${name}.json`), `${JSON.stringify(data, null, 2)}\n`);
  return file;
}
