/**
 * Admin routes declared as data: method, URL, zod schemas for path parameters, query and body,
 * the success status and response schema, and a handler. `registerRoutes` registers each as a
 * Fastify route (input is validated with the schemas) carrying its declaration in the route's
 * `config`, where the OpenAPI document (openapi-routes.ts) collects it as the route is added:
 * what is documented is what is registered, with no second list.
 */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { badRequest } from '../../scim/errors.js';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** The declaration an admin route was registered from, for the OpenAPI document. */
    adminRoute?: AdminRoute;
  }
}

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

export interface RouteInput<P, Q, B> {
  readonly params: P;
  readonly query: Q;
  readonly body: B;
  readonly request: FastifyRequest;
  readonly reply: FastifyReply;
}

export interface AdminRoute {
  readonly method: HttpMethod;
  /** Relative to `/admin/v1`, Fastify syntax (`/tenants/:slug`). */
  readonly url: string;
  readonly tag: string;
  readonly summary: string;
  readonly description?: string;
  readonly params?: z.ZodObject;
  readonly query?: z.ZodObject;
  readonly body?: z.ZodType;
  readonly status: number;
  /** The success body; absent for 204 and for bodies that are not JSON (the guide). */
  readonly response?: z.ZodType;
  /** What the success response is, when more can be said than its status text. */
  readonly responseDescription?: string;
  /** Error statuses worth documenting besides 401. */
  readonly errors: readonly number[];
  handle(input: RouteInput<unknown, unknown, unknown>): Promise<unknown>;
}

interface RouteDefinition<P extends z.ZodObject, Q extends z.ZodObject, B extends z.ZodType>
  extends Omit<AdminRoute, 'params' | 'query' | 'body' | 'handle'> {
  readonly params?: P;
  readonly query?: Q;
  readonly body?: B;
  handle(input: RouteInput<z.output<P>, z.output<Q>, z.output<B>>): Promise<unknown>;
}

/** Declares a route; the handler's input types follow from the schemas. */
export function defineRoute<
  P extends z.ZodObject = z.ZodObject,
  Q extends z.ZodObject = z.ZodObject,
  B extends z.ZodType = z.ZodUndefined,
>(definition: RouteDefinition<P, Q, B>): AdminRoute {
  return definition as unknown as AdminRoute;
}

function parse(schema: z.ZodType | undefined, value: unknown, where: string): unknown {
  if (schema === undefined) return undefined;
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const problems = result.error.issues.map((issue) => {
    const path = issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
    return `${path}${issue.message}`;
  });
  throw badRequest(`invalid ${where}: ${problems.join('; ')}`);
}

/** Registers `routes` on the admin scope, validating each request against its schemas. */
export function registerRoutes(admin: FastifyInstance, routes: readonly AdminRoute[]): void {
  for (const route of routes) {
    admin.route({
      method: route.method,
      url: route.url,
      config: { adminRoute: route },
      handler: async (request, reply) => {
        const input = {
          params: parse(route.params, request.params, 'path'),
          query: parse(route.query, request.query, 'query'),
          body: parse(route.body, route.body === undefined ? undefined : (request.body ?? {}), 'body'),
          request,
          reply,
        };
        const result = await route.handle(input);
        reply.code(route.status).header('Cache-Control', 'no-store');
        return route.status === 204 ? reply.send() : reply.send(result);
      },
    });
  }
}

/** Query-string helpers: every value arrives as text. */
export const queryInteger = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
export const queryBoolean = z
  .enum(['true', 'false', '1', '0', ''])
  .transform((v) => v === 'true' || v === '1' || v === '');
export const slugParams = z.object({ slug: z.string().describe('The tenant slug') });
