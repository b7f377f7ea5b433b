/**
 * Delivers the outbox to endpoints (docs/webhooks.md, docs/events.md), for webhooks and
 * in-process consumers alike; only `deliver` differs.
 *
 * - Order: each endpoint × tenant stream delivers strictly in sequence order, one event at a
 *   time. An event that keeps failing holds back the tenant's later events for that endpoint
 *   (other tenants and endpoints go on) until it succeeds or is dead-lettered: an app never
 *   sees "deactivated" before "created".
 * - At least once: the stream's cursor moves only after a success (or a dead letter), so a
 *   crash between delivery and bookkeeping means one duplicate, never a loss. Receivers dedupe
 *   by event id.
 * - Several processes: a stream is leased to one dispatcher (`claimStreams`); a dispatcher
 *   that dies loses its lease after `leaseMs` and another (or its restart) resumes where the
 *   cursor stands. Every write is fenced by the lease owner.
 * - Failures: retried with exponential backoff and jitter; after `maxAttempts` failures (or
 *   at the first failure of an event older than the whole retry window) the event becomes a
 *   dead letter and the stream moves on. Dead letters can be redelivered by hand.
 * - Held tenants (the deprovision guard, docs/guard.md): delivery stops right after the
 *   tenant's `tenant.guard_tripped` event until an operator releases the hold.
 */

import { randomUUID } from 'node:crypto';
import type {
  ChangeEvent,
  DeadLetterRecord,
  EndpointKind,
  EndpointRecord,
  StreamProgress,
  StreamRecord,
} from '../store/events-port.js';
import type { Store } from '../store/store.js';
import { retryDelayMs, retryWindowMs } from './backoff.js';
import { type EventJson, toEventJson } from './event-json.js';
import { createSlugMemo } from './slug-memo.js';
import type { DeliveryOutcome } from './webhooks.js';

export type Deliver = (endpoint: EndpointRecord, event: EventJson, now: Date) => Promise<DeliveryOutcome>;

export interface DispatchLog {
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

/** Told every delivery attempt (src/metrics/ counts them); `kind` is the endpoint kind. */
export interface DeliveryObserver {
  attempt(kind: EndpointKind, ok: boolean): void;
  /** An event delivered `lagSeconds` after it happened (change feed lag). */
  delivered(kind: EndpointKind, lagSeconds: number): void;
  deadLettered(kind: EndpointKind): void;
}

export interface DispatcherOptions {
  readonly store: Store;
  readonly kind: EndpointKind;
  /** Only this endpoint's streams (an in-process consumer). */
  readonly endpointId?: string;
  readonly deliver: Deliver;
  /** Failed attempts before an event is dead-lettered; default 12. */
  readonly maxAttempts?: number;
  /** Idle wait between polls; default 1000 ms. */
  readonly pollIntervalMs?: number;
  /** How long a claim lasts; longer than any delivery (default 60 s). */
  readonly leaseMs?: number;
  /** Streams claimed per poll; default 10. */
  readonly batchSize?: number;
  /** Events delivered per stream per claim, so no stream monopolises a dispatcher; default 100. */
  readonly eventsPerClaim?: number;
  readonly clock?: () => Date;
  readonly random?: () => number;
  readonly log?: DispatchLog;
  /** This dispatcher's lease name; default a random UUID. */
  readonly owner?: string;
  readonly observer?: DeliveryObserver;
}

export interface Dispatcher {
  /** Starts polling in the background. */
  start(): void;
  /** Stops polling and waits for in-flight deliveries. */
  stop(): Promise<void>;
  /** One pass: claims due streams and retrying dead letters, delivers; returns attempts made. */
  runOnce(): Promise<number>;
}

const DEFAULT_MAX_ATTEMPTS = 12;

export function createDispatcher(options: DispatcherOptions): Dispatcher {
  const { store, deliver } = options;
  const clock = options.clock ?? (() => new Date());
  const random = options.random ?? Math.random;
  const maxAttempts = options.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  const leaseMs = options.leaseMs ?? 60_000;
  const owner = options.owner ?? randomUUID();
  const eventsPerClaim = options.eventsPerClaim ?? 100;
  const window = retryWindowMs(maxAttempts);
  const { slugOf } = createSlugMemo(async (tenantId) => (await store.tenants.getById(tenantId))?.slug);

  function claimRequest(now: Date) {
    return {
      kind: options.kind,
      ...(options.endpointId === undefined ? {} : { endpointId: options.endpointId }),
      now: now.toISOString(),
      owner,
      leaseUntil: new Date(now.getTime() + leaseMs).toISOString(),
      limit: options.batchSize ?? 10,
    };
  }

  async function attempt(endpoint: EndpointRecord, event: ChangeEvent): Promise<DeliveryOutcome> {
    let outcome: DeliveryOutcome;
    try {
      outcome = await deliver(endpoint, toEventJson(event, await slugOf(event.tenantId)), clock());
    } catch (error) {
      outcome = { ok: false, status: null, error: error instanceof Error ? error.message : String(error) };
    }
    const { observer } = options;
    if (observer) {
      observer.attempt(endpoint.kind, outcome.ok);
      if (outcome.ok) observer.delivered(endpoint.kind, (clock().getTime() - Date.parse(event.time)) / 1000);
    }
    return outcome;
  }

  /** Delivers the stream's events in order until caught up, failing, or out of budget; returns attempts. */
  async function drain(stream: StreamRecord, endpoint: EndpointRecord, leaseEnd: number): Promise<number> {
    const { deliveredSeq, attempts, nextAttemptAt, lastAttemptAt, lastError, lastStatus } = stream;
    let state: StreamProgress = { deliveredSeq, attempts, nextAttemptAt, lastAttemptAt, lastError, lastStatus };
    let made = 0;
    for (let n = 0; n < eventsPerClaim && clock().getTime() < leaseEnd; n++) {
      const page = await store.events.list(stream.tenantId, state.deliveredSeq, 1);
      const [event] = page.events;
      if (event === undefined || isPastHold(page.heldSeq, state.deliveredSeq)) break;
      const outcome = await attempt(endpoint, event);
      made++;
      const now = clock();
      const at = now.toISOString();
      const report = { lastAttemptAt: at, lastError: outcome.error, lastStatus: outcome.status };
      if (!outcome.ok) {
        const failed = state.attempts + 1;
        const tooOld = now.getTime() - Date.parse(event.time) > window;
        if (failed < maxAttempts && !tooOld) {
          const next = new Date(now.getTime() + retryDelayMs(failed, random)).toISOString();
          await store.endpoints.updateStream(
            stream.id,
            owner,
            { ...state, attempts: failed, nextAttemptAt: next, ...report },
            true,
          );
          return made;
        }
        await store.endpoints.insertDeadLetter(deadLetter(stream, event.seq, failed, outcome, at));
        options.observer?.deadLettered(endpoint.kind);
        options.log?.warn({ endpoint: endpoint.id, tenant: stream.tenantId, seq: event.seq }, 'event dead-lettered');
      }
      state = { deliveredSeq: event.seq, attempts: 0, nextAttemptAt: at, ...report };
      if (!(await store.endpoints.updateStream(stream.id, owner, state, false))) return made;
      if (endsDelivery(event, page.heldSeq)) break;
    }
    await store.endpoints.updateStream(stream.id, owner, { ...state, nextAttemptAt: clock().toISOString() }, true);
    return made;
  }

  async function redeliver(dead: DeadLetterRecord, endpoint: EndpointRecord): Promise<number> {
    const [event] = (await store.events.list(dead.tenantId, dead.seq - 1, 1)).events;
    if (event?.seq !== dead.seq) {
      const gone = { lastError: 'the event is no longer retained', lastStatus: null };
      await store.endpoints.updateDeadLetter(dead.id, owner, {
        state: 'dead',
        attempts: 0,
        nextAttemptAt: null,
        ...gone,
      });
      return 0;
    }
    const outcome = await attempt(endpoint, event);
    const attempts = dead.attempts + 1;
    const report = { attempts, lastError: outcome.error, lastStatus: outcome.status };
    if (outcome.ok) {
      await store.endpoints.updateDeadLetter(dead.id, owner, { state: 'delivered', nextAttemptAt: null, ...report });
    } else if (attempts >= maxAttempts) {
      await store.endpoints.updateDeadLetter(dead.id, owner, { state: 'dead', nextAttemptAt: null, ...report });
    } else {
      const next = new Date(clock().getTime() + retryDelayMs(attempts, random)).toISOString();
      await store.endpoints.updateDeadLetter(dead.id, owner, { state: 'retrying', nextAttemptAt: next, ...report });
    }
    return 1;
  }

  async function runOnce(): Promise<number> {
    const now = clock();
    const leaseEnd = now.getTime() + leaseMs / 2;
    const endpoints = new Map<string, EndpointRecord | undefined>();
    const endpointOf = async (id: string) => {
      if (!endpoints.has(id)) endpoints.set(id, await store.endpoints.get(id));
      return endpoints.get(id);
    };
    const streams = await store.endpoints.claimStreams(claimRequest(now));
    const dead = await store.endpoints.claimDeadLetters(claimRequest(now));
    const work = [
      ...streams.map(async (s) => {
        const endpoint = await endpointOf(s.endpointId);
        return endpoint ? drain(s, endpoint, leaseEnd) : 0;
      }),
      ...dead.map(async (d) => {
        const endpoint = await endpointOf(d.endpointId);
        return endpoint ? redeliver(d, endpoint) : 0;
      }),
    ];
    const made = await Promise.all(work);
    return made.reduce((sum, n) => sum + n, 0);
  }

  let running: Promise<void> | undefined;
  let stopping = false;
  let wake: (() => void) | undefined;

  async function loop(): Promise<void> {
    const idle = options.pollIntervalMs ?? 1000;
    while (!stopping) {
      let made = 0;
      try {
        made = await runOnce();
      } catch (error) {
        options.log?.error({ err: error }, 'event delivery pass failed');
      }
      if (made === 0 && !stopping) {
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, idle);
          wake = () => {
            clearTimeout(timer);
            resolve();
          };
        });
      }
    }
  }

  return {
    start() {
      if (running) return;
      stopping = false;
      running = loop();
    },
    async stop() {
      stopping = true;
      wake?.();
      await running;
      running = undefined;
    },
    runOnce,
  };
}

/**
 * The deprovision guard's hold (docs/guard.md): nothing after the tenant's `heldSeq` is
 * delivered. A claim never picks a stream that reached its hold, so a held stream costs nothing.
 */
function isPastHold(heldSeq: number | null, deliveredSeq: number): boolean {
  return heldSeq !== null && deliveredSeq >= heldSeq;
}

/**
 * A `tenant.guard_tripped` event ends the drain when it is the hold, or when the page was read
 * just before the trip committed (no hold seen yet): the next claim reads the hold afresh.
 */
export function endsDelivery(event: ChangeEvent, heldSeq: number | null): boolean {
  return event.type === 'tenant.guard_tripped' && (heldSeq === null || heldSeq === event.seq);
}

function deadLetter(
  stream: StreamRecord,
  seq: number,
  attempts: number,
  outcome: DeliveryOutcome,
  at: string,
): DeadLetterRecord {
  return {
    id: randomUUID(),
    endpointId: stream.endpointId,
    tenantId: stream.tenantId,
    seq,
    attempts,
    lastError: outcome.error,
    lastStatus: outcome.status,
    deadAt: at,
    state: 'dead',
    nextAttemptAt: null,
    leaseOwner: null,
    leaseUntil: null,
  };
}
