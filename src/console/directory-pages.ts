/**
 * The read-only users and groups browser of a tenant (src/tenancy/directory.ts), with each
 * user's access timeline and the tenant's as-of access report (docs/history.md).
 */
import { Readable } from 'node:stream';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { isScimError } from '../scim/errors.js';
import { accessCsv, roleLabel } from '../service/access-csv.js';
import { type AccessState, collectAccess, openAccessReport, readUserTimeline } from '../service/access-report.js';
import { getGroupDetail, getUserDetail, searchGroups, searchUsers } from '../tenancy/directory.js';
import { getTenant } from '../tenancy/tenants.js';
import type { ConsolePageOptions } from './console-options.js';
import { type FormError, formRefusal } from './forms.js';
import { sendPage } from './render.js';

/** Rows a page of the console's access report shows; the CSV download has them all. */
const ACCESS_PAGE_ROWS = 500;

/** A user's timeline, empty for a user written before the history was recorded. */
async function timelineOf(store: ConsolePageOptions['store'], slug: string, id: string) {
  try {
    return (await readUserTimeline(store, slug, id)).entries;
  } catch (error) {
    if (isScimError(error) && error.status === 404) return [];
    throw error;
  }
}

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
    const timeline = await timelineOf(store, tenant.slug, user.id);
    return sendPage(request, reply, 'user', {
      title: user.userName,
      section: 'tenants',
      tenant,
      user,
      timeline,
      roleLabel,
    });
  });

  web.get('/tenants/:slug/access', async (request, reply) => {
    const tenant = await getTenant(store, params(request).slug);
    const query = request.query as Record<string, string | undefined>;
    const form = { asOf: query['asOf'] ?? '', role: query['role'] ?? '', group: query['group'] ?? '' };
    const after = query['after'] ?? '';
    let users: AccessState[] | undefined;
    let asOf: string | undefined;
    let formError: FormError | undefined;
    let status = 200;
    if (form.asOf !== '') {
      try {
        const report = await openAccessReport(store, tenant.slug, {
          asOf: form.asOf,
          ...(form.role === '' ? {} : { role: form.role }),
          ...(form.group === '' ? {} : { group: form.group }),
          ...(after === '' ? {} : { afterUserId: after }),
        });
        asOf = report.asOf;
        // One row past the page says whether another follows; the report is never read whole
        // (at 1,000,000 users it would take seconds), so the page shows no total.
        users = await collectAccess(report, ACCESS_PAGE_ROWS + 1);
      } catch (error) {
        ({ status, formError } = formRefusal(error, 'access'));
      }
    }
    const reportQuery = new URLSearchParams({ asOf: form.asOf });
    if (form.role !== '') reportQuery.set('role', form.role);
    if (form.group !== '') reportQuery.set('group', form.group);
    const base = `/console/tenants/${encodeURIComponent(tenant.slug)}`;
    const shown = users?.slice(0, ACCESS_PAGE_ROWS);
    const more = users !== undefined && users.length > ACCESS_PAGE_ROWS;
    const data = {
      title: `Access report of ${tenant.name}`,
      section: 'tenants',
      tenant,
      form,
      formError,
      asOf,
      users: shown,
      after,
      pageRows: ACCESS_PAGE_ROWS,
      firstUrl: after === '' ? undefined : `${base}/access?${reportQuery}`,
      nextUrl: more
        ? `${base}/access?${new URLSearchParams([...reportQuery, ['after', shown!.at(-1)!.userId]])}`
        : undefined,
      csvUrl: `${base}/access.csv?${reportQuery}`,
      roleLabel,
    };
    return sendPage(request, reply, 'access', data, status);
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

  // The whole report as a download, streamed (the page shows the first rows only).
  web.get('/tenants/:slug/access.csv', async (request, reply) => {
    const query = request.query as Record<string, string | undefined>;
    const report = await openAccessReport(store, params(request).slug, {
      asOf: query['asOf'],
      role: query['role'],
      group: query['group'],
    });
    const name = `access-${params(request).slug}-${report.asOf.replaceAll(':', '')}.csv`;
    return reply
      .type('text/csv; charset=utf-8')
      .header('Content-Disposition', `attachment; filename="${name}"`)
      .header('Cache-Control', 'no-store')
      .send(Readable.from(accessCsv(report.users)));
  });
};
