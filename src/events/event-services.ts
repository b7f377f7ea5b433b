/**
 * What a scimd server process runs besides HTTP: the webhook dispatcher, the retention of
 * change events, dead letters and the provisioning log, and the tenant health evaluator.
 * Started and stopped by server.ts.
 */
import { healthSettingsOf } from '../health/health-settings.js';
import type { Store } from '../store/store.js';
import { createDispatcher, type DeliveryObserver, type DispatchLog } from './dispatcher.js';
import { type HealthMonitorOptions, startHealthMonitor } from './health-monitor.js';
import { createWebhookSender } from './webhooks.js';

export interface EventServiceSettings {
  /** How long change events stay in the feed (undelivered ones stay longer). */
  readonly eventRetentionMs: number;
  readonly webhookMaxAttempts: number;
  /** SCIMD_WEBHOOK_ALLOW_TARGETS: internal receivers webhooks may reach (docs/webhooks.md). */
  readonly webhookAllowTargets: readonly string[];
  readonly logRetentionMs: number;
  /** Provisioning log entries kept per tenant. */
  readonly logMaxEntries: number;
  /** Default 10 minutes. */
  readonly retentionIntervalMs?: number;
  readonly pollIntervalMs?: number;
  readonly clock?: () => Date;
  /** Told every webhook delivery attempt (metrics). */
  readonly deliveryObserver?: DeliveryObserver;
  /** Told the number of tenants in each health state after every health pass (metrics). */
  readonly healthObserver?: HealthMonitorOptions['onCounts'];
  /** SCIMD_HEALTH_SILENT_AFTER, SCIMD_HEALTH_INTERVAL, SCIMD_HEALTH_AT_RISK_FRACTION (health-monitor.ts). */
  readonly healthSilentAfterMs?: number;
  readonly healthIntervalMs?: number;
  readonly healthAtRiskFraction?: number;
  /** SCIMD_HISTORY_RETENTION: how long access history rows are kept (docs/history.md); absent: kept. */
  readonly historyRetentionMs?: number;
}

export interface RetentionResult {
  readonly events: number;
  readonly logEntries: number;
  /** Access history rows removed; absent when no history retention is set. */
  readonly historyRows?: number;
}

export interface EventServices {
  stop(): Promise<void>;
}

/**
 * One retention pass: events and dead letters older than their retention, then the provisioning
 * log, then the access history (its own retention, years by default).
 */
export async function applyRetention(
  store: Store,
  settings: Pick<EventServiceSettings, 'eventRetentionMs' | 'logRetentionMs' | 'logMaxEntries' | 'historyRetentionMs'>,
  now: Date,
): Promise<RetentionResult> {
  const events = await store.events.prune(new Date(now.getTime() - settings.eventRetentionMs).toISOString());
  const logEntries = await store.requestLog.prune(
    new Date(now.getTime() - settings.logRetentionMs).toISOString(),
    settings.logMaxEntries,
  );
  if (settings.historyRetentionMs === undefined) return { events, logEntries };
  const historyRows = await store.history.prune(new Date(now.getTime() - settings.historyRetentionMs).toISOString());
  return { events, logEntries, historyRows };
}

export function startEventServices(store: Store, settings: EventServiceSettings, log: DispatchLog): EventServices {
  const clock = settings.clock ?? (() => new Date());
  const dispatcher = createDispatcher({
    store,
    kind: 'webhook',
    deliver: createWebhookSender({ allowTargets: settings.webhookAllowTargets }),
    maxAttempts: settings.webhookMaxAttempts,
    clock,
    log,
    ...(settings.pollIntervalMs === undefined ? {} : { pollIntervalMs: settings.pollIntervalMs }),
    ...(settings.deliveryObserver === undefined ? {} : { observer: settings.deliveryObserver }),
  });
  dispatcher.start();
  const health = startHealthMonitor({
    store,
    settings: healthSettingsOf(settings),
    ...(settings.healthIntervalMs === undefined ? {} : { intervalMs: settings.healthIntervalMs }),
    clock,
    log,
    ...(settings.healthObserver === undefined ? {} : { onCounts: settings.healthObserver }),
  });
  let retention: Promise<unknown> = Promise.resolve();
  const prune = () => {
    retention = applyRetention(store, settings, clock()).catch((error: unknown) =>
      log.error({ err: error }, 'retention pass failed'),
    );
  };
  prune();
  const timer = setInterval(prune, settings.retentionIntervalMs ?? 10 * 60 * 1000);
  timer.unref();
  return {
    async stop() {
      clearInterval(timer);
      await health.stop();
      await dispatcher.stop();
      await retention;
    },
  };
}
