/**
 * `npm run bench -- --history-cost`: what recording the access history costs a SCIM write
 * (issue #17 item 4, docs/history.md "Cost"). The target: with it on, create and PATCH
 * throughput within the method's own noise of it off.
 *
 * For each backend (SQLite; PostgreSQL when SCIMD_BENCH_PG_URL is set) and each write workload
 * (the Entra create `post-user`, the Entra attribute PATCH `patch-user`), three scimd processes
 * with the same seeded directory take turns, in an order that rotates every round:
 * - `off`: SCIMD_HISTORY=off (nothing recorded);
 * - `control`: configured exactly as `off`; its ratio to `off` is the noise of the method;
 * - `on`: SCIMD_HISTORY=on (the default).
 * Pinned as the metrics cost mode is (bench/lib/pinning.ts): the load generator on CPU 0, every
 * scimd on CPU 1. PostgreSQL's own processes are not pinned: on that backend the figure also
 * carries the database server's share of the second core.
 */
import { measure } from './harness.js';
import { pinLoadGenerator } from './pinning.js';
import { median, type Settings } from './results.js';
import type { RunningSystem } from './system.js';
import { type HarnessContext, startScimdPostgres, startScimdSqlite } from './systems.js';
import { type Workload, workload } from './workloads.js';

const WORKLOADS = [workload('post-user'), workload('patch-user')];

const SIDES = [
  { side: 'off', env: { SCIMD_HISTORY: 'off' } },
  { side: 'control', env: { SCIMD_HISTORY: 'off' } },
  { side: 'on', env: { SCIMD_HISTORY: 'on' } },
] as const;
type Side = (typeof SIDES)[number]['side'];
export type HistoryCostBackend = 'SQLite' | 'PostgreSQL';

export interface HistoryCostRow {
  readonly backend: HistoryCostBackend;
  readonly workload: string;
  /** Median requests per second over the rounds, per side. */
  readonly throughput: Readonly<Record<Side, number>>;
  /** on / off. */
  readonly ratio: number;
  /** control / off: the same configuration twice, so this is the method's own noise. */
  readonly controlRatio: number;
  /** Median CPU time of the server per request, ms, per side. */
  readonly cpu: Readonly<Record<Side, number>>;
  readonly rounds: number;
  readonly pinned: boolean;
}

const perSide = <T>(make: () => T) => Object.fromEntries(SIDES.map(({ side }) => [side, make()])) as Record<Side, T>;

export async function runHistoryCost(
  settings: Settings,
  context: HarnessContext,
  running: Set<RunningSystem>,
  isAborted: () => boolean,
): Promise<HistoryCostRow[]> {
  const size = Math.min(...(settings.sizes['scimd-sqlite'] ?? [1000]));
  const rounds = settings.profile === 'quick' ? 5 : 9;
  const backends: HistoryCostBackend[] = context.postgresUrl === undefined ? ['SQLite'] : ['SQLite', 'PostgreSQL'];
  context.log(
    `history cost: ${backends.join(' and ')} with ${size.toLocaleString('en-US')} users, history off, off again and on`,
  );
  const pinning = pinLoadGenerator();
  context.log(
    pinning ? '  load generator pinned to CPU 0, scimd to CPU 1' : '  not pinned to CPUs (no taskset or one CPU)',
  );
  const rows: HistoryCostRow[] = [];
  try {
    for (const backend of backends) {
      for (const w of WORKLOADS) {
        rows.push(await costOf(backend, w, size, rounds, pinning, settings, context, running, isAborted));
      }
    }
  } finally {
    pinning?.release();
  }
  return rows;
}

async function costOf(
  backend: HistoryCostBackend,
  w: Workload,
  size: number,
  rounds: number,
  pinning: ReturnType<typeof pinLoadGenerator>,
  settings: Settings,
  context: HarnessContext,
  running: Set<RunningSystem>,
  isAborted: () => boolean,
): Promise<HistoryCostRow> {
  const systems = {} as Record<Side, RunningSystem>;
  const figures = perSide<number[]>(() => []);
  const cpu = perSide<number[]>(() => []);
  try {
    for (const { side, env } of SIDES) {
      const name = `history_${side}_${w.id}`;
      systems[side] =
        backend === 'SQLite'
          ? await startScimdSqlite(size, context, env, name)
          : await startScimdPostgres(size, context, env, name);
      running.add(systems[side]);
      pinning?.server(systems[side].pid);
    }
    // One unrecorded run per side first (the JIT's warm-up).
    for (const { side } of SIDES) await measure(systems[side], w, size, settings, () => undefined);
    for (let round = 0; round < rounds && !isAborted(); round++) {
      const order = SIDES.map((_, i) => SIDES[(i + round) % SIDES.length]!.side);
      for (const side of order) {
        context.log(`  ${backend} ${w.id}, round ${round + 1}/${rounds}, ${side}:`);
        const m = await measure(systems[side], w, size, settings, context.log);
        if (m.status !== 'ok' || m.throughput === undefined) throw new Error(`${w.id} failed: ${m.reason}`);
        figures[side].push(m.throughput);
        if (m.cpuMsPerRequest !== undefined) cpu[side].push(m.cpuMsPerRequest);
      }
    }
  } finally {
    for (const { side } of SIDES) {
      if (systems[side] === undefined) continue;
      await systems[side].stop();
      running.delete(systems[side]);
    }
  }
  const throughput = perSide(() => 0);
  const cpuMs = perSide(() => 0);
  for (const { side } of SIDES) {
    throughput[side] = median(figures[side]) ?? Number.NaN;
    cpuMs[side] = median(cpu[side]) ?? Number.NaN;
  }
  const row: HistoryCostRow = {
    backend,
    workload: w.id,
    throughput,
    ratio: throughput.on / throughput.off,
    controlRatio: throughput.control / throughput.off,
    cpu: cpuMs,
    rounds: figures.off.length,
    pinned: pinning !== undefined,
  };
  context.log(
    `  ${backend} ${w.id}: off ${throughput.off.toFixed(0)}, control ${throughput.control.toFixed(0)}, on ${throughput.on.toFixed(0)} req/s; on/off ${row.ratio.toFixed(3)}, control/off ${row.controlRatio.toFixed(3)}`,
  );
  return row;
}

export function renderHistoryCost(
  rows: readonly HistoryCostRow[],
  settings: Settings,
  load: readonly number[],
): string {
  const lines = [
    `# Access history cost (${settings.profile} profile)`,
    '',
    'scimd with `SCIMD_HISTORY=off`, `off` again (`control`, a second process) and `on` take turns in a',
    `rotating order; medians of each side's throughput over the rounds (${settings.durationSeconds} s per run,`,
    `${settings.connections} connections); ${rows.every((r) => r.pinned) ? 'scimd pinned to CPU 1, the load generator to CPU 0' : 'not pinned to CPUs'};`,
    `load average ${load.map((x) => x.toFixed(2)).join(' → ')}. Target: on/off within control/off's distance of 1.`,
    '',
    '| backend | workload | off (req/s) | control (req/s) | on (req/s) | on/off | control/off | CPU off / control / on (ms/req) | rounds |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | --- | ---: |',
    ...rows.map(
      (r) =>
        `| ${r.backend} | ${r.workload} | ${r.throughput.off.toFixed(0)} | ${r.throughput.control.toFixed(0)} | ${r.throughput.on.toFixed(0)} | ${r.ratio.toFixed(3)} | ${r.controlRatio.toFixed(3)} | ${r.cpu.off.toFixed(3)} / ${r.cpu.control.toFixed(3)} / ${r.cpu.on.toFixed(3)} | ${r.rounds} |`,
    ),
    '',
  ];
  return lines.join('\n');
}
