/**
 * The customer setup portal, `/setup/<link>` (issue #15.2): what a customer's IT admin opens from
 * the link the vendor sent, with no account. The link is the credential: every request resolves
 * it again, so an expired or revoked link stops working at once (the live panel says so too),
 * and it reaches only its own tenant's portal. Each opening and each token generated is recorded.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { buildGuide } from '../guide/content.js';
import { diagnoseRequest } from '../guide/diagnose.js';
import { renderSectionsHtml } from '../guide/html.js';
import { loadGuideInput } from '../guide/load.js';
import type { GuideInput } from '../guide/model.js';
import type { SetupLinkRecord } from '../store/console-port.js';
import type { TenantRecord } from '../store/store.js';
import { connectionStatus } from '../tenancy/connection-status.js';
import { generatePortalToken, recordSetupLinkUse, resolveSetupLink } from '../tenancy/setup-links.js';
import { scimUrlFor } from '../tenancy/tenants.js';
import type { ConsolePageOptions } from './console-options.js';
import { DEFAULT_SETUP_TOKEN_GRACE_MS } from './console-options.js';
import { sendErrorPage } from './error-page.js';
import { renderTemplate, sendPage } from './render.js';

type Resolved = { link: SetupLinkRecord; tenant: TenantRecord };

const CLOSED: Record<string, { status: number; title: string; detail: string }> = {
  unknown: {
    status: 404,
    title: 'This setup link is not valid',
    detail: 'Check that you copied the whole link. If it still does not open, ask your vendor for a new setup link.',
  },
  expired: {
    status: 410,
    title: 'This setup link has expired',
    detail:
      'Setup links work for a limited time. Ask your vendor for a new one. Tokens you already generated keep working.',
  },
  revoked: {
    status: 410,
    title: 'This setup link was withdrawn',
    detail:
      'Your vendor revoked this setup link. Ask them for a new one if you still need it. Tokens you already generated keep working until your vendor revokes them.',
  },
  'tenant-disabled': {
    status: 403,
    title: 'This organisation is disabled',
    detail: 'Your vendor has disabled provisioning for your organisation. Contact them to turn it back on.',
  },
};

/** Openings of one link from one address closer together than this are recorded once. */
const REOPEN_MS = 10 * 60_000;

const clientOf = (request: FastifyRequest) => ({
  address: request.ip,
  userAgent: request.headers['user-agent']?.slice(0, 300) ?? null,
});

export const portalRoutes: FastifyPluginAsync<ConsolePageOptions> = async (web, options) => {
  const { store, clock, originOf, config, live } = options;
  const graceMs = config.setupTokenGraceMs ?? DEFAULT_SETUP_TOKEN_GRACE_MS;

  web.setNotFoundHandler((request, reply) => sendErrorPage(request, reply, { ...CLOSED['unknown']!, portal: true }));
  web.addHook('preHandler', (request, reply, done) => {
    if (request.method === 'POST') web.csrfProtection(request, reply, done);
    else done();
  });

  /** The link of the request, or a clear page saying why it does not open. */
  async function resolve(request: FastifyRequest, reply: FastifyReply): Promise<Resolved | undefined> {
    const { link } = request.params as { link: string };
    const result = await resolveSetupLink(store, link, clock());
    if (result.ok) return result;
    const closed = CLOSED[result.reason]!;
    await sendPage(request, reply, 'portal-closed', { title: closed.title, portal: true, closed }, closed.status);
    return undefined;
  }

  const guideInputOf = (request: FastifyRequest, tenant: TenantRecord) =>
    loadGuideInput(store, tenant.slug, {
      baseUrl: originOf(request),
      entraClientIdTest: config.entraClientIdTest,
      entraClientIdProd: config.entraClientIdProd,
    });

  async function statusPanel(tenant: TenantRecord, input: GuideInput): Promise<string> {
    const status = await connectionStatus(store, tenant, clock());
    const failures = status.recentFailures.map((entry) => ({ entry, diagnosis: diagnoseRequest(entry, input) }));
    return renderTemplate('partials/portal-status', { status, failures });
  }

  async function portalPage(
    request: FastifyRequest,
    reply: FastifyReply,
    { link, tenant }: Resolved,
    extras: Record<string, unknown> = {},
  ) {
    const input = await guideInputOf(request, tenant);
    const guide = buildGuide(input);
    return sendPage(request, reply, 'portal', {
      title: `Connect ${tenant.name} to Microsoft Entra ID`,
      portal: true,
      tenant,
      link,
      linkPath: `/setup/${(request.params as { link: string }).link}`,
      scimUrl: scimUrlFor(originOf(request), tenant.slug),
      graceHours: Math.round(graceMs / 3600_000),
      guideHtml: renderSectionsHtml(
        guide.sections.filter((s) => s.id !== 'values'),
        { headingLevel: 3 },
      ),
      statusHtml: await statusPanel(tenant, input),
      ...extras,
    });
  }

  /**
   * Records an opening, unless the same address opened the link in the last `REOPEN_MS`: a
   * reload is not news to the operator, and reloads must not grow the link's history unbounded.
   */
  async function recordOpening(link: SetupLinkRecord, request: FastifyRequest, now: Date) {
    const client = clientOf(request);
    const recent = await store.console.setupLinks.listEvents(link.tenantId, { linkId: link.id, limit: 20 });
    const reopened = recent.some(
      (e) =>
        e.kind === 'opened' && e.clientAddress === client.address && now.getTime() - Date.parse(e.time) < REOPEN_MS,
    );
    if (!reopened) await recordSetupLinkUse(store, link, 'opened', client, now);
  }

  web.get('/:link', async (request, reply) => {
    const resolved = await resolve(request, reply);
    if (resolved === undefined) return reply;
    await recordOpening(resolved.link, request, clock());
    return portalPage(request, reply, resolved);
  });

  web.post('/:link/token', async (request, reply) => {
    const resolved = await resolve(request, reply);
    if (resolved === undefined) return reply;
    const generated = await generatePortalToken(store, resolved.link, graceMs, clientOf(request), clock());
    return portalPage(request, reply, resolved, { generated });
  });

  web.get('/:link/status', async (request, reply) => {
    const resolved = await resolve(request, reply);
    if (resolved === undefined) return reply;
    const input = await guideInputOf(request, resolved.tenant);
    const { link } = request.params as { link: string };
    let last = '';
    live.open(request, reply, async () => {
      const again = await resolveSetupLink(store, link, clock());
      if (!again.ok) {
        const closed = CLOSED[again.reason]!;
        return [{ event: 'closed', data: renderTemplate('partials/closed', { closed }), final: true }];
      }
      const html = await statusPanel(resolved.tenant, input);
      if (html === last) return [];
      last = html;
      return [{ event: 'status', data: html }];
    });
    return reply;
  });
};
