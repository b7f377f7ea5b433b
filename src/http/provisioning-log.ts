/**
 * Records every SCIM request in the provisioning log (docs/provisioning-log.md): time, method,
 * path, status, scimType, latency, resource, the identity provider guessed from the User-Agent,
 * the request id, and the request and response bodies, redacted (log-redaction.ts).
 *
 * Recording stays off the request path: entries are queued when the response is sent and
 * written in batches (every `flushIntervalMs`, or at once when `maxBatch` are waiting); a
 * failed write is logged, never turned into a failed request. `close()` writes what is queued,
 * so a clean shutdown loses nothing; a crash may lose the last fraction of a second.
 *
 * Requests refused before authentication on `/t/<slug>/scim/v2` are recorded for that tenant
 * (an expired token is exactly what support needs to see); on `/scim/v2` they have no tenant
 * and are not recorded.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger, FastifyInstance, FastifyRequest } from 'fastify';
import type { RequestLogEntry, Store } from '../store/store.js';
import { bodyForLog, guessIdentityProvider, redactText, truncate } from './log-redaction.js';

export interface ProvisioningLogOptions {
  /** Largest body kept per entry (SCIMD_LOG_MAX_BODY_BYTES). */
  readonly maxBodyBytes: number;
  readonly flushIntervalMs?: number;
  readonly maxBatch?: number;
  readonly clock?: () => Date;
}

export interface ProvisioningLog {
  /** Adds the recording hooks to a SCIM scope; `slugOf` names the tenant of the URL, if any. */
  register(scope: FastifyInstance, slugOf: (request: FastifyRequest) => string | undefined): void;
  /** Writes every queued entry. */
  flush(): Promise<void>;
  /** Stops the timer and writes what is queued. */
  close(): Promise<void>;
}

export const DEFAULT_LOG_BODY_BYTES = 16384;

/** An entry whose tenant may still be known only by the slug in its URL. */
type Pending = Omit<RequestLogEntry, 'tenantId'> & { tenantId: string | null; slug: string | undefined };

function resourceTypeOf(url: string | undefined): string | null {
  if (url === undefined) return null;
  if (/\/Users(\/|$)/.test(url)) return 'User';
  if (/\/Groups(\/|$)/.test(url)) return 'Group';
  if (url.endsWith('/Bulk')) return 'Bulk';
  return null;
}

function parseJson(payload: unknown): Record<string, unknown> | undefined {
  if (typeof payload !== 'string' || payload === '') return undefined;
  try {
    const value = JSON.parse(payload) as unknown;
    return value !== null && typeof value === 'object' ? (value as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export function createProvisioningLog(store: Store, options: ProvisioningLogOptions, log: FastifyBaseLogger) {
  const clock = options.clock ?? (() => new Date());
  const interval = options.flushIntervalMs ?? 200;
  const maxBatch = options.maxBatch ?? 200;
  const payloads = new WeakMap<FastifyRequest, unknown>();
  let queue: Pending[] = [];
  let timer: NodeJS.Timeout | undefined;
  let writing: Promise<void> = Promise.resolve();

  async function write(batch: Pending[]): Promise<void> {
    const slugs = new Map<string, string | undefined>();
    const entries: RequestLogEntry[] = [];
    for (const { slug, tenantId, ...entry } of batch) {
      let id = tenantId ?? undefined;
      if (id === undefined && slug !== undefined) {
        if (!slugs.has(slug)) slugs.set(slug, (await store.tenants.getBySlug(slug))?.id);
        id = slugs.get(slug);
      }
      if (id !== undefined) entries.push({ ...entry, tenantId: id });
    }
    await store.requestLog.append(entries);
  }

  function flush(): Promise<void> {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    const batch = queue;
    queue = [];
    if (batch.length === 0) return writing;
    writing = writing
      .then(() => write(batch))
      .catch((error: unknown) =>
        log.error({ err: error, entries: batch.length }, 'could not write the provisioning log'),
      );
    return writing;
  }

  function enqueue(entry: Pending): void {
    queue.push(entry);
    if (queue.length >= maxBatch) void flush();
    else if (timer === undefined) {
      timer = setTimeout(() => void flush(), interval);
      timer.unref();
    }
  }

  function entryFor(request: FastifyRequest, status: number, elapsedMs: number, slug: string | undefined): Pending {
    const payload = payloads.get(request);
    const response = status >= 400 || request.method === 'POST' ? parseJson(payload) : undefined;
    const params = request.params as { id?: string } | undefined;
    const createdId = status === 201 && typeof response?.['id'] === 'string' ? response['id'] : undefined;
    const userAgent = request.headers['user-agent'];
    return {
      id: randomUUID(),
      tenantId: request.scimContext?.tenantId ?? null,
      slug,
      time: new Date(clock().getTime() - elapsedMs).toISOString(),
      method: request.method,
      path: truncate(redactText(request.url), 2000),
      status,
      scimType: status >= 400 && typeof response?.['scimType'] === 'string' ? response['scimType'] : null,
      latencyMs: Math.round(elapsedMs),
      resourceType: resourceTypeOf(request.routeOptions.url),
      resourceId: params?.id ?? createdId ?? null,
      idp: guessIdentityProvider(userAgent),
      userAgent: userAgent === undefined ? null : truncate(redactText(userAgent), 300),
      requestId: request.id,
      requestBody: bodyForLog(request.body, options.maxBodyBytes),
      responseBody: bodyForLog(typeof payload === 'string' ? payload : undefined, options.maxBodyBytes),
    };
  }

  return {
    register(scope, slugOf) {
      scope.addHook('onSend', async (request, _reply, payload) => {
        payloads.set(request, payload);
        return payload;
      });
      scope.addHook('onResponse', async (request, reply) => {
        try {
          enqueue(entryFor(request, reply.statusCode, reply.elapsedTime, slugOf(request)));
        } catch (error) {
          request.log.error({ err: error }, 'could not record the request in the provisioning log');
        }
      });
    },
    flush,
    async close() {
      await flush();
    },
  } satisfies ProvisioningLog;
}
