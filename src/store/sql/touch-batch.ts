/**
 * Token "last used" writes, batched: every token's first use in a minute is due a write
 * (token-touch.ts), which with 10,000 active tokens is about 170 single-row UPDATEs a second,
 * each its own transaction (on PostgreSQL its own commit). Due uses wait here for up to
 * `TOUCH_BATCH_MS` and go out as one statement, whose text never changes (the rows travel as
 * one JSON parameter), so it is prepared once. What is recorded is unchanged: each token's
 * first use of its minute, and no write at all when another process already recorded a use
 * within the minute.
 */

/** How long a due use may wait before it is written. */
export const TOUCH_BATCH_MS = 1000;

/**
 * Most uses waiting at once: reaching it writes the batch at once, so a burst of tokens never
 * makes one statement (or the memory it takes) larger than this.
 */
export const MAX_PENDING_TOUCHES = 5000;

/** One token's due use: written when its `last_used_at` is unset or at most `stale`. */
export interface DueTouch {
  readonly id: string;
  readonly at: string;
  readonly stale: string;
}

export interface TouchBatch {
  /**
   * Queues a due use (a token already waiting keeps its earlier time). Throws the error of the
   * last batch that failed, once, so the caller can report it; the use is queued all the same.
   */
  add(touch: DueTouch): void;
  /** Whether `tokenId` is waiting to be written. */
  has(tokenId: string): boolean;
  /** Writes whatever waits now (and waits for a write under way). */
  flush(): Promise<void>;
}

export interface TouchBatchOptions {
  /** Writes the batch in one statement. */
  readonly write: (touches: readonly DueTouch[]) => Promise<void>;
  /** Told of each batch written. */
  readonly written: (touches: readonly DueTouch[]) => void;
  readonly delayMs?: number;
  readonly maxPending?: number;
}

export function createTouchBatch(options: TouchBatchOptions): TouchBatch {
  const delayMs = options.delayMs ?? TOUCH_BATCH_MS;
  const maxPending = options.maxPending ?? MAX_PENDING_TOUCHES;
  let pending = new Map<string, DueTouch>();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let writing: Promise<void> = Promise.resolve();
  let failed: unknown;

  const writeNow = (): Promise<void> => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    if (pending.size === 0) return writing;
    const batch = [...pending.values()];
    pending = new Map();
    // One batch at a time, in order: a later batch never overtakes an earlier one.
    writing = writing.then(async () => {
      try {
        await options.write(batch);
        options.written(batch);
      } catch (error) {
        failed = error;
      }
    });
    return writing;
  };

  return {
    add(touch) {
      if (!pending.has(touch.id)) pending.set(touch.id, touch);
      if (pending.size >= maxPending) void writeNow();
      else if (timer === undefined) {
        timer = setTimeout(() => void writeNow(), delayMs);
        // A batch waiting must not keep the process alive; closing the store writes it.
        timer.unref?.();
      }
      if (failed !== undefined) {
        const error = failed;
        failed = undefined;
        throw error;
      }
    },
    has: (tokenId) => pending.has(tokenId),
    flush: writeNow,
  };
}
