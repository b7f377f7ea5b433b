/**
 * The app role catalogue (docs/roles.md): declare, rename/describe, disable/enable roles, and the
 * Entra app manifest's `appRoles` JSON to paste into the app registration, exactly what
 * `scimd roles manifest` prints.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { formatManifest } from '../tenancy/manifest.js';
import { addRole, listRoles, setRoleEnabled, updateRole } from '../tenancy/role-catalogue.js';
import type { ConsolePageOptions } from './console-options.js';
import { type FormError, formRefusal, formText } from './forms.js';
import { sendPage } from './render.js';

interface RolesPageExtras {
  readonly formError?: FormError;
  /** What the add form held when it was refused, so it is not typed again. */
  readonly form?: { value: string; displayName: string; description: string };
  readonly notice?: string;
}

export const rolesPages: FastifyPluginAsync<ConsolePageOptions> = async (web, { store, clock }) => {
  const roleValue = (request: FastifyRequest) => (request.params as { value: string }).value;

  async function rolesPage(request: FastifyRequest, reply: FastifyReply, extras: RolesPageExtras = {}, status = 200) {
    const roles = await listRoles(store);
    return sendPage(
      request,
      reply,
      'roles',
      { title: 'App roles', section: 'roles', roles, manifest: formatManifest(roles), ...extras },
      status,
    );
  }

  /** Runs a form's action, then back to the page; a refused input re-renders it with the message by that form. */
  async function attempt(
    request: FastifyRequest,
    reply: FastifyReply,
    form: string,
    action: () => Promise<string>,
    refused: Omit<RolesPageExtras, 'formError'> = {},
  ) {
    try {
      return rolesPage(request, reply, { notice: await action() });
    } catch (error) {
      const refusal = formRefusal(error, form);
      return rolesPage(request, reply, { formError: refusal.formError, ...refused }, refusal.status);
    }
  }

  web.get('/roles', async (request, reply) => rolesPage(request, reply));

  web.post('/roles', async (request, reply) => {
    const form = {
      value: formText(request.body, 'value').trim(),
      displayName: formText(request.body, 'displayName').trim(),
      description: formText(request.body, 'description').trim(),
    };
    return attempt(
      request,
      reply,
      'add',
      async () => {
        const role = await addRole(
          store,
          {
            value: form.value,
            displayName: form.displayName,
            ...(form.description ? { description: form.description } : {}),
          },
          clock(),
        );
        return `App role "${role.value}" declared. Paste the manifest below into the Entra app registration.`;
      },
      { form },
    );
  });

  web.post('/roles/:value', async (request, reply) =>
    attempt(request, reply, `role-${roleValue(request)}`, async () => {
      const role = await updateRole(store, roleValue(request), {
        displayName: formText(request.body, 'displayName').trim(),
        description: formText(request.body, 'description').trim(),
      });
      return `App role "${role.value}" saved. Paste the manifest below into the Entra app registration.`;
    }),
  );

  web.post('/roles/:value/enabled', async (request, reply) =>
    attempt(request, reply, `role-${roleValue(request)}`, async () => {
      const enabled = formText(request.body, 'enabled') === 'true';
      const role = await setRoleEnabled(store, roleValue(request), enabled);
      return role.enabled
        ? `App role "${role.value}" is enabled.`
        : `App role "${role.value}" is disabled: new assignments are refused, users who hold it keep it, and the manifest lists it with "isEnabled": false.`;
    }),
  );
};
