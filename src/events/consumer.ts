/**
 * In-process consumers (docs/events.md): for vendors who embed scimd in their own Node server
 * and want changes as function calls rather than webhooks. A consumer is an endpoint of kind
 * `consumer` with a durable, per-tenant cursor in the database, fed from the same outbox and
 * by the same dispatcher as webhooks: in order per tenant, at least once, with retries and
 * dead letters, and safe to run in several processes (each tenant's stream is handled by one
 * of them at a time).
 */
import { randomUUID } from 'node:crypto';
import { isScimError } from '../scim/errors.js';
import type { EndpointRecord, StreamStart } from '../store/events-port.js';
import type { Store } from '../store/store.js';
import { createDispatcher, type DispatchLog } from './dispatcher.js';
import type { EventJson } from './event-json.js';

/** Handles one event; throwing (or rejecting) means "retry later". Must be idempotent. */
export type EventHandler = (event: EventJson) => Promise<void> | void;

export interface ConsumerOptions {
  /** Stable and unique: the consumer's cursor is kept under this name across restarts. */
  readonly name: string;
  /** Only this tenant's events (a tenant id); default every tenant. */
  readonly tenantId?: string;
  /** Where a consumer seen for the first time starts: `oldest` retained event (default) or `latest`. */
  readonly startAt?: StreamStart;
  /** Failed attempts before an event is dead-lettered; default 12. */
  readonly maxAttempts?: number;
  /** Idle wait between polls; default 1000 ms. */
  readonly pollIntervalMs?: number;
  /** Start polling at once (default); false to drive it with `runOnce` (tests). */
  readonly autoStart?: boolean;
  readonly clock?: () => Date;
  readonly log?: DispatchLog;
}

export interface Subscription {
  /** The consumer's endpoint id (as `scimd webhooks list` shows it). */
  readonly endpointId: string;
  /** Delivers what is due now; returns how many handler calls were made. */
  runOnce(): Promise<number>;
  /** Stops polling and waits for the handler calls in progress. */
  stop(): Promise<void>;
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$/;

async function findOrCreate(store: Store, options: ConsumerOptions, now: Date): Promise<EndpointRecord> {
  const existing = await store.endpoints.getByName(options.name);
  if (existing) return existing;
  const record: EndpointRecord = {
    id: randomUUID(),
    kind: 'consumer',
    name: options.name,
    tenantId: options.tenantId ?? null,
    url: null,
    description: null,
    secrets: [],
    enabled: true,
    created: now.toISOString(),
  };
  try {
    return await store.endpoints.create(record, options.startAt ?? 'oldest');
  } catch (error) {
    // Another process registered the same consumer first.
    const raced =
      isScimError(error) && error.status === 409 ? await store.endpoints.getByName(options.name) : undefined;
    if (raced) return raced;
    throw error;
  }
}

/**
 * Registers (or resumes) the consumer `options.name` and calls `handler` for each event, in
 * order per tenant. Resolves once registered; polling starts unless `autoStart` is false.
 */
export async function subscribe(store: Store, options: ConsumerOptions, handler: EventHandler): Promise<Subscription> {
  if (!NAME.test(options.name)) {
    throw new Error(
      `invalid consumer name ${JSON.stringify(options.name)}: use 1 to 100 letters, digits, ".", "_" or "-"`,
    );
  }
  const clock = options.clock ?? (() => new Date());
  const endpoint = await findOrCreate(store, options, clock());
  if (endpoint.kind !== 'consumer' || endpoint.tenantId !== (options.tenantId ?? null)) {
    throw new Error(`consumer ${JSON.stringify(options.name)} is registered for another scope; choose another name`);
  }
  const dispatcher = createDispatcher({
    store,
    kind: 'consumer',
    endpointId: endpoint.id,
    deliver: async (_endpoint, event) => {
      await handler(event);
      return { ok: true, status: null, error: null };
    },
    clock,
    ...(options.maxAttempts === undefined ? {} : { maxAttempts: options.maxAttempts }),
    ...(options.pollIntervalMs === undefined ? {} : { pollIntervalMs: options.pollIntervalMs }),
    ...(options.log === undefined ? {} : { log: options.log }),
  });
  if (options.autoStart !== false) dispatcher.start();
  return { endpointId: endpoint.id, runOnce: () => dispatcher.runOnce(), stop: () => dispatcher.stop() };
}
