/**
 * One tenant: its SCIM URL, tokens (issue: shown once; revoke), allowed roles, setup links
 * (create: shown once; revoke; their use), the setup guide, and how its IdP is doing.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { buildGuide } from '../guide/content.js';
import { renderSectionsHtml } from '../guide/html.js';
import { loadGuideInput } from '../guide/load.js';
import { healthSettingsOf } from '../health/health-settings.js';
import { readTenantHealth } from '../health/read-health.js';
import { invalidValue } from '../scim/errors.js';
import { guardSettingsFrom } from '../service/deprovision-guard.js';
import { configureGuard, type GuardSettingsChange, releaseGuard, resetGuard, summariseHeld } from '../service/guard.js';
import { connectionStatus } from '../tenancy/connection-status.js';
import { listRoles, setTenantRoles } from '../tenancy/role-catalogue.js';
import {
  createSetupLink,
  listSetupLinkEvents,
  listSetupLinks,
  revokeSetupLink,
  setupLinkUrl,
} from '../tenancy/setup-links.js';
import { getTenant, issueToken, listTokens, revokeToken, viewTenant } from '../tenancy/tenants.js';
import type { ConsolePageOptions } from './console-options.js';
import { type FormError, formList, formRefusal, formText } from './forms.js';
import { sendPage } from './render.js';

/** What a POST wants the re-rendered tenant page to show once (a new secret) or say. */
interface TenantPageExtras {
  readonly issuedToken?: { token: string; hint: string };
  readonly newLink?: { url: string; expiresAt: string };
  readonly formError?: FormError;
  readonly notice?: string;
}

export const tenantPages: FastifyPluginAsync<ConsolePageOptions> = async (web, options) => {
  const { store, clock, originOf, config } = options;
  const slugOf = (request: FastifyRequest) => (request.params as { slug: string }).slug;
  const who = (request: FastifyRequest) => `console:${request.session.who ?? 'unknown'}`;
  const guardSettings = guardSettingsFrom(config);

  async function tenantPage(request: FastifyRequest, reply: FastifyReply, extras: TenantPageExtras = {}, status = 200) {
    const now = clock();
    const tenant = await getTenant(store, slugOf(request));
    const [tokens, roles, links, linkEvents, activity, health, guard] = await Promise.all([
      listTokens(store, tenant.slug, now),
      listRoles(store),
      listSetupLinks(store, tenant.slug, now),
      listSetupLinkEvents(store, tenant.slug, { limit: 20 }),
      connectionStatus(store, tenant, now),
      readTenantHealth(store, tenant, now, healthSettingsOf(config)),
      summariseHeld(store, tenant.slug, guardSettings),
    ]);
    const created = (request.query as Record<string, string | undefined>)['created'] === '1';
    return sendPage(
      request,
      reply,
      'tenant',
      {
        title: tenant.name,
        section: 'tenants',
        tenant: viewTenant(tenant, originOf(request)),
        allowedRoles: tenant.allowedRoles ?? null,
        tokens,
        roles,
        links,
        linkEvents,
        activity,
        health,
        guard,
        ...(created ? { notice: 'Tenant created. Next: send its IT admin a setup link.' } : {}),
        ...extras,
      },
      status,
    );
  }

  /** Runs a form's action; a refused input re-renders the page with the message by that form. */
  async function attempt(
    request: FastifyRequest,
    reply: FastifyReply,
    form: string,
    action: () => Promise<TenantPageExtras | undefined>,
  ) {
    try {
      const extras = await action();
      if (extras === undefined) return reply.redirect(`/console/tenants/${slugOf(request)}#${form}`, 303);
      return tenantPage(request, reply, extras);
    } catch (error) {
      const refused = formRefusal(error, form);
      return tenantPage(request, reply, { formError: refused.formError }, refused.status);
    }
  }

  web.get('/tenants/:slug', async (request, reply) => tenantPage(request, reply));

  web.post('/tenants/:slug/tokens', async (request, reply) =>
    attempt(request, reply, 'tokens', async () => {
      const label = formText(request.body, 'label').trim();
      const expiresIn = formText(request.body, 'expiresIn') || 'never';
      const issued = await issueToken(store, slugOf(request), { expiresIn, ...(label ? { label } : {}) }, clock());
      return { issuedToken: { token: issued.token, hint: issued.record.hint } };
    }),
  );

  web.post('/tenants/:slug/tokens/:id/revoke', async (request, reply) =>
    attempt(request, reply, 'tokens', async () => {
      await revokeToken(store, slugOf(request), (request.params as { id: string }).id, clock());
      return undefined;
    }),
  );

  web.post('/tenants/:slug/roles', async (request, reply) =>
    attempt(request, reply, 'roles', async () => {
      const all = formText(request.body, 'mode') !== 'selected';
      await setTenantRoles(store, slugOf(request), all ? null : formList(request.body, 'role'));
      return { notice: 'Allowed roles saved.' };
    }),
  );

  web.post('/tenants/:slug/setup-links', async (request, reply) =>
    attempt(request, reply, 'setup-links', async () => {
      const expiresIn = formText(request.body, 'expiresIn') || '7d';
      const link = await createSetupLink(store, slugOf(request), { expiresIn, createdBy: who(request) }, clock());
      return { newLink: { url: setupLinkUrl(originOf(request), link.opaque), expiresAt: link.record.expiresAt } };
    }),
  );

  web.post('/tenants/:slug/setup-links/:id/revoke', async (request, reply) =>
    attempt(request, reply, 'setup-links', async () => {
      await revokeSetupLink(store, slugOf(request), (request.params as { id: string }).id, clock());
      return undefined;
    }),
  );

  // The deprovision guard (docs/guard.md): the same use cases as `scimd guard` and the admin API.
  web.post('/tenants/:slug/guard/release', async (request, reply) =>
    attempt(request, reply, 'guard', async () => {
      const released = await releaseGuard(store, slugOf(request), { actor: who(request), now: clock() }, guardSettings);
      return { notice: `Held events released: delivery of ${released.tenant.slug}'s events goes on, in order.` };
    }),
  );

  web.post('/tenants/:slug/guard/reset', async (request, reply) =>
    attempt(request, reply, 'guard', async () => {
      await resetGuard(store, slugOf(request), { actor: who(request), now: clock() }, guardSettings);
      return { notice: 'Deprovision guard reset: it counts deprovisions from now.' };
    }),
  );

  web.post('/tenants/:slug/guard/settings', async (request, reply) =>
    attempt(request, reply, 'guard', async () => {
      await configureGuard(
        store,
        slugOf(request),
        guardForm(request.body),
        { actor: who(request), now: clock() },
        guardSettings,
      );
      return { notice: 'Deprovision guard threshold saved.' };
    }),
  );

  web.get('/tenants/:slug/guide', async (request, reply) => {
    const input = await loadGuideInput(store, slugOf(request), {
      baseUrl: originOf(request),
      entraClientIdTest: config.entraClientIdTest,
      entraClientIdProd: config.entraClientIdProd,
    });
    const guide = buildGuide(input);
    return sendPage(request, reply, 'guide', {
      title: guide.title,
      section: 'tenants',
      tenant: input.tenant,
      guideHtml: renderSectionsHtml(guide.sections),
    });
  });
};

/** The guard's threshold form: an empty field or "default" returns a value to the global one. */
function guardForm(body: unknown): GuardSettingsChange {
  const enabled = formText(body, 'enabled');
  const number = (name: string): number | null => {
    const text = formText(body, name).trim();
    if (text === '' || text === 'default') return null;
    if (!/^\d+(\.\d+)?$/.test(text)) throw invalidValue(`${name} must be a number, not ${JSON.stringify(text)}`);
    return Number(text);
  };
  return {
    enabled: enabled === 'on' ? true : enabled === 'off' ? false : null,
    percent: number('percent'),
    minimum: number('minimum'),
    windowMinutes: number('windowMinutes'),
  };
}
