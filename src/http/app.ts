/**
 * Builds the Fastify application: SCIM under `/scim/v2` and `/t/<slug>/scim/v2`, health
 * probes, JSON and SCIM+JSON bodies, SCIM errors for everything that goes wrong.
 */
import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from 'fastify';
import type { Config } from '../config/config.js';
import type { ConsoleConfig } from '../console/console-options.js';
import { registerConsole } from '../console/console-plugin.js';
import type { FirstRunGate } from '../console/first-run.js';
import type { ScimdMetrics } from '../metrics/scimd-metrics.js';
import { invalidSyntax, notFound } from '../scim/errors.js';
import { BUILT_IN_REGISTRY, type SchemaRegistry } from '../scim/schema/registry.js';
import { type Logger, newRequestNotes, type RequestContext } from '../service/context.js';
import { guardSettingsFrom } from '../service/deprovision-guard.js';
import type { Store } from '../store/store.js';
import { registerAdminApi } from './admin/admin-plugin.js';
import { authenticateRequest } from './auth.js';
import { publicOrigin, scimBaseUrl } from './base-url.js';
import { bodyProblemError, scanJsonText } from './body-guard.js';
import {
  answerUnsupportedExpectations,
  clientErrorHandler,
  frameworkErrors,
  MAX_PATH_PARAMETER_LENGTH,
} from './client-errors.js';
import { handleError, sendScimError } from './errors.js';
import { registerMetricsRoute, registerRequestMetrics } from './metrics-routes.js';
import { type OverloadOptions, registerOverloadShedding } from './overload.js';
import { createProvisioningLog, DEFAULT_LOG_BODY_BYTES } from './provisioning-log.js';
import { registerRequestLimits } from './rate-limits.js';
import { guardRequest } from './request-guard.js';
import { requestId } from './request-id.js';
import { registerScimRoutes } from './scim-routes.js';
import { applyTimeouts, DEFAULT_TIMEOUTS, serverOptions, type TimeoutSettings } from './timeouts.js';
import { serializeRequestForLog } from './url-redaction.js';

declare module 'fastify' {
  interface FastifyRequest {
    scimContext: RequestContext | null;
  }
}

export type AppConfig = Pick<Config, 'publicUrl' | 'maxBodyBytes' | 'listMaxResults' | 'trustProxy' | 'logLevel'> &
  Partial<TimeoutSettings> &
  Partial<Pick<Config, 'listMaxPageBytes'>> &
  Partial<Pick<Config, 'cursorSecret'>> &
  Partial<Pick<Config, 'adminTokenHash' | 'entraClientIdTest' | 'entraClientIdProd'>> &
  Partial<Pick<Config, 'logMaxBodyBytes'>> &
  Partial<Pick<Config, 'healthSilentAfterMs' | 'healthAtRiskFraction'>> &
  Partial<Pick<Config, 'bulkMaxOperations' | 'bulkMaxPayloadBytes'>> &
  Partial<Pick<Config, 'webhookAllowTargets'>> &
  Partial<Pick<Config, 'unknownAttributes' | 'maxAttributeBytes' | 'maxResourceBytes'>> &
  Partial<Pick<Config, 'metricsTokenHash'>> &
  Partial<Pick<Config, 'tenantRateLimit' | 'authFailureLimit'>> &
  Partial<Pick<Config, 'shedEventLoopDelayMs' | 'shedHeapBytes' | 'shedRssBytes' | 'maxInFlight'>> &
  Partial<Pick<Config, 'history'>> &
  Partial<Pick<Config, 'guardEnabled' | 'guardPercent' | 'guardMinimum' | 'guardWindowMinutes'>> &
  ConsoleConfig;

export interface AppOptions {
  readonly config: AppConfig;
  readonly store: Store;
  /** `false` for no logs, or pino options merged over JSON logs at `config.logLevel`. */
  readonly logger?: false | Record<string, unknown>;
  /** The clock; tests pass a fixed one. */
  readonly clock?: () => Date;
  /** Resource types with operator-declared extensions; defaults to the built-in ones. */
  readonly registry?: SchemaRegistry;
  /** The console's one-time first-run sign-in (src/console/first-run.ts); the server makes it. */
  readonly firstRun?: FirstRunGate;
  /** How often the console's live panels poll, in ms (tests shorten it). */
  readonly livePollMs?: number;
  /** Prometheus series (src/metrics/); absent with SCIMD_METRICS=off. */
  readonly metrics?: ScimdMetrics;
  /** An extra overload source for shedding (src/http/overload.ts); tests force overload with it. */
  readonly overload?: OverloadOptions;
}

function parseJson(_request: FastifyRequest, body: string, done: (err: Error | null, value?: unknown) => void): void {
  if (body.trim() === '') {
    done(null, undefined);
    return;
  }
  // Depth and NUL first (src/http/body-guard.ts): JSON.parse itself copes with any depth, but
  // what walks the result afterwards must not have to.
  const problem = scanJsonText(body);
  if (problem === 'depth') {
    done(bodyProblemError(problem));
    return;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch (error) {
    done(invalidSyntax(`The request body is not valid JSON: ${(error as Error).message}.`));
    return;
  }
  if (problem === 'nul') done(bodyProblemError(problem, parsed));
  else done(null, parsed);
}

/**
 * A child logger made when first used: most requests log nothing, and making a pino child costs
 * more than a whole userName lookup's SQL.
 */
function childOnFirstUse(parent: FastifyBaseLogger, bindings: Record<string, unknown>): Logger {
  let child: FastifyBaseLogger | undefined;
  const log = () => {
    child ??= parent.child(bindings);
    return child;
  };
  return {
    info: (obj, msg) => log().info(obj, msg),
    warn: (obj, msg) => log().warn(obj, msg),
    error: (obj, msg) => log().error(obj, msg),
    debug: (obj, msg) => log().debug(obj, msg),
  };
}

function timeoutSettings(config: AppConfig): TimeoutSettings {
  return {
    headersTimeoutMs: config.headersTimeoutMs ?? DEFAULT_TIMEOUTS.headersTimeoutMs,
    bodyTimeoutMs: config.bodyTimeoutMs ?? DEFAULT_TIMEOUTS.bodyTimeoutMs,
    requestTimeoutMs: config.requestTimeoutMs ?? DEFAULT_TIMEOUTS.requestTimeoutMs,
    keepAliveTimeoutMs: config.keepAliveTimeoutMs ?? DEFAULT_TIMEOUTS.keepAliveTimeoutMs,
    maxConnections: config.maxConnections ?? DEFAULT_TIMEOUTS.maxConnections,
  };
}

export async function buildApp(options: AppOptions): Promise<FastifyInstance> {
  const { config, store, metrics } = options;
  const clock = options.clock ?? (() => new Date());
  const registry = options.registry ?? BUILT_IN_REGISTRY;
  const timeouts = timeoutSettings(config);
  const app = Fastify({
    ...serverOptions(timeouts),
    logger:
      options.logger === false
        ? false
        : {
            level: config.logLevel,
            ...options.logger,
            // Bearer tokens must never reach a log line, whatever the caller configured.
            redact: { paths: ['req.headers.authorization', 'headers.authorization'], censor: '[redacted]' },
            // Nor a token in a URL's path or query: request lines carry the URL redacted (issue 12.8).
            serializers: {
              ...(options.logger?.['serializers'] as Record<string, unknown> | undefined),
              req: serializeRequestForLog,
            },
          },
    bodyLimit: config.maxBodyBytes,
    trustProxy: config.trustProxy,
    genReqId: requestId,
    requestIdHeader: false,
    // `/Users/?filter=…` (Microsoft's reference collection) is the collection, not an empty id:
    // a trailing slash never changes which endpoint answers (issue #13.2).
    // Endpoint names in any letter case (`/users` in Microsoft's reference collection); path
    // parameters keep their case (docs/compat.md).
    routerOptions: { ignoreTrailingSlash: true, caseSensitive: false, maxParamLength: MAX_PATH_PARAMETER_LENGTH },
    // What Node's parser and Fastify's router refuse is a SCIM error too (client-errors.ts).
    frameworkErrors,
    clientErrorHandler,
  });
  answerUnsupportedExpectations(app.server);

  applyTimeouts(app, timeouts);
  app.removeAllContentTypeParsers();
  app.addContentTypeParser(['application/json', 'application/scim+json'], { parseAs: 'string' }, parseJson);
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('X-Request-Id', request.id);
    done();
  });
  app.setErrorHandler(handleError);
  app.setNotFoundHandler((request, reply) =>
    sendScimError(reply, notFound(`No such endpoint: ${request.method} ${request.url.split('?')[0]}.`)),
  );

  // Rate limits and overload shedding (issue #16.3), before any route so their hooks reach every one.
  await registerOverloadShedding(app, config, options.overload);
  const limits = await registerRequestLimits(app, config);

  app.get('/healthz', async () => ({ status: 'ok' }));
  if (metrics && config.metricsTokenHash !== undefined) registerMetricsRoute(app, metrics, config.metricsTokenHash);
  app.get('/readyz', async (_request, reply) => {
    try {
      await store.ping();
      return { status: 'ready' };
    } catch {
      return reply.code(503).send({ status: 'unavailable', detail: 'The database does not answer.' });
    }
  });

  const guardSettings = guardSettingsFrom(config);
  const contextFor =
    (slugOf: (request: FastifyRequest) => string | undefined) =>
    async (request: FastifyRequest): Promise<RequestContext> => {
      const now = clock();
      const slug = slugOf(request);
      const tenant = await authenticateRequest(store, request, slug, now, {
        ...(metrics ? { onFailure: metrics.authFailure } : {}),
        failures: limits.authFailures,
      });
      const log = childOnFirstUse(request.log, { tenant: tenant.slug });
      return {
        tenantId: tenant.id,
        tenantSlug: tenant.slug,
        store: store.forTenant(tenant.id),
        now,
        requestId: request.id,
        log,
        baseUrl: scimBaseUrl(config.publicUrl, request, slug),
        registry,
        maxResults: config.listMaxResults,
        notes: newRequestNotes(),
        unknownAttributes: config.unknownAttributes ?? 'ignore',
        resourceLimits: { maxAttributeBytes: config.maxAttributeBytes, maxResourceBytes: config.maxResourceBytes },
        ...(config.history === false ? { recordAccessHistory: false } : {}),
        guard: guardSettings,
      };
    };

  // Every SCIM request goes to the provisioning log (docs/provisioning-log.md); flushed on close.
  const maxBodyBytes = config.logMaxBodyBytes ?? DEFAULT_LOG_BODY_BYTES;
  const provisioningLog = createProvisioningLog(store, { maxBodyBytes, clock }, app.log);
  app.addHook('onClose', async () => provisioningLog.close());

  const mount = (prefix: string, slugOf: (request: FastifyRequest) => string | undefined) =>
    app.register(
      async (scim) => {
        const buildContext = contextFor(slugOf);
        // Authenticate before the body is even parsed: strangers get a 401, never a 400.
        scim.decorateRequest('scimContext', null);
        provisioningLog.register(scim, slugOf);
        if (metrics) registerRequestMetrics(scim, metrics);
        scim.addHook('onRequest', async (request) => {
          request.scimContext = await buildContext(request);
          await limits.tenant(request);
        });
        // Path, query and headers: NULs and repeated parameters, after authentication.
        scim.addHook('preValidation', async (request) => guardRequest(request));
        registerScimRoutes(scim, registry, async (request) => request.scimContext!, {
          ...(config.listMaxPageBytes !== undefined ? { maxPageBytes: config.listMaxPageBytes } : {}),
          // Issue #14.6: one cursor secret for every process (docs/pagination.md).
          ...(config.cursorSecret !== undefined ? { cursors: { secret: config.cursorSecret } } : {}),
          bulk: {
            ...(config.bulkMaxOperations !== undefined ? { maxOperations: config.bulkMaxOperations } : {}),
            ...(config.bulkMaxPayloadBytes !== undefined ? { maxPayloadBytes: config.bulkMaxPayloadBytes } : {}),
          },
        });
      },
      { prefix },
    );
  await mount('/scim/v2', () => undefined);
  await mount('/t/:slug/scim/v2', (request) => (request.params as { slug?: string }).slug);
  await registerAdminApi(app, { store, config, clock, authFailures: limits.authFailures });
  // The web console and the customer setup portal (docs/console.md); absent with SCIMD_CONSOLE=off.
  await registerConsole(app, {
    store,
    config,
    clock,
    originOf: (request) => publicOrigin(config.publicUrl, request),
    firstRun: options.firstRun,
    authFailures: limits.authFailures,
    ...(options.livePollMs !== undefined ? { livePollMs: options.livePollMs } : {}),
  });
  return app;
}
