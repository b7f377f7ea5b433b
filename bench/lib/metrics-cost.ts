/**
 * `npm run bench -- --metrics-cost`: what Prometheus metrics cost (issue #16.4, docs/operations.md).
 * Two scimd processes on SQLite with the same seeded directory, one with SCIMD_METRICS=off and one
 * with SCIMD_METRICS=on, take turns on the Entra lookup (`match-username`) and create
 * (`post-user`) workloads, alternating which goes first each round so that drift in the machine's
 * load falls on both; the report gives each side's median throughput and their ratio. The target:
 * with metrics on, throughput drops by at most 5 %.
 */
import { measure } from './harness.js';
import type { Settings } from './results.js';
import type { RunningSystem } from './system.js';
import { type HarnessContext, startScimdSqlite } from './systems.js';
import { workload } from './workloads.js';

const WORKLOADS = [workload('match-username'), workload('post-user')];

export interface MetricsCostRow {
  readonly workload: string;
  /** Median requests per second over the rounds. */
  readonly off: number;
  readonly on: number;
  /** on / off. */
  readonly ratio: number;
  /** Median CPU time of the server per request, ms: steadier than throughput on a busy machine. */
  readonly cpuOff: number;
  readonly cpuOn: number;
  readonly rounds: number;
}

const median = (xs: readonly number[]) => {
  const sorted = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

export async function runMetricsCost(
  settings: Settings,
  context: HarnessContext,
  running: Set<RunningSystem>,
  isAborted: () => boolean,
): Promise<MetricsCostRow[]> {
  const size = Math.min(...(settings.sizes['scimd-sqlite'] ?? [1000]));
  // Rounds are short; more of them make the medians steadier on a shared machine.
  const rounds = settings.profile === 'quick' ? 5 : 7;
  const log = context.log;
  log(`metrics cost: scimd on SQLite with ${size.toLocaleString('en-US')} users, metrics off and on`);
  const off = await startScimdSqlite(size, context, { SCIMD_METRICS: 'off' }, 'metrics-off');
  running.add(off);
  const on = await startScimdSqlite(size, context, { SCIMD_METRICS: 'on' }, 'metrics-on');
  running.add(on);
  const rows: MetricsCostRow[] = [];
  try {
    for (const w of WORKLOADS) {
      const figures = { off: [] as number[], on: [] as number[] };
      const cpu = { off: [] as number[], on: [] as number[] };
      // One unrecorded run per side first: in the quick profile, the JIT's warm-up otherwise
      // shows as a climb across the rounds larger than any cost of the metrics.
      for (const system of [off, on]) await measure(system, w, size, settings, () => undefined);
      for (let round = 0; round < rounds && !isAborted(); round++) {
        const order = round % 2 === 0 ? (['off', 'on'] as const) : (['on', 'off'] as const);
        for (const side of order) {
          log(`  round ${round + 1}/${rounds}, metrics ${side}:`);
          const m = await measure(side === 'off' ? off : on, w, size, settings, log);
          if (m.status !== 'ok' || m.throughput === undefined) throw new Error(`${w.id} failed: ${m.reason}`);
          figures[side].push(m.throughput);
          if (m.cpuMsPerRequest !== undefined) cpu[side].push(m.cpuMsPerRequest);
        }
      }
      const row = {
        workload: w.id,
        off: median(figures.off),
        on: median(figures.on),
        ratio: median(figures.on) / median(figures.off),
        cpuOff: cpu.off.length > 0 ? median(cpu.off) : Number.NaN,
        cpuOn: cpu.on.length > 0 ? median(cpu.on) : Number.NaN,
        rounds: figures.off.length,
      };
      rows.push(row);
      log(
        `  ${w.id}: off ${row.off.toFixed(0)} req/s, on ${row.on.toFixed(0)} req/s, on/off ${row.ratio.toFixed(3)}; CPU ${row.cpuOff.toFixed(3)} → ${row.cpuOn.toFixed(3)} ms/req`,
      );
    }
  } finally {
    for (const system of [off, on]) {
      await system.stop();
      running.delete(system);
    }
  }
  return rows;
}

export function renderMetricsCost(rows: readonly MetricsCostRow[], settings: Settings): string {
  const lines = [
    `# Metrics cost (${settings.profile} profile)`,
    '',
    'scimd on SQLite, SCIMD_METRICS=off against SCIMD_METRICS=on in the same run, alternating;',
    `medians of each side's throughput over the rounds (${settings.durationSeconds} s per run, ${settings.connections} connections).`,
    'Target: on/off at least 0.95. Figures from a shared machine are noisy: a few per cent either way is noise.',
    '',
    '| workload | metrics off (req/s) | metrics on (req/s) | on/off | CPU off (ms/req) | CPU on (ms/req) | rounds |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...rows.map(
      (r) =>
        `| ${r.workload} | ${r.off.toFixed(0)} | ${r.on.toFixed(0)} | ${r.ratio.toFixed(3)} | ${r.cpuOff.toFixed(3)} | ${r.cpuOn.toFixed(3)} | ${r.rounds} |`,
    ),
    '',
  ];
  return lines.join('\n');
}
