/**
 * `npm run bench -- --prepared-cost`: what named prepared statements (src/store/sql/postgres/
 * prepared.ts, SCIMD_DATABASE_PREPARED_STATEMENTS) save on PostgreSQL, per SCIM request type
 * (issue #18.1, docs/postgres.md "Prepared statements").
 *
 * For each workload three scimd processes on the same seeded PostgreSQL directory take turns,
 * in an order that rotates every round (bench/lib/cost-sides.ts):
 * - `off`: SCIMD_DATABASE_PREPARED_STATEMENTS=off (every statement unnamed, as before);
 * - `control`: configured exactly as `off`; its ratio to `off` is the noise of the method;
 * - `on`: the default (templates named).
 * scimd is pinned to CPU 1 and the load generator to CPU 0; PostgreSQL is not pinned, so the
 * database CPU per request (its backends' CPU time over the run) is reported beside scimd's.
 * Needs SCIMD_BENCH_PG_URL (or SCIMD_TEST_PG_URL).
 */
import { measureSides, measureStartedSides, type SideFigures, type SideSetup } from './cost-sides.js';
import { pinLoadGenerator } from './pinning.js';
import type { Settings } from './results.js';
import type { RunningSystem } from './system.js';
import { type HarnessContext, startScimdPostgres } from './systems.js';
import { workload } from './workloads.js';

const WORKLOADS = [
  workload('match-username'),
  workload('get-user'),
  workload('post-user'),
  workload('patch-user'),
  workload('add-member-10'),
  workload('page-cursor'),
  workload('entra-cycle'),
];

const SIDES: readonly SideSetup[] = [
  { side: 'off', env: { SCIMD_DATABASE_PREPARED_STATEMENTS: 'off' } },
  { side: 'control', env: { SCIMD_DATABASE_PREPARED_STATEMENTS: 'off' } },
  { side: 'on', env: { SCIMD_DATABASE_PREPARED_STATEMENTS: 'on' } },
];

export interface PreparedCostRow extends SideFigures {
  readonly workload: string;
}

export async function runPreparedCost(
  settings: Settings,
  context: HarnessContext,
  running: Set<RunningSystem>,
  isAborted: () => boolean,
): Promise<PreparedCostRow[]> {
  if (context.postgresUrl === undefined)
    throw new Error('--prepared-cost needs SCIMD_BENCH_PG_URL or SCIMD_TEST_PG_URL');
  const size = Math.min(...(settings.sizes['scimd-postgres'] ?? [1000]));
  const rounds = settings.profile === 'quick' ? 5 : 9;
  context.log(`prepared statements: PostgreSQL with ${size.toLocaleString('en-US')} users, off, off again and on`);
  const pinning = pinLoadGenerator();
  const rows: PreparedCostRow[] = [];
  try {
    for (const w of WORKLOADS) {
      if (isAborted()) break;
      const { figures } = await measureStartedSides(
        SIDES,
        ({ side, env }) => startScimdPostgres(size, context, env, `prepared_${side}_${w.id.replace(/-/g, '_')}`),
        pinning,
        running,
        (systems) => measureSides(systems, w, size, rounds, settings, context.log, `${w.id}, `, isAborted),
      );
      const row = { workload: w.id, ...figures };
      context.log(`  ${w.id}: on/off ${row.ratio.toFixed(3)}, control/off ${row.controlRatio.toFixed(3)}`);
      rows.push(row);
    }
  } finally {
    pinning?.release();
  }
  return rows;
}

const ms = (x: number) => (Number.isNaN(x) ? '–' : x.toFixed(3));

export function renderPreparedCost(
  rows: readonly PreparedCostRow[],
  settings: Settings,
  load: readonly number[],
): string {
  return [
    `# Prepared statements on PostgreSQL (${settings.profile} profile)`,
    '',
    'scimd with `SCIMD_DATABASE_PREPARED_STATEMENTS=off`, `off` again (`control`, a second process) and',
    '`on` take turns in a rotating order; medians over the rounds',
    `(${settings.durationSeconds} s per run, ${settings.connections} connections); scimd pinned to CPU 1, the load generator to CPU 0,`,
    `PostgreSQL not pinned; load average ${load.map((x) => x.toFixed(2)).join(' → ')}.`,
    '',
    '| workload | off (req/s) | control (req/s) | on (req/s) | on/off | control/off | scimd CPU off / control / on (ms/req) | database CPU off / control / on (ms/req) | rounds |',
    '| --- | ---: | ---: | ---: | ---: | ---: | --- | --- | ---: |',
    ...rows.map(
      (r) =>
        `| ${r.workload} | ${r.throughput.off.toFixed(0)} | ${r.throughput.control.toFixed(0)} | ${r.throughput.on.toFixed(0)} | ${r.ratio.toFixed(3)} | ${r.controlRatio.toFixed(3)} | ${ms(r.cpu.off)} / ${ms(r.cpu.control)} / ${ms(r.cpu.on)} | ${ms(r.databaseCpu.off)} / ${ms(r.databaseCpu.control)} / ${ms(r.databaseCpu.on)} | ${r.rounds} |`,
    ),
    '',
  ].join('\n');
}
