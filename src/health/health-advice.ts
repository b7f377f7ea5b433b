/**
 * What tenant health tells the vendor's operator: for each state and each failure cause, a
 * plain-language cause and what to do (docs/operations.md "Tenant health" repeats them).
 */
import type { FailureCause } from '../store/health-port.js';

/** What a failure cause means and how to remove it; `{slug}` is replaced by the tenant's slug. */
export const CAUSE_ADVICE: Readonly<Record<FailureCause, { readonly what: string; readonly fix: string }>> = {
  unauthorized: {
    what: 'requests refused with 401: the token the identity provider sends is wrong, expired or revoked',
    fix: 'Issue a new token (scimd tokens issue {slug}) and have the customer paste it into the provisioning settings (Entra: Secret Token; Okta: API token), then test the connection.',
  },
  notFound: {
    what: 'requests answered 404: the identity provider refers to users or groups this tenant does not have',
    fix: 'Look up the ids in the provisioning log (scimd log {slug} --status 404). If they were deleted here, have the customer restart provisioning so the IdP creates them again.',
  },
  conflict: {
    what: 'requests answered 409: a userName or group displayName already exists, usually accounts made before provisioning was connected',
    fix: 'Find the clashing names in the provisioning log (scimd log {slug} --status 409); delete the duplicates or have the customer match on them (matching attribute) so the IdP adopts them.',
  },
  invalidValue: {
    what: 'requests refused with 400 invalidValue: the identity provider sends values the schema does not accept',
    fix: 'Open a failing entry (scimd log {slug} --status 400) to see the attribute and value, and have the customer correct that attribute mapping in the IdP.',
  },
  invalidFilter: {
    what: 'requests refused with 400 invalidFilter: the identity provider filters on something scimd cannot search',
    fix: "Check the failing filter in the provisioning log; the customer's matching attribute is usually mapped to an unsupported attribute (use userName or externalId).",
  },
  tooLarge: {
    what: 'requests refused with 413: bodies larger than the server accepts (large group membership changes)',
    fix: 'Raise SCIMD_MAX_BODY_BYTES, or ask the customer to provision the group in smaller steps.',
  },
  tooManyRequests: {
    what: 'requests refused with 429: scimd is rate-limiting the identity provider, and Entra counts each 429 as a failure',
    fix: "Raise the tenant's rate limit so a full Entra cycle fits; failed items are only retried after about 6 h, 12 h, 24 h, then daily.",
  },
  serverError: {
    what: 'requests that failed with 5xx: scimd or its database failed',
    fix: 'Look up the request ids of the failing entries (scimd log {slug} --status 5xx) in the server log; check the database (scimd doctor).',
  },
  other: {
    what: 'requests refused for other reasons (400, 403, 412…)',
    fix: 'Open the failing entries (scimd log {slug} --errors) to see each error, and fix the mapping or role that causes it.',
  },
};

/** "2 h 5 min", "45 min", "30 s". */
export function duration(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 1) return `${Math.max(0, Math.floor(ms / 1000))} s`;
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const rest = minutes % 60;
  const parts = [days > 0 ? `${days} d` : '', hours > 0 ? `${hours} h` : '', rest > 0 ? `${rest} min` : ''];
  return parts.filter((p) => p !== '').join(' ');
}

/** "12.5 %", "40.02 %": at most two decimals. */
export function percent(ratio: number): string {
  return `${Math.round(ratio * 10_000) / 100} %`;
}

export const SILENT_FIX =
  'Ask the customer to check the provisioning job in their identity provider (Entra: Enterprise applications > the app > Provisioning: is it running, paused or in quarantine? are there errors in its provisioning logs?). A changed or deleted token, a changed tenant URL, or a stopped job all look like this; so does a directory with nothing to provision.';

export const AT_RISK_FIX_PREFIX =
  'Fix the main cause now: Entra retries failed items only after about 6 h, 12 h, 24 h, then daily for up to 28 days, and a quarantined job runs far less often. Once fixed, the customer may need to restart provisioning in Entra to leave quarantine.';
