/** The memory store's provisioning log (the test oracle for sql/request-log.ts). */
import {
  DEFAULT_UNAUTHENTICATED_LOG_ENTRIES,
  type RequestLogEntry,
  type RequestLogRepository,
} from '../events-port.js';
import type { MemoryOutbox } from './events.js';

type Locked = <T>(fn: () => T | Promise<T>) => Promise<T>;

/** Newest first: time, then id, descending. */
function newestFirst(a: RequestLogEntry, b: RequestLogEntry): number {
  if (a.time !== b.time) return a.time > b.time ? -1 : 1;
  return a.id > b.id ? -1 : a.id < b.id ? 1 : 0;
}

function copyOf(entry: RequestLogEntry): RequestLogEntry {
  return { ...entry, ignoredAttributes: [...(entry.ignoredAttributes ?? [])] };
}

export function createMemoryRequestLog(
  outbox: MemoryOutbox,
  locked: Locked,
  hasTenant: (tenantId: string) => boolean,
  /** Told the entries just stored: the health rollups are maintained from them (health.ts). */
  appended: (entries: readonly RequestLogEntry[]) => void,
): RequestLogRepository {
  const log = outbox.requestLog;
  return {
    append: (entries) =>
      locked(() => {
        const stored: RequestLogEntry[] = [];
        for (const entry of entries) {
          if (!hasTenant(entry.tenantId)) continue;
          stored.push({
            ...entry,
            latencyMs: Math.round(entry.latencyMs),
            authenticated: entry.authenticated ?? true,
            ignoredAttributes: [...(entry.ignoredAttributes ?? [])],
          });
        }
        log.push(...stored);
        appended(stored);
      }),
    list: (tenantId, q) =>
      locked(() => {
        const anchor =
          q.before === undefined ? undefined : log.find((e) => e.tenantId === tenantId && e.id === q.before);
        if (q.before !== undefined && anchor === undefined) return [];
        return log
          .filter(
            (e) =>
              e.tenantId === tenantId &&
              (q.since === undefined || e.time >= q.since) &&
              (q.until === undefined || e.time < q.until) &&
              (q.minStatus === undefined || e.status >= q.minStatus) &&
              (q.maxStatus === undefined || e.status <= q.maxStatus) &&
              (q.resourceId === undefined || e.resourceId === q.resourceId) &&
              (q.method === undefined || e.method === q.method) &&
              (q.resourceType === undefined ||
                (q.resourceType === 'other'
                  ? e.resourceType !== 'User' && e.resourceType !== 'Group'
                  : e.resourceType === q.resourceType)) &&
              (q.authenticated === undefined || e.authenticated === q.authenticated) &&
              (anchor === undefined || newestFirst(anchor, e) < 0),
          )
          .sort(newestFirst)
          .slice(0, q.limit)
          .map((e) => (q.withoutBodies ? { ...copyOf(e), requestBody: null, responseBody: null } : copyOf(e)));
      }),
    get: (tenantId, id) =>
      locked(() => {
        const entry = log.find((e) => e.tenantId === tenantId && e.id === id);
        return entry && copyOf(entry);
      }),
    prune: (before, maxPerTenant, maxUnauthenticated) =>
      locked(() => {
        const unauthenticatedBound = maxUnauthenticated ?? Math.min(maxPerTenant, DEFAULT_UNAUTHENTICATED_LOG_ENTRIES);
        const kept: RequestLogEntry[] = [];
        // Authenticated and unauthenticated entries are counted apart (keys `a:` and `u:`).
        const counts = new Map<string, number>();
        for (const entry of [...log].sort(newestFirst)) {
          if (entry.time < before) continue;
          const key = `${entry.authenticated === false ? 'u' : 'a'}:${entry.tenantId}`;
          const n = counts.get(key) ?? 0;
          if (n >= (entry.authenticated === false ? unauthenticatedBound : maxPerTenant)) continue;
          counts.set(key, n + 1);
          kept.push(entry);
        }
        const removed = log.length - kept.length;
        log.splice(0, log.length, ...kept);
        return removed;
      }),
  };
}
