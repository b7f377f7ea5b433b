/**
 * Servers under test run as child processes (one Node process each, so RSS is per system).
 * A child announces readiness by printing `listening on <url>` (scimd prints `scimd listening
 * on <url>`) on stdout or stderr; anything else it prints is kept (the last lines) for errors.
 */
import { type ChildProcess, spawn } from 'node:child_process';

export interface Child {
  readonly pid: number;
  /** The base URL the child announced, e.g. `http://127.0.0.1:40123`. */
  readonly url: string;
  /** The last lines the child printed, for error messages. */
  output(): string;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process has exited. */
  stop(graceMs?: number): Promise<void>;
}

export interface ChildOptions {
  readonly command: string;
  readonly args: readonly string[];
  readonly env: Record<string, string>;
  readonly cwd?: string;
  /** How long to wait for the `listening on` line. */
  readonly startTimeoutMs?: number;
}

const LISTENING = /listening on (http:\/\/[^\s]+)/;
const KEEP_LINES = 40;

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

/** Starts a child and resolves once it listens; rejects (and kills it) if it exits or stalls. */
export function startChild(options: ChildOptions): Promise<Child> {
  const child = spawn(options.command, [...options.args], {
    cwd: options.cwd,
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const output = () => lines.join('\n');
  const stop = async (graceMs = 5000) => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited(child);
      clearTimeout(timer);
    }
  };
  return new Promise((resolve, reject) => {
    let settled = false;
    const fail = (message: string) => {
      if (settled) return;
      settled = true;
      void stop(0).then(() => reject(new Error(`${message}\n${output()}`)));
    };
    const timer = setTimeout(
      () => fail(`${options.command} ${options.args.join(' ')} did not start listening in time`),
      options.startTimeoutMs ?? 60_000,
    );
    const onData = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim() === '') continue;
        lines.push(line);
        if (lines.length > KEEP_LINES) lines.shift();
        const match = LISTENING.exec(line);
        if (match && !settled) {
          settled = true;
          clearTimeout(timer);
          resolve({ pid: child.pid!, url: match[1]!.replace(/\/$/, ''), output, stop });
        }
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      fail(`${options.command} ${options.args.join(' ')} exited (${signal ?? code}) before listening`);
    });
  });
}

/** Resident set size of a process in bytes (Linux /proc), or undefined when unavailable. */
export async function readRss(pid: number): Promise<number | undefined> {
  const { readFile } = await import('node:fs/promises');
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const match = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
    return match ? Number(match[1]) * 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Samples a process's RSS every `intervalMs` until stopped; `stop` returns the peak seen. */
export function sampleRss(pid: number, intervalMs = 200): { stop(): Promise<number | undefined> } {
  let peak: number | undefined;
  const take = async () => {
    const rss = await readRss(pid);
    if (rss !== undefined) peak = Math.max(peak ?? 0, rss);
  };
  void take();
  const timer = setInterval(() => void take(), intervalMs);
  return {
    async stop() {
      clearInterval(timer);
      await take();
      return peak;
    },
  };
}

/** CPU time (user + system) a process has used so far, in milliseconds (Linux /proc). */
export async function readCpuMs(pid: number): Promise<number | undefined> {
  const { readFile } = await import('node:fs/promises');
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start at index 2 of the split.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return (ticks * 1000) / CLOCK_TICKS_PER_SECOND;
  } catch {
    return undefined;
  }
}

/** USER_HZ: 100 on every Linux build Node supports. */
const CLOCK_TICKS_PER_SECOND = 100;

/**
 * Waits until a process is no longer busy (at most `maxMs`): requests a
 * load run abandoned are still being served, and must not spill into the next measurement.
 */
export async function waitForIdle(pid: number, quietMs = 60, maxMs = 30_000): Promise<void> {
  const deadline = Date.now() + maxMs;
  let before = await readCpuMs(pid);
  while (before !== undefined && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, quietMs));
    const after = await readCpuMs(pid);
    // Busy means more than half a core: a timer or a log flush is not a request being served.
    if (after === undefined || after - before <= quietMs / 2) return;
    before = after;
  }
}
