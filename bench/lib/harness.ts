/**
 * The measuring loop: starts the systems, lets them take turns on every workload, and folds the
 * runs into measurements. The floor runs throughout and is measured next to the others at every
 * size; the systems holding a size run together and take turns on each workload, so the figures
 * compared in a ratio are measured seconds apart, whatever else the machine is doing.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { readRss } from './child.js';
import { EMPTY_DIRECTORY } from './directory.js';
import { runLoad } from './load.js';
import { profileFileOf, summariseProfile } from './profile.js';
import { type Measurement, type ProfileSummary, type Settings, type SystemRun, summarise } from './results.js';
import type { RunningSystem, SystemId } from './system.js';
import { type HarnessContext, SYSTEMS, type SystemSpec } from './systems.js';
import { usersHeld } from './workload-kit.js';
import type { Workload } from './workloads.js';

export interface Plan {
  readonly settings: Settings;
  readonly systems: readonly SystemId[];
  readonly workloads: readonly Workload[];
  /** Where raw CPU profiles are copied when `context.profileDir` is set. */
  readonly keptProfilesDir: string;
}

export interface HarnessResult {
  readonly systems: SystemRun[];
  readonly measurements: Measurement[];
  readonly profiles: ProfileSummary[];
}

export async function measure(
  system: RunningSystem,
  workload: Workload,
  size: number,
  settings: Settings,
  log: (line: string) => void,
): Promise<Measurement> {
  const held = system.directory === undefined ? undefined : await usersHeld(system).catch(() => undefined);
  const base = { system: system.id, size, workload: workload.id, ...(held === undefined ? {} : { usersHeld: held }) };
  let prepared: Awaited<ReturnType<Workload['prepare']>>;
  try {
    prepared = await workload.prepare(system, system.directory ?? EMPTY_DIRECTORY, settings);
  } catch (error) {
    return { ...base, status: 'failed', reason: `probe failed: ${(error as Error).message}` };
  }
  if ('unavailable' in prepared) {
    log(`    ${system.id} ${workload.id}: n/a (${prepared.unavailable})`);
    return { ...base, status: 'unavailable', reason: prepared.unavailable };
  }
  const load = (warmupSeconds: number) =>
    runLoad(
      {
        origin: system.origin,
        requests: prepared.requests(),
        connections: settings.connections,
        durationSeconds: settings.durationSeconds,
        minResponses: settings.minResponses,
        maxSeconds: settings.maxSeconds,
      },
      system.pid,
      warmupSeconds,
      system.databaseCpu,
    );
  try {
    // The first run starts with the warm-up, on the same connections.
    const runs = [];
    for (let i = 0; i < settings.runs; i++) runs.push(await load(i === 0 ? settings.warmupSeconds : 0));
    // The figures stand even if the directory cannot be put back; the next figures then say
    // (in `usersHeld`) what size they measured.
    const restored = await prepared.restore?.().then(
      () => undefined,
      (error: unknown) => `the directory was not put back afterwards: ${(error as Error).message}`,
    );
    if (restored !== undefined) log(`    ${system.id} ${workload.id}: ${restored}`);
    // Not timed: what the writes left for later (scimd's history projection, which waits for a
    // pause in the writes) must not land in the next workload's runs. Its cost to writes is
    // `--history-cost`'s to measure ("with drain").
    const settled = await system.settle?.().catch(() => undefined);
    if (settled !== undefined && settled >= 10) {
      log(`    ${system.id} ${workload.id}: background work settled in ${settled.toFixed(0)} ms`);
    }
    const m = summarise(
      {
        ...base,
        ...(prepared.note === undefined && restored === undefined
          ? {}
          : { note: [prepared.note, restored].filter((x) => x !== undefined).join('; ') }),
        ...(prepared.requestsPerOperation === undefined ? {} : { requestsPerOperation: prepared.requestsPerOperation }),
      },
      runs,
    );
    log(
      `    ${system.id} ${workload.id}: ${Math.round(m.throughput ?? 0)} req/s, p50 ${m.p50?.toFixed(2) ?? '–'} ms, p99 ${m.p99?.toFixed(2) ?? '–'} ms, CPU ${m.cpuMsPerRequest?.toFixed(3) ?? '?'}${m.databaseCpuMsPerRequest === undefined ? '' : ` + db ${m.databaseCpuMsPerRequest.toFixed(3)}`} ms/req, RSS ${m.rssMb?.toFixed(0) ?? '?'} MB${m.reason ? ` (${m.reason})` : ''}`,
    );
    return m;
  } catch (error) {
    return { ...base, status: 'failed', reason: (error as Error).message };
  }
}

/**
 * Runs the plan. `running` holds the systems currently up (the caller stops them on SIGINT);
 * once `isAborted()` is true, no further workload starts.
 */
export async function runPlan(
  plan: Plan,
  context: HarnessContext,
  running: Set<RunningSystem>,
  isAborted: () => boolean,
): Promise<HarnessResult> {
  const { settings } = plan;
  const log = context.log;
  const systemRuns: SystemRun[] = [];
  const measurements: Measurement[] = [];
  const profiles: ProfileSummary[] = [];
  const specs: SystemSpec[] = plan.systems.map((id) => SYSTEMS.find((s) => s.id === id)!);
  const available: SystemSpec[] = [];
  for (const spec of specs) {
    const unavailable = await spec.availability(context);
    if (unavailable === undefined) {
      available.push(spec);
      continue;
    }
    log(`${spec.id}: ${unavailable}`);
    for (const size of settings.sizes[spec.id] ?? []) {
      systemRuns.push({ system: spec.id, label: spec.label, size, status: 'skipped', reason: unavailable });
    }
  }

  const start = async (spec: SystemSpec, size: number): Promise<RunningSystem | undefined> => {
    log(`${spec.id}${spec.id === 'floor' ? '' : ` with ${size.toLocaleString('en-US')} users`}: starting`);
    let system: RunningSystem;
    try {
      system = await spec.start(size, context);
    } catch (error) {
      const reason = (error as Error).message.split('\n').slice(0, 6).join(' / ');
      log(`${spec.id}: failed to start: ${reason}`);
      systemRuns.push({ system: spec.id, label: spec.label, size, status: 'failed', reason });
      return undefined;
    }
    running.add(system);
    const idle = await readRss(system.pid);
    systemRuns.push({
      system: spec.id,
      label: spec.label,
      size,
      status: 'ok',
      seedSeconds: system.seedSeconds,
      seedMethod: system.seedMethod,
      ...(idle === undefined ? {} : { idleRssMb: idle / 1024 / 1024 }),
    });
    log(
      `  ready in ${system.seedSeconds.toFixed(1)} s (${system.seedMethod}), RSS ${((idle ?? 0) / 1048576).toFixed(0)} MB`,
    );
    return system;
  };
  const stop = async (system: RunningSystem, size: number) => {
    await system.stop();
    running.delete(system);
    const file = context.profileDir === undefined ? undefined : profileFileOf(context.profileDir, system.pid);
    if (file) {
      profiles.push({ system: system.id, size, top: summariseProfile(file, context.repoRoot) });
      const kept = join(plan.keptProfilesDir, `${system.id}-${size}-${basename(file)}`);
      mkdirSync(plan.keptProfilesDir, { recursive: true });
      copyFileSync(file, kept);
      log(`  CPU profile kept as ${kept} (open it in Chrome DevTools or speedscope)`);
    }
  };

  const floorSpec = available.find((s) => s.id === 'floor');
  const floorSystem = floorSpec === undefined ? undefined : await start(floorSpec, 0);
  const others = available.filter((s) => s.id !== 'floor');
  const sizes = [...new Set(others.flatMap((s) => settings.sizes[s.id] ?? []))].sort((a, b) => a - b);
  for (const size of sizes) {
    const group: RunningSystem[] = [];
    for (const spec of others.filter((s) => (settings.sizes[s.id] ?? []).includes(size))) {
      const system = await start(spec, size);
      if (system) group.push(system);
    }
    log(`measuring ${group.map((s) => s.id).join(', ')} at ${size.toLocaleString('en-US')} users`);
    for (const workload of plan.workloads) {
      const turn = workload.id === 'test-connection' && floorSystem ? [floorSystem, ...group] : group;
      for (const system of turn) {
        if (isAborted()) return { systems: systemRuns, measurements, profiles };
        measurements.push(await measure(system, workload, size, settings, log));
      }
    }
    for (const system of group) await stop(system, size);
  }
  if (floorSystem) await stop(floorSystem, 0);
  return { systems: systemRuns, measurements, profiles };
}
