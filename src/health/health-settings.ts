/**
 * The thresholds of tenant health (docs/operations.md "Tenant health"), with their reasons. Entra ID's
 * provisioning service (Microsoft's "application provisioning quarantine status") evaluates a
 * job once it has 5,000 failures and quarantines it when more than 40 % of operations fail or
 * failures exceed 40,000 (reference updates such as manager and group members excluded), with an
 * absolute cap of 60,000 failures that counts them too. It runs an incremental cycle about every
 * 40 minutes.
 */

export interface HealthSettings {
  /** SCIMD_HEALTH_SILENT_AFTER: an IdP that used to call is silent after this long without a request. */
  readonly silentAfterMs: number;
  /** SCIMD_HEALTH_AT_RISK_FRACTION: `at_risk` is reaching this fraction of Entra's quarantine thresholds. */
  readonly atRiskFraction: number;
}

/** Three missed 40-minute Entra cycles. */
export const DEFAULT_SILENT_AFTER_MS = 2 * 60 * 60 * 1000;
export const DEFAULT_AT_RISK_FRACTION = 0.5;

export const DEFAULT_HEALTH_SETTINGS: HealthSettings = {
  silentAfterMs: DEFAULT_SILENT_AFTER_MS,
  atRiskFraction: DEFAULT_AT_RISK_FRACTION,
};

/** The settings from the configuration's fields of the same meaning (defaults where unset). */
export function healthSettingsOf(config: {
  readonly healthSilentAfterMs?: number | undefined;
  readonly healthAtRiskFraction?: number | undefined;
}): HealthSettings {
  return {
    silentAfterMs: config.healthSilentAfterMs ?? DEFAULT_SILENT_AFTER_MS,
    atRiskFraction: config.healthAtRiskFraction ?? DEFAULT_AT_RISK_FRACTION,
  };
}

/** An IdP "used to call" when it sent at least this many requests in the 7-day window. */
export const SILENT_MIN_REQUESTS = 10;

/** `degraded`: at least this percentage of the 24-hour window's requests failed… */
export const DEGRADED_PERCENT = 5;
/** …counted once the window has this many requests (2 failures of 3 requests are no trend)… */
export const DEGRADED_MIN_REQUESTS = 20;
/** …or at least this many failures in the 1-hour window. */
export const DEGRADED_FAILURES_PER_HOUR = 10;

/** Entra ID's quarantine thresholds (see the top of this file). */
export const ENTRA_QUARANTINE = {
  /** Failures before Entra evaluates the job at all. */
  evaluatedAfter: 5_000,
  /** Percentage of failing operations (reference updates excluded) above which it quarantines. */
  percent: 40,
  /** Failures, reference updates excluded. */
  failures: 40_000,
  /** Failures, reference updates included. */
  cap: 60_000,
} as const;

export interface AtRiskThresholds {
  /** All failures in the 7-day window before the ratio rule applies. */
  readonly evaluatedAfter: number;
  /** Percentage of requests that are non-reference failures, strictly above which the tenant is at risk. */
  readonly percent: number;
  /** Non-reference failures at which it is at risk. */
  readonly failures: number;
  /** All failures at which it is at risk. */
  readonly cap: number;
}

/** The counts `at_risk` is entered at: the fraction of Entra's, rounded up to whole failures. */
export function atRiskThresholds(fraction: number): AtRiskThresholds {
  return {
    evaluatedAfter: Math.ceil(ENTRA_QUARANTINE.evaluatedAfter * fraction),
    percent: ENTRA_QUARANTINE.percent,
    failures: Math.ceil(ENTRA_QUARANTINE.failures * fraction),
    cap: Math.ceil(ENTRA_QUARANTINE.cap * fraction),
  };
}
