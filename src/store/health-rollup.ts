/**
 * Turns provisioning log entries into health rollups (health-port.ts): shared by every backend's
 * `RequestLogRepository.append`, so the buckets mean the same everywhere. Pure.
 */
import type { RequestLogEntry } from './events-port.js';
import { FAILURE_CAUSES, type FailureCause, type HealthBucket } from './health-port.js';

/** The cause a failed request (status ≥ 400) is counted under. */
export function failureCauseOf(status: number, scimType: string | null): FailureCause {
  if (status === 401) return 'unauthorized';
  if (status === 404) return 'notFound';
  if (status === 409) return 'conflict';
  if (status === 413) return 'tooLarge';
  if (status === 429) return 'tooManyRequests';
  if (status >= 500) return 'serverError';
  if (status === 400 && scimType === 'invalidValue') return 'invalidValue';
  if (status === 400 && scimType === 'invalidFilter') return 'invalidFilter';
  return 'other';
}

/** Operation paths (or value keys of a path-less operation) a reference update touches. */
function touchesOnly(body: unknown, reference: RegExp): boolean {
  const operations = (body as { Operations?: unknown } | null)?.Operations;
  if (!Array.isArray(operations) || operations.length === 0) return false;
  return operations.every((op: unknown) => {
    if (op === null || typeof op !== 'object') return false;
    const { path, value } = op as { path?: unknown; value?: unknown };
    if (typeof path === 'string') return reference.test(path);
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
    const keys = Object.keys(value);
    return keys.length > 0 && keys.every((key) => reference.test(key));
  });
}

const MEMBERS = /^members(\b|\[|\.|$)/i;
const MANAGER = /(^|:)manager(\b|\.|$)/i;

/**
 * A reference update: a PATCH whose every operation is on a Group's `members` or a User's
 * `manager` (Entra leaves these out of its 40 % and 40,000 quarantine counts). A body the log
 * truncated is judged by whether it names the attribute at all.
 */
export function isReferenceUpdate(entry: Pick<RequestLogEntry, 'method' | 'resourceType' | 'requestBody'>): boolean {
  if (entry.method !== 'PATCH' || entry.requestBody === null) return false;
  const reference = entry.resourceType === 'Group' ? MEMBERS : entry.resourceType === 'User' ? MANAGER : undefined;
  if (reference === undefined) return false;
  let body: unknown;
  try {
    body = JSON.parse(entry.requestBody);
  } catch {
    return entry.resourceType === 'Group' ? /"members/i.test(entry.requestBody) : /manager/i.test(entry.requestBody);
  }
  return touchesOnly(body, reference);
}

/** The bucket of authenticated requests whose User-Agent names no known identity provider. */
export const UNKNOWN_CLIENT = 'unknown';

/** Start of the UTC hour of an ISO timestamp. */
export function hourOf(time: string): string {
  return `${time.slice(0, 13)}:00:00.000Z`;
}

export function noFailures(): Record<FailureCause, number> {
  return Object.fromEntries(FAILURE_CAUSES.map((c) => [c, 0])) as Record<FailureCause, number>;
}

/** What one append adds to one tenant's undeclared attribute. */
export interface AttributeDelta {
  readonly tenantId: string;
  readonly attribute: string;
  readonly count: number;
  readonly lastSeen: string;
}

export interface Rollup {
  /** Deltas to add, one per tenant × hour × idp, sorted by that key (a stable lock order). */
  readonly buckets: readonly HealthBucket[];
  /** Sorted by tenant, then attribute. */
  readonly attributes: readonly AttributeDelta[];
}

type MutableBucket = { -readonly [K in keyof HealthBucket]: HealthBucket[K] } & {
  causes: Record<FailureCause, number>;
};

/** The rollup deltas of a batch of entries. */
export function rollupOf(entries: readonly RequestLogEntry[]): Rollup {
  const buckets = new Map<string, MutableBucket>();
  const attributes = new Map<string, { tenantId: string; attribute: string; count: number; lastSeen: string }>();
  for (const entry of entries) {
    const hour = hourOf(entry.time);
    // Unauthenticated requests proved nothing about who sent them: kept apart from every client.
    const idp = entry.authenticated === false ? '' : (entry.idp ?? UNKNOWN_CLIENT);
    const key = `${entry.tenantId}\u0000${hour}\u0000${idp}`;
    let bucket = buckets.get(key);
    if (bucket === undefined) {
      bucket = {
        tenantId: entry.tenantId,
        hour,
        idp,
        requests: 0,
        failures: 0,
        referenceFailures: 0,
        causes: noFailures(),
        latencySumMs: 0,
        latencyMaxMs: 0,
        lastTime: entry.time,
      };
      buckets.set(key, bucket);
    }
    const latency = Math.round(entry.latencyMs);
    bucket.requests++;
    bucket.latencySumMs += latency;
    if (latency > bucket.latencyMaxMs) bucket.latencyMaxMs = latency;
    if (entry.time > bucket.lastTime) bucket.lastTime = entry.time;
    if (entry.status >= 400) {
      bucket.failures++;
      bucket.causes[failureCauseOf(entry.status, entry.scimType)]++;
      if (isReferenceUpdate(entry)) bucket.referenceFailures++;
    }
    for (const attribute of new Set(entry.ignoredAttributes ?? [])) {
      const attributeKey = `${entry.tenantId}\u0000${attribute}`;
      const seen = attributes.get(attributeKey);
      if (seen === undefined)
        attributes.set(attributeKey, { tenantId: entry.tenantId, attribute, count: 1, lastSeen: entry.time });
      else {
        seen.count++;
        if (entry.time > seen.lastSeen) seen.lastSeen = entry.time;
      }
    }
  }
  const byKey = <T>(map: Map<string, T>) =>
    [...map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);
  return { buckets: byKey(buckets), attributes: byKey(attributes) };
}
