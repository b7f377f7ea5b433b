/**
 * The cursor feed of change events (docs/events.md), shared by the admin API and
 * `scimd events`. A cursor is a tenant's event sequence number as a decimal string; reading
 * `after` a cursor returns the events that follow it, in order. A cursor older than retention
 * is refused with `expiredCursor` rather than silently skipping events.
 */

import { type EventJson, toEventJson } from '../events/event-json.js';
import { expiredCursor, invalidCursor } from '../scim/errors.js';
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
    const answer = () => ({
      events: page.events.map((e) => toEventJson(e, tenant.slug)),
      nextCursor: String(page.events.at(-1)?.seq ?? after),
      latestCursor: String(page.lastSeq),
      prunedThrough: String(page.prunedThrough),
    });
    if (page.events.length > 0 || Date.now() >= deadline || options.signal?.aborted) return answer();
    await sleep(Math.min(options.pollIntervalMs ?? 250, Math.max(0, deadline - Date.now())), options.signal);
    // A shutdown or a client gone ends the wait with what was read: the database may be closing.
    if (options.signal?.aborted) return answer();
  }
}
