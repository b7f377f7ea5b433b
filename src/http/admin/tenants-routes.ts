/**
 * Tenants over the admin API: the same use cases as `scimd tenants` (src/tenancy/tenants.ts),
 * with the same JSON shape as its `--json` output.
 */
import type { FastifyPluginCallback, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { Store, TenantRecord } from '../../store/store.js';
import {
  createTenant,
  deleteTenant,
  getTenant,
  listTenants,
  setTenantStatus,
  viewTenant,
} from '../../tenancy/tenants.js';
import { publicOrigin } from '../base-url.js';
import { tenantSchema } from './response-schemas.js';
import { defineRoute, registerRoutes, slugParams } from './route-spec.js';

export interface TenantRoutesOptions {
  readonly store: Store;
  readonly clock: () => Date;
  /** SCIMD_PUBLIC_URL: the base of each tenant's `scimUrl`; else the origin the request came to. */
  readonly publicUrl: string | undefined;
}

export const tenantRoutes: FastifyPluginCallback<TenantRoutesOptions> = (admin, options, done) => {
  const { store, clock } = options;
  const view = (tenant: TenantRecord, request: FastifyRequest) =>
    viewTenant(tenant, publicOrigin(options.publicUrl, request));
  registerRoutes(admin, [
    defineRoute({
      method: 'GET',
      url: '/tenants',
      tag: 'tenants',
      summary: 'List tenants, ordered by slug',
      status: 200,
      response: z.object({ tenants: z.array(tenantSchema) }),
      errors: [],
      handle: async ({ request }) => ({ tenants: (await listTenants(store)).map((t) => view(t, request)) }),
    }),
    defineRoute({
      method: 'POST',
      url: '/tenants',
      tag: 'tenants',
      summary: 'Create a tenant (one per customer)',
      body: z.object({
        slug: z.string().describe('2–63 lower-case letters, digits or hyphens, starting with a letter'),
        name: z.string().optional().describe('Display name; defaults to the slug'),
      }),
      status: 201,
      response: tenantSchema,
      errors: [400, 409],
      handle: async ({ body, request }) => view(await createTenant(store, body, clock()), request),
    }),
    defineRoute({
      method: 'GET',
      url: '/tenants/:slug',
      tag: 'tenants',
      summary: 'Show a tenant',
      params: slugParams,
      status: 200,
      response: tenantSchema,
      errors: [400, 404],
      handle: async ({ params, request }) => view(await getTenant(store, params.slug), request),
    }),
    defineRoute({
      method: 'PATCH',
      url: '/tenants/:slug',
      tag: 'tenants',
      summary: 'Disable or enable a tenant',
      description: 'A disabled tenant keeps its data; every one of its tokens is refused until it is enabled.',
      params: slugParams,
      body: z.object({ status: z.enum(['active', 'disabled']) }),
      status: 200,
      response: tenantSchema,
      errors: [400, 404],
      handle: async ({ params, body, request }) =>
        view(await setTenantStatus(store, params.slug, body.status), request),
    }),
    defineRoute({
      method: 'DELETE',
      url: '/tenants/:slug',
      tag: 'tenants',
      summary: 'Delete a tenant and all of its data',
      description: 'Users, groups, memberships, tokens, events, webhooks scoped to it and its provisioning log.',
      params: slugParams,
      status: 200,
      response: tenantSchema,
      errors: [400, 404],
      handle: async ({ params, request }) => view(await deleteTenant(store, params.slug), request),
    }),
  ]);
  done();
};
