/**
 * The deprovision guard over the admin API (docs/guard.md, docs/admin-api.md), as `scimd guard`:
 * every tenant's guard, one tenant's with what it holds, its settings, release and reset. Each
 * decision is recorded as the admin credential that made it.
 */
import type { FastifyPluginCallback } from 'fastify';
import { z } from 'zod';
import type { Config } from '../../config/config.js';
import { guardSettingsFrom } from '../../service/deprovision-guard.js';
import { configureGuard, listGuards, releaseGuard, resetGuard, summariseHeld } from '../../service/guard.js';
import type { Store } from '../../store/store.js';
import { defineRoute, registerRoutes, slugParams } from './route-spec.js';

export type GuardConfig = Partial<
  Pick<Config, 'guardEnabled' | 'guardPercent' | 'guardMinimum' | 'guardWindowMinutes'>
>;

export interface GuardRoutesOptions {
  readonly store: Store;
  readonly clock: () => Date;
  readonly config: GuardConfig;
}

const settingsSchema = z.object({
  enabled: z.boolean(),
  percent: z.number().describe('Trips when more than this percentage of active users were deprovisioned…'),
  minimum: z.number().int().describe('…and at least this many users'),
  windowMinutes: z.number().int().describe('The sliding window'),
});

const guardSchema = z.object({
  tenant: z.object({ id: z.string(), slug: z.string(), name: z.string() }),
  state: z.enum(['armed', 'tripped', 'released']),
  since: z.string().nullable().describe('When it entered the state; null: armed since the tenant began'),
  settings: settingsSchema.describe('What the guard applies'),
  overrides: settingsSchema.partial().describe("The tenant's own values (the rest are global: SCIMD_GUARD_*)"),
  heldFrom: z.string().nullable().describe('Tripped: the cursor of the tenant.guard_tripped event'),
  heldEvents: z.number().int().describe('Events recorded after it, held'),
  lastTrip: z.object({ at: z.string(), deprovisioned: z.number().int(), activeUsers: z.number().int() }).nullable(),
  decisions: z
    .array(
      z.object({
        id: z.string(),
        tenantId: z.string(),
        time: z.string(),
        action: z.enum(['trip', 'release', 'reset', 'configure']),
        actor: z.string().describe('guard, admin-api:<credential>, cli:<user> or console:<credential>'),
        detail: z.record(z.string(), z.unknown()),
      }),
    )
    .describe('The last 10, newest first'),
});

const summarySchema = z.object({
  guard: guardSchema,
  counts: z.record(z.string(), z.number().int()).describe('Users and groups by net effect'),
  changes: z.array(
    z.object({
      resourceType: z.enum(['User', 'Group']),
      id: z.string(),
      name: z.string().nullable(),
      effects: z
        .array(z.string())
        .describe('created, deleted, deactivated, reactivated, roles_removed, roles_changed, updated or no_change'),
    }),
  ),
});

const settingsChange = z
  .object({
    enabled: z.boolean().nullable(),
    percent: z.number().nullable(),
    minimum: z.number().nullable(),
    windowMinutes: z.number().nullable(),
  })
  .partial()
  .strict()
  .describe("A value sets the tenant's own; null returns to the global one");

export const guardRoutes: FastifyPluginCallback<GuardRoutesOptions> = (admin, options, done) => {
  const { store, clock } = options;
  const global = guardSettingsFrom(options.config);
  const decision = (actor: string) => ({ actor, now: clock() });
  registerRoutes(admin, [
    defineRoute({
      method: 'GET',
      url: '/guard',
      tag: 'guard',
      summary: "Every tenant's deprovision guard",
      description: 'States: armed, tripped (delivery of its events is held), released. See docs/guard.md.',
      status: 200,
      response: z.object({ tenants: z.array(guardSchema) }),
      errors: [],
      handle: async () => ({ tenants: await listGuards(store, global) }),
    }),
    defineRoute({
      method: 'GET',
      url: '/tenants/:slug/guard',
      tag: 'guard',
      summary: "One tenant's guard, with the net effect of what it holds on each user and group",
      params: slugParams,
      status: 200,
      response: summarySchema,
      errors: [400, 404],
      handle: async ({ params }) => summariseHeld(store, params.slug, global),
    }),
    defineRoute({
      method: 'PATCH',
      url: '/tenants/:slug/guard',
      tag: 'guard',
      summary: "Sets the tenant's own threshold (or returns to the global one)",
      params: slugParams,
      body: settingsChange,
      status: 200,
      response: guardSchema,
      errors: [400, 404],
      handle: async ({ params, body, request }) =>
        configureGuard(store, params.slug, body, decision(request.adminActor), global),
    }),
    defineRoute({
      method: 'POST',
      url: '/tenants/:slug/guard/release',
      tag: 'guard',
      summary: 'Delivers every held event, in order, followed by tenant.guard_released',
      description: 'The guard is armed again at once, counting deprovisions from now. 409 when nothing is held.',
      params: slugParams,
      status: 200,
      response: guardSchema,
      errors: [400, 404, 409],
      handle: async ({ params, request }) => releaseGuard(store, params.slug, decision(request.adminActor), global),
    }),
    defineRoute({
      method: 'POST',
      url: '/tenants/:slug/guard/reset',
      tag: 'guard',
      summary: 'Re-arms the guard with an empty window',
      description: 'Refused with 409 while events are held: release them first, so nothing is ever dropped.',
      params: slugParams,
      status: 200,
      response: guardSchema,
      errors: [400, 404, 409],
      handle: async ({ params, request }) => resetGuard(store, params.slug, decision(request.adminActor), global),
    }),
  ]);
  done();
};
