/**
 * The provisioning log in the console: a tenant's SCIM requests, newest first, with the admin
 * API's filters (src/service/request-log.ts), and one entry with its redacted bodies and, for a
 * failed request, the guide's plain-language cause and fix.
 */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { diagnoseRequest } from '../guide/diagnose.js';
import { loadGuideInput } from '../guide/load.js';
import { badRequest } from '../scim/errors.js';
import {
  getRequestLogEntry,
  LOG_METHODS,
  LOG_RESOURCE_TYPES,
  type LogQueryInput,
  queryRequestLog,
} from '../service/request-log.js';
import { getTenant } from '../tenancy/tenants.js';
import type { ConsolePageOptions } from './console-options.js';
import { sendPage } from './render.js';
import { chooseTenant, queryText } from './tenant-choice.js';

const PAGE_SIZE = 50;
const AUTHENTICATED = new Map<string, boolean | undefined>([
  ['all', undefined],
  ['authenticated', true],
  ['refused', false],
]);

/** The filters as the form shows them back (every field a string; '' is "any"). */
export interface LogFilters {
  readonly status: string;
  readonly errors: boolean;
  readonly method: string;
  readonly type: string;
  readonly since: string;
  readonly until: string;
  readonly auth: string;
}

function filtersOf(request: FastifyRequest): LogFilters {
  return {
    status: queryText(request, 'status'),
    errors: queryText(request, 'errors') !== '',
    method: queryText(request, 'method'),
    type: queryText(request, 'type'),
    since: queryText(request, 'since'),
    until: queryText(request, 'until'),
    auth: queryText(request, 'auth') || 'all',
  };
}

/** The service's query; its parsers refuse a bad value with badRequest (a 400 page). */
function queryOf(filters: LogFilters, before: string): LogQueryInput {
  if (!AUTHENTICATED.has(filters.auth)) {
    throw badRequest(`invalid authenticated filter ${JSON.stringify(filters.auth)}: use all, authenticated or refused`);
  }
  const authenticated = AUTHENTICATED.get(filters.auth);
  const given = (text: string) => (text === '' ? undefined : text);
  return {
    status: given(filters.status),
    errors: filters.errors || undefined,
    method: given(filters.method),
    resourceType: given(filters.type),
    since: given(filters.since),
    until: given(filters.until),
    authenticated,
    before: given(before),
    limit: PAGE_SIZE,
  };
}

/** The page's address with the same tenant and filters, older than `before`. */
function olderHref(slug: string, filters: LogFilters, before: string): string {
  const query = new URLSearchParams({ tenant: slug });
  for (const [name, value] of Object.entries(filters)) {
    if (name === 'errors') {
      if (value) query.set('errors', '1');
    } else if (value !== '' && !(name === 'auth' && value === 'all')) query.set(name, String(value));
  }
  query.set('before', before);
  return `/console/log?${query}`;
}

/** A body as shown: pretty-printed JSON when it is JSON, the text otherwise, null when none. */
function bodyText(body: unknown): string | null {
  if (body === null || body === undefined) return null;
  return typeof body === 'string' ? body : JSON.stringify(body, null, 2);
}

/** A parsed body back to the text the log stored, which is what diagnoseRequest reads. */
function storedText(body: unknown): string | null {
  if (body === null || body === undefined) return null;
  return typeof body === 'string' ? body : JSON.stringify(body);
}

export const logPages: FastifyPluginAsync<ConsolePageOptions> = async (web, options) => {
  const { store, clock, originOf, config } = options;

  web.get('/log', async (request, reply) => {
    const { tenants, tenant } = await chooseTenant(store, request);
    const filters = filtersOf(request);
    const base = {
      title: 'Provisioning log',
      section: 'log',
      tenants,
      tenant,
      filters,
      LOG_METHODS,
      LOG_RESOURCE_TYPES,
    };
    if (tenant === undefined) return sendPage(request, reply, 'log', { ...base, page: undefined });
    const before = queryText(request, 'before');
    const page = await queryRequestLog(store, tenant.slug, queryOf(filters, before), clock());
    return sendPage(request, reply, 'log', {
      ...base,
      page,
      older: before !== '',
      nextHref: page.next === null ? null : olderHref(tenant.slug, filters, page.next),
    });
  });

  web.get('/log/:slug/:entryId', async (request, reply) => {
    const { slug, entryId } = request.params as { slug: string; entryId: string };
    const tenant = await getTenant(store, slug);
    const entry = await getRequestLogEntry(store, tenant.slug, entryId);
    const responseBody = bodyText(entry.responseBody);
    const diagnosis =
      entry.status < 400
        ? undefined
        : diagnoseRequest(
            {
              status: entry.status,
              scimType: entry.scimType,
              method: entry.method,
              path: entry.path,
              responseBody: storedText(entry.responseBody),
              ...(entry.authenticated === undefined ? {} : { authenticated: entry.authenticated }),
            },
            await loadGuideInput(store, tenant.slug, {
              baseUrl: originOf(request),
              entraClientIdTest: config.entraClientIdTest,
              entraClientIdProd: config.entraClientIdProd,
            }),
          );
    return sendPage(request, reply, 'log-entry', {
      title: `${entry.method} ${entry.status}`,
      section: 'log',
      tenant,
      entry,
      requestBody: bodyText(entry.requestBody),
      responseBody,
      diagnosis,
    });
  });
};
