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
import { type CostSide, measureSides, type SideFigures } from './cost-sides.js';
import { pinLoadGenerator } from './pinning.js';
import type { Settings } from './results.js';
import type { RunningSystem } from './system.js';
import { type HarnessContext, startScimdPostgres, startScimdSqlite } from './systems.js';
import { type Workload, workload } from './workloads.js';

const WORKLOADS = [workload('post-user'), workload('patch-user')];

const SIDES: readonly { side: CostSide; env: Record<string, string> }[] = [
  { side: 'off', env: { SCIMD_HISTORY: 'off' } },
  { side: 'control', env: { SCIMD_HISTORY: 'off' } },
  { side: 'on', env: { SCIMD_HISTORY: 'on' } },
];
export type HistoryCostBackend = 'SQLite' | 'PostgreSQL';

export interface HistoryCostRow extends SideFigures {
  readonly backend: HistoryCostBackend;
  readonly workload: string;
  readonly pinned: boolean;
}

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
  const systems = {} as Record<CostSide, RunningSystem>;
  let figures: SideFigures;
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
    figures = await measureSides(systems, w, size, rounds, settings, context.log, `${backend} ${w.id}, `, isAborted);
  } finally {
    for (const { side } of SIDES) {
      if (systems[side] === undefined) continue;
      await systems[side].stop();
      running.delete(systems[side]);
    }
  }
  const { throughput } = figures;
  const row: HistoryCostRow = { backend, workload: w.id, ...figures, pinned: pinning !== undefined };
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
