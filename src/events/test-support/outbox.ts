/** Fixtures for event-delivery tests: a store with two tenants, a clock, and change emitters. */

import type { EndpointRecord } from '../../store/events-port.js';
import { type OpenStoreOptions, openStore } from '../../store/open.js';
import type { Store } from '../../store/store.js';
import { eventsForChange } from '../change-events.js';
import { generateSigningSecret } from '../signing.js';

export const T0 = Date.parse('2026-01-15T10:00:00.000Z');

export interface Clock {
  (): Date;
  /** Moves the clock forward. */
  advance(ms: number): void;
  readonly ms: number;
}

export function manualClock(start = T0): Clock {
  let now = start;
  const clock = (() => new Date(now)) as Clock;
  clock.advance = (ms: number) => {
    now += ms;
  };
  Object.defineProperty(clock, 'ms', { get: () => now });
  return clock;
}

/** Opens a store with tenants `acme` (id t-acme) and `globex` (id t-globex). */
export async function openOutboxStore(databaseUrl = 'sqlite::memory:', options: OpenStoreOptions = {}): Promise<Store> {
  const store = await openStore(databaseUrl, options);
  for (const slug of ['acme', 'globex']) {
    if (!(await store.tenants.getBySlug(slug))) {
      await store.tenants.create({
        id: `t-${slug}`,
        slug,
        name: slug,
        status: 'active',
        created: new Date(T0).toISOString(),
      });
    }
  }
  return store;
}

let users = 0;

/** Creates `count` users in the tenant, one unit of work (and one `user.created` event) each. */
export async function createUsers(store: Store, tenantId: string, count: number, time: Date): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < count; i++) {
    const id = `user-${++users}`;
    await store.forTenant(tenantId).transaction(async (tx) => {
      const after = await tx.insertResource({
        id,
        resourceType: 'User',
        body: { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: `${id}@example.com` },
        now: time.toISOString(),
      });
      await tx.appendEvents(eventsForChange({ resourceType: 'User', after }, { time: after.created, requestId: id }));
    });
    ids.push(id);
  }
  return ids;
}

export async function createWebhook(
  store: Store,
  url: string,
  overrides: Partial<EndpointRecord> = {},
): Promise<EndpointRecord> {
  return store.endpoints.create(
    {
      id: `wh-${++users}`,
      kind: 'webhook',
      name: null,
      tenantId: null,
      url,
      description: null,
      secrets: [{ secret: generateSigningSecret(), created: new Date(T0).toISOString(), expiresAt: null }],
      enabled: true,
      created: new Date(T0).toISOString(),
      ...overrides,
    },
    'latest',
  );
}
