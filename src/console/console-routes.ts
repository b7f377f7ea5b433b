/**
 * The operator console under `/console`: sign-in with an admin token (or the first-run URL),
 * the session rules (idle and absolute timeouts, credential revocation ends a session), CSRF on
 * every POST, then the page modules. Only sign-in and the first-run URL answer without a session.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { createAdminCredential, verifyAdminPresented } from '../tenancy/admin-credentials.js';
import { adminsPages } from './admins-pages.js';
import type { ConsolePageOptions } from './console-options.js';
import { DEFAULT_ABSOLUTE_TIMEOUT_MS } from './console-options.js';
import { directoryPages } from './directory-pages.js';
import { sendErrorPage } from './error-page.js';
import { feedPages } from './feed-pages.js';
import { formText } from './forms.js';
import { logPages } from './log-pages.js';
import { sendPage } from './render.js';
import { rolesPages } from './roles-pages.js';
import { tenantPages } from './tenant-pages.js';
import { tenantsPages } from './tenants-pages.js';
import { webhooksPages } from './webhooks-pages.js';

declare module 'fastify' {
  interface Session {
    /** Who signed in: `environment` (SCIMD_ADMIN_TOKEN_HASH) or a stored credential's label. */
    who?: string;
    /** The stored credential used, or null for the environment's token and the first run. */
    credentialId?: string | null;
    signedInAt?: number;
    /** Signed in with the first-run URL: may only create an admin credential. */
    bootstrap?: boolean;
  }
}

const PUBLIC_PATHS = new Set(['/console/sign-in', '/console/first-run']);
const WELCOME = '/console/welcome';

/** Only a path inside the console may be returned to after sign-in (no open redirect). */
function safeNext(next: unknown): string {
  return typeof next === 'string' && /^\/console(\/[\w\-./%?=&]*)?$/.test(next) && !next.startsWith('//')
    ? next
    : '/console/tenants';
}

/**
 * @fastify/session can only mark the cookie Secure per request with `secure: 'auto'`, and then
 * downgrades SameSite to Lax on plain HTTP; the console wants Strict in both cases.
 */
function strictCookie(request: FastifyRequest): void {
  const cookie = request.session?.cookie;
  if (cookie) cookie.sameSite = 'strict';
}

async function signIn(request: FastifyRequest, who: string, credentialId: string | null, now: Date, bootstrap = false) {
  // A new session id at every sign-in: a session id planted before sign-in is worthless.
  await request.session.regenerate();
  strictCookie(request);
  request.session.who = who;
  request.session.credentialId = credentialId;
  request.session.signedInAt = now.getTime();
  request.session.bootstrap = bootstrap;
}

export const consoleRoutes: FastifyPluginAsync<ConsolePageOptions> = async (web, options) => {
  const { store, config, clock, firstRun } = options;
  const absoluteMs = config.consoleAbsoluteTimeoutMs ?? DEFAULT_ABSOLUTE_TIMEOUT_MS;

  web.setNotFoundHandler((request, reply) =>
    sendErrorPage(request, reply, {
      status: 404,
      title: 'Not found',
      detail: 'There is no console page at this address.',
    }),
  );

  web.addHook('preHandler', async (request) => strictCookie(request));

  // Every POST carries the CSRF token of the page it came from (checked after the body is parsed).
  web.addHook('preHandler', (request, reply, done) => {
    if (request.method === 'POST') web.csrfProtection(request, reply, done);
    else done();
  });

  web.addHook('preHandler', async (request, reply) => {
    const path = request.url.split('?')[0]!.replace(/\/+$/, '');
    if (PUBLIC_PATHS.has(path)) return;
    const session = request.session;
    const expired = session.signedInAt !== undefined && clock().getTime() - session.signedInAt >= absoluteMs;
    const revoked =
      session.credentialId != null &&
      (await store.console.adminCredentials.list()).every((c) => c.id !== session.credentialId || c.revokedAt !== null);
    if (session.who === undefined || expired || revoked) {
      if (session.who !== undefined) await session.destroy();
      return toSignIn(request, reply, expired ? 'expired' : revoked ? 'revoked' : undefined);
    }
    if (session.bootstrap && path !== WELCOME) return reply.redirect(WELCOME, 303);
  });

  function toSignIn(request: FastifyRequest, reply: FastifyReply, reason?: string) {
    if (request.method !== 'GET') {
      return sendErrorPage(request, reply, {
        status: 401,
        title: 'Signed out',
        detail: 'Your session has ended. Sign in again, then repeat what you were doing.',
      });
    }
    const query = new URLSearchParams({ next: request.url, ...(reason ? { reason } : {}) });
    return reply.redirect(`/console/sign-in?${query}`, 303);
  }

  const signInPage = (
    request: FastifyRequest,
    reply: FastifyReply,
    data: { next: string; message?: string },
    status = 200,
  ) =>
    sendPage(
      request,
      reply,
      'sign-in',
      { title: 'Sign in', firstRunPending: firstRun?.pending(clock()) ?? false, ...data },
      status,
    );

  const REASONS: Record<string, string> = {
    expired: 'Your session reached its time limit. Sign in again.',
    revoked: 'The admin credential of your session was revoked.',
    'signed-out': 'You are signed out.',
  };

  web.get('/', async (_request, reply) => reply.redirect('/console/tenants', 303));

  web.get('/sign-in', async (request, reply) => {
    const query = request.query as Record<string, string | undefined>;
    const message = REASONS[query['reason'] ?? ''];
    return signInPage(request, reply, { next: safeNext(query['next']), ...(message ? { message } : {}) });
  });

  web.post('/sign-in', async (request, reply) => {
    const body = request.body as Record<string, unknown> | undefined;
    const now = clock();
    const result = await verifyAdminPresented(store, formText(body, 'token').trim(), config.adminTokenHash, now);
    const next = safeNext(body?.['next']);
    if (!result.ok) {
      request.log.info('console sign-in refused');
      const wait = await options.authFailures?.failed(request);
      if (wait !== undefined) {
        reply.header('Retry-After', String(wait));
        const message = `Too many failed sign-ins from this address. Try again in ${wait} seconds.`;
        return signInPage(request, reply, { next, message }, 429);
      }
      return signInPage(
        request,
        reply,
        { next, message: 'That admin token is not valid. Check it and try again.' },
        401,
      );
    }
    await signIn(request, result.who, result.credentialId, now);
    // Sessions that timed out are never read again; sign-ins are rare enough to sweep them here.
    await store.console.sessions.prune(now.toISOString());
    return reply.redirect(next, 303);
  });

  web.get('/first-run', async (request, reply) => {
    const token = (request.query as Record<string, string | undefined>)['token'];
    const now = clock();
    if (firstRun === undefined || !firstRun.consume(token, now)) {
      return sendErrorPage(request, reply, {
        status: 403,
        title: 'This sign-in link has been used or has expired',
        detail:
          'A first-run link works once, for 15 minutes. Sign in with an admin token, or restart scimd while no admin credential exists to print a new link.',
      });
    }
    await signIn(request, 'first run', null, now, true);
    return reply.redirect(WELCOME, 303);
  });

  web.get('/welcome', async (request, reply) =>
    sendPage(request, reply, 'welcome', { title: 'Create your admin credential', label: 'Console admin' }),
  );

  web.post('/welcome', async (request, reply) => {
    const body = request.body as Record<string, unknown> | undefined;
    const now = clock();
    const created = await createAdminCredential(store, formText(body, 'label') || 'Console admin', now);
    const session = request.session;
    // The credential exists now: the first-run session becomes an ordinary one.
    session.who = created.record.label;
    session.credentialId = created.record.id;
    session.bootstrap = false;
    return sendPage(request, reply, 'welcome', { title: 'Your admin credential', created });
  });

  web.post('/sign-out', async (request, reply) => {
    await request.session.destroy();
    return reply.redirect('/console/sign-in?reason=signed-out', 303);
  });

  // The page modules share this plugin's prefix; `options` carries it, so it is left out here.
  const { prefix: _prefix, ...pageOptions } = options as ConsolePageOptions & { prefix?: string };
  const pageModules = [
    tenantsPages,
    tenantPages,
    directoryPages,
    logPages,
    feedPages,
    webhooksPages,
    rolesPages,
    adminsPages,
  ];
  for (const pages of pageModules) await web.register(pages, pageOptions);
};
