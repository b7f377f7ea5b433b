/**
 * A token-bucket store for @fastify/rate-limit (its `store` option), so the plugin's limits
 * admit bursts and then a steady rate instead of counting in fixed windows.
 *
 * A rate of `max` per `timeWindow` is a bucket of `max` tokens that refills continuously at
 * `max / timeWindow` tokens per ms; each request takes one token, and a request finding less
 * than one is refused without taking any. Against a fixed window this never admits 2 × max at a
 * window boundary, and a refused client waits only until the next token (Retry-After), not until
 * a window ends. Keys are kept in an LRU of `cache` entries; a forgotten key starts full, which
 * only ever errs towards admitting.
 */

/** What the plugin reads back: `current > max` means refused; `ttl` (ms) is the wait. */
export interface BucketVerdict {
  readonly current: number;
  readonly ttl: number;
}

type Callback = (error: Error | null, verdict: BucketVerdict) => void;

/**
 * A bucket's level in token-milliseconds: one token is `timeWindow` units and the bucket gains
 * `max` units per ms, so that with Date.now()'s whole milliseconds every step is an exact integer
 * (in fractions of a token, 10 s × 0.3 tokens/ms is 2.9999…, not 3).
 */
interface Bucket {
  level: number;
  /** Date.now() when `level` was last brought up to date. */
  at: number;
}

/** The options the plugin hands to `child`: the limiter's own options merged over the plugin's. */
interface StoreOptions {
  readonly cache?: number;
}

const DEFAULT_KEYS = 5000;

export class TokenBucketStore {
  readonly #buckets = new Map<string, Bucket>();
  readonly #capacity: number;

  constructor(options: StoreOptions = {}) {
    this.#capacity = options.cache ?? DEFAULT_KEYS;
  }

  /** Takes a token from `key`'s bucket of `max` refilled over `timeWindow` ms, if it has one. */
  incr(key: string, callback: Callback, timeWindow: number, max: number): void {
    const now = Date.now();
    const full = max * timeWindow;
    const bucket = this.#buckets.get(key) ?? { level: full, at: now };
    // Date.now() can step back (clock adjustment): never refill, nor drain, on a negative gap.
    bucket.level = Math.min(full, bucket.level + Math.max(0, now - bucket.at) * max);
    bucket.at = now;
    this.#remember(key, bucket);
    if (bucket.level >= timeWindow) {
      bucket.level -= timeWindow;
      const tokensLeft = Math.floor(bucket.level / timeWindow);
      callback(null, { current: max - tokensLeft, ttl: Math.ceil((full - bucket.level) / max) });
      return;
    }
    callback(null, { current: max + 1, ttl: Math.ceil((timeWindow - bucket.level) / max) });
  }

  /**
   * A store for one limiter (`app.createRateLimit(options)`), with that limiter's key count.
   * The plugin's types call the argument route options; it is the limiter's options merged over
   * the plugin's, which is where `cache` is.
   */
  child(options: object): TokenBucketStore {
    return new TokenBucketStore(options as StoreOptions);
  }

  /** Keys held now (for the bound's test). */
  get size(): number {
    return this.#buckets.size;
  }

  #remember(key: string, bucket: Bucket): void {
    // A Map iterates in insertion order: re-inserting makes `key` the newest, the first the oldest.
    this.#buckets.delete(key);
    this.#buckets.set(key, bucket);
    if (this.#buckets.size > this.#capacity) {
      const oldest = this.#buckets.keys().next().value;
      if (oldest !== undefined) this.#buckets.delete(oldest);
    }
  }
}
