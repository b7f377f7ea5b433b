/**
 * A tenant's users and groups, read-only (tenancy/directory.ts): what the console's directory
 * browser shows, for scripts. Searching matches userName or displayName (users) and
 * displayName (groups), ignoring case; pages hold 25.
 */
import type { FastifyPluginCallback } from 'fastify';
import { z } from 'zod';
import type { Store } from '../../store/store.js';
import { getGroupDetail, getUserDetail, searchGroups, searchUsers } from '../../tenancy/directory.js';
import { groupDetailSchema, groupPageSchema, userDetailSchema, userPageSchema } from './response-schemas.js';
import { defineRoute, queryInteger, registerRoutes, slugParams } from './route-spec.js';

export interface DirectoryRoutesOptions {
  readonly store: Store;
}

const startIndex = queryInteger(1, Number.MAX_SAFE_INTEGER).optional().describe('1-based; default 1');
const listQuery = z.object({
  search: z.string().optional().describe('Text the name contains, ignoring case'),
  startIndex,
});
const resourceParams = (what: string) => slugParams.extend({ id: z.string().describe(`The ${what}'s SCIM id`) });

export const directoryRoutes: FastifyPluginCallback<DirectoryRoutesOptions> = (admin, { store }, done) => {
  registerRoutes(admin, [
    defineRoute({
      method: 'GET',
      url: '/tenants/:slug/users',
      tag: 'directory',
      summary: "Search a tenant's users by userName or displayName, sorted by userName",
      params: slugParams,
      query: listQuery,
      status: 200,
      response: userPageSchema,
      errors: [400, 404],
      handle: async ({ params, query }) => searchUsers(store, params.slug, query.search ?? '', query.startIndex),
    }),
    defineRoute({
      method: 'GET',
      url: '/tenants/:slug/users/:id',
      tag: 'directory',
      summary: 'One user with its attributes, roles and groups',
      params: resourceParams('user'),
      status: 200,
      response: userDetailSchema,
      errors: [404],
      handle: async ({ params }) => getUserDetail(store, params.slug, params.id),
    }),
    defineRoute({
      method: 'GET',
      url: '/tenants/:slug/groups',
      tag: 'directory',
      summary: "Search a tenant's groups by displayName, sorted by it",
      params: slugParams,
      query: listQuery,
      status: 200,
      response: groupPageSchema,
      errors: [400, 404],
      handle: async ({ params, query }) => searchGroups(store, params.slug, query.search ?? '', query.startIndex),
    }),
    defineRoute({
      method: 'GET',
      url: '/tenants/:slug/groups/:id',
      tag: 'directory',
      summary: 'One group with a page of its members',
      params: resourceParams('group'),
      query: z.object({ startIndex }),
      status: 200,
      response: groupDetailSchema,
      errors: [400, 404],
      handle: async ({ params, query }) => getGroupDetail(store, params.slug, params.id, query.startIndex),
    }),
  ]);
  done();
};
