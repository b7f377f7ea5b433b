/**
 * Dead letters, manual redelivery and replay of an endpoint's deliveries (docs/webhooks.md),
 * shared by the admin API and `scimd webhooks`.
 */

import { eventId } from '../events/event-json.js';
import { badRequest, expiredCursor, invalidCursor, notFound } from '../scim/errors.js';
import type { DeadLetterRecord, DeadLetterState } from '../store/events-port.js';
import type { Store } from '../store/store.js';
import { getTenant } from '../tenancy/tenants.js';
import { parseCursor } from './change-feed.js';
import { findWebhook, shownLastError } from './webhook-admin.js';

const DEAD_LETTER_STATES: readonly DeadLetterState[] = ['dead', 'retrying', 'delivered'];
const DEAD_LETTER_MAX_LIMIT = 500;

export interface DeadLetterView {
  readonly id: string;
  readonly tenant: string;
  /** The event's cursor (its sequence number) and id. */
  readonly cursor: string;
  readonly eventId: string;
  readonly state: DeadLetterState;
  readonly attempts: number;
  readonly lastStatus: number | null;
  readonly lastError: string | null;
  readonly deadAt: string;
  readonly nextAttemptAt: string | null;
}

export interface DeadLetterQuery {
  readonly tenant?: string | undefined;
  readonly state?: string | undefined;
  readonly limit?: number | undefined;
}

export interface ReplayResult {
  readonly webhook: string;
  readonly tenant: string;
  /** Delivery restarts with the event after this cursor. */
  readonly after: string;
  readonly latestCursor: string;
}

function view(d: DeadLetterRecord, slug: string): DeadLetterView {
  return {
    id: d.id,
    tenant: slug,
    cursor: String(d.seq),
    eventId: eventId(d.tenantId, d.seq),
    state: d.state,
    attempts: d.attempts,
    lastStatus: d.lastStatus,
    lastError: shownLastError(d.lastError),
    deadAt: d.deadAt,
    nextAttemptAt: d.nextAttemptAt,
  };
}

function checkState(state: string | undefined): DeadLetterState | undefined {
  if (state === undefined) return undefined;
  if (!DEAD_LETTER_STATES.includes(state as DeadLetterState)) {
    throw badRequest(`invalid dead-letter state ${JSON.stringify(state)}: use ${DEAD_LETTER_STATES.join(', ')}`);
  }
  return state as DeadLetterState;
}

/** The endpoint's dead letters, newest first. */
export async function listDeadLetters(store: Store, id: string, query: DeadLetterQuery = {}) {
  const endpoint = await findWebhook(store, id);
  const tenant = query.tenant === undefined ? undefined : await getTenant(store, query.tenant);
  const state = checkState(query.state);
  const limit = Math.min(DEAD_LETTER_MAX_LIMIT, Math.max(1, query.limit ?? 100));
  const letters = await store.endpoints.listDeadLetters(endpoint.id, {
    ...(tenant === undefined ? {} : { tenantId: tenant.id }),
    ...(state === undefined ? {} : { state }),
    limit,
  });
  const slugs = new Map((await store.tenants.list()).map((t) => [t.id, t.slug]));
  return letters.map((d) => view(d, slugs.get(d.tenantId) ?? d.tenantId));
}

/** Schedules a dead letter for redelivery now (out of order: it is delivered on its own). */
export async function redeliverDeadLetter(
  store: Store,
  id: string,
  deadLetterId: string,
  now: Date,
): Promise<DeadLetterView> {
  const endpoint = await findWebhook(store, id);
  const redelivered = await store.endpoints.redeliver(endpoint.id, deadLetterId, now.toISOString());
  if (redelivered === undefined) {
    throw notFound(`dead letter ${JSON.stringify(deadLetterId)} not found for webhook ${JSON.stringify(id)}`);
  }
  const tenant = await store.tenants.getById(redelivered.tenantId);
  return view(redelivered, tenant?.slug ?? redelivered.tenantId);
}

/**
 * Replay: the endpoint receives the tenant's events again, in order, starting after `after`
 * ("0" for everything retained). Events it already got come again (receivers dedupe by id).
 */
export async function replayWebhook(
  store: Store,
  id: string,
  slug: string,
  after: string,
  now: Date,
): Promise<ReplayResult> {
  const endpoint = await findWebhook(store, id);
  const tenant = await getTenant(store, slug);
  if (endpoint.tenantId !== null && endpoint.tenantId !== tenant.id) {
    throw badRequest(`webhook ${JSON.stringify(id)} does not receive tenant ${JSON.stringify(slug)}'s events`);
  }
  const position = parseCursor(after);
  const head = await store.events.list(tenant.id, 0, 0);
  if (position < head.prunedThrough) {
    throw expiredCursor(
      `cursor "${position}" has expired: events up to "${head.prunedThrough}" of tenant "${slug}" were removed by retention; replay after "${head.prunedThrough}" or later`,
    );
  }
  if (position > head.lastSeq) {
    throw invalidCursor(`cursor "${position}" is ahead of the latest event ("${head.lastSeq}") of tenant "${slug}"`);
  }
  await store.endpoints.setStreamPosition(endpoint.id, tenant.id, position, now.toISOString());
  return { webhook: endpoint.id, tenant: slug, after: String(position), latestCursor: String(head.lastSeq) };
}
