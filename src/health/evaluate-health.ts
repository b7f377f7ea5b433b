/**
 * The tenant health evaluator (docs/operations.md "Tenant health"): a tenant's hourly rollups and the
 * current time in, its state with a cause and a fix out. Pure: the same buckets and clock
 * always give the same answer, so every process agrees.
 *
 * Windows follow the clock hour: "the last N hours" are the buckets of the current hour and of
 * the N whole hours before it (so they span between N and N + 1 hours). The 7-day window is 168.
 */
import {
  type BucketCounts,
  FAILURE_CAUSES,
  type FailureCause,
  type FailureCounts,
  type HealthBucket,
  type HealthStateName,
  type HealthTotals,
  totalsOf,
} from '../store/health-port.js';

import { AT_RISK_FIX_PREFIX, CAUSE_ADVICE, duration, percent, SILENT_FIX } from './health-advice.js';
import {
  type AtRiskThresholds,
  atRiskThresholds,
  DEGRADED_FAILURES_PER_HOUR,
  DEGRADED_MIN_REQUESTS,
  DEGRADED_PERCENT,
  type HealthSettings,
  SILENT_MIN_REQUESTS,
} from './health-settings.js';

export const WINDOWS = { '1h': 1, '24h': 24, '7d': 168 } as const;
export type WindowName = keyof typeof WINDOWS;

/** The states from the most to the least urgent: a tenant is in the first that applies. */
export const HEALTH_STATES: readonly HealthStateName[] = ['at_risk', 'silent', 'degraded', 'healthy'];

export interface WindowCounts {
  readonly requests: number;
  readonly failures: number;
  /** Failures of PATCHes of group members or a user's manager. */
  readonly referenceFailures: number;
  /** failures / requests; 0 without requests. */
  readonly failureRatio: number;
  readonly causes: FailureCounts;
  readonly latencyMaxMs: number;
  readonly latencyAvgMs: number;
}

export interface IdpActivity {
  /** `entra`, `okta`, …; `unknown` for an authenticated client the log could not name. */
  readonly idp: string;
  readonly lastRequest: string;
  readonly requests7d: number;
  readonly silent: boolean;
}

export interface TenantHealth {
  readonly state: HealthStateName;
  /** Plain language, for the vendor's operator. */
  readonly cause: string;
  readonly fix: string;
  readonly evaluatedAt: string;
  readonly windows: Readonly<Record<WindowName, WindowCounts>>;
  /** Clients that called in the 7-day window (not unauthenticated requests), newest first. */
  readonly idps: readonly IdpActivity[];
  /** The 7-day counts the at_risk rules compare, and the thresholds in force. */
  readonly quarantine: {
    readonly failures: number;
    readonly nonReferenceFailures: number;
    readonly requests: number;
    readonly thresholds: AtRiskThresholds;
  };
}

const HOUR_MS = 60 * 60 * 1000;

/** The first bucket hour of the window "the last `hours` hours" at `now`. */
export function windowStart(now: Date, hours: number): string {
  const hour = Math.floor(now.getTime() / HOUR_MS) * HOUR_MS;
  return new Date(hour - hours * HOUR_MS).toISOString();
}

/** The windows in the order `windowStarts` gives their starts (and `HealthTotals.windows` its sums). */
const WINDOW_NAMES = Object.keys(WINDOWS) as WindowName[];

/** The first bucket hour of each window at `now`, in WINDOW_NAMES order: the `starts` of `totals`. */
export function windowStarts(now: Date): string[] {
  return WINDOW_NAMES.map((name) => windowStart(now, WINDOWS[name]));
}

/** One window's counts: the sums over the tenant's IdPs. */
function countWindow(totals: readonly HealthTotals[], index: number): WindowCounts {
  let requests = 0;
  let failures = 0;
  let referenceFailures = 0;
  let latencySum = 0;
  let latencyMaxMs = 0;
  const causes = Object.fromEntries(FAILURE_CAUSES.map((c) => [c, 0])) as Record<FailureCause, number>;
  for (const total of totals) {
    const w = total.windows[index] as BucketCounts;
    requests += w.requests;
    failures += w.failures;
    referenceFailures += w.referenceFailures;
    latencySum += w.latencySumMs;
    if (w.latencyMaxMs > latencyMaxMs) latencyMaxMs = w.latencyMaxMs;
    for (const c of FAILURE_CAUSES) causes[c] += w.causes[c];
  }
  return {
    requests,
    failures,
    referenceFailures,
    failureRatio: requests === 0 ? 0 : failures / requests,
    causes,
    latencyMaxMs,
    latencyAvgMs: requests === 0 ? 0 : Math.round(latencySum / requests),
  };
}

const WEEK = WINDOW_NAMES.indexOf('7d');

function activityOf(totals: readonly HealthTotals[], now: Date, settings: HealthSettings): IdpActivity[] {
  return totals
    .filter((t) => t.idp !== '')
    .map((t) => {
      const requests7d = (t.windows[WEEK] as BucketCounts).requests;
      return {
        idp: t.idp,
        lastRequest: t.lastTime,
        requests7d,
        silent: requests7d >= SILENT_MIN_REQUESTS && now.getTime() - Date.parse(t.lastTime) >= settings.silentAfterMs,
      };
    })
    .sort((x, y) => (x.lastRequest < y.lastRequest ? 1 : x.lastRequest > y.lastRequest ? -1 : x.idp < y.idp ? -1 : 1));
}

/** The cause with the most failures (ties: FAILURE_CAUSES order). */
export function topCause(causes: FailureCounts): FailureCause {
  let top: FailureCause = 'other';
  let most = -1;
  for (const c of FAILURE_CAUSES) {
    if (causes[c] > most) {
      top = c;
      most = causes[c];
    }
  }
  return top;
}

/** Which at_risk rule holds, if any (docs/operations.md "Tenant health", "at_risk"). */
export function atRiskRule(
  failures: number,
  nonReferenceFailures: number,
  requests: number,
  t: AtRiskThresholds,
): 'cap' | 'failures' | 'ratio' | undefined {
  if (failures >= t.cap) return 'cap';
  if (failures < t.evaluatedAfter) return undefined;
  if (nonReferenceFailures >= t.failures) return 'failures';
  // Integers compared, not a float ratio: exactly 40 % is not "more than 40 %".
  if (nonReferenceFailures * 100 > requests * t.percent) return 'ratio';
  return undefined;
}

/** Whether the degraded rules hold for the 24-hour and 1-hour windows. */
export function isDegraded(day: WindowCounts, hour: WindowCounts): boolean {
  if (hour.failures >= DEGRADED_FAILURES_PER_HOUR) return true;
  return day.requests >= DEGRADED_MIN_REQUESTS && day.failures * 100 >= day.requests * DEGRADED_PERCENT;
}

function causeFix(cause: FailureCause, count: number, slug: string): { what: string; fix: string } {
  const advice = CAUSE_ADVICE[cause];
  return { what: `${count} ${advice.what}`, fix: advice.fix.replaceAll('{slug}', slug) };
}

/** A tripped deprovision guard (docs/guard.md): delivery of the tenant's events is held. */
export interface HeldDelivery {
  /** When the guard tripped. */
  readonly since: string;
}

/**
 * The tenant's health from its buckets (those of the 7-day window suffice): `evaluateTotals` of
 * their totals folded in JavaScript.
 */
export function evaluateHealth(
  buckets: readonly HealthBucket[],
  now: Date,
  settings: HealthSettings,
  slug: string,
  held?: HeldDelivery,
): TenantHealth {
  return evaluateTotals(totalsOf(buckets, windowStarts(now)), now, settings, slug, held);
}

/**
 * The tenant's health from its totals per IdP over `windowStarts(now)` (`HealthRepository.totals`).
 * A tripped deprovision guard (`held`) makes a healthy tenant `degraded` and leads the cause and
 * fix of any state: the vendor's app is not being told about changes until an operator looks.
 */
export function evaluateTotals(
  totals: readonly HealthTotals[],
  now: Date,
  settings: HealthSettings,
  slug: string,
  held?: HeldDelivery,
): TenantHealth {
  const health = evaluateRollups(totals, now, settings, slug);
  if (held === undefined) return health;
  const cause = `Deprovision guard tripped at ${held.since}: a mass deprovision was detected and delivery of this tenant's change events is held (they are still recorded).`;
  const fix = `Check with the customer that the deprovisioning is intended (scimd guard show ${slug}), then deliver the held events with scimd guard release ${slug}.`;
  if (health.state === 'healthy') return { ...health, state: 'degraded', cause, fix };
  return { ...health, cause: `${cause} Also: ${health.cause}`, fix: `${fix} Also: ${health.fix}` };
}

function evaluateRollups(
  totals: readonly HealthTotals[],
  now: Date,
  settings: HealthSettings,
  slug: string,
): TenantHealth {
  const windows = {
    '1h': countWindow(totals, WINDOW_NAMES.indexOf('1h')),
    '24h': countWindow(totals, WINDOW_NAMES.indexOf('24h')),
    '7d': countWindow(totals, WEEK),
  };
  const idps = activityOf(totals, now, settings);
  const week = windows['7d'];
  const thresholds = atRiskThresholds(settings.atRiskFraction);
  const nonReferenceFailures = week.failures - week.referenceFailures;
  const quarantine = { failures: week.failures, nonReferenceFailures, requests: week.requests, thresholds };
  const base = { evaluatedAt: now.toISOString(), windows, idps, quarantine };

  const rule = atRiskRule(week.failures, nonReferenceFailures, week.requests, thresholds);
  if (rule !== undefined) {
    const top = topCause(week.causes);
    const main = causeFix(top, week.causes[top], slug);
    const why =
      rule === 'cap'
        ? `${week.failures} failed requests, at least ${thresholds.cap} (of Entra's cap of 60,000)`
        : rule === 'failures'
          ? `${nonReferenceFailures} failures other than reference updates, at least ${thresholds.failures} (of Entra's 40,000)`
          : `${percent(nonReferenceFailures / week.requests)} of ${week.requests} requests failed (Entra quarantines above 40 %) with ${week.failures} failures, at least ${thresholds.evaluatedAfter}`;
    return {
      ...base,
      state: 'at_risk',
      cause: `At risk of quarantine by Entra ID: in the last 7 days ${why}. Main cause: ${main.what}.`,
      fix: `${AT_RISK_FIX_PREFIX} ${main.fix}`,
    };
  }

  const silent = idps.filter((a) => a.silent);
  if (silent.length > 0) {
    const names = silent.map(
      (a) =>
        `${a.idp} has not called for ${duration(now.getTime() - Date.parse(a.lastRequest))} (last request ${a.lastRequest}, ${a.requests7d} requests in the last 7 days)`,
    );
    return { ...base, state: 'silent', cause: `${names.join('; ')}.`, fix: SILENT_FIX };
  }

  const day = windows['24h'];
  const hour = windows['1h'];
  if (isDegraded(day, hour)) {
    const recent = hour.failures >= DEGRADED_FAILURES_PER_HOUR;
    const counts = recent ? hour : day;
    const top = topCause(counts.causes);
    const main = causeFix(top, counts.causes[top], slug);
    const what = recent
      ? `${hour.failures} of ${hour.requests} requests failed in the last hour`
      : `${day.failures} of ${day.requests} requests (${percent(day.failureRatio)}) failed in the last 24 hours`;
    return { ...base, state: 'degraded', cause: `${what}; the most: ${main.what}.`, fix: main.fix };
  }

  const cause =
    week.requests === 0
      ? 'No requests in the last 7 days: no identity provider is provisioning this tenant (or one stopped more than 7 days ago).'
      : `${day.requests} requests in the last 24 hours, ${percent(day.failureRatio)} failed.`;
  const fix =
    week.requests === 0
      ? `If the customer should be provisioning, send them the setup guide (scimd guide ${slug}).`
      : 'Nothing to do.';
  return { ...base, state: 'healthy', cause, fix };
}
