/**
 * The composition root: picks the concrete store from configuration, builds the HTTP app and
 * starts listening. Everything else receives its collaborators as parameters.
 */
import { readFile } from 'node:fs/promises';
import { type Config, ConfigError } from './config/config.js';
import { consoleEnabled } from './console/console-options.js';
import { FirstRunGate } from './console/first-run.js';
import { startEventServices } from './events/event-services.js';
import { buildApp } from './http/app.js';
import { publicUrlWarning } from './http/host-header.js';
import { guessIdentityProvider } from './http/log-redaction.js';
import { type MetricsListener, startMetricsListener } from './metrics/metrics-listener.js';
import { createMetrics } from './metrics/scimd-metrics.js';
import { ExtensionFileError, parseExtensionFileText } from './scim/schema/extension-file.js';
import { BUILT_IN_REGISTRY, createRegistry, type SchemaRegistry } from './scim/schema/registry.js';
import { openStore } from './store/open.js';

export interface RunningServer {
  /** e.g. `http://127.0.0.1:8080` */
  readonly url: string;
  /** The metrics listener's `/metrics` URL; undefined with SCIMD_METRICS=off. */
  readonly metricsUrl: string | undefined;
  /** Stops accepting connections, lets in-flight requests finish, then closes the database. */
  close(): Promise<void>;
}

/**
 * The schema registry: the built-in resource types plus the extensions declared in the file
 * SCIMD_SCHEMA_EXTENSIONS names (docs/extensions.md). An unreadable or invalid file is a
 * `ConfigError` listing every problem, so `scimd serve` exits 78 before opening the database.
 */
export async function loadRegistry(config: Pick<Config, 'schemaExtensionsPath'>): Promise<SchemaRegistry> {
  const path = config.schemaExtensionsPath;
  if (path === undefined) return BUILT_IN_REGISTRY;
  const problem = (message: string) => new ConfigError([{ variable: 'SCIMD_SCHEMA_EXTENSIONS', message }]);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw problem(`cannot read ${JSON.stringify(path)}: ${(error as Error).message}`);
  }
  try {
    return createRegistry(parseExtensionFileText(text));
  } catch (error) {
    if (!(error instanceof ExtensionFileError)) throw error;
    throw new ConfigError(
      error.problems.map((p) => ({ variable: 'SCIMD_SCHEMA_EXTENSIONS', message: `${JSON.stringify(path)} ${p}` })),
    );
  }
}

export interface ServerOptions {
  /** pino options merged over the JSON logs (tests pass a `stream` to read them). */
  readonly logger?: Record<string, unknown>;
  /** Where the first-run console URL is printed (default: standard error). */
  readonly announce?: (line: string) => void;
}

/**
 * With the console on and no admin credential anywhere (no SCIMD_ADMIN_TOKEN_HASH, none created
 * in the console), prints a one-time console sign-in URL, the way notebook servers do
 * (docs/console.md "First run"). It goes to the terminal, never into the JSON logs.
 */
async function announceFirstRun(
  config: Config,
  store: Awaited<ReturnType<typeof openStore>>,
  gate: FirstRunGate,
  url: string,
  announce: (line: string) => void,
): Promise<void> {
  if (!consoleEnabled(config) || config.adminTokenHash !== undefined) return;
  const credentials = await store.console.adminCredentials.list();
  if (credentials.some((c) => c.revokedAt === null)) return;
  const path = gate.issue(new Date());
  announce(
    [
      '',
      '  No admin credential exists yet. To set up scimd, open this one-time console link',
      '  (it works once, for 15 minutes; restart scimd for a new one):',
      '',
      `      ${config.publicUrl?.replace(/\/+$/, '') ?? url}${path}`,
      '',
    ].join('\n'),
  );
}

export async function startServer(config: Config, options: ServerOptions = {}): Promise<RunningServer> {
  const registry = await loadRegistry(config);
  // Issue #16.1: Prometheus metrics (docs/operations.md), fed by the app, the store and the dispatcher.
  const metrics = config.metricsEnabled
    ? createMetrics({ tenants: config.metricsTenants, identityProviderOf: guessIdentityProvider })
    : undefined;
  const store = await openStore(config.databaseUrl, {
    poolSize: config.databasePoolSize,
    preparedStatements: config.databasePreparedStatements,
    ...(metrics ? { observer: metrics.store } : {}),
  });
  let metricsListener: MetricsListener | undefined;
  try {
    const firstRun = new FirstRunGate();
    const app = await buildApp({
      config,
      store,
      registry,
      firstRun,
      ...(options.logger ? { logger: options.logger } : {}),
      ...(metrics ? { metrics } : {}),
    });
    await app.listen({ port: config.port, host: config.host });
    if (metrics) {
      metricsListener = await startMetricsListener(metrics, config.metricsHost, config.metricsPort).catch(
        async (error: unknown) => {
          await app.close();
          throw error;
        },
      );
      app.log.info({ url: metricsListener.url }, 'metrics listening');
    }
    const warning = publicUrlWarning(config);
    if (warning !== undefined) app.log.warn(warning);
    const address = app.server.address();
    const port = typeof address === 'object' && address ? address.port : config.port;
    const host = config.host === '0.0.0.0' || config.host === '::' ? 'localhost' : config.host;
    // Webhook delivery and retention (docs/webhooks.md); stopped before the database closes.
    const events = startEventServices(
      store,
      {
        ...config,
        ...(metrics ? { deliveryObserver: metrics.deliveries, healthObserver: metrics.tenantHealth } : {}),
      },
      app.log,
    );
    const url = `http://${host}:${port}`;
    await announceFirstRun(
      config,
      store,
      firstRun,
      url,
      options.announce ?? ((line) => process.stderr.write(`${line}\n`)),
    );
    let closing: Promise<void> | undefined;
    return {
      url,
      metricsUrl: metricsListener?.url,
      close: () => {
        closing ??= events
          .stop()
          .finally(() => app.close())
          .finally(() => metricsListener?.close())
          .finally(() => store.close());
        return closing;
      },
    };
  } catch (error) {
    await store.close();
    throw error;
  }
}
