/**
 * The form of SCIMD_TENANT_RATE_LIMIT and SCIMD_AUTH_FAILURE_LIMIT (issue #16.3): `<max>/<window>`,
 * e.g. `100/s`, `1000/10s`, `20/m`, `20/1m`; or `off`. A token bucket of `max` tokens that
 * refills evenly over the window (src/http/token-bucket.ts): `max` is the burst allowance and
 * `max / window` the sustained rate.
 */
import { z } from 'zod';

export interface RequestRate {
  /** The bucket: requests allowed at once, and regained evenly over `windowMs`. */
  readonly max: number;
  /** How long a drained bucket takes to refill, in ms. */
  readonly windowMs: number;
}

const UNIT_MS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000 };

export const REQUEST_RATE_FORM =
  'off or <requests>/<window>, the window in s, m or h with an optional count (e.g. 100/s, 1000/10s, 20/1m), requests from 1 to 1000000, the window at most 24h';

/** `<max>/<window>` as a RequestRate, `off` as null. */
export const requestRate: z.ZodType<RequestRate | null, string> = z.string().transform((raw, ctx) => {
  const text = raw.toLowerCase();
  if (['off', 'false', 'no', '0'].includes(text)) return null;
  const match = /^([1-9]\d{0,6})\/([1-9]\d{0,4})?([smh])$/.exec(text);
  const max = Number(match?.[1]);
  const windowMs = Number(match?.[2] ?? 1) * UNIT_MS[match?.[3] ?? '']!;
  if (match === null || max > 1_000_000 || !(windowMs <= 86_400_000)) {
    ctx.addIssue({ code: 'custom', message: `must be ${REQUEST_RATE_FORM}` });
    return z.NEVER;
  }
  return { max, windowMs };
});
