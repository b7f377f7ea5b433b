/**
 * The admin HTTP API under `/admin/v1` (docs/guide.md "Admin API"): for the vendor's operators,
 * authenticated by `Authorization: Bearer <admin token>`, either the token hashed in
 * `SCIMD_ADMIN_TOKEN_HASH` or an admin credential stored in the database (created from the
 * console or the API itself). The API exists when that hash is set or the web console is on
 * (`SCIMD_CONSOLE`, whose credentials it accepts); with neither, its routes are never
 * registered, so they answer the same 404 as any unknown path. Errors are JSON
 * `{error, detail}`, not SCIM (admin-errors.ts). This file only wires auth and errors and
 * registers the route modules, each a Fastify plugin with its own options; the OpenAPI document
 * is collected from the routes they register. Imports go one way: here to the modules.
 */
import type { FastifyInstance, FastifyPluginCallback, FastifyPluginOptions } from 'fastify';
import type { Config } from '../../config/config.js';
import type { Store } from '../../store/store.js';
import { verifyAdminPresented } from '../../tenancy/admin-credentials.js';
import type { AuthFailureLimit } from '../rate-limits.js';
import { adminCredentialRoutes } from './admin-credentials-routes.js';
import { handleAdminError, sendAdminError } from './admin-errors.js';
import { directoryRoutes } from './directory-routes.js';
import { eventRoutes } from './events-routes.js';
import { guardRoutes } from './guard-routes.js';
import { guideRoutes } from './guide-routes.js';
import { healthRoutes } from './health-routes.js';
import { historyRoutes } from './history-routes.js';
import { logRoutes } from './log-routes.js';
import { collectAdminRoutes, openApiRoutes } from './openapi-routes.js';
import type { AdminRoute } from './route-spec.js';
import { setupLinkRoutes } from './setup-links-routes.js';
import { tenantRoutes } from './tenants-routes.js';
import { tokenRoutes } from './tokens-routes.js';
import { webhookRoutes } from './webhooks-routes.js';

export const ADMIN_PREFIX = '/admin/v1';

export type AdminConfig = Pick<Config, 'publicUrl'> &
  Partial<Pick<Config, 'adminTokenHash' | 'entraClientIdTest' | 'entraClientIdProd'>> &
  Partial<Pick<Config, 'webhookAllowTargets'>> &
  Partial<Pick<Config, 'consoleEnabled'>> &
  Partial<Pick<Config, 'healthSilentAfterMs' | 'healthAtRiskFraction'>> &
  Partial<Pick<Config, 'guardEnabled' | 'guardPercent' | 'guardMinimum' | 'guardWindowMinutes'>>;

declare module 'fastify' {
  interface FastifyRequest {
    /** Who an authenticated admin request acts as, for recorded decisions (the deprovision guard). */
    adminActor: string;
  }
}

/** What the admin API is built from; each module takes the part it needs. */
export interface AdminContext {
  readonly store: Store;
  readonly config: AdminConfig;
  readonly clock: () => Date;
  /** Failed authentications per client address, shared with SCIM and the console (issue #16.3). */
  readonly authFailures?: AuthFailureLimit;
}

/** The version the OpenAPI document gives the API. */
const ADMIN_API_VERSION = '1.0.0';

/** A route module (a Fastify plugin) with the options it is registered with. */
export interface AdminModule {
  readonly plugin: FastifyPluginCallback<never>;
  readonly options: unknown;
}

const adminModule = <O extends FastifyPluginOptions>(plugin: FastifyPluginCallback<O>, options: O): AdminModule =>
  ({ plugin, options }) as unknown as AdminModule;

/**
 * Every route module, in the order of the OpenAPI tags, each given the part of the context it
 * needs; `routes` is what the OpenAPI document is built from (collectAdminRoutes).
 */
export function adminModules(context: AdminContext, routes: readonly AdminRoute[]): readonly AdminModule[] {
  const { store, config, clock } = context;
  const { publicUrl } = config;
  return [
    adminModule(guideRoutes, {
      store,
      publicUrl,
      entraClientIdTest: config.entraClientIdTest,
      entraClientIdProd: config.entraClientIdProd,
    }),
    adminModule(tenantRoutes, { store, clock, publicUrl }),
    adminModule(tokenRoutes, { store, clock, publicUrl }),
    adminModule(setupLinkRoutes, { store, clock, publicUrl }),
    adminModule(directoryRoutes, { store }),
    adminModule(eventRoutes, { store }),
    adminModule(webhookRoutes, { store, clock, webhookAllowTargets: config.webhookAllowTargets }),
    adminModule(logRoutes, { store, clock }),
    adminModule(healthRoutes, { store, clock, config }),
    adminModule(guardRoutes, { store, clock, config }),
    adminModule(adminCredentialRoutes, { store, clock }),
    adminModule(historyRoutes, { store }),
    adminModule(openApiRoutes, { routes, version: ADMIN_API_VERSION }),
  ];
}

/** The token of an `Authorization: Bearer <token>` header; any other form yields undefined. */
function adminCredential(header: string | undefined): string | undefined {
  return /^bearer\s+(\S+)\s*$/i.exec(header ?? '')?.[1];
}

/**
 * Mounts the admin API on `app` unless there is no `config.adminTokenHash` and the console is
 * off (`consoleEnabled: false`); the console being on by default, credentials created there
 * then work here too.
 */
export async function registerAdminApi(app: FastifyInstance, context: AdminContext): Promise<void> {
  const { store, clock } = context;
  const expectedHash = context.config.adminTokenHash;
  if (expectedHash === undefined && context.config.consoleEnabled === false) return;
  await app.register(
    async (admin) => {
      admin.setErrorHandler(handleAdminError);
      admin.setNotFoundHandler((request, reply) =>
        sendAdminError(reply, 404, `No such admin endpoint: ${request.method} ${request.url.split('?')[0]}.`),
      );
      admin.decorateRequest('adminActor', '');
      admin.addHook('onRequest', async (request, reply) => {
        const presented = adminCredential(request.headers.authorization);
        const verified = await verifyAdminPresented(store, presented, expectedHash, clock());
        if (verified.ok) {
          request.adminActor =
            verified.credentialId === null
              ? 'admin-api:environment token'
              : `admin-api:${verified.who} (${verified.credentialId})`;
          return;
        }
        request.log.info('admin authentication failed');
        const wait = await context.authFailures?.failed(request);
        if (wait !== undefined) {
          reply.header('Retry-After', String(wait));
          return sendAdminError(reply, 429, `Too many failed authentications from this address; retry in ${wait} s.`);
        }
        reply.header('WWW-Authenticate', 'Bearer realm="scimd-admin"');
        return sendAdminError(reply, 401, 'Send the admin token as "Authorization: Bearer <token>".');
      });
      const routes = collectAdminRoutes(admin);
      for (const { plugin, options } of adminModules(context, routes)) {
        await admin.register(plugin as FastifyPluginCallback, options as FastifyPluginOptions);
      }
    },
    { prefix: ADMIN_PREFIX },
  );
}
