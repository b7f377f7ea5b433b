/**
 * Webhook endpoints (docs/webhooks.md): the list with each one's delivery state, create (the
 * signing secret is shown once), and per endpoint its streams, dead letters with redelivery,
 * replay from a cursor, secret rotation, enable/disable and delete. Same use cases as the admin
 * API, with the same target policy (SCIMD_WEBHOOK_ALLOW_TARGETS).
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import {
  createWebhook,
  deleteWebhook,
  getWebhook,
  listWebhookStreams,
  listWebhooks,
  rotateWebhookSecret,
  updateWebhook,
} from '../service/webhook-admin.js';
import { listDeadLetters, redeliverDeadLetter, replayWebhook } from '../service/webhook-deliveries.js';
import { listTenants } from '../tenancy/tenants.js';
import type { ConsolePageOptions } from './console-options.js';
import { type FormError, formRefusal, formText } from './forms.js';
import { sendPage } from './render.js';

/** Dead letters shown on an endpoint's page, newest first. */
const DEAD_LETTERS_SHOWN = 100;

interface PageExtras {
  readonly secret?: { value: string; label: string };
  readonly formError?: FormError;
  readonly form?: Record<string, string>;
  readonly notice?: string;
}

export const webhooksPages: FastifyPluginAsync<ConsolePageOptions> = async (web, { store, config, clock }) => {
  const targets = { allowTargets: config.webhookAllowTargets };
  const idOf = (request: FastifyRequest) => (request.params as { id: string }).id;

  async function listPage(request: FastifyRequest, reply: FastifyReply, extras: PageExtras = {}, status = 200) {
    const webhooks = await listWebhooks(store);
    const rows = await Promise.all(
      webhooks.map(async (webhook) => {
        const streams = await listWebhookStreams(store, webhook.id);
        return {
          webhook,
          pending: streams.reduce((sum, s) => sum + s.pending, 0),
          lastError: streams.find((s) => s.lastError !== null) ?? null,
        };
      }),
    );
    const tenants = (await listTenants(store)).map((t) => t.slug);
    return sendPage(
      request,
      reply,
      'webhooks',
      { title: 'Webhooks', section: 'webhooks', rows, tenants, ...extras },
      status,
    );
  }

  async function endpointPage(request: FastifyRequest, reply: FastifyReply, extras: PageExtras = {}, status = 200) {
    const id = idOf(request);
    const webhook = await getWebhook(store, id);
    const [streams, deadLetters, all] = await Promise.all([
      listWebhookStreams(store, id),
      listDeadLetters(store, id, { limit: DEAD_LETTERS_SHOWN }),
      listTenants(store),
    ]);
    const tenants = webhook.tenant === null ? all.map((t) => t.slug) : [webhook.tenant];
    const title = webhook.url ?? webhook.name ?? webhook.id;
    return sendPage(
      request,
      reply,
      'webhook',
      { title, section: 'webhooks', webhook, streams, deadLetters, tenants, ...extras },
      status,
    );
  }

  /** Runs a form's action; a refused input re-renders the page with the message by that form. */
  async function attempt(
    page: typeof listPage,
    request: FastifyRequest,
    reply: FastifyReply,
    form: string,
    action: () => Promise<PageExtras>,
    refused: Omit<PageExtras, 'formError'> = {},
  ) {
    try {
      return page(request, reply, await action());
    } catch (error) {
      const refusal = formRefusal(error, form);
      return page(request, reply, { formError: refusal.formError, ...refused }, refusal.status);
    }
  }

  web.get('/webhooks', async (request, reply) => {
    const deleted = (request.query as Record<string, string | undefined>)['deleted'];
    return listPage(request, reply, deleted ? { notice: `Webhook ${deleted} was deleted with its dead letters.` } : {});
  });

  web.post('/webhooks', async (request, reply) => {
    const form = {
      url: formText(request.body, 'url').trim(),
      tenant: formText(request.body, 'tenant'),
      description: formText(request.body, 'description').trim(),
    };
    return attempt(
      listPage,
      request,
      reply,
      'create',
      async () => {
        const created = await createWebhook(
          store,
          {
            url: form.url,
            tenant: form.tenant || null,
            ...(form.description ? { description: form.description } : {}),
          },
          clock(),
          targets,
        );
        return {
          secret: { value: created.secret, label: created.webhook.url ?? created.webhook.id },
          notice: 'Webhook created. It receives the events that happen from now on.',
        };
      },
      { form },
    );
  });

  web.get('/webhooks/:id', async (request, reply) => endpointPage(request, reply));

  web.post('/webhooks/:id/enabled', async (request, reply) =>
    attempt(endpointPage, request, reply, 'endpoint', async () => {
      const updated = await updateWebhook(store, idOf(request), {
        enabled: formText(request.body, 'enabled') === 'true',
      });
      return {
        notice: updated.enabled
          ? 'Delivery enabled: waiting events are sent now, in order.'
          : 'Delivery disabled: events wait (until retention removes them) and are sent when you enable it again.',
      };
    }),
  );

  web.post('/webhooks/:id/rotate-secret', async (request, reply) =>
    attempt(endpointPage, request, reply, 'secrets', async () => {
      const rotated = await rotateWebhookSecret(store, idOf(request), clock());
      return {
        secret: { value: rotated.secret, label: rotated.webhook.url ?? rotated.webhook.id },
        notice: 'New signing secret added; the old ones keep signing for 24 hours.',
      };
    }),
  );

  web.post('/webhooks/:id/dead-letters/:deadLetterId/redeliver', async (request, reply) =>
    attempt(endpointPage, request, reply, 'dead-letters', async () => {
      const { deadLetterId } = request.params as { deadLetterId: string };
      const letter = await redeliverDeadLetter(store, idOf(request), deadLetterId, clock());
      return { notice: `Event ${letter.cursor} of ${letter.tenant} will be delivered again now, on its own.` };
    }),
  );

  web.post('/webhooks/:id/replay', async (request, reply) => {
    const form = { tenant: formText(request.body, 'tenant'), after: formText(request.body, 'after').trim() || '0' };
    return attempt(
      endpointPage,
      request,
      reply,
      'replay',
      async () => {
        const result = await replayWebhook(store, idOf(request), form.tenant, form.after, clock());
        return {
          notice: `Replay scheduled: ${result.tenant}'s events after cursor ${result.after} (up to ${result.latestCursor} now) are delivered again, in order.`,
        };
      },
      { form },
    );
  });

  web.post('/webhooks/:id/delete', async (request, reply) => {
    if (formText(request.body, 'confirm') !== 'yes') {
      const message = 'Tick the box to confirm: deleting removes the endpoint with its dead letters.';
      return endpointPage(request, reply, { formError: { form: 'delete', message } }, 400);
    }
    const deleted = await deleteWebhook(store, idOf(request));
    const label = deleted.url ?? deleted.name ?? deleted.id;
    return reply.redirect(`/console/webhooks?deleted=${encodeURIComponent(label)}`, 303);
  });
};
