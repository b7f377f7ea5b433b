/**
 * A seeded scimd store for the in-process cost scripts (bench/scan-cost.ts,
 * bench/deep-pages.ts): the benchmark directory of `size` users (bench/shared/directory.mjs)
 * bulk-written by the benchmark's own seeder, then opened through scimd's store (which
 * migrates and prepares it as `scimd serve` would). SQLite lives in a temporary directory;
 * PostgreSQL in a database created on the server at `SCIMD_BENCH_PG_URL` (or
 * `SCIMD_TEST_PG_URL`) and dropped afterwards.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/store.js';
import { scratchDatabase } from '../lib/systems.js';
import { createBenchTenant, seedPostgresRows, seedSqliteRows } from '../seed/scimd.js';

export type Backend = 'sqlite' | 'postgres';

export interface Seeded {
  readonly store: Store;
  readonly tenantId: string;
  /** The URL the store was opened from (another store may open it too). */
  readonly url: string;
  /** Closes the store and deletes the database. */
  dispose(): Promise<void>;
}

export function postgresBaseUrl(): string | undefined {
  return process.env['SCIMD_BENCH_PG_URL'] || process.env['SCIMD_TEST_PG_URL'] || undefined;
}

export async function seeded(backend: Backend, size: number): Promise<Seeded> {
  if (backend === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'scimd-cost-'));
    const file = join(dir, 'scimd.db');
    const url = `file:${file}`;
    const { tenantId } = await createBenchTenant(url);
    seedSqliteRows(file, tenantId, size);
    const store = await openStore(url);
    return {
      store,
      tenantId,
      url,
      async dispose() {
        await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const base = postgresBaseUrl();
  if (base === undefined) throw new Error('set SCIMD_BENCH_PG_URL or SCIMD_TEST_PG_URL for PostgreSQL');
  const { url, drop } = await scratchDatabase(base, `scimd_cost_${process.pid}_${size}`);
  const { tenantId } = await createBenchTenant(url);
  await seedPostgresRows(url, tenantId, size);
  const store = await openStore(url);
  return {
    store,
    tenantId,
    url,
    async dispose() {
      await store.close();
      await drop();
    },
  };
}

/** Milliseconds per call of `fn`: the median of `runs` calls after `warmup` unmeasured ones. */
export async function timeMedian(fn: () => Promise<unknown>, runs: number, warmup = 1): Promise<number> {
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = process.hrtime.bigint();
    await fn();
    times.push(Number(process.hrtime.bigint() - start) / 1e6);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] as number;
}

/** `--name=a,b` or `--name a,b` from argv, else `fallback`. */
export function listOption(name: string, fallback: readonly string[]): string[] {
  const args = process.argv.slice(2);
  for (const [i, arg] of args.entries()) {
    if (arg.startsWith(`--${name}=`)) return arg.slice(name.length + 3).split(',');
    if (arg === `--${name}` && args[i + 1] !== undefined) return (args[i + 1] as string).split(',');
  }
  return [...fallback];
}
