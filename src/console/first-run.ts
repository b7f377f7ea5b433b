/**
 * The first-run sign-in (issue #15): when no admin credential exists, `scimd serve` prints a
 * one-time console URL, the way notebook servers do. Its secret is 256 random bits, lives only
 * in this process's memory, works once and expires after `FIRST_RUN_TTL_MS`. Signing in with it
 * leads straight to creating a durable admin credential.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

export const FIRST_RUN_TTL_MS = 15 * 60_000;
export const FIRST_RUN_PATH = '/console/first-run';

const digest = (text: string) => createHash('sha256').update(text, 'utf8').digest();

export class FirstRunGate {
  #hash: Buffer | undefined;
  #expiresAt = 0;

  /** A fresh secret (replacing any earlier one); returns the path to print, secret included. */
  issue(now: Date): string {
    const secret = randomBytes(32).toString('base64url');
    this.#hash = digest(secret);
    this.#expiresAt = now.getTime() + FIRST_RUN_TTL_MS;
    return `${FIRST_RUN_PATH}?token=${secret}`;
  }

  /** True once for the issued secret before it expires; every later call is false. */
  consume(presented: string | undefined, now: Date): boolean {
    const expected = this.#hash;
    if (expected === undefined || presented === undefined || now.getTime() >= this.#expiresAt) return false;
    if (!timingSafeEqual(expected, digest(presented))) return false;
    this.#hash = undefined;
    return true;
  }

  /** Whether a secret is waiting to be used. */
  pending(now: Date): boolean {
    return this.#hash !== undefined && now.getTime() < this.#expiresAt;
  }
}
