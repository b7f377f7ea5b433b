/**
 * The tenants list: search, status, last IdP contact and errors of the last 24 h per tenant;
 * create, enable/disable, and delete after typing the slug. Same use cases as the admin API.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { healthSettingsOf } from '../health/health-settings.js';
import { readTenantHealth } from '../health/read-health.js';
import { isScimError } from '../scim/errors.js';
import { connectionStatus } from '../tenancy/connection-status.js';
import { createTenant, deleteTenant, getTenant, listTenants, setTenantStatus, viewTenant } from '../tenancy/tenants.js';
import type { ConsolePageOptions } from './console-options.js';
import { formText } from './forms.js';
import { sendPage } from './render.js';

const PAGE_SIZE = 25;

export const tenantsPages: FastifyPluginAsync<ConsolePageOptions> = async (web, options) => {
  const { store, clock, originOf } = options;
  const healthSettings = healthSettingsOf(options.config);

  async function listPage(
    request: FastifyRequest,
    reply: FastifyReply,
    extra: { formError?: string; form?: { slug: string; name: string }; notice?: string } = {},
    status = 200,
  ) {
    const query = request.query as Record<string, string | undefined>;
    const q = (query['q'] ?? '').trim();
    const needle = q.toLowerCase();
    const now = clock();
    const all = await listTenants(store);
    const matching = needle ? all.filter((t) => t.slug.includes(needle) || t.name.toLowerCase().includes(needle)) : all;
    const pages = Math.max(1, Math.ceil(matching.length / PAGE_SIZE));
    const page = Math.min(pages, Math.max(1, Number.parseInt(query['page'] ?? '1', 10) || 1));
    const shown = matching.slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE);
    const origin = originOf(request);
    const rows = await Promise.all(
      shown.map(async (t) => ({
        tenant: viewTenant(t, origin),
        activity: await connectionStatus(store, t, now),
        health: await readTenantHealth(store, t, now, healthSettings),
      })),
    );
    return sendPage(
      request,
      reply,
      'tenants',
      { title: 'Tenants', section: 'tenants', rows, q, page, pages, total: matching.length, all: all.length, ...extra },
      status,
    );
  }

  web.get('/tenants', async (request, reply) => {
    const deleted = (request.query as Record<string, string | undefined>)['deleted'];
    return listPage(request, reply, deleted ? { notice: `Tenant ${deleted} was deleted with all of its data.` } : {});
  });

  web.post('/tenants', async (request, reply) => {
    const slug = formText(request.body, 'slug').trim();
    const name = formText(request.body, 'name').trim();
    try {
      const tenant = await createTenant(store, { slug, ...(name ? { name } : {}) }, clock());
      return reply.redirect(`/console/tenants/${tenant.slug}?created=1`, 303);
    } catch (error) {
      if (!isScimError(error) || error.status >= 500) throw error;
      return listPage(request, reply, { formError: error.detail, form: { slug, name } }, error.status);
    }
  });

  web.post('/tenants/:slug/status', async (request, reply) => {
    const { slug } = request.params as { slug: string };
    const status = formText(request.body, 'status') === 'disabled' ? 'disabled' : 'active';
    await setTenantStatus(store, slug, status);
    return reply.redirect(`/console/tenants/${slug}`, 303);
  });

  web.get('/tenants/:slug/delete', async (request, reply) => {
    const tenant = await getTenant(store, (request.params as { slug: string }).slug);
    return sendPage(request, reply, 'tenant-delete', { title: `Delete ${tenant.slug}`, section: 'tenants', tenant });
  });

  web.post('/tenants/:slug/delete', async (request, reply) => {
    const tenant = await getTenant(store, (request.params as { slug: string }).slug);
    if (formText(request.body, 'confirm').trim() !== tenant.slug) {
      return sendPage(
        request,
        reply,
        'tenant-delete',
        {
          title: `Delete ${tenant.slug}`,
          section: 'tenants',
          tenant,
          formError: `Type the tenant's slug, ${tenant.slug}, exactly to confirm.`,
        },
        400,
      );
    }
    await deleteTenant(store, tenant.slug);
    return reply.redirect(`/console/tenants?deleted=${encodeURIComponent(tenant.slug)}`, 303);
  });
};
