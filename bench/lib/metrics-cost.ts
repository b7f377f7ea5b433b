/**
 * `npm run bench -- --metrics-cost`: what Prometheus metrics and tenant health cost (issue #16.4,
 * docs/operations.md). The target: with them on, Entra lookup and create throughput drops by at
 * most 5 %.
 *
 * For each workload (the Entra lookup `match-username`, the create `post-user`) three scimd
 * processes on SQLite with the same seeded directory take turns, in an order that rotates every
 * round so that drift in the machine's load falls on all of them:
 * - `off`: SCIMD_METRICS=off and the health pass once a day (never, within a run);
 * - `control`: configured exactly as `off`. Its ratio to `off` is what the method reads as a
 *   difference where there is none: a measured on/off ratio is only news beyond that noise;
 * - `on`: metrics on and the health pass every minute (the defaults).
 * Every process runs under `--cpu-prof` (the same sampling cost for all three), and the profile of
 * `on` says which share of its CPU time went to metrics code: prom-client, src/metrics/, the
 * request hook, the statement timings and Kysely's `log` wrapper around each statement. That
 * share is the cost measured directly, without the noise of comparing two processes.
 *
 * Where `taskset` exists and there are at least two CPUs, the load generator (this process) runs
 * on CPU 0 and every scimd on CPU 1, so a server never competes with the generator for a core
 * and its throughput is bounded by its own CPU cost, which is what the ratio is about.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { type CostSide, measureSides, measureStartedSides, type SideFigures, type SideSetup } from './cost-sides.js';
import { pinLoadGenerator } from './pinning.js';
import { keepProfile, type ProfileFrame, shareOfBusyTime } from './profile.js';
import type { Settings } from './results.js';
import type { RunningSystem } from './system.js';
import { type HarnessContext, startScimdSqlite } from './systems.js';
import { type Workload, workload } from './workloads.js';

const WORKLOADS = [workload('match-username'), workload('post-user')];

const WITHOUT = { SCIMD_METRICS: 'off', SCIMD_HEALTH_INTERVAL: '24h' };
const SIDES: readonly SideSetup[] = [
  { side: 'off', env: WITHOUT },
  { side: 'control', env: WITHOUT },
  { side: 'on', env: { SCIMD_METRICS: 'on', SCIMD_HEALTH_INTERVAL: '60s' } },
];

export interface MetricsCostRow extends SideFigures {
  readonly workload: string;
  /** Percent of the `on` process's busy CPU time spent in metrics code (undefined: no profile). */
  readonly metricsShare: number | undefined;
  /** The same attribution applied to `off`: what it claims without metrics (should be about 0). */
  readonly offShare: number | undefined;
  /** Whether scimd had CPU 1 to itself and the load generator CPU 0. */
  readonly pinned: boolean;
}

/** Files whose time is the metrics' wherever they are in a stack (dist/ or src/). */
const METRICS_CODE = [
  /\/prom-client\//,
  /\/metrics\/[\w-]+\.[jt]s$/,
  /metrics-routes\.[jt]s$/,
  /statement-log\.[jt]s$/,
];
/** Kysely's `log` wrapper: only its own time, not the statement it wraps. */
const LOG_WRAPPER = /^(connection\.executeQuery|#logQuery|#calculateDurationMillis|)$/;

function isMetricsWork(stack: readonly ProfileFrame[]): boolean {
  const running = stack[0];
  if (running?.url.endsWith('kysely/dist/esm/driver/runtime-driver.js') && LOG_WRAPPER.test(running.functionName)) {
    return true;
  }
  return stack.some((frame) => METRICS_CODE.some((code) => code.test(frame.url)));
}

export async function runMetricsCost(
  settings: Settings,
  context: HarnessContext,
  running: Set<RunningSystem>,
  isAborted: () => boolean,
): Promise<MetricsCostRow[]> {
  const size = Math.min(...(settings.sizes['scimd-sqlite'] ?? [1000]));
  // Rounds are short; more of them make the medians steadier on a shared machine.
  const rounds = settings.profile === 'quick' ? 5 : 9;
  context.log(
    `metrics cost: scimd on SQLite with ${size.toLocaleString('en-US')} users, metrics off, off again and on`,
  );
  const pinning = pinLoadGenerator();
  context.log(
    pinning ? '  load generator pinned to CPU 0, scimd to CPU 1' : '  not pinned to CPUs (no taskset or one CPU)',
  );
  const rows: MetricsCostRow[] = [];
  try {
    for (const w of WORKLOADS) rows.push(await costOf(w, size, rounds, pinning, settings, context, running, isAborted));
  } finally {
    pinning?.release();
  }
  return rows;
}

async function costOf(
  w: Workload,
  size: number,
  rounds: number,
  pinning: ReturnType<typeof pinLoadGenerator>,
  settings: Settings,
  context: HarnessContext,
  running: Set<RunningSystem>,
  isAborted: () => boolean,
): Promise<MetricsCostRow> {
  const log = context.log;
  // Fresh processes per workload, so that each profile covers one workload.
  const profileDir = join(context.tmpDir, `metrics-cost-profiles-${w.id}`);
  mkdirSync(profileDir, { recursive: true });
  const { figures, systems } = await measureStartedSides(
    SIDES,
    ({ side, env }) => startScimdSqlite(size, { ...context, profileDir }, env, `metrics-${side}-${w.id}`),
    pinning,
    running,
    (started) => measureSides(started, w, size, rounds, settings, log, '', isAborted),
  );
  const share = (side: CostSide) => {
    const kept = keepProfile(profileDir, systems[side].pid, `metrics-cost-${w.id}-${side}`);
    return kept === undefined ? undefined : shareOfBusyTime(kept, isMetricsWork);
  };
  const { throughput } = figures;
  const row: MetricsCostRow = {
    workload: w.id,
    ...figures,
    metricsShare: share('on'),
    offShare: share('off'),
    pinned: pinning !== undefined,
  };
  log(
    `  ${w.id}: off ${throughput.off.toFixed(0)}, control ${throughput.control.toFixed(0)}, on ${throughput.on.toFixed(0)} req/s; on/off ${row.ratio.toFixed(3)}, control/off ${row.controlRatio.toFixed(3)}; metrics ${percent(row.metricsShare)} of the on process's CPU`,
  );
  return row;
}

const percent = (share: number | undefined) => (share === undefined ? '—' : `${share.toFixed(2)} %`);

export function renderMetricsCost(rows: readonly MetricsCostRow[], settings: Settings): string {
  const lines = [
    `# Metrics cost (${settings.profile} profile)`,
    '',
    'scimd on SQLite: `off` (SCIMD_METRICS=off, health pass daily), `control` (the same as `off`, a second',
    'process) and `on` (metrics on, health pass every minute) take turns in a rotating order;',
    `medians of each side's throughput over the rounds (${settings.durationSeconds} s per run, ${settings.connections} connections),`,
    `every process under --cpu-prof; ${rows.every((r) => r.pinned) ? 'scimd pinned to CPU 1, the load generator to CPU 0' : 'not pinned to CPUs'}. Target: on/off at least 0.95. control/off is the noise of the`,
    'method itself. "metrics CPU" is the share of the `on` process\'s busy CPU time spent in metrics',
    "code (prom-client, src/metrics/, the request hook, the statement timings, Kysely's log wrapper),",
    'from its CPU profile; the same attribution applied to `off` is shown beside it.',
    '',
    '| workload | off (req/s) | control (req/s) | on (req/s) | on/off | control/off | CPU off / control / on (ms/req) | metrics CPU (on) | same attribution (off) | rounds |',
    '| --- | ---: | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: |',
    ...rows.map(
      (r) =>
        `| ${r.workload} | ${r.throughput.off.toFixed(0)} | ${r.throughput.control.toFixed(0)} | ${r.throughput.on.toFixed(0)} | ${r.ratio.toFixed(3)} | ${r.controlRatio.toFixed(3)} | ${r.cpu.off.toFixed(3)} / ${r.cpu.control.toFixed(3)} / ${r.cpu.on.toFixed(3)} | ${percent(r.metricsShare)} | ${percent(r.offShare)} | ${r.rounds} |`,
    ),
    '',
  ];
  return lines.join('\n');
}
