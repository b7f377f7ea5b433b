/**
 * A system under test once started and seeded: where its SCIM endpoint is, how to authenticate,
 * which directory it holds, and how to stop it.
 */
import { join } from 'node:path';
import { type Child, startChild } from './child.js';
import type { DatabaseCpu } from './database-cpu.js';
import type { Directory } from './directory.js';

export type SystemId = 'floor' | 'scimd-sqlite' | 'scimd-postgres' | 'scimmy' | 'better-auth';

export interface RunningSystem {
  readonly id: SystemId;
  /** `http://127.0.0.1:<port>` */
  readonly origin: string;
  /** Path of the SCIM base, e.g. `/t/bench/scim/v2`. */
  readonly scimPath: string;
  readonly token: string;
  /** The server process (RSS is read from it). */
  readonly pid: number;
  /** Undefined for the floor, which holds no data. */
  readonly directory: Directory | undefined;
  /** Seconds spent seeding (0 when restored from cache or seeded in the server's own start). */
  readonly seedSeconds: number;
  /** How the directory got there, for the report. */
  readonly seedMethod: string;
  /** CPU of the database server's backends (PostgreSQL on this machine); undefined otherwise. */
  readonly databaseCpu?: DatabaseCpu;
  /**
   * Finishes the background work that writes leave (scimd: the access history's projection,
   * which waits for a pause in the writes), so that the next workload's figures do not carry
   * it. Resolves with the milliseconds it took.
   */
  settle?(): Promise<number>;
  stop(): Promise<void>;
}

export interface ScimResponse {
  readonly status: number;
  readonly body: Record<string, unknown> | undefined;
  readonly text: string;
}

/** One request to a system's SCIM endpoint (probes and seeding; load runs use autocannon). */
export async function callScim(
  system: Pick<RunningSystem, 'origin' | 'scimPath' | 'token'>,
  method: string,
  path: string,
  body?: unknown,
): Promise<ScimResponse> {
  const response = await fetch(`${system.origin}${system.scimPath}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${system.token}`,
      accept: 'application/scim+json',
      ...(body === undefined ? {} : { 'content-type': 'application/scim+json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await response.text();
  let parsed: Record<string, unknown> | undefined;
  try {
    parsed = text === '' ? undefined : (JSON.parse(text) as Record<string, unknown>);
  } catch {
    parsed = undefined;
  }
  return { status: response.status, body: parsed, text };
}

/** Runs `task` over `items` with at most `concurrency` in flight; results keep input order. */
export async function mapConcurrently<T, R>(
  items: readonly T[],
  concurrency: number,
  task: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await task(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, worker));
  return results;
}

export interface HarnessContext {
  readonly repoRoot: string;
  /** Scratch space of this run (databases), removed at the end. */
  readonly tmpDir: string;
  /** Kept between runs: seeded peer databases that take minutes to build over HTTP. */
  readonly cacheDir: string;
  /** When set, scimd children write V8 CPU profiles here. */
  readonly profileDir: string | undefined;
  /** `dist`: the compiled `bin/scimd.js` (benchmarks); `source`: the sources through tsx (smoke test). */
  readonly scimdEntry: 'dist' | 'source';
  /** PostgreSQL server URL for scimd-postgres (a database is created and dropped per size). */
  readonly postgresUrl: string | undefined;
  log(line: string): void;
}

export interface SystemSpec {
  readonly id: SystemId;
  readonly label: string;
  /** Why the system cannot run here, or undefined. */
  availability(context: HarnessContext): Promise<string | undefined>;
  start(size: number, context: HarnessContext): Promise<RunningSystem>;
}

export const seconds = (since: number) => (Date.now() - since) / 1000;

export function running(
  fields: Omit<RunningSystem, 'pid' | 'origin' | 'stop'>,
  child: Child,
  cleanup: () => Promise<void> | void = () => undefined,
): RunningSystem {
  return {
    ...fields,
    pid: child.pid,
    origin: child.url,
    async stop() {
      await child.stop();
      await cleanup();
    },
  };
}

export function node(context: HarnessContext, script: string, env: Record<string, string>, cwd?: string) {
  return startChild({
    command: process.execPath,
    args: [join(context.repoRoot, script)],
    env: { ...env, BENCH_PORT: '0', NODE_ENV: 'production' },
    cwd: cwd ?? context.repoRoot,
  });
}
