/**
 * The performance targets of the benchmark issue, evaluated on one run's measurements (ratios
 * are always between figures of the same run).
 */
import type { BenchReport, Measurement } from './results.js';
import type { SystemId } from './system.js';
import type { WorkloadId } from './workloads.js';

export interface TargetResult {
  readonly id: string;
  readonly target: string;
  readonly system: SystemId;
  /** e.g. `0.52 × floor (match-username at 100,000 users)` */
  readonly measured: string;
  /** undefined: could not be evaluated in this run. */
  readonly pass: boolean | undefined;
}

export const PEERS: readonly SystemId[] = ['scimmy', 'better-auth'];
export const SCIMD: readonly SystemId[] = ['scimd-sqlite', 'scimd-postgres'];

const count = (n: number) => n.toLocaleString('en-US');
const fixed = (n: number, digits = 2) => n.toFixed(digits);

export function find(
  report: Pick<BenchReport, 'measurements'>,
  system: SystemId,
  workload: WorkloadId,
  size?: number,
): Measurement | undefined {
  return report.measurements.find(
    (m) =>
      m.system === system &&
      m.workload === workload &&
      (size === undefined || m.size === size) &&
      m.status === 'ok' &&
      m.throughput !== undefined,
  );
}

function sizesOf(report: Pick<BenchReport, 'measurements'>, system: SystemId, workload: WorkloadId): number[] {
  return [
    ...new Set(
      report.measurements
        .filter((m) => m.system === system && m.workload === workload && m.status === 'ok')
        .map((m) => m.size),
    ),
  ].sort((a, b) => a - b);
}

/** The best peer figure at the largest size where `system` and some peer both measured `workload`. */
export function bestPeer(report: Pick<BenchReport, 'measurements'>, system: SystemId, workload: WorkloadId) {
  const sizes = sizesOf(report, system, workload).reverse();
  for (const size of sizes) {
    const peers = PEERS.map((p) => find(report, p, workload, size)).filter((m): m is Measurement => m !== undefined);
    if (peers.length === 0) continue;
    const best = peers.reduce((a, b) => (a.throughput! >= b.throughput! ? a : b));
    return { size, best, own: find(report, system, workload, size)! };
  }
  return undefined;
}

function ratioToBestPeer(
  report: BenchReport,
  system: SystemId,
  workload: WorkloadId,
  factor: number,
  id: string,
  target: string,
): TargetResult {
  const found = bestPeer(report, system, workload);
  if (found === undefined) return { id, target, system, measured: 'no peer measured this workload', pass: undefined };
  const ratio = found.own.throughput! / found.best.throughput!;
  return {
    id,
    target,
    system,
    measured: `${fixed(ratio, 1)} × ${found.best.system} (${workload} at ${count(found.size)} users)`,
    pass: ratio >= factor,
  };
}

function evaluate(report: BenchReport, system: SystemId): TargetResult[] {
  const results: TargetResult[] = [];
  const largest = (workload: WorkloadId) => sizesOf(report, system, workload).at(-1);

  const matchSize = largest('match-username');
  const match = matchSize === undefined ? undefined : find(report, system, 'match-username', matchSize);
  // The floor measured next to that figure (the harness measures it at every size).
  const floor = find(report, 'floor', 'test-connection', matchSize) ?? find(report, 'floor', 'test-connection');
  results.push({
    id: 'filter-vs-floor',
    target: 'GET filter by userName ≥ 40% of the floor',
    system,
    measured:
      match && floor
        ? `${fixed(match.throughput! / floor.throughput!)} × floor (match-username at ${count(matchSize!)} users)`
        : 'not measured',
    pass: match && floor ? match.throughput! / floor.throughput! >= 0.4 : undefined,
  });
  results.push(
    ratioToBestPeer(
      report,
      system,
      'match-username',
      10,
      'filter-vs-peers',
      'GET filter by userName ≥ 10× the best peer',
    ),
  );
  results.push(ratioToBestPeer(report, system, 'post-user', 3, 'post-vs-peers', 'POST /Users ≥ 3× the best peer'));

  const groupSize = [...sizesOf(report, system, 'add-member-100k')]
    .reverse()
    .find((s) => find(report, system, 'add-member-10', s));
  const big = groupSize === undefined ? undefined : find(report, system, 'add-member-100k', groupSize);
  const small = groupSize === undefined ? undefined : find(report, system, 'add-member-10', groupSize);
  results.push({
    id: 'member-scaling',
    target: 'add-member latency at 100,000 members ≤ 1.5× at 10 members',
    system,
    measured:
      big && small
        ? `p50 ${fixed(big.p50!)} ms vs ${fixed(small.p50!)} ms = ${fixed(big.p50! / small.p50!)}× (at ${count(groupSize!)} users)`
        : 'not measured',
    pass: big && small ? big.p50! / small.p50! <= 1.5 : undefined,
  });

  const smallest = sizesOf(report, system, 'match-username')[0];
  const atSmallest = smallest === undefined ? undefined : find(report, system, 'match-username', smallest);
  results.push({
    id: 'filter-scaling',
    target: 'filtered GET at 1M users ≤ 1.5× at 1k users',
    system,
    measured:
      match && atSmallest && matchSize !== smallest
        ? `p50 ${fixed(match.p50!)} ms at ${count(matchSize!)} vs ${fixed(atSmallest.p50!)} ms at ${count(smallest!)} = ${fixed(match.p50! / atSmallest.p50!)}×`
        : 'not measured',
    pass: match && atSmallest && matchSize !== smallest ? match.p50! / atSmallest.p50! <= 1.5 : undefined,
  });

  if (system === 'scimd-sqlite') {
    const sizes = [...new Set(report.measurements.filter((m) => m.system === system).map((m) => m.size))];
    const top = Math.max(...sizes);
    const peaks = report.measurements.filter((m) => m.system === system && m.size === top && m.rssMb !== undefined);
    const peak = peaks.length > 0 ? Math.max(...peaks.map((m) => m.rssMb!)) : undefined;
    results.push({
      id: 'rss',
      target: 'RSS < 250 MB serving 1M users on SQLite',
      system,
      measured: peak === undefined ? 'not measured' : `peak ${fixed(peak, 0)} MB at ${count(top)} users`,
      pass: peak === undefined ? undefined : peak < 250,
    });
  }
  return results;
}

export function evaluateTargets(report: BenchReport): TargetResult[] {
  return SCIMD.filter((s) => report.measurements.some((m) => m.system === s && m.status === 'ok')).flatMap((s) =>
    evaluate(report, s),
  );
}
