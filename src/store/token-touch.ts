/**
 * Coarsening of token "last used" writes: recording every request would turn each read into a
 * write, so use is recorded at most once per interval per token (TokenRepository.touch).
 */

const TOKEN_TOUCH_INTERVAL_MS = 60_000;

/** The latest `lastUsedAt` that is stale at `now`: a touch at `now` writes when lastUsedAt <= this. */
export function touchThreshold(now: string): string {
  return new Date(Date.parse(now) - TOKEN_TOUCH_INTERVAL_MS).toISOString();
}

/** True when `lastUsedAt` is unset or at least `TOKEN_TOUCH_INTERVAL_MS` before `now`. */
export function isTouchDue(lastUsedAt: string | null, now: string): boolean {
  return lastUsedAt === null || lastUsedAt <= touchThreshold(now);
}
