/**
 * Whether credentials changed elsewhere: `credential_generation` (migration 0013) counts every
 * committed change to what authentication reads, whoever made it. A process that reads the
 * counter at most once per `CREDENTIAL_CHECK_MS` and forgets its credential memos whenever it
 * moved can keep those memos for minutes (`CREDENTIAL_CACHE_MS`, read-cache.ts) and still honour
 * a revocation made by another process within about a second. While the counter cannot be read,
 * nothing is served from the memos: every request reads its credentials, as without them.
 */
import { type Kysely, sql } from 'kysely';
import type { ReadCache } from './read-cache.js';
import type { Database } from './tables.js';
import { template } from './template.js';

/** The longest a change committed by another process can go unseen (plus one read of the counter). */
export const CREDENTIAL_CHECK_MS = 1000;

type GenerationRow = { generation: number | string | bigint };
const current = template<never, GenerationRow>((db) => ({
  compile: () => sql<GenerationRow>`select generation from credential_generation where id = 1`.compile(db),
}));

export interface CredentialGeneration {
  /**
   * Forgets what every watched memo holds when the counter moved since the last look; looks at
   * most once per `CREDENTIAL_CHECK_MS` (concurrent callers share one read). Call it before
   * serving a credential from a memo.
   */
  check(): Promise<void>;
  /** Memos to forget when credentials changed elsewhere. */
  watch(cache: ReadCache<unknown>): void;
}

export function createCredentialGeneration(
  db: Kysely<Database>,
  clock: () => number = () => performance.now(),
): CredentialGeneration {
  const caches = new Set<ReadCache<unknown>>();
  let seen: string | undefined;
  // When the last successful look began: a change committed before it has been seen.
  let lookedAt = Number.NEGATIVE_INFINITY;
  let looking: Promise<void> | undefined;
  const forget = () => {
    for (const cache of caches) cache.clear();
  };
  const look = async () => {
    const began = clock();
    try {
      const row = await current.first(db, {});
      const generation = row === undefined ? undefined : String(row.generation);
      if (generation === undefined || generation !== seen) forget();
      seen = generation;
      // No row (a database not migrated to 0013): look again next time, serving nothing stale.
      if (generation !== undefined) lookedAt = began;
    } catch {
      // The counter is unreadable: forget, and look again at the next request (which will most
      // likely fail reading its credentials too, with the error it would have had anyway).
      forget();
      seen = undefined;
    }
  };
  return {
    check() {
      if (clock() - lookedAt < CREDENTIAL_CHECK_MS) return Promise.resolve();
      looking ??= look().finally(() => {
        looking = undefined;
      });
      return looking;
    },
    watch(cache) {
      caches.add(cache);
    },
  };
}

/** One counter reader per database handle, shared by the token and tenant repositories. */
const byDatabase = new WeakMap<Kysely<Database>, CredentialGeneration>();

/** `clock` (monotonic ms) counts only on the first call for `db`: tests pass theirs before opening a store on it. */
export function credentialGenerationOf(db: Kysely<Database>, clock?: () => number): CredentialGeneration {
  let generation = byDatabase.get(db);
  if (generation === undefined) {
    generation = createCredentialGeneration(db, clock);
    byDatabase.set(db, generation);
  }
  return generation;
}
