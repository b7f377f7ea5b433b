/**
 * A memo of rows that every request reads and that change rarely: the token a bearer credential
 * hashes to, and its tenant. Writes through the same repository clear it at once; a write by
 * another process (the `scimd` CLI on the same SQLite file, another server on PostgreSQL) moves
 * the credential generation, which the repositories look at about once a second and which then
 * clears it (credential-generation.ts). Only rows found are kept: a token issued a moment ago
 * elsewhere works at its first use.
 */

/**
 * How long a row is kept at most. Revocation does not depend on it (the generation does); it
 * bounds how stale a row may get should a change escape the generation's triggers (a table
 * rewritten by hand with the triggers dropped). Long, because with 10,000 tenants each token
 * comes back every few seconds: a one-second life made nearly every request read its
 * credentials again (docs/benchmarks.md, "Many tenants").
 */
export const CREDENTIAL_CACHE_MS = 5 * 60 * 1000;

/**
 * Most rows kept; past that the oldest loaded goes first. One process serving more tokens than
 * this within `CREDENTIAL_CACHE_MS` re-reads some credentials (about 20 µs each); memory stays
 * bounded whatever the number of tenants and tokens (a token and its tenant take about 0.7 KB
 * of heap: docs/benchmarks.md, "What grows with tenants").
 */
export const CREDENTIAL_CACHE_ENTRIES = 10_000;

export interface ReadCache<V> {
  /** The value kept for `key`, else what `load` finds (kept unless undefined). */
  read(key: string, load: () => Promise<V | undefined>): Promise<V | undefined>;
  /** A mark to take before reading a row from the database that `keep` will be given. */
  mark(): number;
  /**
   * Keeps `value`, read from the database after `mark` was taken by some other query (a join
   * that read it along), unless a write cleared the cache since: then it may be stale.
   */
  keep(mark: number, key: string, value: V): void;
  /** Forgets everything, including what reads still under way will find. Call it after a write. */
  clear(): void;
  /** Rows kept now (never above the bound). */
  readonly size: number;
}

/** Entries expire `ttlMs` after they were loaded, on a monotonic clock (wall-clock jumps do not matter). */
export function createReadCache<V>(ttlMs = CREDENTIAL_CACHE_MS, maxEntries = CREDENTIAL_CACHE_ENTRIES): ReadCache<V> {
  const entries = new Map<string, { value: V; until: number }>();
  // A read that began before a clear() may return the row as it was before the write: it must
  // not be kept. Each clear() starts a new generation; only reads of the current one are kept.
  let generation = 0;
  const keep = (started: number, key: string, value: V) => {
    if (started !== generation) return;
    // Re-inserted, so that a reloaded row counts as the newest.
    entries.delete(key);
    if (entries.size >= maxEntries) entries.delete(entries.keys().next().value as string);
    entries.set(key, { value, until: performance.now() + ttlMs });
  };
  return {
    async read(key, load) {
      const entry = entries.get(key);
      if (entry !== undefined && entry.until > performance.now()) return entry.value;
      const started = generation;
      const value = await load();
      if (value !== undefined) keep(started, key, value);
      return value;
    },
    mark: () => generation,
    keep,
    clear() {
      entries.clear();
      generation++;
    },
    get size() {
      return entries.size;
    },
  };
}
