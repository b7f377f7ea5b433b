/**
 * Settings of the generated suites, from the environment: the seed (random unless
 * SCIMD_FUZZ_SEED replays one), the number of generated requests per backend
 * (SCIMD_FUZZ_RUNS), how many are in flight at once, and the per-request deadline.
 */
function integer(name: string, fallback: number): number {
  const raw = process.env[name]?.trim();
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isSafeInteger(value)) throw new Error(`${name} must be an integer, not ${JSON.stringify(raw)}`);
  return value;
}

export interface FuzzSettings {
  readonly seed: number;
  readonly runs: number;
  readonly concurrency: number;
  readonly timeoutMs: number;
}

/** `defaultRuns` is each suite's CI budget (about a minute per backend on 2 shared cores). */
export function fuzzSettings(defaultRuns: number): FuzzSettings {
  return {
    seed: integer('SCIMD_FUZZ_SEED', Math.floor(Math.random() * 2 ** 31)),
    runs: integer('SCIMD_FUZZ_RUNS', defaultRuns),
    concurrency: integer('SCIMD_FUZZ_CONCURRENCY', 4),
    timeoutMs: integer('SCIMD_FUZZ_TIMEOUT_MS', 15_000),
  };
}

/** The line that replays a run. */
export function replayLine(settings: FuzzSettings, file: string): string {
  return `replay with: SCIMD_FUZZ_SEED=${settings.seed} SCIMD_FUZZ_RUNS=${settings.runs} node scripts/run-tests.mjs ${file}`;
}

/** Runs `task` on every item with at most `concurrency` in flight, in order of start. */
export async function runPool<T>(
  items: readonly T[],
  concurrency: number,
  task: (item: T, index: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      await task(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, concurrency) }, worker));
}
