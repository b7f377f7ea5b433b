/** The read-only users and groups browser of a tenant (src/tenancy/directory.ts). */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { getGroupDetail, getUserDetail, searchGroups, searchUsers } from '../tenancy/directory.js';
import { getTenant } from '../tenancy/tenants.js';
import type { ConsolePageOptions } from './console-options.js';
import { sendPage } from './render.js';

function listQuery(request: FastifyRequest) {
  const query = request.query as Record<string, string | undefined>;
  return { q: (query['q'] ?? '').trim(), start: Number.parseInt(query['start'] ?? '1', 10) || 1 };
}

export const directoryPages: FastifyPluginAsync<ConsolePageOptions> = async (web, { store }) => {
  const params = (request: FastifyRequest) => request.params as { slug: string; id: string };

  web.get('/tenants/:slug/users', async (request, reply) => {
    const tenant = await getTenant(store, params(request).slug);
    const { q, start } = listQuery(request);
    const page = await searchUsers(store, tenant.slug, q, start);
    return sendPage(request, reply, 'users', { title: `Users of ${tenant.name}`, section: 'tenants', tenant, q, page });
  });

  web.get('/tenants/:slug/users/:id', async (request, reply) => {
    const tenant = await getTenant(store, params(request).slug);
    const user = await getUserDetail(store, tenant.slug, params(request).id);
    return sendPage(request, reply, 'user', { title: user.userName, section: 'tenants', tenant, user });
  });

  web.get('/tenants/:slug/groups', async (request, reply) => {
    const tenant = await getTenant(store, params(request).slug);
    const { q, start } = listQuery(request);
    const page = await searchGroups(store, tenant.slug, q, start);
    return sendPage(request, reply, 'groups', {
      title: `Groups of ${tenant.name}`,
      section: 'tenants',
      tenant,
      q,
      page,
    });
  });

  web.get('/tenants/:slug/groups/:id', async (request, reply) => {
    const tenant = await getTenant(store, params(request).slug);
    const group = await getGroupDetail(store, tenant.slug, params(request).id, listQuery(request).start);
    return sendPage(request, reply, 'group', { title: group.displayName, section: 'tenants', tenant, group });
  });
};
