/**
 * Test harness: the real Fastify app on a fresh store, with two tenants and a token each.
 * Requests go through `app.inject`, i.e. the whole HTTP stack without a socket.
 *
 * The backend is a required parameter (issue #14.3): a suite declares itself with
 * `describeEachBackend` (src/store/test-support/backends.ts) and hands the backend it receives
 * to `startHarness`, so it runs on SQLite and on PostgreSQL wherever its file lives. A harness
 * started without one throws instead of quietly picking a backend.
 */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { ScimdMetrics } from '../../metrics/scimd-metrics.js';
import type { StoreObserver } from '../../store/observer-port.js';
import type { Store } from '../../store/store.js';
import type { Backend } from '../../store/test-support/backends.js';
import { createTenant, issueToken } from '../../tenancy/tenants.js';
import { type AppConfig, buildApp } from '../app.js';
import type { OverloadOptions } from '../overload.js';

export const NOW = new Date('2026-01-15T10:00:00.000Z');

export interface Harness {
  readonly app: FastifyInstance;
  readonly store: Store;
  /** Token of tenant `acme`. */
  readonly token: string;
  /** Token of tenant `globex`. */
  readonly otherToken: string;
  /** Sends a request with acme's token unless `headers.authorization` overrides it. */
  request(
    method: string,
    url: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<LightMyRequestResponse & { json<T = Record<string, unknown>>(): T }>;
  close(): Promise<void>;
}

export const TEST_CONFIG: AppConfig = {
  publicUrl: 'https://scim.example.com',
  maxBodyBytes: 64 * 1024,
  listMaxResults: 50,
  trustProxy: false,
  logLevel: 'silent',
};

export interface HarnessOptions {
  /** Where the store lives: the parameter `describeEachBackend` hands to the suite. */
  readonly backend: Backend;
  /** SQLite in a temporary file instead of in memory (see `TestStoreOptions.onDisk`). */
  readonly onDisk?: boolean;
  readonly config?: Partial<AppConfig>;
  readonly logger?: Record<string, unknown>;
  /** Prometheus series fed by the app and the store (src/metrics/); none when absent. */
  readonly metrics?: ScimdMetrics;
  /** An extra overload source (src/http/overload.ts): shedding tests force overload with it. */
  readonly overload?: OverloadOptions;
  /** The app's clock; default the real one. */
  readonly clock?: () => Date;
  /** Told every SQL statement (statement-count tests); ignored with `metrics`. */
  readonly observer?: StoreObserver;
  /** The store's pool size (PostgreSQL); default the store's. */
  readonly poolSize?: number;
}

export async function startHarness(options: HarnessOptions): Promise<Harness> {
  if (options?.backend === undefined) {
    throw new TypeError(
      'startHarness needs { backend }: declare the suite with describeEachBackend (src/store/test-support/backends.ts)',
    );
  }
  // PostgreSQL gets a throwaway schema per harness, so harnesses may share one test database.
  const store = await options.backend.openStore({
    onDisk: options.onDisk,
    ...(options.poolSize === undefined ? {} : { poolSize: options.poolSize }),
    ...(options.metrics ? { observer: options.metrics.store } : options.observer ? { observer: options.observer } : {}),
  });
  await createTenant(store, { slug: 'acme', name: 'Acme Corp' }, NOW);
  await createTenant(store, { slug: 'globex', name: 'Globex' }, NOW);
  const { token } = await issueToken(store, 'acme', {}, NOW);
  const { token: otherToken } = await issueToken(store, 'globex', {}, NOW);
  const app = await buildApp({
    config: { ...TEST_CONFIG, ...options.config },
    store,
    logger: options.logger ?? false,
    clock: options.clock ?? (() => new Date()),
    ...(options.metrics ? { metrics: options.metrics } : {}),
    ...(options.overload ? { overload: options.overload } : {}),
  });
  return {
    app,
    store,
    token,
    otherToken,
    request: async (method, url, body, headers = {}) => {
      const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
      const response = await app.inject({
        method: method as 'GET',
        url,
        headers: {
          authorization: `Bearer ${token}`,
          ...(payload !== undefined ? { 'content-type': 'application/scim+json' } : {}),
          ...headers,
        },
        ...(payload !== undefined ? { payload } : {}),
      });
      return response as LightMyRequestResponse & { json<T = Record<string, unknown>>(): T };
    },
    close: async () => {
      await app.close();
      await store.close();
    },
  };
}

export const ENTRA_USER = {
  schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'],
  externalId: 'jdoe',
  userName: 'jdoe@contoso.com',
  active: true,
  emails: [{ primary: true, type: 'work', value: 'jdoe@contoso.com' }],
  meta: { resourceType: 'User' },
  roles: [],
};

export function scimError(status: number, scimType: string | undefined, detail: string) {
  return {
    schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
    status: String(status),
    ...(scimType ? { scimType } : {}),
    detail,
  };
}
