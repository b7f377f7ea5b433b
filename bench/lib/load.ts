/**
 * One bounded load run: autocannon in this process (closed loop, fixed connections and
 * duration) against one child, with the child's RSS sampled while it runs. Latencies are taken
 * from autocannon's per-response event (sub-millisecond, every status), not its histogram
 * (whole milliseconds, 2xx only).
 */
import autocannon, { type AutocannonRequest, type AutocannonResult } from 'autocannon';
import { readCpuMs, sampleRss, waitForIdle } from './child.js';
import { type CpuSnapshot, cpuBetween, type DatabaseCpu } from './database-cpu.js';

export type { AutocannonRequest };

export interface LoadSpec {
  /**
   * Origin of the server, e.g. `http://127.0.0.1:40123`; several (one per process of a
   * many-process run): connection i talks to origin i modulo their number (autocannon's own
   * round-robin), and CPU and RSS are summed over the processes.
   */
  readonly origin: string | readonly string[];
  readonly requests: AutocannonRequest[];
  readonly connections: number;
  readonly durationSeconds: number;
  /**
   * Slow workloads run past `durationSeconds` until this many responses arrived (in-flight
   * requests are lost at the end, so a figure from a handful would be biased low)...
   */
  readonly minResponses: number;
  /** ...but never past this. */
  readonly maxSeconds: number;
}

export interface LoadResult {
  /** Completed requests per second (every status). */
  readonly throughput: number;
  /** Milliseconds; undefined when no request completed. */
  readonly p50: number | undefined;
  readonly p99: number | undefined;
  readonly requests: number;
  /** Responses outside 2xx. */
  readonly non2xx: number;
  /** Connection errors and timeouts. */
  readonly errors: number;
  readonly statusCodes: Record<string, number>;
  /** Peak RSS of the server during the run, bytes (several processes: the sum of their peaks). */
  readonly rssPeak: number | undefined;
  /**
   * CPU time the server spent per completed request, ms (10 ms clock ticks over the run). On a
   * shared machine this is steadier than throughput: it does not count time the server waited.
   */
  readonly cpuMsPerRequest: number | undefined;
  /**
   * CPU time the database server's backends spent per completed request, ms: PostgreSQL on this
   * machine only (undefined for SQLite, which runs inside the server and is in its figure).
   */
  readonly databaseCpuMsPerRequest?: number | undefined;
}

/** No request may hang past this, whatever the workload. */
const REQUEST_TIMEOUT_SECONDS = 60;

/** The value below which `fraction` of the sorted values lie (nearest rank). */
export function percentile(sorted: readonly number[], fraction: number): number | undefined {
  if (sorted.length === 0) return undefined;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(fraction * sorted.length) - 1));
  return sorted[rank];
}

/**
 * Runs `spec` against the server `pid`. The first `warmupSeconds` of the run warm it up (JIT,
 * caches, connections) and are not counted: latencies, status codes, CPU time and throughput
 * cover only what follows, within the same connections.
 */
export async function runLoad(
  spec: LoadSpec,
  pids: number | readonly number[],
  warmupSeconds = 0,
  database?: DatabaseCpu,
): Promise<LoadResult> {
  const all = typeof pids === 'number' ? [pids] : pids;
  const samplers = all.map((pid) => sampleRss(pid));
  const readCpu = async () => {
    const each = await Promise.all(all.map((pid) => readCpuMs(pid)));
    return each.some((ms) => ms === undefined) ? undefined : each.reduce((sum: number, ms) => sum + ms!, 0);
  };
  const noSnapshot: Promise<CpuSnapshot | undefined> = Promise.resolve(undefined);
  const snapshot = () => (database === undefined ? noSnapshot : database.snapshot());
  const latencies: number[] = [];
  const statusCodes: Record<string, number> = {};
  let counting = warmupSeconds <= 0;
  let cpuBefore: Promise<number | undefined> = counting ? readCpu() : Promise.resolve(undefined);
  let databaseBefore = counting ? snapshot() : noSnapshot;
  let measuredFrom = performance.now();
  const timers: NodeJS.Timeout[] = [];
  const result = await new Promise<AutocannonResult>((resolve, reject) => {
    const instance = autocannon(
      {
        url: typeof spec.origin === 'string' ? spec.origin : [...spec.origin],
        connections: spec.connections,
        duration: warmupSeconds + Math.max(spec.durationSeconds, spec.maxSeconds),
        timeout: REQUEST_TIMEOUT_SECONDS,
        requests: spec.requests,
        // autocannon notices stop() only when it samples (every second by default).
        sampleInt: 20,
      },
      (error, finished) => (error ? reject(error) : resolve(finished)),
    );
    const stopWhenDone = () => {
      if (!counting) return;
      if (performance.now() - measuredFrom >= spec.durationSeconds * 1000 && latencies.length >= spec.minResponses) {
        instance.stop();
      }
    };
    instance.on('response', (_client, status, _bytes, ms) => {
      if (!counting) return;
      latencies.push(ms);
      statusCodes[status] = (statusCodes[status] ?? 0) + 1;
      stopWhenDone();
    });
    const beginCounting = () => {
      counting = true;
      measuredFrom = performance.now();
      cpuBefore = readCpu();
      databaseBefore = snapshot();
      timers.push(setTimeout(stopWhenDone, spec.durationSeconds * 1000));
    };
    if (counting) timers.push(setTimeout(stopWhenDone, spec.durationSeconds * 1000));
    else timers.push(setTimeout(beginCounting, warmupSeconds * 1000));
  });
  const measuredSeconds = (performance.now() - measuredFrom) / 1000;
  for (const timer of timers) clearTimeout(timer);
  const peaks = await Promise.all(samplers.map((sampler) => sampler.stop()));
  const rssPeak = peaks.some((peak) => peak === undefined) ? undefined : peaks.reduce((sum: number, p) => sum + p!, 0);
  const cpuAfter = await readCpu();
  const databaseAfter = await snapshot();
  const cpuStart = await cpuBefore;
  const databaseStart = await databaseBefore;
  const databaseMs =
    databaseStart === undefined || databaseAfter === undefined ? undefined : cpuBetween(databaseStart, databaseAfter);
  for (const pid of all) await waitForIdle(pid);
  latencies.sort((a, b) => a - b);
  const non2xx = Object.entries(statusCodes)
    .filter(([code]) => !code.startsWith('2'))
    .reduce((sum, [, n]) => sum + n, 0);
  return {
    throughput: latencies.length / measuredSeconds,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    requests: latencies.length,
    non2xx,
    errors: result.errors,
    statusCodes,
    rssPeak,
    cpuMsPerRequest:
      cpuStart === undefined || cpuAfter === undefined || latencies.length === 0
        ? undefined
        : (cpuAfter - cpuStart) / latencies.length,
    ...(databaseMs === undefined || latencies.length === 0
      ? {}
      : { databaseCpuMsPerRequest: databaseMs / latencies.length }),
  };
}
