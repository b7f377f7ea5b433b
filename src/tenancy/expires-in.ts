/**
 * Token lifetimes as operators type them: `30m`, `12h`, `90d`, `2w`, `1y` or `never`.
 *
 * The default is `never`: Entra quarantines a provisioning job whose token stops working, so an
 * expiry is a scheduled outage unless someone rotates in time. Rotate by issuing a second token,
 * updating the Secret Token in Entra, then revoking the old one (several tokens may be active).
 */

const UNIT_MS = {
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 7 * 86_400_000,
  y: 365 * 86_400_000,
} as const;

/** Longest accepted lifetime (100 years); longer means `never`. */
const MAX_MS = 100 * UNIT_MS.y;

export const EXPIRES_IN_FORM = 'a positive whole number followed by m, h, d, w or y (e.g. 30m, 12h, 90d, 1y), or never';

export type ExpiresInResult =
  /** `ms` is null for `never`. */
  { readonly ok: true; readonly ms: number | null } | { readonly ok: false; readonly message: string };

/** Parses a lifetime; case-insensitive, surrounding spaces ignored. */
export function parseExpiresIn(text: string): ExpiresInResult {
  const s = text.trim().toLowerCase();
  if (s === 'never') return { ok: true, ms: null };
  const match = /^([1-9]\d{0,5})([mhdwy])$/.exec(s);
  const invalid = { ok: false, message: `invalid expiry ${JSON.stringify(text)}: use ${EXPIRES_IN_FORM}` } as const;
  if (match === null) return invalid;
  const ms = Number(match[1]) * UNIT_MS[match[2] as keyof typeof UNIT_MS];
  if (ms > MAX_MS) return { ok: false, message: `invalid expiry ${JSON.stringify(text)}: at most 100y, or never` };
  return { ok: true, ms };
}

/** The expiry timestamp for a lifetime starting at `now`; null for `never`. */
export function expiryFrom(now: Date, ms: number | null): string | null {
  return ms === null ? null : new Date(now.getTime() + ms).toISOString();
}
