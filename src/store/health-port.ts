/**
 * The storage port for tenant health (docs/operations.md "Tenant health"): hourly rollups of the
 * provisioning log per tenant and identity provider, the undeclared attributes a tenant's IdP
 * keeps sending, the slowest logged requests, and each tenant's last evaluated health state.
 *
 * Rollups are maintained by `RequestLogRepository.append` (events-port.ts) in the same write as
 * the entries, so reading health never scans the log: a tenant has at most 169 buckets per IdP
 * for a week. Every backend implements it and passes `contract/health.contract.ts`.
 */

/** Why a request failed, as health reports it (`failureCauseOf` in health-rollup.ts). */
export const FAILURE_CAUSES = [
  'unauthorized',
  'notFound',
  'conflict',
  'invalidValue',
  'invalidFilter',
  'tooLarge',
  'tooManyRequests',
  'serverError',
  'other',
] as const;

export type FailureCause = (typeof FAILURE_CAUSES)[number];

export type FailureCounts = Readonly<Record<FailureCause, number>>;

/** One tenant × clock hour × identity provider. */
export interface HealthBucket {
  readonly tenantId: string;
  /** Start of the UTC hour (`2024-01-01T10:00:00.000Z`). */
  readonly hour: string;
  /**
   * `entra`, `okta`, … as the log guessed it; `unknown` for an authenticated client it could not
   * name; `''` for requests refused before authentication.
   */
  readonly idp: string;
  readonly requests: number;
  /** Requests answered with a status of 400 or more. */
  readonly failures: number;
  /** Failures of reference updates: PATCH of a Group's members or a User's manager. */
  readonly referenceFailures: number;
  readonly causes: FailureCounts;
  readonly latencySumMs: number;
  readonly latencyMaxMs: number;
  /** Time of the newest request in the bucket. */
  readonly lastTime: string;
}

/** The sums of a set of buckets (one tenant and IdP over one window); all 0 for none. */
export interface BucketCounts {
  readonly requests: number;
  readonly failures: number;
  readonly referenceFailures: number;
  readonly causes: FailureCounts;
  readonly latencySumMs: number;
  /** The largest `latencyMaxMs` of the buckets; 0 for none. */
  readonly latencyMaxMs: number;
}

/**
 * One tenant × identity provider over several windows at once (`HealthRepository.totals`): what
 * the health evaluator needs of the buckets, so the evaluator reads one row per tenant and IdP
 * instead of one per hour.
 */
export interface HealthTotals {
  readonly tenantId: string;
  readonly idp: string;
  /** For each window start asked, in the order asked: the sums of the buckets with `hour >=` it. */
  readonly windows: readonly BucketCounts[];
  /** The newest `lastTime` of the buckets since the earliest start. */
  readonly lastTime: string;
}

/** An attribute path the tenant's IdP sent that no schema declares (ignored by scimd). */
export interface UndeclaredAttributeCount {
  readonly attribute: string;
  /** Requests that carried it. */
  readonly count: number;
  readonly lastSeen: string;
}

/** A logged request, as the slowest-requests list shows it. */
export interface SlowRequest {
  readonly id: string;
  readonly time: string;
  readonly method: string;
  readonly path: string;
  readonly status: number;
  readonly latencyMs: number;
}

export type HealthStateName = 'healthy' | 'degraded' | 'at_risk' | 'silent';

/** The state the background evaluator last recorded for a tenant. */
export interface StoredHealthState {
  readonly tenantId: string;
  readonly state: HealthStateName;
  /** When the tenant entered it. */
  readonly since: string;
}

/** Undeclared attributes kept per tenant (the most frequent; `prune` trims to this). */
export const MAX_UNDECLARED_ATTRIBUTES = 50;

export interface HealthRepository {
  /** Buckets with `hour >= since`, of one tenant or of all; ordered by tenant, hour, idp. */
  buckets(since: string, tenantId?: string): Promise<readonly HealthBucket[]>;
  /**
   * For each tenant and IdP with a bucket of an hour at or after the earliest of `starts`, the
   * sums of its buckets since each start (`totalsOf` below is the definition);
   * of the tenants in `tenantIds`, or of all. Ordered by tenant, then idp.
   */
  totals(starts: readonly string[], tenantIds?: readonly string[]): Promise<readonly HealthTotals[]>;
  /** The tenant's most frequent undeclared attributes, by count descending, then name. */
  undeclaredAttributes(tenantId: string, limit: number): Promise<readonly UndeclaredAttributeCount[]>;
  /** The tenant's slowest logged requests since `since` (latency descending, then newest first). */
  slowest(tenantId: string, since: string, limit: number): Promise<readonly SlowRequest[]>;
  /** Every tenant's last recorded state, by tenant id. */
  states(): Promise<readonly StoredHealthState[]>;
  /**
   * Removes buckets of hours before `before` and undeclared attributes not seen since, then all
   * but each tenant's MAX_UNDECLARED_ATTRIBUTES most frequent ones. Returns the rows removed.
   */
  prune(before: string): Promise<number>;
}

/** The health half of `TenantWriter`: the last state, swapped in the tenant's unit of work. */
export interface HealthStateWriter {
  /**
   * Records `next` (entered at `since`) if the tenant's recorded state is `expected` (null: none
   * recorded yet). False when another process changed it first: it emits the change, not us.
   */
  swapHealthState(expected: HealthStateName | null, next: HealthStateName, since: string): Promise<boolean>;
}

type MutableCounts = { -readonly [K in keyof BucketCounts]: BucketCounts[K] } & {
  causes: Record<FailureCause, number>;
};

const noCounts = (): MutableCounts => ({
  requests: 0,
  failures: 0,
  referenceFailures: 0,
  causes: Object.fromEntries(FAILURE_CAUSES.map((c) => [c, 0])) as Record<FailureCause, number>,
  latencySumMs: 0,
  latencyMaxMs: 0,
});

/**
 * What `HealthRepository.totals(starts)` answers for these buckets, folded in JavaScript: per
 * tenant and IdP with a bucket since the earliest start, the sums since each start and the newest
 * `lastTime`; ordered by tenant, then idp. The memory store answers with it; SQL computes the same
 * in the database.
 */
export function totalsOf(buckets: readonly HealthBucket[], starts: readonly string[]): HealthTotals[] {
  const since = starts.reduce((a, b) => (b < a ? b : a));
  const totals = new Map<string, { tenantId: string; idp: string; windows: MutableCounts[]; lastTime: string }>();
  for (const b of buckets) {
    if (b.hour < since) continue;
    const key = `${b.tenantId}\u0000${b.idp}`;
    let total = totals.get(key);
    if (total === undefined) {
      total = { tenantId: b.tenantId, idp: b.idp, windows: starts.map(noCounts), lastTime: b.lastTime };
      totals.set(key, total);
    } else if (b.lastTime > total.lastTime) total.lastTime = b.lastTime;
    for (const [i, start] of starts.entries()) {
      if (b.hour < start) continue;
      const w = total.windows[i] as MutableCounts;
      w.requests += b.requests;
      w.failures += b.failures;
      w.referenceFailures += b.referenceFailures;
      w.latencySumMs += b.latencySumMs;
      if (b.latencyMaxMs > w.latencyMaxMs) w.latencyMaxMs = b.latencyMaxMs;
      for (const c of FAILURE_CAUSES) w.causes[c] += b.causes[c];
    }
  }
  return [...totals.values()].sort((x, y) =>
    x.tenantId < y.tenantId ? -1 : x.tenantId > y.tenantId ? 1 : x.idp < y.idp ? -1 : x.idp > y.idp ? 1 : 0,
  );
}
