/**
 * A tiny FIFO async mutex: `run(fn)` starts `fn` only after every earlier `run` has settled.
 * The memory store uses it to serialise units of work, as SQLite's single connection does.
 * Not re-entrant: calling `run` from inside `fn` waits for itself forever.
 */
interface Mutex {
  run<T>(fn: () => Promise<T>): Promise<T>;
}

export function createMutex(): Mutex {
  let tail: Promise<unknown> = Promise.resolve();
  return {
    run<T>(fn: () => Promise<T>): Promise<T> {
      const result = tail.then(fn);
      tail = result.then(
        () => undefined,
        () => undefined,
      );
      return result;
    },
  };
}
