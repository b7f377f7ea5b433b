/**
 * Admin credentials over the admin API (tenancy/admin-credentials.ts): labelled admin tokens
 * kept in the database beside SCIMD_ADMIN_TOKEN_HASH, each revocable on its own.
 */
import type { FastifyPluginCallback } from 'fastify';
import { z } from 'zod';
import type { Store } from '../../store/store.js';
import {
  createAdminCredential,
  listAdminCredentials,
  revokeAdminCredential,
  viewAdminCredential,
} from '../../tenancy/admin-credentials.js';
import { adminCredentialSchema, createdAdminCredentialSchema } from './response-schemas.js';
import { defineRoute, registerRoutes } from './route-spec.js';

export interface AdminCredentialRoutesOptions {
  readonly store: Store;
  readonly clock: () => Date;
}

export const adminCredentialRoutes: FastifyPluginCallback<AdminCredentialRoutesOptions> = (admin, options, done) => {
  const { store, clock } = options;
  registerRoutes(admin, [
    defineRoute({
      method: 'GET',
      url: '/admin-credentials',
      tag: 'admin-credentials',
      summary: 'List stored admin credentials, oldest first (never the tokens themselves)',
      status: 200,
      response: z.object({ credentials: z.array(adminCredentialSchema) }),
      errors: [],
      handle: async () => ({ credentials: (await listAdminCredentials(store)).map(viewAdminCredential) }),
    }),
    defineRoute({
      method: 'POST',
      url: '/admin-credentials',
      tag: 'admin-credentials',
      summary: 'Create an admin credential; the response is the only place its token appears',
      body: z.object({ label: z.string().describe('Who or what uses it, e.g. "Alice laptop"') }),
      status: 201,
      response: createdAdminCredentialSchema,
      errors: [400],
      handle: async ({ body }) => {
        const { token, record } = await createAdminCredential(store, body.label, clock());
        return { ...viewAdminCredential(record), token };
      },
    }),
    defineRoute({
      method: 'POST',
      url: '/admin-credentials/:id/revoke',
      tag: 'admin-credentials',
      summary: 'Revoke an admin credential (idempotent); SCIMD_ADMIN_TOKEN_HASH is not affected',
      params: z.object({ id: z.string() }),
      status: 200,
      response: adminCredentialSchema,
      errors: [404],
      handle: async ({ params }) => viewAdminCredential(await revokeAdminCredential(store, params.id, clock())),
    }),
  ]);
  done();
};
