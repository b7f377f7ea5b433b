/**
 * The SCIM endpoints (RFC 7644 §3, §4), registered under both URL forms:
 * `/scim/v2` (tenant = the token's tenant) and `/t/<slug>/scim/v2` (token must be that tenant's).
 * Routes are a few lines each: parse the request, call a use case, send the result.
 */
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type CursorSettings, DEFAULT_CURSOR_SETTINGS } from '../scim/cursor.js';
import { resourceTypeDocument, schemaDocument, serviceProviderConfig } from '../scim/discovery.js';
import {
  invalidFilter,
  invalidSyntax,
  invalidValue,
  methodNotAllowed,
  notFound,
  payloadTooLarge,
} from '../scim/errors.js';
import { listResponse } from '../scim/messages.js';
import { parseProjection } from '../scim/resource/project.js';
import type { SchemaRegistry } from '../scim/schema/registry.js';
import type { ResourceTypeDefinition, ResourceTypeName } from '../scim/schema/types.js';
import { type BulkLimits, DEFAULT_BULK_MAX_OPERATIONS, executeBulk } from '../service/bulk.js';
import type { RequestContext } from '../service/context.js';
import { type ListParameters, listResources } from '../service/list.js';
import { DEFAULT_PAGE_BYTES } from '../service/page-fill.js';
import { patchResource } from '../service/patch.js';
import { etagMatches } from '../service/preconditions.js';
import type { Rendered } from '../service/render.js';
import { createResource, deleteResource, getResource, replaceResource } from '../service/resources.js';
import { searchAll } from '../service/search.js';
import { drainBody, drainLimit } from './body-drain.js';
import { handleError, isBodyTooLarge, SCIM_CONTENT_TYPE, sendScimError } from './errors.js';

export type ContextFactory = (request: FastifyRequest) => Promise<RequestContext>;

/** Settings the composition root may pass; each defaults as documented. */
export interface ScimRouteOptions {
  /** `/Bulk` limits; maxOperations defaults to 1000, maxPayloadBytes to the server's body limit. */
  readonly bulk?: Partial<BulkLimits>;
  /** Cursor signing secret and lifetime (docs/pagination.md); defaults: no secret, 3600 s. */
  readonly cursors?: Partial<CursorSettings>;
  /** Serialized bytes after which a list page stops adding resources; default 1 MiB. */
  readonly maxPageBytes?: number;
}

interface RouteSettings {
  readonly bulk: BulkLimits;
  readonly cursors: CursorSettings;
  readonly maxPageBytes: number;
}

type Query = Record<string, string | undefined>;
type Params = { id: string };

function query(request: FastifyRequest): Query {
  return request.query as Query;
}

function projectionOf(ctx: RequestContext, typeName: ResourceTypeName, q: Query) {
  return parseProjection(ctx.registry.resourceType(typeName), q.attributes, q.excludedAttributes);
}

function send(reply: FastifyReply, status: number, body: unknown): FastifyReply {
  return reply.code(status).type(SCIM_CONTENT_TYPE).send(body);
}

function sendResource(reply: FastifyReply, status: number, rendered: Rendered): FastifyReply {
  reply.header('ETag', rendered.etag);
  if (status === 201) reply.header('Location', rendered.location);
  return send(reply, status, rendered.resource);
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value.join(',') : value;
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

function kindOf(value: unknown): string {
  if (value === null) return 'null';
  return Array.isArray(value) ? 'array' : typeof value;
}

/**
 * The members of a SearchRequest (RFC 7644 §3.4.3), each checked for its type: a member of the
 * wrong type is a 400, never silently ignored (a numeric `filter` must not return everything).
 * `null` counts as absent.
 */
function searchParameters(body: unknown): ListParameters & { attributes?: string; excludedAttributes?: string } {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw invalidSyntax('A SearchRequest body must be a JSON object.');
  }
  const b = body as Record<string, unknown>;
  const given = (name: string) => b[name] !== undefined && b[name] !== null;
  const list = (name: string) => {
    const v = b[name];
    if (!given(name)) return undefined;
    if (typeof v === 'string') return v;
    if (Array.isArray(v) && v.every((item) => typeof item === 'string')) return v.join(',');
    throw invalidValue(`"${name}" must be a string or an array of strings, got ${kindOf(v)}.`);
  };
  const text = (name: string, error: typeof invalidValue = invalidValue) => {
    const v = b[name];
    if (!given(name)) return undefined;
    if (typeof v === 'string') return v;
    throw error(`"${name}" must be a string, got ${kindOf(v)}.`);
  };
  const num = (name: string) => {
    const v = b[name];
    if (!given(name)) return undefined;
    if (typeof v === 'number' || typeof v === 'string') return v;
    throw invalidValue(`"${name}" must be an integer, got ${kindOf(v)}.`);
  };
  const attributes = list('attributes');
  const excludedAttributes = list('excludedAttributes');
  const filter = text('filter', invalidFilter);
  const sortBy = text('sortBy');
  const sortOrder = text('sortOrder');
  const startIndex = num('startIndex');
  const count = num('count');
  // RFC 9865 §3: the cursor travels in the SearchRequest body too; any value is checked later.
  const cursor = b.cursor === null ? undefined : b.cursor;
  return {
    ...(attributes !== undefined ? { attributes } : {}),
    ...(excludedAttributes !== undefined ? { excludedAttributes } : {}),
    ...(filter !== undefined ? { filter } : {}),
    ...(sortBy !== undefined ? { sortBy } : {}),
    ...(sortOrder !== undefined ? { sortOrder } : {}),
    ...(startIndex !== undefined ? { startIndex } : {}),
    ...(count !== undefined ? { count } : {}),
    ...(cursor !== undefined ? { cursor } : {}),
  };
}

function registerResourceRoutes(
  app: FastifyInstance,
  type: ResourceTypeDefinition,
  context: ContextFactory,
  settings: RouteSettings,
): void {
  const typeName = type.name;
  const base = type.endpoint;
  app.get(base, async (request, reply) => {
    const ctx = await context(request);
    const q = query(request);
    const projection = projectionOf(ctx, typeName, q);
    const page = await listResources(ctx, typeName, q, projection, settings.cursors, settings.maxPageBytes);
    return send(reply, 200, page);
  });
  app.post(base, async (request, reply) => {
    const ctx = await context(request);
    const rendered = await createResource(ctx, typeName, request.body, projectionOf(ctx, typeName, query(request)));
    return sendResource(reply, 201, rendered);
  });
  app.post(`${base}/.search`, async (request, reply) => {
    const ctx = await context(request);
    const params = searchParameters(request.body);
    const projection = projectionOf(ctx, typeName, params as Query);
    return send(
      reply,
      200,
      await listResources(ctx, typeName, params, projection, settings.cursors, settings.maxPageBytes),
    );
  });
  app.get<{ Params: Params }>(`${base}/:id`, async (request, reply) => {
    const ctx = await context(request);
    const rendered = await getResource(ctx, typeName, request.params.id, projectionOf(ctx, typeName, query(request)));
    const ifNoneMatch = header(request, 'if-none-match');
    if (ifNoneMatch && etagMatches(ifNoneMatch, rendered.version)) {
      return reply.code(304).header('ETag', rendered.etag).send();
    }
    return sendResource(reply, 200, rendered);
  });
  app.put<{ Params: Params }>(`${base}/:id`, async (request, reply) => {
    const ctx = await context(request);
    const projection = projectionOf(ctx, typeName, query(request));
    const ifMatch = header(request, 'if-match');
    return sendResource(
      reply,
      200,
      await replaceResource(ctx, typeName, request.params.id, request.body, ifMatch, projection),
    );
  });
  app.patch<{ Params: Params }>(`${base}/:id`, async (request, reply) => {
    const ctx = await context(request);
    const q = query(request);
    // Groups answer 204 unless the client asks for attributes (RFC 7644 §3.5.2 allows either;
    // Entra advises 204), so a PATCH never reads a 100,000-member list just to echo it.
    const noContent = typeName === 'Group' && !q.attributes && !q.excludedAttributes;
    const projection = noContent
      ? projectionOf(ctx, typeName, { excludedAttributes: 'members' })
      : projectionOf(ctx, typeName, q);
    const ifMatch = header(request, 'if-match');
    const { rendered } = await patchResource(ctx, typeName, request.params.id, request.body, ifMatch, projection);
    if (noContent) return reply.code(204).header('ETag', rendered.etag).send();
    return sendResource(reply, 200, rendered);
  });
  app.delete<{ Params: Params }>(`${base}/:id`, async (request, reply) => {
    const ctx = await context(request);
    await deleteResource(ctx, typeName, request.params.id, header(request, 'if-match'));
    return reply.code(204).send();
  });
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
  const search = async (ctx: RequestContext, params: ListParameters & Query) =>
    searchAll(ctx, params, (typeName) => projectionOf(ctx, typeName, params), settings.cursors, settings.maxPageBytes);
  app.get('/', async (request, reply) => {
    const ctx = await context(request);
    return send(reply, 200, await search(ctx, query(request)));
  });
  app.post('/.search', async (request, reply) => {
    const ctx = await context(request);
    return send(reply, 200, await search(ctx, searchParameters(request.body) as ListParameters & Query));
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
