/**
 * The web console (`/console`, for the vendor's operators) and the customer setup portal
 * (`/setup/<link>`), served by the same process as SCIM (docs/console.md). Pages are rendered on
 * the server from the same tenancy and service use cases as the admin API; the few scripts only
 * enhance them (copy buttons, live panels over Server-Sent Events). With `SCIMD_CONSOLE=off`
 * nothing here is registered: both paths answer the same 404 as any unknown path.
 *
 * Libraries do the security-sensitive parts: @fastify/session (signed session cookie, stored in
 * the database), @fastify/csrf-protection (a token in every state-changing form),
 * @fastify/helmet (a strict Content-Security-Policy: no inline script or style, nothing remote).
 */
import { randomBytes } from 'node:crypto';
import fastifyCookie from '@fastify/cookie';
import fastifyCsrf from '@fastify/csrf-protection';
import fastifyFormbody from '@fastify/formbody';
import fastifyHelmet from '@fastify/helmet';
import fastifySession from '@fastify/session';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';
import {
  type ConsoleOptions,
  CSRF_COOKIE,
  consoleEnabled,
  DEFAULT_IDLE_TIMEOUT_MS,
  SESSION_COOKIE,
} from './console-options.js';
import { consoleRoutes } from './console-routes.js';
import { sendErrorPage, toPageError } from './error-page.js';
import { ASSETS_DIR, ASSETS_PREFIX } from './paths.js';
import { portalRoutes } from './portal-routes.js';
import { databaseSessionStore } from './session-store.js';
import { LiveStreams } from './sse.js';

const CONTENT_SECURITY_POLICY = {
  useDefaults: false,
  directives: {
    defaultSrc: ["'none'"],
    scriptSrc: ["'self'"],
    styleSrc: ["'self'"],
    imgSrc: ["'self'", 'data:'],
    connectSrc: ["'self'"],
    formAction: ["'self'"],
    frameAncestors: ["'none'"],
    baseUri: ["'none'"],
  },
};

export async function registerConsole(app: FastifyInstance, options: ConsoleOptions): Promise<void> {
  if (!consoleEnabled(options.config)) return;
  const { store, clock } = options;
  // One signing secret for every process sharing the database, generated on first start.
  const secret = await store.console.settings.getOrCreate('console.session-secret', () =>
    randomBytes(32).toString('base64url'),
  );
  const idleMs = options.config.consoleIdleTimeoutMs ?? DEFAULT_IDLE_TIMEOUT_MS;
  const live = new LiveStreams(options.livePollMs ?? 1000);
  app.addHook('onClose', async () => live.closeAll());

  await app.register(async (web) => {
    await web.register(fastifyCookie);
    await web.register(fastifyFormbody);
    await web.register(fastifyHelmet, {
      contentSecurityPolicy: CONTENT_SECURITY_POLICY,
      // Same-origin everything; no referrer leaks a setup link to another site.
      referrerPolicy: { policy: 'no-referrer' },
      crossOriginEmbedderPolicy: false,
    });
    await web.register(fastifySession, {
      secret,
      cookieName: SESSION_COOKIE,
      store: databaseSessionStore(store.console.sessions, clock),
      saveUninitialized: false,
      rolling: true,
      cookie: { path: '/console', httpOnly: true, sameSite: 'strict', secure: 'auto', maxAge: idleMs },
    });
    await web.register(fastifyCsrf, {
      sessionPlugin: '@fastify/cookie',
      cookieKey: CSRF_COOKIE,
      cookieOpts: { path: '/', httpOnly: true, sameSite: 'strict', secure: 'auto' },
      getToken: (request) => (request.body as Record<string, string> | undefined)?.['_csrf'],
    });
    await web.register(fastifyStatic, { root: ASSETS_DIR, prefix: ASSETS_PREFIX, index: false, maxAge: '1h' });
    web.setErrorHandler((error, request, reply) => sendErrorPage(request, reply, toPageError(error, request.log)));
    await web.register(consoleRoutes, { ...options, live, prefix: '/console' });
    await web.register(portalRoutes, { ...options, live, prefix: '/setup' });
  });
}
