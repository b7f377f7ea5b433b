/**
 * Reading the provisioning log (docs/provisioning-log.md), shared by the admin API and
 * `scimd log`: what the vendor's support team opens when a customer says "Entra shows an
 * error". Entries are recorded by the HTTP layer (src/http/provisioning-log.ts).
 */
import { badRequest, notFound } from '../scim/errors.js';
import type { RequestLogEntry, RequestLogQuery } from '../store/events-port.js';
import type { Store } from '../store/store.js';
import { getTenant } from '../tenancy/tenants.js';

const LOG_DEFAULT_LIMIT = 50;
export const LOG_MAX_LIMIT = 500;

const UNIT_MS: Readonly<Record<string, number>> = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const ISO = /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2}))?$/;

export interface LogQueryInput {
  /** A duration back from now (`30m`, `1h`, `7d`) or an ISO 8601 time. */
  readonly since?: string | undefined;
  readonly until?: string | undefined;
  /** An exact status (`404`) or a class (`4xx`, `5xx`). */
  readonly status?: string | undefined;
  /** Only failures (status 400 and above). */
  readonly errors?: boolean | undefined;
  /** Requests about this resource id. */
  readonly resource?: string | undefined;
  /** Only authenticated requests (true) or only those refused before authentication (false). */
  readonly authenticated?: boolean | undefined;
  /** `GET`, `POST`, `PUT`, `PATCH` or `DELETE` (any case). */
  readonly method?: string | undefined;
  /** `Users`, `Groups` or `other` (Bulk, discovery endpoints, unknown routes), any case. */
  readonly resourceType?: string | undefined;
  /** Paging: entries older than this entry id (the previous page's `next`). */
  readonly before?: string | undefined;
  readonly limit?: number | undefined;
}

/** A log entry as shown; bodies are parsed back to JSON when they are JSON. */
export interface LogEntryView extends Omit<RequestLogEntry, 'tenantId' | 'requestBody' | 'responseBody'> {
  readonly requestBody?: unknown;
  readonly responseBody?: unknown;
}

export interface LogPage {
  readonly entries: readonly LogEntryView[];
  /** Pass as `before` for the next (older) page; null when this page is the last. */
  readonly next: string | null;
}

/** `30m`, `1h`, `7d` before `now`, or an ISO 8601 time; throws `badRequest` naming `what`. */
function parseTimeBound(what: string, text: string, now: Date): string {
  const duration = /^(\d{1,6})([smhdw])$/.exec(text.trim());
  if (duration) return new Date(now.getTime() - Number(duration[1]) * UNIT_MS[duration[2]!]!).toISOString();
  const time = Date.parse(text);
  if (!ISO.test(text.trim()) || Number.isNaN(time)) {
    throw badRequest(`invalid ${what} ${JSON.stringify(text)}: use a duration (30m, 1h, 7d) or an ISO 8601 time`);
  }
  return new Date(time).toISOString();
}

/** `404` → [404, 404]; `4xx` → [400, 499]. */
function parseStatusFilter(text: string): { minStatus: number; maxStatus: number } {
  const exact = /^[1-5]\d\d$/.exec(text);
  if (exact) return { minStatus: Number(text), maxStatus: Number(text) };
  const range = /^([1-5])xx$/i.exec(text);
  if (range) return { minStatus: Number(range[1]) * 100, maxStatus: Number(range[1]) * 100 + 99 };
  throw badRequest(`invalid status ${JSON.stringify(text)}: use a status code (404) or a class (4xx, 5xx)`);
}

export const LOG_METHODS = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] as const;
export const LOG_RESOURCE_TYPES = ['Users', 'Groups', 'other'] as const;

function parseMethod(text: string): string {
  const method = text.toUpperCase();
  if (!(LOG_METHODS as readonly string[]).includes(method)) {
    throw badRequest(`invalid method ${JSON.stringify(text)}: use one of ${LOG_METHODS.join(', ')}`);
  }
  return method;
}

/** The filter's endpoint names to the resource types the log records. */
const RESOURCE_TYPE_OF = new Map<string, 'User' | 'Group' | 'other'>([
  ['users', 'User'],
  ['groups', 'Group'],
  ['other', 'other'],
]);

function parseResourceType(text: string): 'User' | 'Group' | 'other' {
  const type = RESOURCE_TYPE_OF.get(text.toLowerCase());
  if (type === undefined) {
    throw badRequest(`invalid resourceType ${JSON.stringify(text)}: use one of ${LOG_RESOURCE_TYPES.join(', ')}`);
  }
  return type;
}

function parseBody(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

function viewLogEntry(entry: RequestLogEntry, withBodies: boolean): LogEntryView {
  const { tenantId: _tenant, requestBody, responseBody, ...rest } = entry;
  return withBodies ? { ...rest, requestBody: parseBody(requestBody), responseBody: parseBody(responseBody) } : rest;
}

/** Newest first; bodies only with `withBodies` (lists stay small). */
export async function queryRequestLog(
  store: Store,
  slug: string,
  input: LogQueryInput,
  now: Date,
  withBodies = false,
): Promise<LogPage> {
  const tenant = await getTenant(store, slug);
  const limit = Math.min(LOG_MAX_LIMIT, Math.max(1, input.limit ?? LOG_DEFAULT_LIMIT));
  const status = input.status === undefined ? undefined : parseStatusFilter(input.status);
  const minStatus = Math.max(status?.minStatus ?? 0, input.errors ? 400 : 0);
  const query: RequestLogQuery = {
    limit: limit + 1,
    ...(input.since === undefined ? {} : { since: parseTimeBound('since', input.since, now) }),
    ...(input.until === undefined ? {} : { until: parseTimeBound('until', input.until, now) }),
    ...(minStatus > 0 ? { minStatus } : {}),
    ...(status === undefined ? {} : { maxStatus: status.maxStatus }),
    ...(input.resource === undefined ? {} : { resourceId: input.resource }),
    ...(input.method === undefined ? {} : { method: parseMethod(input.method) }),
    ...(input.resourceType === undefined ? {} : { resourceType: parseResourceType(input.resourceType) }),
    ...(input.before === undefined ? {} : { before: input.before }),
    ...(input.authenticated === undefined ? {} : { authenticated: input.authenticated }),
  };
  const entries = await store.requestLog.list(tenant.id, query);
  const page = entries.slice(0, limit);
  return {
    entries: page.map((e) => viewLogEntry(e, withBodies)),
    next: entries.length > limit ? (page.at(-1)?.id ?? null) : null,
  };
}

/** One entry with its (redacted) request and response bodies. */
export async function getRequestLogEntry(store: Store, slug: string, id: string): Promise<LogEntryView> {
  const tenant = await getTenant(store, slug);
  const entry = await store.requestLog.get(tenant.id, id);
  if (entry === undefined)
    throw notFound(`log entry ${JSON.stringify(id)} not found in tenant ${JSON.stringify(slug)}`);
  return viewLogEntry(entry, true);
}
