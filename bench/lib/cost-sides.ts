/**
 * The method of the cost modes (`--metrics-cost`, `--history-cost`): three scimd processes on
 * the same seeded directory, `off`, `control` (configured exactly as `off`, so its ratio to
 * `off` is the method's own noise) and `on`, measured in rounds whose order rotates, so that no
 * side always runs first or last. The modes start and stop the processes; this measures them.
 */
import { measure } from './harness.js';
import { median, type Settings } from './results.js';
import type { RunningSystem } from './system.js';
import type { Workload } from './workloads.js';

export const COST_SIDES = ['off', 'control', 'on'] as const;
export type CostSide = (typeof COST_SIDES)[number];

export interface SideFigures {
  /** Median requests per second over the rounds, per side. */
  readonly throughput: Readonly<Record<CostSide, number>>;
  /** Median CPU time of the server per request, ms, per side. */
  readonly cpu: Readonly<Record<CostSide, number>>;
  /** Median CPU time of the database server per request, ms, per side (NaN on SQLite). */
  readonly databaseCpu: Readonly<Record<CostSide, number>>;
  /** on / off. */
  readonly ratio: number;
  /** control / off: the same configuration twice, so this is the method's own noise. */
  readonly controlRatio: number;
  /** Rounds measured (fewer than asked when the run was aborted). */
  readonly rounds: number;
}

const perSide = <T>(make: (side: CostSide) => T) =>
  Object.fromEntries(COST_SIDES.map((side) => [side, make(side)])) as Record<CostSide, T>;

/** Measures `w` on each side, one unrecorded warm-up run each first (the JIT's), then `rounds` rotating rounds. */
export async function measureSides(
  systems: Readonly<Record<CostSide, RunningSystem>>,
  w: Workload,
  size: number,
  rounds: number,
  settings: Settings,
  log: (line: string) => void,
  label: string,
  isAborted: () => boolean,
): Promise<SideFigures> {
  const figures = perSide<number[]>(() => []);
  const cpu = perSide<number[]>(() => []);
  const databaseCpu = perSide<number[]>(() => []);
  for (const side of COST_SIDES) await measure(systems[side], w, size, settings, () => undefined);
  for (let round = 0; round < rounds && !isAborted(); round++) {
    for (const [i] of COST_SIDES.entries()) {
      const side = COST_SIDES[(i + round) % COST_SIDES.length]!;
      log(`  ${label}round ${round + 1}/${rounds}, ${side}:`);
      const m = await measure(systems[side], w, size, settings, log);
      if (m.status !== 'ok' || m.throughput === undefined) throw new Error(`${w.id} failed: ${m.reason}`);
      figures[side].push(m.throughput);
      if (m.cpuMsPerRequest !== undefined) cpu[side].push(m.cpuMsPerRequest);
      if (m.databaseCpuMsPerRequest !== undefined) databaseCpu[side].push(m.databaseCpuMsPerRequest);
    }
  }
  const throughput = perSide((side) => median(figures[side]) ?? Number.NaN);
  return {
    throughput,
    cpu: perSide((side) => median(cpu[side]) ?? Number.NaN),
    databaseCpu: perSide((side) => median(databaseCpu[side]) ?? Number.NaN),
    ratio: throughput.on / throughput.off,
    controlRatio: throughput.control / throughput.off,
    rounds: figures.off.length,
  };
}

/** What a cost mode configures per side: the environment its scimd process gets. */
export interface SideSetup {
  readonly side: CostSide;
  readonly env: Readonly<Record<string, string>>;
}

/**
 * Starts one scimd per side (`start`), pinned to the server's CPU when `pinning` is given,
 * measures `w` on them (`measureSides`), and stops them whatever happens.
 */
export async function measureStartedSides(
  sides: readonly SideSetup[],
  start: (setup: SideSetup) => Promise<RunningSystem>,
  pinning: { server(pid: number): void } | undefined,
  running: Set<RunningSystem>,
  measured: (systems: Readonly<Record<CostSide, RunningSystem>>) => Promise<SideFigures>,
): Promise<{ figures: SideFigures; systems: Readonly<Record<CostSide, RunningSystem>> }> {
  const systems = {} as Record<CostSide, RunningSystem>;
  try {
    for (const setup of sides) {
      systems[setup.side] = await start(setup);
      running.add(systems[setup.side]);
      pinning?.server(systems[setup.side].pid);
    }
    return { figures: await measured(systems), systems };
  } finally {
    for (const { side } of sides) {
      if (systems[side] === undefined) continue;
      await systems[side].stop();
      running.delete(systems[side]);
    }
  }
}
