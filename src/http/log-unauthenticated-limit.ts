/**
 * How many requests refused before authentication the provisioning log records per tenant
 * (issue 12.5): at most `max` in any minute from the first one; the others are counted and
 * reported in one warning when the minute is over, never stored.
 */
import type { FastifyBaseLogger } from 'fastify';

export const DEFAULT_UNAUTHENTICATED_PER_MINUTE = 60;

const MINUTE_MS = 60_000;

/** Unauthenticated entries of one tenant recorded in the current minute, and those left out. */
interface Window {
  readonly start: number;
  recorded: number;
  notRecorded: number;
}

export interface UnauthenticatedLimit {
  /** Whether an unauthenticated entry of `tenantId` arriving at `time` (ms) is recorded. */
  admit(tenantId: string, time: number): boolean;
  /** Closes the windows begun a minute or more before `now`, reporting what each left out. */
  closeWindows(now: number): void;
}

export function createUnauthenticatedLimit(max: number, log: Pick<FastifyBaseLogger, 'warn'>): UnauthenticatedLimit {
  // Keyed by tenant id, resolved before: as many windows as tenants that exist, at most.
  const windows = new Map<string, Window>();

  function report(tenantId: string, window: Window): void {
    if (window.notRecorded === 0) return;
    log.warn(
      { tenantId, notRecorded: window.notRecorded, since: new Date(window.start).toISOString() },
      `unauthenticated requests not recorded in the provisioning log (at most ${max} a minute per tenant)`,
    );
  }

  return {
    admit(tenantId, time) {
      let window = windows.get(tenantId);
      if (window === undefined || time - window.start >= MINUTE_MS) {
        if (window !== undefined) report(tenantId, window);
        window = { start: time, recorded: 0, notRecorded: 0 };
        windows.set(tenantId, window);
      }
      if (window.recorded >= max) {
        window.notRecorded++;
        return false;
      }
      window.recorded++;
      return true;
    },
    closeWindows(now) {
      for (const [tenantId, window] of windows) {
        if (now - window.start < MINUTE_MS) continue;
        report(tenantId, window);
        windows.delete(tenantId);
      }
    },
  };
}
