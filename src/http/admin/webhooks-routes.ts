/** Webhook endpoints over the admin API: the same use cases as `scimd webhooks` (docs/webhooks.md). */
import type { FastifyPluginCallback } from 'fastify';
import { z } from 'zod';
import type { Config } from '../../config/config.js';
import {
  createWebhook,
  deleteWebhook,
  getWebhook,
  listWebhookStreams,
  listWebhooks,
  rotateWebhookSecret,
  updateWebhook,
} from '../../service/webhook-admin.js';
import { listDeadLetters, redeliverDeadLetter, replayWebhook } from '../../service/webhook-deliveries.js';
import type { Store } from '../../store/store.js';
import {
  createdWebhookSchema,
  deadLetterSchema,
  replaySchema,
  streamSchema,
  webhookSchema,
} from './response-schemas.js';
import { defineRoute, queryInteger, registerRoutes } from './route-spec.js';

const idParams = z.object({ id: z.string().describe('The webhook id') });

export interface WebhookRoutesOptions {
  readonly store: Store;
  readonly clock: () => Date;
  /** SCIMD_WEBHOOK_ALLOW_TARGETS: internal receivers webhooks may go to. */
  readonly webhookAllowTargets?: Config['webhookAllowTargets'] | undefined;
}

export const webhookRoutes: FastifyPluginCallback<WebhookRoutesOptions> = (admin, options, done) => {
  const { store, clock } = options;
  // Where webhooks may go (issue #12.6): internal receivers only when the allow list names them.
  const targets = { allowTargets: options.webhookAllowTargets };
  registerRoutes(admin, [
    defineRoute({
      method: 'GET',
      url: '/webhooks',
      tag: 'webhooks',
      summary: 'List webhook endpoints (and in-process consumers), oldest first',
      status: 200,
      response: z.object({ webhooks: z.array(webhookSchema) }),
      errors: [],
      handle: async () => ({ webhooks: await listWebhooks(store) }),
    }),
    defineRoute({
      method: 'POST',
      url: '/webhooks',
      tag: 'webhooks',
      summary: 'Create a webhook endpoint for one tenant or all; the response holds its signing secret, once',
      body: z.object({
        url: z
          .string()
          .describe(
            'http(s) URL receiving a signed POST per event; internal addresses are refused unless SCIMD_WEBHOOK_ALLOW_TARGETS lists them',
          ),
        tenant: z.string().nullable().optional().describe('A tenant slug; omitted or null: every tenant'),
        description: z.string().optional(),
      }),
      status: 201,
      response: createdWebhookSchema,
      errors: [400, 404],
      handle: async ({ body }) => createWebhook(store, body, clock(), targets),
    }),
    defineRoute({
      method: 'GET',
      url: '/webhooks/:id',
      tag: 'webhooks',
      summary: 'Show an endpoint and, per tenant, how far delivery got and why it is waiting',
      params: idParams,
      status: 200,
      response: z.object({ webhook: webhookSchema, streams: z.array(streamSchema) }),
      errors: [404],
      handle: async ({ params }) => ({
        webhook: await getWebhook(store, params.id),
        streams: await listWebhookStreams(store, params.id),
      }),
    }),
    defineRoute({
      method: 'PATCH',
      url: '/webhooks/:id',
      tag: 'webhooks',
      summary: 'Change the URL or description, or disable/enable delivery',
      params: idParams,
      body: z.object({
        url: z.string().optional(),
        description: z.string().nullable().optional(),
        enabled: z.boolean().optional(),
      }),
      status: 200,
      response: webhookSchema,
      errors: [400, 404],
      handle: async ({ params, body }) => updateWebhook(store, params.id, body, targets),
    }),
    defineRoute({
      method: 'DELETE',
      url: '/webhooks/:id',
      tag: 'webhooks',
      summary: 'Delete an endpoint with its delivery positions and dead letters',
      params: idParams,
      status: 200,
      response: webhookSchema,
      errors: [404],
      handle: async ({ params }) => deleteWebhook(store, params.id),
    }),
    defineRoute({
      method: 'POST',
      url: '/webhooks/:id/rotate-secret',
      tag: 'webhooks',
      summary: 'Add a new signing secret; old ones keep signing during the overlap',
      params: idParams,
      body: z.object({
        overlapHours: z.number().min(0).max(720).optional().describe('Default 24'),
      }),
      status: 200,
      response: createdWebhookSchema,
      errors: [400, 404],
      handle: async ({ params, body }) =>
        rotateWebhookSecret(
          store,
          params.id,
          clock(),
          body.overlapHours === undefined ? undefined : body.overlapHours * 3_600_000,
        ),
    }),
    defineRoute({
      method: 'GET',
      url: '/webhooks/:id/dead-letters',
      tag: 'webhooks',
      summary: 'Events given up on (and their redeliveries), newest first',
      params: idParams,
      query: z.object({
        tenant: z.string().optional(),
        state: z.enum(['dead', 'retrying', 'delivered']).optional(),
        limit: queryInteger(1, 500).optional(),
      }),
      status: 200,
      response: z.object({ deadLetters: z.array(deadLetterSchema) }),
      errors: [400, 404],
      handle: async ({ params, query }) => ({ deadLetters: await listDeadLetters(store, params.id, query) }),
    }),
    defineRoute({
      method: 'POST',
      url: '/webhooks/:id/dead-letters/:deadLetterId/redeliver',
      tag: 'webhooks',
      summary: 'Deliver a dead letter again now, on its own (outside the tenant order)',
      params: z.object({ id: z.string(), deadLetterId: z.string() }),
      status: 200,
      response: deadLetterSchema,
      errors: [404],
      handle: async ({ params }) => redeliverDeadLetter(store, params.id, params.deadLetterId, clock()),
    }),
    defineRoute({
      method: 'POST',
      url: '/webhooks/:id/replay',
      tag: 'webhooks',
      summary: "Deliver a tenant's events again, in order, starting after a cursor",
      params: idParams,
      body: z.object({
        tenant: z.string().describe('Tenant slug'),
        after: z.string().describe('A cursor; "0" replays every retained event'),
      }),
      status: 200,
      response: replaySchema,
      errors: [400, 404],
      handle: async ({ params, body }) => replayWebhook(store, params.id, body.tenant, body.after, clock()),
    }),
  ]);
  done();
};
