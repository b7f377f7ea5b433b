/**
 * CPU pinning for benches on a small machine: with the load generator on one CPU and the server
 * on another, neither steals the other's core, so the server's figures are bounded by its own
 * CPU and not by how the scheduler shares two cores with the generator.
 */
import { execFileSync } from 'node:child_process';
import { availableParallelism } from 'node:os';

/** Pins every thread of process `pid` to `cpus` (a taskset list); false when that is not possible. */
export function pinToCpus(pid: number, cpus: string): boolean {
  try {
    execFileSync('taskset', ['-a', '-p', '-c', cpus, String(pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/**
 * Pins this process (the load generator) to CPU 0 when there are at least two CPUs and taskset
 * works. Returns how to pin a server (to CPU 1) and how to undo this process's pinning, or
 * undefined when not pinned.
 */
export function pinLoadGenerator(): { server(pid: number): void; release(): void } | undefined {
  const cpus = availableParallelism();
  if (cpus < 2 || !pinToCpus(process.pid, '0')) return undefined;
  return {
    server: (pid) => void pinToCpus(pid, '1'),
    release: () => void pinToCpus(process.pid, `0-${cpus - 1}`),
  };
}
