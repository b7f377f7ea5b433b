/**
 * scimd in-process on a real socket (127.0.0.1, a free port) over a suite's database, with two
 * tenants, `acme` (the one under test) and `globex` (the control), and a token each.
 */
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../../src/http/app.js';
import { TEST_CONFIG } from '../../../src/http/test-support/harness.js';
import { openStore } from '../../../src/store/open.js';
import type { Store } from '../../../src/store/store.js';
import { createTenant, issueToken } from '../../../src/tenancy/tenants.js';

export interface Tenant {
  readonly slug: string;
  readonly id: string;
  readonly token: string;
}

export interface RunningScimd {
  readonly app: FastifyInstance;
  readonly store: Store;
  readonly port: number;
  readonly a: Tenant;
  readonly b: Tenant;
  /** What the server logged at level error for the request with this id (its X-Request-Id). */
  serverError(requestId: string | undefined): string | undefined;
  close(): Promise<void>;
}

export async function startScimd(databaseUrl: string): Promise<RunningScimd> {
  const store = await openStore(databaseUrl);
  const now = new Date();
  const tenantA = await createTenant(store, { slug: 'acme', name: 'Acme Corp' }, now);
  const tenantB = await createTenant(store, { slug: 'globex', name: 'Globex' }, now);
  const { token: tokenA } = await issueToken(store, 'acme', {}, now);
  const { token: tokenB } = await issueToken(store, 'globex', {}, now);
  // Errors the server logs, by request id, so a 500 can be reported with its cause.
  const errors = new Map<string, string>();
  const stream = {
    write(line: string) {
      try {
        const entry = JSON.parse(line) as { reqId?: string; err?: { type?: string; message?: string }; msg?: string };
        if (entry.reqId !== undefined && errors.size < 10_000) {
          errors.set(entry.reqId, `${entry.err?.type ?? ''}: ${entry.err?.message ?? entry.msg ?? ''}`.slice(0, 300));
        }
      } catch {
        // Not a JSON line: nothing to attribute.
      }
    },
  };
  // The default body limit (1 MiB), so deep and large bodies reach the parser.
  const app = await buildApp({
    // The SCIM surface only: the console and the admin API (on by default) answer in their own formats.
    config: { ...TEST_CONFIG, maxBodyBytes: 1024 * 1024, logLevel: 'error', consoleEnabled: false },
    store,
    logger: { stream },
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('scimd has no TCP address');
  return {
    app,
    store,
    port: address.port,
    a: { slug: 'acme', id: tenantA.id, token: tokenA },
    b: { slug: 'globex', id: tenantB.id, token: tokenB },
    serverError: (requestId) => (requestId === undefined ? undefined : errors.get(requestId)),
    async close() {
      await app.close();
      await store.close();
    },
  };
}
