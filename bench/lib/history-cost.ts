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
 *
 * The history is written by a projector after the writes (docs/history.md): a run could end
 * with deltas not yet projected, whose cost the run's throughput would not carry. So every run
 * ends with a read of the history over the admin API, which projects everything pending first:
 * its time is the backlog's drain, reported per side, and `on` is also given "with drain", its
 * throughput over the run's time plus the drain's. The workload's clean-up (the creates'
 * deletion) is drained too before the next side runs, so that no side's projection runs during
 * another side's measurement.
 *
 * With `--profile` every process runs under `--cpu-prof`: the profiles are kept in
 * KEPT_PROFILES and the report gives, per side, the share of busy time spent in the history's
 * own code (the delta's derivation, the projector, the history store), and where the busy time
 * of `on` and `off` differ most, by owner (bench/lib/profile.ts).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  COST_SIDES,
  type CostSide,
  measureSides,
  measureStartedSides,
  type SideFigures,
  type SideSetup,
} from './cost-sides.js';
import { pinLoadGenerator } from './pinning.js';
import { busyTimeByOwner, KEPT_PROFILES, keepProfile, type ProfileFrame, shareOfBusyTime } from './profile.js';
import type { Settings } from './results.js';
import { median } from './results.js';
import type { RunningSystem } from './system.js';
import { drainHistory, type HarnessContext, startScimdPostgres, startScimdSqlite } from './systems.js';
import { type Workload, workload } from './workloads.js';

const WORKLOADS = [workload('post-user'), workload('patch-user')];

const SIDES: readonly SideSetup[] = [
  { side: 'off', env: { SCIMD_HISTORY: 'off' } },
  { side: 'control', env: { SCIMD_HISTORY: 'off' } },
  { side: 'on', env: { SCIMD_HISTORY: 'on' } },
];

/** `w` with a drain after its runs (timed) and after its clean-up (not timed). */
function drained(w: Workload, times: Map<RunningSystem, number[]>): Workload {
  return {
    ...w,
    async prepare(system, directory, options) {
      const prepared = await w.prepare(system, directory, options);
      if ('unavailable' in prepared) return prepared;
      return {
        ...prepared,
        async restore() {
          const ms = await drainHistory(system);
          times.set(system, [...(times.get(system) ?? []), ms]);
          await prepared.restore?.();
          await drainHistory(system);
        },
      };
    },
  };
}
/** The history's own code: the delta's derivation, the projector and the history store. */
const HISTORY_CODE = /\/(events\/access-delta|service\/access-history|store\/sql\/history[a-z-]*)\.[jt]s$/;

const isHistoryWork = (stack: readonly ProfileFrame[]) => stack.some((frame) => HISTORY_CODE.test(frame.url));

/** What the CPU profiles of a row's processes say (`--profile`). */
export interface HistoryCostProfile {
  /** Percent of each side's busy time spent in the history's own code, callees included. */
  readonly historyShare: Readonly<Record<CostSide, number>>;
  /** Owners of busy time (bench/lib/profile.ts) whose share differs most between `on` and `off`. */
  readonly owners: readonly { owner: string; on: number; off: number }[];
}

function profileOf(
  dir: string,
  systems: Readonly<Record<CostSide, RunningSystem>>,
  name: string,
  repoRoot: string,
): HistoryCostProfile | undefined {
  const files = {} as Record<CostSide, string>;
  for (const side of COST_SIDES) {
    const kept = keepProfile(dir, systems[side].pid, `history-cost-${name}-${side}`);
    if (kept === undefined) return undefined;
    files[side] = kept;
  }
  const shares = Object.fromEntries(
    COST_SIDES.map((side) => [side, shareOfBusyTime(files[side], isHistoryWork)]),
  ) as Record<CostSide, number>;
  const on = new Map(busyTimeByOwner(files.on, repoRoot).map((o) => [o.owner, o.percent]));
  const off = new Map(busyTimeByOwner(files.off, repoRoot).map((o) => [o.owner, o.percent]));
  const owners = [...new Set([...on.keys(), ...off.keys()])]
    .map((owner) => ({ owner, on: on.get(owner) ?? 0, off: off.get(owner) ?? 0 }))
    .sort((a, b) => Math.abs(b.on - b.off) - Math.abs(a.on - a.off))
    .slice(0, 8);
  return { historyShare: shares, owners };
}

export type HistoryCostBackend = 'SQLite' | 'PostgreSQL';

export interface HistoryCostRow extends SideFigures {
  readonly backend: HistoryCostBackend;
  readonly workload: string;
  readonly pinned: boolean;
  /** Median time of the history read that ends each measured run (the backlog's drain), ms. */
  readonly drainMs: Readonly<Record<CostSide, number>>;
  /** on / off, each side's throughput over its run's time plus its drain. */
  readonly drainedRatio: number;
  readonly profile?: HistoryCostProfile | undefined;
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
  const drains = new Map<RunningSystem, number[]>();
  // Fresh processes per row, so that each profile covers one backend and workload.
  const profileDir =
    context.profileDir === undefined ? undefined : join(context.tmpDir, `history-cost-profiles-${backend}-${w.id}`);
  if (profileDir !== undefined) mkdirSync(profileDir, { recursive: true });
  const started = { ...context, profileDir };
  const { figures, systems } = await measureStartedSides(
    SIDES,
    ({ side, env }) => {
      const name = `history_${side}_${w.id}`;
      return backend === 'SQLite'
        ? startScimdSqlite(size, started, env, name)
        : startScimdPostgres(size, started, env, name);
    },
    pinning,
    running,
    (started) =>
      measureSides(started, drained(w, drains), size, rounds, settings, context.log, `${backend} ${w.id}, `, isAborted),
  );
  const { throughput } = figures;
  // The first drain of each side follows its warm-up run, which is not measured.
  const drainMs = Object.fromEntries(
    COST_SIDES.map((side) => [side, median((drains.get(systems[side]) ?? []).slice(1)) ?? Number.NaN]),
  ) as Record<CostSide, number>;
  const runSeconds = settings.durationSeconds * settings.runs;
  const withDrain = (side: CostSide) => (throughput[side] * runSeconds) / (runSeconds + drainMs[side] / 1000);
  const row: HistoryCostRow = {
    backend,
    workload: w.id,
    ...figures,
    pinned: pinning !== undefined,
    drainMs,
    drainedRatio: withDrain('on') / withDrain('off'),
    profile:
      profileDir === undefined ? undefined : profileOf(profileDir, systems, `${backend}-${w.id}`, context.repoRoot),
  };
  context.log(
    `  ${backend} ${w.id}: off ${throughput.off.toFixed(0)}, control ${throughput.control.toFixed(0)}, on ${throughput.on.toFixed(0)} req/s; on/off ${row.ratio.toFixed(3)} (with drain ${row.drainedRatio.toFixed(3)}), control/off ${row.controlRatio.toFixed(3)}; drain ms off ${drainMs.off.toFixed(1)}, control ${drainMs.control.toFixed(1)}, on ${drainMs.on.toFixed(1)}`,
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
    'Each run ends with a history read that projects what is pending (the drain, median ms per side);',
    '"on/off with drain" counts each side\'s drain in its run\'s time.',
    '',
    '| backend | workload | off (req/s) | control (req/s) | on (req/s) | on/off | on/off with drain | control/off | drain off / control / on (ms) | CPU off / control / on (ms/req) | rounds |',
    '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- | ---: |',
    ...rows.map(
      (r) =>
        `| ${r.backend} | ${r.workload} | ${r.throughput.off.toFixed(0)} | ${r.throughput.control.toFixed(0)} | ${r.throughput.on.toFixed(0)} | ${r.ratio.toFixed(3)} | ${r.drainedRatio.toFixed(3)} | ${r.controlRatio.toFixed(3)} | ${r.drainMs.off.toFixed(1)} / ${r.drainMs.control.toFixed(1)} / ${r.drainMs.on.toFixed(1)} | ${r.cpu.off.toFixed(3)} / ${r.cpu.control.toFixed(3)} / ${r.cpu.on.toFixed(3)} | ${r.rounds} |`,
    ),
    '',
    ...profileLines(rows),
  ];
  return lines.join('\n');
}

/** The `--profile` part of the report: the history's share of busy time and the owners that moved. */
function profileLines(rows: readonly HistoryCostRow[]): string[] {
  const profiled = rows.filter((r) => r.profile !== undefined);
  if (profiled.length === 0) return [];
  const pct = (x: number) => `${x.toFixed(1)} %`;
  return [
    `CPU profiles (every process under \`--cpu-prof\`, kept in ${KEPT_PROFILES}): the history's own code`,
    "(access-delta, access-history, store/sql/history*) as a share of each side's busy time, and the",
    'owners of busy time whose share differs most between on and off.',
    '',
    '| backend | workload | history code off / control / on | owners: on vs off |',
    '| --- | --- | --- | --- |',
    ...profiled.map((r) => {
      const p = r.profile!;
      const owners = p.owners.map((o) => `${o.owner} ${pct(o.on)} vs ${pct(o.off)}`).join('; ');
      return `| ${r.backend} | ${r.workload} | ${pct(p.historyShare.off)} / ${pct(p.historyShare.control)} / ${pct(p.historyShare.on)} | ${owners} |`;
    }),
    '',
  ];
}
