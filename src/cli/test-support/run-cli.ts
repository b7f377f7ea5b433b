/**
 * Runs `scimd` in-process for tests: each `cliFixture()` gets its own SQLite file under one
 * temporary directory, and `run` returns the exit code with everything written to stdout/stderr.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { runCli } from '../main.js';

export const NOW = new Date('2024-05-01T12:00:00.000Z');
export const NOW_ISO = '2024-05-01T12:00:00.000Z';
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliFixture {
  /** Runs one invocation; `now` is the CLI's clock. */
  run(args: string[], now?: Date, env?: Record<string, string>): Promise<CliResult>;
  /** The directory holding this fixture's database (absent until a command opens it). */
  readonly dbDir: string;
  readonly databaseUrl: string;
}

function sink(): { stream: Writable; text: () => string } {
  let text = '';
  const stream = new Writable({
    write(chunk, _encoding, done) {
      text += String(chunk);
      done();
    },
  });
  return { stream, text: () => text };
}

/** A temporary root for fixtures; call `remove` when done. */
export function createCliSandbox(): { fixture(env?: Record<string, string>): CliFixture; remove(): void } {
  const root = mkdtempSync(join(tmpdir(), 'scimd-cli-'));
  let counter = 0;
  return {
    fixture(baseEnv = {}) {
      const dbDir = join(root, `db${++counter}`);
      const databaseUrl = `file:${join(dbDir, 'scimd.db')}`;
      return {
        dbDir,
        databaseUrl,
        async run(args, now = NOW, env = {}) {
          const out = sink();
          const err = sink();
          const code = await runCli(args, {
            stdout: out.stream,
            stderr: err.stream,
            env: { SCIMD_DATABASE_URL: databaseUrl, ...baseEnv, ...env },
            now: () => now,
          });
          return { code, stdout: out.text(), stderr: err.text() };
        },
      };
    },
    remove() {
      rmSync(root, { recursive: true, force: true });
    },
  };
}
