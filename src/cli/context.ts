/**
 * What every `scimd` command shares: the I/O it writes to, exit codes, argument parsing that
 * turns mistakes into `UsageError`, and the lazily opened store and configuration.
 */
import { parseArgs } from 'node:util';
import type { Config } from '../config/config.js';
import type { Store } from '../store/store.js';

/** Exit codes (docs/cli.md): 78 is sysexits' EX_CONFIG. */
export const EXIT = { ok: 0, failure: 1, usage: 2, config: 78 } as const;

export interface CliIo {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream;
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The clock; defaults to the system clock. */
  readonly now?: () => Date;
  /** Stops `scimd serve` when aborted; defaults to SIGINT/SIGTERM. */
  readonly signal?: AbortSignal;
}

/** A mistake in the command line: reported with a hint to `scimd help`, exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export interface CommandContext {
  readonly config: Config;
  readonly store: Store;
  readonly now: Date;
  /** `SCIMD_PUBLIC_URL`, or `http://localhost:<port>` when it is unset. */
  readonly baseUrl: string;
}

/** Loads the configuration and opens the store; called only by commands that need them. */
export type OpenContext = () => Promise<CommandContext>;

type OptionSpec = Record<string, { type: 'string' | 'boolean'; short?: string }>;

type ParsedValues<O extends OptionSpec> = {
  [K in keyof O]?: O[K]['type'] extends 'boolean' ? boolean : string;
};

/**
 * Parses `args` against `options`, requiring exactly `positionals.length` positionals (named
 * in the usage line `usage`). Unknown options, missing values and wrong counts throw UsageError.
 */
export function parseCommand<O extends OptionSpec>(
  args: readonly string[],
  options: O,
  positionals: readonly string[],
  usage: string,
): { values: ParsedValues<O>; positionals: string[] } {
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  try {
    parsed = parseArgs({ args: [...args], options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError(`${(error as Error).message.split('. ')[0]}\nusage: ${usage}`);
  }
  if (parsed.positionals.length !== positionals.length) {
    const which = parsed.positionals.length < positionals.length ? 'missing' : 'unexpected';
    const detail =
      which === 'missing'
        ? `missing ${positionals.slice(parsed.positionals.length).join(' ')}`
        : `unexpected argument ${JSON.stringify(parsed.positionals[positionals.length])}`;
    throw new UsageError(`${detail}\nusage: ${usage}`);
  }
  return { values: parsed.values as ParsedValues<O>, positionals: parsed.positionals };
}

/** Writes `text` and a newline. */
export function write(stream: NodeJS.WritableStream, text: string): void {
  stream.write(`${text}\n`);
}

/** Pretty-printed JSON, one document per command. */
export function writeJson(stream: NodeJS.WritableStream, value: unknown): void {
  stream.write(`${JSON.stringify(value, null, 2)}\n`);
}
