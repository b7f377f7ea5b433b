/**
 * The admin routes as declared, without starting a server: each route module registers on a
 * stand-in scope that only records what it is given, in the same order and with the same
 * options as the admin plugin (adminModules). Tests check responses against the declarations.
 */
import type { FastifyInstance, RouteOptions } from 'fastify';
import { type AdminContext, adminModules } from '../admin-plugin.js';
import type { AdminRoute } from '../route-spec.js';

export function adminRouteTable(context: AdminContext): AdminRoute[] {
  const routes: AdminRoute[] = [];
  const scope = {
    route(options: RouteOptions) {
      const declared = options.config?.adminRoute;
      if (declared !== undefined) routes.push(declared);
      return scope;
    },
    addHook() {
      return scope;
    },
  };
  for (const { plugin, options } of adminModules(context, routes)) {
    (plugin as (s: FastifyInstance, o: unknown, done: () => void) => void)(
      scope as unknown as FastifyInstance,
      options,
      () => undefined,
    );
  }
  return routes;
}
