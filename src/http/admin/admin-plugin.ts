/**
 * The admin HTTP API under `/admin/v1` (docs/guide.md "Admin API"): for the vendor's operators,
 * authenticated by `Authorization: Bearer <admin token>` checked against
 * `SCIMD_ADMIN_TOKEN_HASH`. Without that hash the API does not exist: its routes are never
 * registered, so they answer the same 404 as any unknown path. Errors are JSON
 * `{error, detail}`, not SCIM. This file only wires auth and errors and registers the route
 * modules; each module adds its own routes.
 */
import type { FastifyInstance } from 'fastify';
import type { Config } from '../../config/config.js';
import type { Store } from '../../store/store.js';
import { verifyAdminToken } from '../../tenancy/admin-token.js';
import { handleAdminError, sendAdminError } from './admin-errors.js';
import { registerEventRoutes } from './events-routes.js';
import { registerGuideRoutes } from './guide-routes.js';
import { registerLogRoutes } from './log-routes.js';
import { registerOpenApiRoutes } from './openapi-routes.js';
import { registerTenantRoutes } from './tenants-routes.js';
import { registerTokenRoutes } from './tokens-routes.js';
import { registerWebhookRoutes } from './webhooks-routes.js';

export const ADMIN_PREFIX = '/admin/v1';

export type AdminConfig = Pick<Config, 'publicUrl'> &
  Partial<Pick<Config, 'adminTokenHash' | 'entraClientIdTest' | 'entraClientIdProd'>> &
  Partial<Pick<Config, 'webhookAllowTargets'>>;

/** What every admin route module receives. */
export interface AdminContext {
  readonly store: Store;
  readonly config: AdminConfig;
  readonly clock: () => Date;
}

/** A route module: registers its routes (relative to `/admin/v1`) on the admin scope. */
export type AdminRouteModule = (admin: FastifyInstance, context: AdminContext) => void;

/** Every route module of the admin API, in registration order. */
const ROUTE_MODULES: readonly AdminRouteModule[] = [
  registerGuideRoutes,
  registerTenantRoutes,
  registerTokenRoutes,
  registerEventRoutes,
  registerWebhookRoutes,
  registerLogRoutes,
  registerOpenApiRoutes,
];

/** The token of an `Authorization: Bearer <token>` header; any other form yields undefined. */
function adminCredential(header: string | undefined): string | undefined {
  return /^bearer\s+(\S+)\s*$/i.exec(header ?? '')?.[1];
}

/** Mounts the admin API on `app` when `config.adminTokenHash` is set; otherwise does nothing. */
export async function registerAdminApi(app: FastifyInstance, context: AdminContext): Promise<void> {
  const expectedHash = context.config.adminTokenHash;
  if (expectedHash === undefined) return;
  await app.register(
    async (admin) => {
      admin.setErrorHandler(handleAdminError);
      admin.setNotFoundHandler((request, reply) =>
        sendAdminError(reply, 404, `No such admin endpoint: ${request.method} ${request.url.split('?')[0]}.`),
      );
      admin.addHook('onRequest', async (request, reply) => {
        if (verifyAdminToken(adminCredential(request.headers.authorization), expectedHash)) return;
        request.log.info('admin authentication failed');
        reply.header('WWW-Authenticate', 'Bearer realm="scimd-admin"');
        return sendAdminError(reply, 401, 'Send the admin token as "Authorization: Bearer <token>".');
      });
      for (const register of ROUTE_MODULES) register(admin, context);
    },
    { prefix: ADMIN_PREFIX },
  );
}
