/**
 * The cursor feed of change events (docs/events.md), shared by the admin API and
 * `scimd events`. A cursor is a tenant's event sequence number as a decimal string; reading
 * `after` a cursor returns the events that follow it, in order. A cursor older than retention
 * is refused with `expiredCursor` rather than silently skipping events.
 */

import { type EventJson, toEventJson } from '../events/event-json.js';
import { expiredCursor, invalidCursor } from '../scim/errors.js';
import type { ChangeEvent, EventPage } from '../store/events-port.js';
import type { Store } from '../store/store.js';
import { getTenant } from '../tenancy/tenants.js';

/** The event types a feed reader may filter by (the console's filter; events/ is not its layer). */
export { EVENT_TYPES } from '../events/change-events.js';

const FEED_DEFAULT_LIMIT = 100;
export const FEED_MAX_LIMIT = 1000;
/** Longest long-poll. */
export const FEED_MAX_WAIT_SECONDS = 60;

export interface FeedRequest {
  /** Omitted: from the oldest retained event. */
  readonly after?: string | undefined;
  readonly limit?: number | undefined;
  /** Long-poll: when nothing follows `after`, wait up to this long for an event. */
  readonly waitSeconds?: number | undefined;
}

export interface FeedPage {
  readonly events: readonly EventJson[];
  /** Pass as `after` next time: the last event's cursor, or the request's when none came. */
  readonly nextCursor: string;
  /** The tenant's latest event; `nextCursor === latestCursor` means caught up. */
  readonly latestCursor: string;
  /** Older events were removed by retention; "0" when none was. */
  readonly prunedThrough: string;
}

export interface FeedOptions {
  /** Ends a long-poll early (client gone, shutdown). */
  readonly signal?: AbortSignal | undefined;
  /** Default 250 ms. */
  readonly pollIntervalMs?: number;
}

/** Parses a cursor: a non-negative integer. Throws `invalidCursor` otherwise. */
export function parseCursor(text: string): number {
  if (!/^\d{1,15}$/.test(text)) {
    throw invalidCursor(`cursor ${JSON.stringify(text)} is not valid: use the "cursor" of an event (e.g. "42") or "0"`);
  }
  return Number(text);
}

/**
 * The deprovision guard's hold (docs/guard.md): the feed shows nothing past the tenant's
 * `tenant.guard_tripped` event while delivery is held, and `latestCursor` is that event's, so a
 * reader is "caught up" there.
 */
function heldPage(events: readonly ChangeEvent[], heldSeq: number | null): readonly ChangeEvent[] {
  if (heldSeq === null) return events;
  const end = events.findIndex((e) => e.seq > heldSeq);
  return end === -1 ? events : events.slice(0, end);
}

/**
 * The hold as of after the page was read: a page read while a trip committed may hold its guard
 * event without the hold, so a page with a guard event reads the hold again (one statement).
 */
async function holdAfter(store: Store, tenantId: string, page: EventPage): Promise<number | null> {
  if (page.heldSeq !== null || !page.events.some((e) => e.type === 'tenant.guard_tripped')) return page.heldSeq;
  return (await store.events.list(tenantId, 0, 0)).heldSeq;
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}

export async function readChangeFeed(
  store: Store,
  slug: string,
  request: FeedRequest,
  options: FeedOptions = {},
): Promise<FeedPage> {
  const tenant = await getTenant(store, slug);
  const limit = Math.min(FEED_MAX_LIMIT, Math.max(1, request.limit ?? FEED_DEFAULT_LIMIT));
  const waitMs = Math.min(FEED_MAX_WAIT_SECONDS, Math.max(0, request.waitSeconds ?? 0)) * 1000;
  const requested = request.after === undefined ? undefined : parseCursor(request.after);
  const deadline = Date.now() + waitMs;
  for (;;) {
    const head = await store.events.list(tenant.id, 0, 0);
    const after = requested ?? head.prunedThrough;
    if (after < head.prunedThrough) {
      throw expiredCursor(
        `cursor "${after}" has expired: events up to "${head.prunedThrough}" of tenant "${slug}" were removed by retention (SCIMD_EVENT_RETENTION). Resume after "${head.prunedThrough}" knowing that events were missed, or omit "after" to start at the oldest retained event.`,
      );
    }
    if (after > head.lastSeq) {
      throw invalidCursor(`cursor "${after}" is ahead of the latest event ("${head.lastSeq}") of tenant "${slug}"`);
    }
    const page = await store.events.list(tenant.id, after, limit);
    const heldSeq = await holdAfter(store, tenant.id, page);
    const deliverable = heldPage(page.events, heldSeq);
    const answer = () => ({
      events: deliverable.map((e) => toEventJson(e, tenant.slug)),
      nextCursor: String(deliverable.at(-1)?.seq ?? after),
      latestCursor: String(heldSeq === null ? page.lastSeq : Math.min(page.lastSeq, heldSeq)),
      prunedThrough: String(page.prunedThrough),
    });
    if (deliverable.length > 0 || Date.now() >= deadline || options.signal?.aborted) return answer();
    await sleep(Math.min(options.pollIntervalMs ?? 250, Math.max(0, deadline - Date.now())), options.signal);
    // A shutdown or a client gone ends the wait with what was read: the database may be closing.
    if (options.signal?.aborted) return answer();
  }
}
