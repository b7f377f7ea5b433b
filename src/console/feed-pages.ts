/**
 * The change feed in the console: a tenant's latest change events (src/service/change-feed.ts,
 * the admin API's events route), filtered by type, and a live panel that adds each new event
 * over Server-Sent Events, rendered by the same row partial as the page.
 */
import type { FastifyPluginAsync } from 'fastify';
import { badRequest } from '../scim/errors.js';
import { EVENT_TYPES, type FeedPage, parseCursor, readChangeFeed } from '../service/change-feed.js';
import type { Store } from '../store/store.js';
import { getTenant } from '../tenancy/tenants.js';
import type { ConsolePageOptions } from './console-options.js';
import { renderTemplate, sendPage } from './render.js';
import { chooseTenant, queryText } from './tenant-choice.js';

/** Events shown on the page. */
const SHOWN = 50;
/** Events read per step back from the newest. */
const WINDOW = 200;
/** How far back a type filter looks for matches, so a rare type cannot make the page scan everything. */
const MAX_SCANNED = 5000;

/** '' (every type) or one of EVENT_TYPES; anything else is a 400 page. */
function typeOf(text: string): string {
  if (text !== '' && !(EVENT_TYPES as readonly string[]).includes(text)) {
    throw badRequest(`invalid event type ${JSON.stringify(text)}: use one of ${EVENT_TYPES.join(', ')}`);
  }
  return text;
}

type EventJson = FeedPage['events'][number];

const matches = (type: string) => (event: EventJson) => type === '' || event.type === type;

/**
 * The newest `SHOWN` events of the type, newest first, read back from the latest cursor in
 * windows; `latestCursor` is where a live panel starts.
 */
async function latestEvents(store: Store, slug: string, type: string) {
  const head = await readChangeFeed(store, slug, { limit: 1 });
  const floor = Number(head.prunedThrough);
  let end = Number(head.latestCursor);
  const shown: EventJson[] = [];
  while (end > floor && shown.length < SHOWN && Number(head.latestCursor) - end < MAX_SCANNED) {
    const after = Math.max(floor, end - WINDOW);
    const page = await readChangeFeed(store, slug, { after: String(after), limit: end - after });
    shown.push(...page.events.filter(matches(type)).reverse());
    end = after;
  }
  return { events: shown.slice(0, SHOWN), latestCursor: head.latestCursor, scannedAll: end <= floor };
}

export const feedPages: FastifyPluginAsync<ConsolePageOptions> = async (web, options) => {
  const { store, live } = options;

  web.get('/feed', async (request, reply) => {
    const { tenants, tenant } = await chooseTenant(store, request);
    const type = typeOf(queryText(request, 'type'));
    const base = { title: 'Change feed', section: 'feed', tenants, tenant, type, EVENT_TYPES };
    if (tenant === undefined) return sendPage(request, reply, 'feed', base);
    const { events, latestCursor, scannedAll } = await latestEvents(store, tenant.slug, type);
    const stream = new URLSearchParams({ tenant: tenant.slug, ...(type === '' ? {} : { type }), after: latestCursor });
    return sendPage(request, reply, 'feed', {
      ...base,
      events,
      scannedAll,
      streamHref: `/console/feed/stream?${stream}`,
    });
  });

  web.get('/feed/stream', async (request, reply) => {
    const tenant = await getTenant(store, queryText(request, 'tenant'));
    const type = typeOf(queryText(request, 'type'));
    // A reconnecting browser says which event it saw last; without either, start at the newest.
    const lastSeen = request.headers['last-event-id'];
    const from =
      (typeof lastSeen === 'string' && lastSeen !== '' ? lastSeen : queryText(request, 'after')) || undefined;
    // A bad cursor is refused here, as a page, before the stream takes over the reply.
    const head = await readChangeFeed(store, tenant.slug, {
      after: from === undefined ? undefined : String(parseCursor(from)),
      limit: 1,
    });
    let cursor = from ?? head.latestCursor;
    live.open(request, reply, async () => {
      const page = await readChangeFeed(store, tenant.slug, { after: cursor, limit: 100 });
      cursor = page.nextCursor;
      // In order: the panel puts each row at the top, so the newest ends up first.
      return page.events.filter(matches(type)).map((event) => ({
        event: 'row',
        id: event.cursor,
        data: renderTemplate('partials/feed-row', { event, slug: tenant.slug }),
      }));
    });
  });
};
