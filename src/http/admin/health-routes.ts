/** Tenant health over the admin API (docs/operations.md "Tenant health"), as `scimd health`. */
import type { FastifyPluginCallback } from 'fastify';
import { z } from 'zod';
import type { Config } from '../../config/config.js';
import { HEALTH_STATES } from '../../health/evaluate-health.js';
import { healthSettingsOf } from '../../health/health-settings.js';
import { type countTenantsByState, readAllHealth, readTenantHealth } from '../../health/read-health.js';
import { FAILURE_CAUSES } from '../../store/health-port.js';
import type { Store } from '../../store/store.js';
import { getTenant } from '../../tenancy/tenants.js';
import { defineRoute, registerRoutes, slugParams } from './route-spec.js';

export type HealthConfig = Partial<Pick<Config, 'healthSilentAfterMs' | 'healthAtRiskFraction'>>;

export interface HealthRoutesOptions {
  readonly store: Store;
  readonly clock: () => Date;
  readonly config: HealthConfig;
}

const stateSchema = z.enum(HEALTH_STATES as ['at_risk', 'silent', 'degraded', 'healthy']);
const causesSchema = z.object(Object.fromEntries(FAILURE_CAUSES.map((c) => [c, z.number().int()])));
const windowSchema = z.object({
  requests: z.number().int(),
  failures: z.number().int(),
  referenceFailures: z.number().int().describe("Failed PATCHes of group members or a user's manager"),
  failureRatio: z.number(),
  causes: causesSchema.describe('Failures by cause'),
  latencyMaxMs: z.number().int(),
  latencyAvgMs: z.number().int(),
});
const healthSchema = z.object({
  tenant: z.object({ id: z.string(), slug: z.string(), name: z.string() }),
  state: stateSchema,
  cause: z.string().describe('What is wrong, in plain language'),
  fix: z.string().describe('What to do about it'),
  evaluatedAt: z.string(),
  windows: z
    .object({ '1h': windowSchema, '24h': windowSchema, '7d': windowSchema })
    .describe('The current clock hour plus the 1, 24 or 168 whole hours before it'),
  idps: z.array(
    z.object({ idp: z.string(), lastRequest: z.string(), requests7d: z.number().int(), silent: z.boolean() }),
  ),
  quarantine: z
    .object({
      failures: z.number().int(),
      nonReferenceFailures: z.number().int(),
      requests: z.number().int(),
      thresholds: z.object({
        evaluatedAfter: z.number().int(),
        percent: z.number(),
        failures: z.number().int(),
        cap: z.number().int(),
      }),
    })
    .describe('The 7-day counts the at_risk rules compare, and the thresholds in force'),
});
const detailSchema = healthSchema.extend({
  slowest: z
    .array(
      z.object({
        id: z.string(),
        time: z.string(),
        method: z.string(),
        path: z.string(),
        status: z.number().int(),
        latencyMs: z.number().int(),
      }),
    )
    .describe('The slowest logged requests of the last 24 hours'),
  undeclaredAttributes: z
    .array(z.object({ attribute: z.string(), count: z.number().int(), lastSeen: z.string() }))
    .describe('Attributes the IdP keeps sending that no schema declares, most frequent first'),
});

export const healthRoutes: FastifyPluginCallback<HealthRoutesOptions> = (admin, options, done) => {
  const { store, clock } = options;
  const settings = healthSettingsOf(options.config);
  registerRoutes(admin, [
    defineRoute({
      method: 'GET',
      url: '/health',
      tag: 'health',
      summary: "Every tenant's health",
      description:
        'States: healthy, degraded, at_risk (of quarantine by Entra ID), silent. See docs/operations.md "Tenant health".',
      status: 200,
      response: z.object({
        counts: z.object({
          at_risk: z.number().int(),
          silent: z.number().int(),
          degraded: z.number().int(),
          healthy: z.number().int(),
        }),
        tenants: z.array(healthSchema),
      }),
      errors: [],
      handle: async () => {
        const now = clock();
        const tenants = await readAllHealth(store, now, settings);
        const counts = Object.fromEntries(HEALTH_STATES.map((s) => [s, 0])) as Awaited<
          ReturnType<typeof countTenantsByState>
        >;
        for (const t of tenants) counts[t.state]++;
        return { counts, tenants };
      },
    }),
    defineRoute({
      method: 'GET',
      url: '/tenants/:slug/health',
      tag: 'health',
      summary: "One tenant's health, with its slowest requests and undeclared attributes",
      params: slugParams,
      status: 200,
      response: detailSchema,
      errors: [400, 404],
      handle: async ({ params }) => readTenantHealth(store, await getTenant(store, params.slug), clock(), settings),
    }),
  ]);
  done();
};
