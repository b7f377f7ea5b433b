/**
 * The SCIM endpoints (RFC 7644 §3, §4), registered under both URL forms:
 * `/scim/v2` (tenant = the token's tenant) and `/t/<slug>/scim/v2` (token must be that tenant's).
 * Routes are a few lines each: a Fastify request becomes a `DispatchRequest`, and the
 * `DispatchResult` (src/service/dispatch.ts) becomes the reply.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type CursorSettings, DEFAULT_CURSOR_SETTINGS } from '../scim/cursor.js';
import { resourceTypeDocument, schemaDocument, serviceProviderConfig } from '../scim/discovery.js';
import { methodNotAllowed, notFound, payloadTooLarge } from '../scim/errors.js';
import { listResponse } from '../scim/messages.js';
import type { SchemaRegistry } from '../scim/schema/registry.js';
import type { ResourceTypeDefinition } from '../scim/schema/types.js';
import { type BulkLimits, DEFAULT_BULK_MAX_OPERATIONS, executeBulk } from '../service/bulk.js';
import type { RequestContext } from '../service/context.js';
import {
  type DispatchMethod,
  type DispatchRequest,
  type DispatchResult,
  type DispatchSettings,
  dispatch,
} from '../service/dispatch.js';
import { DEFAULT_PAGE_BYTES } from '../service/page-fill.js';
import { drainBody, drainLimit } from './body-drain.js';
import { handleError, isBodyTooLarge, SCIM_CONTENT_TYPE, sendScimError } from './errors.js';

export type ContextFactory = (request: FastifyRequest) => Promise<RequestContext>;

/** Settings the composition root may pass; each defaults as documented. */
export interface ScimRouteOptions {
  /** `/Bulk` limits; maxOperations defaults to 1000, maxPayloadBytes to the server's body limit. */
  readonly bulk?: Partial<BulkLimits>;
  /** Cursor signing secret (SCIMD_CURSOR_SECRET) and lifetime (docs/pagination.md); defaults: no secret, 3600 s. */
  readonly cursors?: Partial<CursorSettings>;
  /** Serialized bytes after which a list page stops adding resources; default 1 MiB. */
  readonly maxPageBytes?: number;
}

interface RouteSettings extends DispatchSettings {
  readonly bulk: BulkLimits;
}

type Query = Record<string, string | undefined>;
type Params = { id: string };

function query(request: FastifyRequest): Query {
  return request.query as Query;
}

function send(reply: FastifyReply, status: number, body: unknown): FastifyReply {
  return reply.code(status).type(SCIM_CONTENT_TYPE).send(body);
}

/** A dispatch result as the reply: status, its headers, and the body as SCIM JSON if any. */
function sendResult(reply: FastifyReply, result: DispatchResult): FastifyReply {
  for (const [name, value] of Object.entries(result.headers)) reply.header(name, value);
  if (result.body === undefined) return reply.code(result.status).send();
  return send(reply, result.status, result.body);
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
}

/** If-Match and If-None-Match as dispatch preconditions (dispatch decides where each applies). */
function preconditions(request: FastifyRequest): Pick<DispatchRequest, 'ifMatch' | 'ifNoneMatch'> {
  const ifMatch = header(request, 'if-match');
  const ifNoneMatch = header(request, 'if-none-match');
  return {
    ...(ifMatch !== undefined ? { ifMatch } : {}),
    ...(ifNoneMatch !== undefined ? { ifNoneMatch } : {}),
  };
}

/** Registers one method → 405 route per path, so a wrong method is a SCIM 405 with `Allow`. */
function disallow(app: FastifyInstance, url: string, allowed: readonly string[]): void {
  const all = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'];
  const others = all.filter((m) => !allowed.includes(m));
  app.route({
    method: others,
    url,
    handler: async (_request, reply) => {
      reply.header('Allow', allowed.join(', '));
      return sendScimError(reply, methodNotAllowed(`Method not allowed here; use ${allowed.join(', ')}.`));
    },
  });
}

function registerResourceRoutes(
  app: FastifyInstance,
  type: ResourceTypeDefinition,
  context: ContextFactory,
  settings: RouteSettings,
): void {
  const resourceType = type.name;
  const base = type.endpoint;
  const run = async (request: FastifyRequest, reply: FastifyReply, method: DispatchMethod, id?: string) => {
    const ctx = await context(request);
    const input: DispatchRequest = {
      resourceType,
      method,
      ...(id !== undefined ? { id } : {}),
      body: request.body,
      query: query(request),
      ...preconditions(request),
    };
    return sendResult(reply, await dispatch(ctx, input, settings));
  };
  app.get(base, (request, reply) => run(request, reply, 'GET'));
  app.post(base, (request, reply) => run(request, reply, 'POST'));
  app.post(`${base}/.search`, (request, reply) => run(request, reply, 'SEARCH'));
  app.get<{ Params: Params }>(`${base}/:id`, (request, reply) => run(request, reply, 'GET', request.params.id));
  app.put<{ Params: Params }>(`${base}/:id`, (request, reply) => run(request, reply, 'PUT', request.params.id));
  app.patch<{ Params: Params }>(`${base}/:id`, (request, reply) => run(request, reply, 'PATCH', request.params.id));
  app.delete<{ Params: Params }>(`${base}/:id`, (request, reply) => run(request, reply, 'DELETE', request.params.id));
  disallow(app, base, ['GET', 'POST']);
  disallow(app, `${base}/.search`, ['POST']);
  disallow(app, `${base}/:id`, ['GET', 'PUT', 'PATCH', 'DELETE']);
}

/**
 * Search across all resource types at the root (RFC 7644 §3.4.2.1, §3.4.3; order and paging in
 * src/service/search.ts) and `/Bulk` (RFC 7644 §3.7; the body limit is the bulk one, and a body
 * over it is a 413 naming maxPayloadSize, as §3.7.4 requires).
 */
function registerRootRoutes(app: FastifyInstance, context: ContextFactory, settings: RouteSettings): void {
  app.get('/', async (request, reply) => {
    const ctx = await context(request);
    return sendResult(reply, await dispatch(ctx, { method: 'GET', query: query(request) }, settings));
  });
  app.post('/.search', async (request, reply) => {
    const ctx = await context(request);
    return sendResult(reply, await dispatch(ctx, { method: 'SEARCH', body: request.body }, settings));
  });
  const tooLarge = payloadTooLarge(
    `The bulk request is larger than maxPayloadSize (${settings.bulk.maxPayloadBytes} bytes); split it into smaller requests.`,
  );
  app.post(
    '/Bulk',
    {
      bodyLimit: settings.bulk.maxPayloadBytes,
      errorHandler: async (error: FastifyError, request, reply) => {
        if (!isBodyTooLarge(error)) return handleError(error, request, reply);
        await drainBody(request, drainLimit(request));
        return sendScimError(reply, tooLarge);
      },
    },
    async (request, reply) => {
      const ctx = await context(request);
      return send(reply, 200, await executeBulk(ctx, request.body, settings.bulk));
    },
  );
  disallow(app, '/', ['GET']);
  disallow(app, '/.search', ['POST']);
  disallow(app, '/Bulk', ['POST']);
}

function registerDiscoveryRoutes(
  app: FastifyInstance,
  registry: SchemaRegistry,
  context: ContextFactory,
  settings: RouteSettings,
): void {
  const sendServiceProviderConfig = async (request: FastifyRequest, reply: FastifyReply) => {
    const ctx = await context(request);
    const features = {
      maxResults: ctx.maxResults,
      etag: true,
      sort: true,
      bulk: { maxOperations: settings.bulk.maxOperations, maxPayloadSize: settings.bulk.maxPayloadBytes },
      cursorTimeout: settings.cursors.timeoutSeconds,
    };
    return send(reply, 200, serviceProviderConfig(features, `${ctx.baseUrl}/ServiceProviderConfig`));
  };
  app.get('/ServiceProviderConfig', sendServiceProviderConfig);
  // Microsoft's SCIM reference server names it so, and its test collection asks for it there.
  app.get('/ServiceConfiguration', sendServiceProviderConfig);
  app.get('/ResourceTypes', async (request, reply) => {
    const ctx = await context(request);
    const docs = registry.resourceTypes.map((t) => resourceTypeDocument(t, ctx.baseUrl));
    return send(reply, 200, listResponse(docs, docs.length, { startIndex: 1, itemsPerPage: docs.length }));
  });
  app.get<{ Params: Params }>('/ResourceTypes/:id', async (request, reply) => {
    const ctx = await context(request);
    const type = registry.resourceTypes.find((t) => t.id === request.params.id);
    if (!type) throw notFound(`ResourceType "${request.params.id}" not found.`);
    return send(reply, 200, resourceTypeDocument(type, ctx.baseUrl));
  });
  app.get('/Schemas', async (request, reply) => {
    const ctx = await context(request);
    const docs = registry.schemas.map((s) => schemaDocument(s, ctx.baseUrl));
    return send(reply, 200, listResponse(docs, docs.length, { startIndex: 1, itemsPerPage: docs.length }));
  });
  app.get<{ Params: Params }>('/Schemas/:id', async (request, reply) => {
    const ctx = await context(request);
    const schema = registry.schemas.find((s) => s.id === request.params.id);
    if (!schema) throw notFound(`Schema "${request.params.id}" not found.`);
    return send(reply, 200, schemaDocument(schema, ctx.baseUrl));
  });
  const discovery = ['/ServiceProviderConfig', '/ServiceConfiguration', '/ResourceTypes', '/ResourceTypes/:id'];
  for (const url of [...discovery, '/Schemas', '/Schemas/:id']) {
    disallow(app, url, ['GET']);
  }
}

/** Registers every SCIM route on `app` (already prefixed with the SCIM base path). */
export function registerScimRoutes(
  app: FastifyInstance,
  registry: SchemaRegistry,
  context: ContextFactory,
  options: ScimRouteOptions = {},
): void {
  const settings: RouteSettings = {
    bulk: {
      maxOperations: options.bulk?.maxOperations ?? DEFAULT_BULK_MAX_OPERATIONS,
      maxPayloadBytes: options.bulk?.maxPayloadBytes ?? app.initialConfig.bodyLimit ?? 1048576,
    },
    cursors: { ...DEFAULT_CURSOR_SETTINGS, ...options.cursors },
    maxPageBytes: options.maxPageBytes ?? DEFAULT_PAGE_BYTES,
  };
  registerDiscoveryRoutes(app, registry, context, settings);
  registerRootRoutes(app, context, settings);
  for (const type of registry.resourceTypes) registerResourceRoutes(app, type, context, settings);
}
