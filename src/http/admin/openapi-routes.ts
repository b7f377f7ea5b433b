/**
 * `GET /admin/v1/openapi.json`: the OpenAPI 3.1 document of the admin API, generated from the
 * routes as they are registered (each carries its declaration, route-spec.ts) and the zod
 * schemas they validate with, so it cannot drift from the code: a route is documented because
 * it exists, not because a second list names it.
 */
import type { FastifyInstance, FastifyPluginCallback } from 'fastify';
import { z } from 'zod';
import { type AdminRoute, defineRoute, registerRoutes } from './route-spec.js';

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
      description: route.responseDescription ?? STATUS_TEXT[route.status] ?? 'OK',
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

function openApiDocument(routes: readonly AdminRoute[], version: string): Record<string, unknown> {
  const paths: Record<string, Record<string, unknown>> = {};
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

/**
 * Collects the declaration of every admin route registered on `scope` (and its children) from
 * now on; the list fills as the route modules register.
 */
export function collectAdminRoutes(scope: FastifyInstance): readonly AdminRoute[] {
  const routes: AdminRoute[] = [];
  scope.addHook('onRoute', (options) => {
    const declared = options.config?.adminRoute;
    // Fastify adds a HEAD route for each GET, with the same config: documented once, as GET.
    if (declared !== undefined && options.method === declared.method) routes.push(declared);
  });
  return routes;
}

export interface OpenApiRoutesOptions {
  /** The admin routes, as collected by collectAdminRoutes (this one included). */
  readonly routes: readonly AdminRoute[];
  readonly version: string;
}

export const openApiRoutes: FastifyPluginCallback<OpenApiRoutesOptions> = (admin, options, done) => {
  let document: Record<string, unknown> | undefined;
  registerRoutes(admin, [
    defineRoute({
      method: 'GET',
      url: '/openapi.json',
      tag: 'meta',
      summary: 'This document',
      status: 200,
      responseDescription: 'OpenAPI 3.1',
      errors: [],
      handle: async () => {
        document ??= openApiDocument(options.routes, options.version);
        return document;
      },
    }),
  ]);
  done();
};
