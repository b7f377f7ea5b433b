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
 * (an expired token is exactly what support needs to see), marked `authenticated: false`,
 * without an identity provider, at most `maxUnauthenticatedPerMinute` a minute per tenant (the
 * rest are counted in a warning, not stored), and pruned in their own space: forged requests
 * can never evict a tenant's genuine entries (issue 12.5). On `/scim/v2` they have no tenant
 * and are not recorded.
 *
 * The entry's outcome is what the server said, not a reading of the response text (issue
 * 14.6): the status of the reply, the scimType sendScimError sent (errors.ts), and for a
 * creation the id at the end of the `Location` header the route set.
 *
 * Every request gets its entry, whatever it sent (issue 12.1, 12.4): redaction never throws,
 * text is made storable (NUL and lone surrogates escaped, PostgreSQL refuses them), and should
 * a batch still fail, its entries are written one by one so that only a failing one is lost.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { RequestLogEntry } from '../store/events-port.js';
import type { Store } from '../store/store.js';
import { sentScimType } from './errors.js';
import { ignoredAttributesOf, resourceIdOf, storable, storableOrNull } from './log-entry-text.js';
import { bodyForLog, guessIdentityProvider, REDACTED, redactText, truncate } from './log-redaction.js';
import { createUnauthenticatedLimit, DEFAULT_UNAUTHENTICATED_PER_MINUTE } from './log-unauthenticated-limit.js';
import { redactUrl } from './url-redaction.js';

export interface ProvisioningLogOptions {
  /** Largest body kept per entry (SCIMD_LOG_MAX_BODY_BYTES). */
  readonly maxBodyBytes: number;
  readonly flushIntervalMs?: number;
  readonly maxBatch?: number;
  readonly clock?: () => Date;
  /** Unauthenticated requests recorded per tenant and minute; more are counted, not stored. */
  readonly maxUnauthenticatedPerMinute?: number;
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

/** After this many entries of a failed batch failed alone too, the database is down: the rest are dropped at once. */
const MAX_FAILURES_ALONE = 3;

/** An entry whose tenant may still be known only by the slug in its URL. */
type Pending = Omit<RequestLogEntry, 'tenantId'> & { tenantId: string | null; slug: string | undefined };

/** What the log keeps of a User-Agent: the identity provider it suggests, and the text, redacted. */
interface Agent {
  readonly idp: string | null;
  readonly userAgent: string;
}

/**
 * Where the onSend hook leaves the payload for the onResponse hook: a request decorator, so
 * that every request has the slot from the start (one shape for all; cheaper than a WeakMap).
 */
const PAYLOAD = Symbol('provisioningLogPayload');
type WithPayload = { [PAYLOAD]?: unknown };

/** How many User-Agents are remembered (a handful in practice: one or two per identity provider). */
const MAX_AGENTS = 100;
/** Longer User-Agents are worked out every time, not remembered. */
const MAX_REMEMBERED_AGENT_LENGTH = 1024;

function resourceTypeOf(url: string | undefined): string | null {
  if (url === undefined) return null;
  if (/\/Users(\/|$)/.test(url)) return 'User';
  if (/\/Groups(\/|$)/.test(url)) return 'Group';
  if (url.endsWith('/Bulk')) return 'Bulk';
  return null;
}

/**
 * A UUIDv7 (RFC 9562 §5.7): the millisecond first, then random bits. Entries are inserted in
 * about the order of their ids, so the primary key index grows at its end instead of taking
 * writes all over (a third less work per entry than a random id, docs/benchmarks.md).
 */
export function timeOrderedId(ms: number): string {
  const random = randomUUID(); // xxxxxxxx-xxxx-4xxx-Yxxx-xxxxxxxxxxxx: keeps its last 74 random bits
  const time = Math.max(0, Math.floor(ms)).toString(16).padStart(12, '0').slice(-12);
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-7${random.slice(15)}`;
}

function agentOf(userAgent: string): Agent {
  return { idp: guessIdentityProvider(userAgent), userAgent: truncate(storable(redactText(userAgent)), 300) };
}

/** The entry as stored. Written out field by field: an object rest and spread costs more. */
function withTenant(pending: Pending, tenantId: string): RequestLogEntry {
  return {
    id: pending.id,
    time: pending.time,
    method: pending.method,
    path: pending.path,
    status: pending.status,
    scimType: pending.scimType,
    latencyMs: pending.latencyMs,
    resourceType: pending.resourceType,
    resourceId: pending.resourceId,
    idp: pending.idp,
    userAgent: pending.userAgent,
    requestId: pending.requestId,
    requestBody: pending.requestBody,
    responseBody: pending.responseBody,
    authenticated: pending.authenticated,
    ignoredAttributes: pending.ignoredAttributes,
    tenantId,
  };
}

/** What a response said about the request, as the server told it. */
interface Outcome {
  readonly status: number;
  readonly scimType: string | null;
  /** The resource the request is about: its path id, or the id a creation made. */
  readonly resourceId: string | undefined;
}

/**
 * The id of the resource a `POST` created: the last segment of the `Location` header the
 * route sets on a 201 (meta.location, with the id percent-encoded).
 */
function createdIdOf(reply: FastifyReply): string | undefined {
  const location = reply.getHeader('location');
  if (typeof location !== 'string') return undefined;
  try {
    return decodeURIComponent(location.slice(location.lastIndexOf('/') + 1));
  } catch {
    return undefined;
  }
}

function outcomeOf(request: FastifyRequest, reply: FastifyReply): Outcome {
  const status = reply.statusCode;
  const pathId = (request.params as { id?: string } | undefined)?.id;
  const created = status === 201 && request.method === 'POST' && pathId === undefined;
  return {
    status,
    scimType: status >= 400 ? (sentScimType(reply) ?? null) : null,
    resourceId: pathId ?? (created ? createdIdOf(reply) : undefined),
  };
}

export function createProvisioningLog(store: Store, options: ProvisioningLogOptions, log: FastifyBaseLogger) {
  const clock = options.clock ?? (() => new Date());
  const interval = options.flushIntervalMs ?? 200;
  const maxBatch = options.maxBatch ?? 200;
  const unauthenticated = createUnauthenticatedLimit(
    options.maxUnauthenticatedPerMinute ?? DEFAULT_UNAUTHENTICATED_PER_MINUTE,
    log,
  );
  // Worked out once per route and per User-Agent, not per request: route URLs are the few
  // registered patterns; User-Agents come from the client, so at most MAX_AGENTS are kept.
  const resourceTypes = new Map<string | undefined, string | null>();
  const agents = new Map<string, Agent>();
  let queue: Pending[] = [];
  let timer: NodeJS.Timeout | undefined;
  let writing: Promise<void> = Promise.resolve();

  function resourceTypeOfRoute(url: string | undefined): string | null {
    let type = resourceTypes.get(url);
    if (type === undefined) {
      type = resourceTypeOf(url);
      resourceTypes.set(url, type);
    }
    return type;
  }

  function rememberedAgent(userAgent: string): Agent {
    if (userAgent.length > MAX_REMEMBERED_AGENT_LENGTH) return agentOf(userAgent);
    let agent = agents.get(userAgent);
    if (agent === undefined) {
      if (agents.size >= MAX_AGENTS) agents.clear();
      agent = agentOf(userAgent);
      agents.set(userAgent, agent);
    }
    return agent;
  }

  /** Appends `entries`; should that fail, one by one, so that one bad entry never drops another. */
  async function append(entries: RequestLogEntry[]): Promise<void> {
    if (entries.length === 0) return;
    try {
      await store.requestLog.append(entries);
      return;
    } catch (error) {
      if (entries.length === 1) throw error;
      log.warn(
        { err: error, entries: entries.length },
        'provisioning log batch failed; writing its entries one by one',
      );
    }
    let written = 0;
    let failed = 0;
    for (const [index, entry] of entries.entries()) {
      try {
        await store.requestLog.append([entry]);
        written++;
      } catch (error) {
        failed++;
        log.error(
          { err: error, entry: entry.id, tenantId: entry.tenantId, requestId: entry.requestId },
          'could not write the provisioning log',
        );
        if (written === 0 && failed >= MAX_FAILURES_ALONE && index + 1 < entries.length) {
          log.error({ entries: entries.length - index - 1 }, 'could not write the provisioning log');
          return;
        }
      }
    }
  }

  async function write(batch: Pending[]): Promise<void> {
    const slugs = new Map<string, string | undefined>();
    const entries: RequestLogEntry[] = [];
    unauthenticated.closeWindows(clock().getTime());
    for (const pending of batch) {
      const { slug } = pending;
      let id = pending.tenantId ?? undefined;
      if (id === undefined && slug !== undefined) {
        if (!slugs.has(slug)) slugs.set(slug, (await store.tenants.getBySlug(slug))?.id);
        id = slugs.get(slug);
      }
      if (id === undefined) continue;
      if (!pending.authenticated && !unauthenticated.admit(id, Date.parse(pending.time))) continue;
      entries.push(withTenant(pending, id));
    }
    await append(entries);
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

  function entryFor(request: FastifyRequest, outcome: Outcome, elapsedMs: number, slug: string | undefined): Pending {
    const payload = (request as WithPayload)[PAYLOAD];
    const { status, scimType, resourceId } = outcome;
    const userAgent = request.headers['user-agent'];
    const agent = userAgent === undefined ? undefined : rememberedAgent(userAgent);
    const context = request.scimContext ?? null;
    const storedId = resourceId === undefined ? null : resourceIdOf(resourceId);
    // An id that is a secret goes from the bodies too: a 404 names the id it did not find.
    const body = (value: unknown, clientKeys: boolean) => {
      const text = storableOrNull(bodyForLog(value, options.maxBodyBytes, { clientKeys }), options.maxBodyBytes);
      return text !== null && storedId === REDACTED && resourceId ? text.replaceAll(resourceId, REDACTED) : text;
    };
    return {
      ...baseEntry(request, status, elapsedMs, slug),
      scimType: scimType === null ? null : truncate(storable(scimType), 100),
      resourceId: storedId,
      // A User-Agent is the client's word: an identity provider only for a request that proved who it is.
      idp: context === null ? null : (agent?.idp ?? null),
      userAgent: agent?.userAgent ?? null,
      requestBody: body(request.body, true),
      responseBody: body(typeof payload === 'string' ? payload : undefined, false),
      ignoredAttributes: ignoredAttributesOf(context?.notes.ignoredAttributes),
    };
  }

  /** What every entry holds, computed from the request line alone: also the entry of last resort. */
  function baseEntry(request: FastifyRequest, status: number, elapsedMs: number, slug: string | undefined): Pending {
    const arrived = clock().getTime() - elapsedMs;
    const context = request.scimContext ?? null;
    return {
      id: timeOrderedId(Math.floor(arrived)),
      tenantId: context?.tenantId ?? null,
      slug,
      time: new Date(arrived).toISOString(),
      method: request.method,
      path: truncate(storable(redactUrl(request.url)), 2000),
      status,
      scimType: null,
      latencyMs: Math.round(elapsedMs),
      resourceType: resourceTypeOfRoute(request.routeOptions.url),
      resourceId: null,
      idp: null,
      userAgent: null,
      requestId: request.id,
      requestBody: null,
      responseBody: null,
      authenticated: context !== null,
      ignoredAttributes: [],
    };
  }

  return {
    register(scope, slugOf) {
      if (!scope.hasRequestDecorator(PAYLOAD)) scope.decorateRequest(PAYLOAD, undefined);
      // Callback hooks, not async ones: Fastify then makes no promise per request for them.
      scope.addHook('onSend', (request, _reply, payload, done) => {
        (request as WithPayload)[PAYLOAD] = payload;
        done(null, payload);
      });
      scope.addHook('onResponse', (request, reply, done) => {
        let slug: string | undefined;
        try {
          slug = slugOf(request);
          enqueue(entryFor(request, outcomeOf(request, reply), reply.elapsedTime, slug));
        } catch (error) {
          request.log.error({ err: error }, 'could not record the request in the provisioning log');
          // Whatever failed, the request keeps an entry, with what its request line says.
          try {
            if (slug !== undefined || request.scimContext)
              enqueue(baseEntry(request, reply.statusCode, reply.elapsedTime, slug));
          } catch (again) {
            request.log.error({ err: again }, 'could not record the request in the provisioning log');
          }
        }
        done();
      });
    },
    flush,
    async close() {
      await flush();
      unauthenticated.closeWindows(Number.POSITIVE_INFINITY);
    },
  } satisfies ProvisioningLog;
}
