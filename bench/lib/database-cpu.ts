/**
 * CPU time of the PostgreSQL backends serving one database, when PostgreSQL runs on this machine.
 * scimd's own CPU figure leaves out the work its statements make PostgreSQL do (a scan of the
 * tenant's rows happens in the backend process, not in scimd), so a PostgreSQL figure next to a
 * SQLite one compares different things unless the backends' CPU is added.
 */
import pg from 'pg';
import { readCpuMs } from './child.js';

/** CPU ms of every backend process connected to `database`, by pid; empty when not local. */
export type CpuSnapshot = ReadonlyMap<number, number>;

export interface DatabaseCpu {
  snapshot(): Promise<CpuSnapshot>;
  close(): Promise<void>;
}

/** Backends of `database` (by `pg_stat_activity`), read from /proc; none when PostgreSQL is remote. */
export async function databaseCpu(adminUrl: string, database: string): Promise<DatabaseCpu> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  return {
    async snapshot() {
      const { rows } = await client.query<{ pid: number }>(
        'select pid from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()',
        [database],
      );
      const result = new Map<number, number>();
      for (const { pid } of rows) {
        const ms = await readCpuMs(pid);
        if (ms !== undefined) result.set(pid, ms);
      }
      return result;
    },
    close: () => client.end(),
  };
}

/**
 * CPU the backends spent between two snapshots. A backend that started meanwhile counts from 0;
 * one that ended meanwhile is lost (scimd keeps its pooled connections open under load).
 */
export function cpuBetween(before: CpuSnapshot, after: CpuSnapshot): number | undefined {
  if (after.size === 0) return undefined;
  let total = 0;
  for (const [pid, ms] of after) total += ms - (before.get(pid) ?? 0);
  return total;
}
