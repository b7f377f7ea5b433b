/**
 * Retry timing for event delivery: exponential backoff with jitter ("equal jitter": half of the
 * exponential delay is fixed, half random), so receivers that fail together do not retry
 * together. With the defaults the delays are about 10 s, 20 s, 40 s … capped at 2 hours.
 */

const BASE_DELAY_MS = 10_000;
const MAX_DELAY_MS = 2 * 60 * 60 * 1000;

/** The exponential delay before retry number `failedAttempts` (1 = after the first failure), without jitter. */
function backoffCapMs(failedAttempts: number): number {
  return Math.min(MAX_DELAY_MS, BASE_DELAY_MS * 2 ** Math.max(0, failedAttempts - 1));
}

/** The delay after `failedAttempts` failures: between half and all of `backoffCapMs`. */
export function retryDelayMs(failedAttempts: number, random: () => number): number {
  const cap = backoffCapMs(failedAttempts);
  return Math.round(cap / 2 + (random() * cap) / 2);
}

/**
 * How long an event is retried at most before it is dead-lettered (the sum of the delays at
 * their longest). An event older than this is dead-lettered at its first failure, so a receiver
 * that was down for days drains its backlog into dead letters quickly instead of spending the
 * whole schedule on every event.
 */
export function retryWindowMs(maxAttempts: number): number {
  let total = 0;
  for (let n = 1; n < maxAttempts; n++) total += backoffCapMs(n);
  return total;
}
