/**
 * Admin credentials (docs/console.md): the labelled admin tokens kept in the database beside
 * SCIMD_ADMIN_TOKEN_HASH. Create one (its token is shown once) or revoke one; a console session
 * signed in with a revoked credential ends on its next request (console-routes.ts).
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { createAdminCredential, listAdminCredentials, revokeAdminCredential } from '../tenancy/admin-credentials.js';
import type { ConsolePageOptions } from './console-options.js';
import { type FormError, formRefusal, formText } from './forms.js';
import { sendPage } from './render.js';

interface AdminsPageExtras {
  readonly created?: { token: string; label: string };
  readonly formError?: FormError;
  readonly notice?: string;
}

export const adminsPages: FastifyPluginAsync<ConsolePageOptions> = async (web, { store, config, clock }) => {
  async function adminsPage(request: FastifyRequest, reply: FastifyReply, extras: AdminsPageExtras = {}, status = 200) {
    // Never the hash: only what the table shows.
    const credentials = (await listAdminCredentials(store)).map((c) => ({
      id: c.id,
      label: c.label,
      hint: c.hint,
      status: c.revokedAt === null ? 'active' : 'revoked',
      created: c.created,
      lastUsedAt: c.lastUsedAt,
      revokedAt: c.revokedAt,
    }));
    return sendPage(
      request,
      reply,
      'admins',
      {
        title: 'Admins',
        section: 'admins',
        credentials,
        currentCredentialId: request.session.credentialId ?? null,
        environmentToken: config.adminTokenHash !== undefined,
        ...extras,
      },
      status,
    );
  }

  async function attempt(
    request: FastifyRequest,
    reply: FastifyReply,
    form: string,
    action: () => Promise<AdminsPageExtras>,
  ) {
    try {
      return adminsPage(request, reply, await action());
    } catch (error) {
      const refused = formRefusal(error, form);
      return adminsPage(request, reply, { formError: refused.formError }, refused.status);
    }
  }

  web.get('/admins', async (request, reply) => adminsPage(request, reply));

  web.post('/admins', async (request, reply) =>
    attempt(request, reply, 'create', async () => {
      const created = await createAdminCredential(store, formText(request.body, 'label').trim(), clock());
      return { created: { token: created.token, label: created.record.label } };
    }),
  );

  web.post('/admins/:id/revoke', async (request, reply) =>
    attempt(request, reply, 'credentials', async () => {
      const revoked = await revokeAdminCredential(store, (request.params as { id: string }).id, clock());
      return { notice: `Admin credential "${revoked.label}" revoked: its console sessions end on their next request.` };
    }),
  );
};
