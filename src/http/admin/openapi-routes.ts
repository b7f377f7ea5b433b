/**
 * `GET /admin/v1/openapi.json`: the OpenAPI 3.1 document of the admin API, generated from the
 * zod schemas the routes validate with (route-spec.ts), so it cannot drift from the code.
 */
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import type { AdminContext } from './admin-plugin.js';
import { eventRoutes } from './events-routes.js';
import { logRoutes } from './log-routes.js';
import type { AdminRoute } from './route-spec.js';
import { tenantRoutes } from './tenants-routes.js';
import { tokenRoutes } from './tokens-routes.js';
import { webhookRoutes } from './webhooks-routes.js';

const errorSchema = z.object({
  error: z.string().describe('A stable code: bad_request, unauthorized, not_found, conflict, …'),
  detail: z.string().describe('What is wrong, for people'),
});

const STATUS_TEXT: Readonly<Record<number, string>> = {
  200: 'OK',
  201: 'Created',
  204: 'No Content',
  400: 'Invalid input (the detail says which)',
  401: 'Missing or wrong admin token',
  404: 'No such tenant, token, webhook or entry',
  409: 'Already exists',
};

/** JSON Schema for embedding in OpenAPI 3.1 (which uses JSON Schema 2020-12). */
function jsonSchema(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, { io, unrepresentable: 'any' }) as Record<
    string,
    unknown
  >;
  return rest;
}

const json = (schema: z.ZodType, io: 'input' | 'output') => ({
  content: { 'application/json': { schema: jsonSchema(schema, io) } },
});

function parameters(route: AdminRoute): unknown[] {
  const list: unknown[] = [];
  for (const [where, schema] of [
    ['path', route.params],
    ['query', route.query],
  ] as const) {
    if (schema === undefined) continue;
    const object = jsonSchema(schema, 'input') as { properties?: Record<string, { description?: string }> };
    const required = new Set((object as { required?: string[] }).required ?? []);
    for (const [name, property] of Object.entries(object.properties ?? {})) {
      const { description, ...rest } = property;
      list.push({
        name,
        in: where,
        required: where === 'path' || required.has(name),
        ...(description === undefined ? {} : { description }),
        schema: rest,
      });
    }
  }
  return list;
}

function operation(route: AdminRoute): Record<string, unknown> {
  const responses: Record<string, unknown> = {
    [route.status]: {
      description: STATUS_TEXT[route.status] ?? 'OK',
      ...(route.response === undefined ? {} : json(route.response, 'output')),
    },
  };
  for (const status of [...route.errors, 401]) {
    responses[status] = { description: STATUS_TEXT[status] ?? 'Error', ...json(errorSchema, 'output') };
  }
  return {
    tags: [route.tag],
    summary: route.summary,
    ...(route.description === undefined ? {} : { description: route.description }),
    parameters: parameters(route),
    ...(route.body === undefined ? {} : { requestBody: { required: true, ...json(route.body, 'input') } }),
    responses,
  };
}

/** Every route declared with route-spec.ts, as the admin plugin registers them. */
export function adminRouteTable(context: AdminContext): AdminRoute[] {
  return [
    ...tenantRoutes(context),
    ...tokenRoutes(context),
    ...eventRoutes(context, new Set()),
    ...webhookRoutes(context),
    ...logRoutes(context),
  ];
}

/** The guide route is registered by guide-routes.ts without zod schemas: described by hand. */
const GUIDE_PATH = {
  get: {
    tags: ['tenants'],
    summary: "A tenant's setup guide for the customer's IT admin (never contains a token)",
    parameters: [
      { name: 'slug', in: 'path', required: true, schema: { type: 'string' } },
      { name: 'format', in: 'query', required: false, schema: { type: 'string', enum: ['html', 'md', 'json'] } },
    ],
    responses: {
      200: { description: 'The guide, HTML by default' },
      400: { description: STATUS_TEXT[400], ...json(errorSchema, 'output') },
      401: { description: STATUS_TEXT[401], ...json(errorSchema, 'output') },
      404: { description: STATUS_TEXT[404], ...json(errorSchema, 'output') },
    },
  },
};

export function openApiDocument(routes: readonly AdminRoute[], version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {
    '/tenants/{slug}/guide': GUIDE_PATH,
    '/openapi.json': {
      get: { tags: ['meta'], summary: 'This document', responses: { 200: { description: 'OpenAPI 3.1' } } },
    },
  };
  for (const route of routes) {
    const path = route.url.replace(/:([A-Za-z]+)/g, '{$1}');
    paths[path] = { ...paths[path], [route.method.toLowerCase()]: operation(route) };
  }
  const sorted = Object.fromEntries(Object.entries(paths).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  return {
    openapi: '3.1.0',
    info: {
      title: 'scimd admin API',
      version,
      description:
        'Operate scimd: tenants, tokens, the change feed, webhooks and the provisioning log. Authenticate with "Authorization: Bearer <admin token>" (SCIMD_ADMIN_TOKEN_HASH).',
    },
    servers: [{ url: '/admin/v1' }],
    security: [{ adminToken: [] }],
    components: { securitySchemes: { adminToken: { type: 'http', scheme: 'bearer' } } },
    paths: sorted,
  };
}

export function registerOpenApiRoutes(admin: FastifyInstance, context: AdminContext): void {
  let document: Record<string, unknown> | undefined;
  admin.get('/openapi.json', async (_request, reply) => {
    document ??= openApiDocument(adminRouteTable(context), '1.0.0');
    return reply.header('Cache-Control', 'no-store').send(document);
  });
}
