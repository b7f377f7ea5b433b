/**
 * scimd's Prometheus series (docs/operations.md "Metrics"), on a registry of their own so that
 * two apps in one process (tests) never share counts. The HTTP layer, the store and the webhook
 * dispatcher report here through small callbacks; nothing here knows Fastify.
 *
 * Per request the cost is a label lookup: the series of each label combination is made once and
 * kept in a Map keyed by the combination; the series observed per request and per statement are
 * lean-histogram.ts's, which skip prom-client's per-call label hashing.
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { MetricsTenants } from '../config/config.js';
import type { EndpointBacklog, EndpointKind } from '../store/events-port.js';
import { type PoolUse, STATEMENT_KINDS, type StatementKind, type StoreObserver } from '../store/observer-port.js';
import { type HistogramCell, leanHistogram } from './lean-histogram.js';
import { identityProviderLabeler, methodLabel, routeLabel, statusClass } from './request-labels.js';
import { createTenantLabeler, type TenantLabelOptions } from './tenant-label.js';

/** Request latency buckets, in seconds: 5 ms up to Entra's 60 s request timeout. */
export const REQUEST_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];
/** Statement buckets, in seconds: a point lookup takes well under a millisecond. */
export const STATEMENT_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1, 5];
/** Change feed lag buckets, in seconds: from "at once" to a day of retries. */
export const LAG_BUCKETS = [0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600, 4 * 3600, 86400];

/** Every kind of event endpoint, so the backlog gauges report 0 rather than nothing. */
const ENDPOINT_KINDS: readonly EndpointKind[] = ['webhook', 'consumer'];

export interface ScimRequestSample {
  /** Fastify's route template (`routeOptions.url`); undefined when no route matched. */
  readonly route: string | undefined;
  readonly method: string;
  readonly status: number;
  readonly userAgent: string | undefined;
  /** The authenticated tenant's slug; undefined before authentication succeeded. */
  readonly tenant: string | undefined;
  readonly seconds: number;
}

/** What the webhook dispatcher reports (src/events/dispatcher.ts `DeliveryObserver`). */
export interface DeliveryMetrics {
  attempt(kind: string, ok: boolean): void;
  delivered(kind: string, lagSeconds: number): void;
  deadLettered(kind: string): void;
}

export interface ScimdMetrics {
  readonly registry: Registry;
  /** The Content-Type of `exposition()`. */
  readonly contentType: string;
  observeRequest(sample: ScimRequestSample): void;
  /** A SCIM request refused at authentication, by reason (src/tenancy/authenticate.ts). */
  authFailure(reason: string): void;
  /** Pass to `openStore` (`OpenStoreOptions.observer`). */
  readonly store: StoreObserver;
  readonly deliveries: DeliveryMetrics;
  /** The number of tenants in each health state, after each health pass (src/events/health-monitor.ts). */
  tenantHealth(counts: Readonly<Record<string, number>>): void;
  /** The Prometheus text exposition of every series. */
  exposition(): Promise<string>;
}

export interface MetricsOptions {
  readonly tenants?: MetricsTenants;
  /** The identity provider a User-Agent suggests (src/http/log-redaction.ts). */
  readonly identityProviderOf: (userAgent: string | undefined) => string | null;
  /** Node's process metrics (event-loop lag, heap, RSS, GC); default true. */
  readonly processMetrics?: boolean;
  readonly tenantLabels?: Omit<TenantLabelOptions, 'onDropped'>;
}

interface RequestSeries {
  readonly labels: Record<string, string>;
  readonly cell: HistogramCell;
}

export function createMetrics(options: MetricsOptions): ScimdMetrics {
  const registry = new Registry();
  const registers = [registry];
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });
  const tenantMode = options.tenants ?? { mode: 'off' };
  const perTenant = tenantMode.mode !== 'off';

  // The series every request and statement observes are lean (lean-histogram.ts).
  const requests = leanHistogram({
    name: 'scimd_scim_request_duration_seconds',
    help: 'Time from a SCIM request arriving to its response being sent, in seconds.',
    buckets: REQUEST_BUCKETS,
    counter: {
      name: 'scimd_scim_requests_total',
      help: 'SCIM requests answered, by route template, method, status class and identity provider.',
    },
    registry,
  });
  const authFailures = new Counter({
    name: 'scimd_auth_failures_total',
    help: 'SCIM requests refused at authentication, by reason.',
    labelNames: ['reason'],
    registers,
  });
  const statements = leanHistogram({
    name: 'scimd_db_statement_duration_seconds',
    help: 'SQL statements run by the store, by kind, in seconds.',
    buckets: STATEMENT_BUCKETS,
    registry,
  });
  const statementErrors = new Counter({
    name: 'scimd_db_statement_errors_total',
    help: 'SQL statements the database refused, by kind.',
    labelNames: ['operation'],
    registers,
  });
  const attempts = new Counter({
    name: 'scimd_webhook_delivery_attempts_total',
    help: 'Change event delivery attempts, by endpoint kind and outcome (delivered or failed).',
    labelNames: ['kind', 'outcome'],
    registers,
  });
  const deadLetters = new Counter({
    name: 'scimd_webhook_dead_letters_total',
    help: 'Change events that became dead letters after their last failed attempt.',
    labelNames: ['kind'],
    registers,
  });
  const lag = new Histogram({
    name: 'scimd_webhook_delivery_lag_seconds',
    help: 'Age of a change event when it was delivered (change feed lag), in seconds.',
    labelNames: ['kind'],
    buckets: LAG_BUCKETS,
    registers,
  });

  const cache = new Map<string, RequestSeries>();
  const tenants = createTenantLabeler(tenantMode, {
    ...options.tenantLabels,
    onDropped: (slug) => {
      for (const [key, series] of cache) {
        if (series.labels['tenant'] !== slug) continue;
        requests.remove(series.labels);
        cache.delete(key);
      }
    },
  });
  const idpOf = identityProviderLabeler(options.identityProviderOf);

  const statementChildren = new Map(
    STATEMENT_KINDS.map((kind) => [kind, statements.cell({ operation: kind })] as const),
  );
  let pool: (() => PoolUse) | undefined;
  const healthStates = new Gauge({
    name: 'scimd_tenant_health_state',
    help: 'Tenants in each health state (healthy, degraded, at_risk, silent) at the last health pass.',
    labelNames: ['state'],
    registers: [registry],
  });
  /**
   * The delivery backlog, read at each scrape with one aggregate query shared by both gauges.
   * Both kinds are always reported, 0 when nothing waits; when the query fails the series are
   * left out of that scrape rather than shown stale.
   */
  const watchBacklog = (read: () => Promise<readonly EndpointBacklog[]>) => {
    let inFlight: Promise<readonly EndpointBacklog[] | undefined> | undefined;
    const scrapeOnce = () => {
      inFlight ??= read()
        .catch(() => undefined)
        .finally(() => {
          inFlight = undefined;
        });
      return inFlight;
    };
    const gauge = (name: string, help: string, pick: (backlog: EndpointBacklog) => number) =>
      new Gauge({
        name,
        help,
        labelNames: ['kind'],
        registers,
        async collect() {
          const rows = await scrapeOnce();
          this.reset();
          if (rows === undefined) return;
          for (const kind of ENDPOINT_KINDS) {
            const row = rows.find((r) => r.kind === kind);
            this.set({ kind }, row === undefined ? 0 : pick(row));
          }
        },
      });
    gauge(
      'scimd_webhook_backlog_events',
      'Change events recorded but not yet delivered, summed over the streams of enabled endpoints, by endpoint kind.',
      (b) => b.events,
    );
    gauge(
      'scimd_webhook_backlog_streams',
      'Delivery streams (one per endpoint and tenant) with at least one event not yet delivered, by endpoint kind.',
      (b) => b.streams,
    );
  };
  const poolGauge = (name: string, help: string, pick: (use: PoolUse) => number) =>
    new Gauge({
      name,
      help,
      registers,
      collect() {
        if (pool !== undefined) this.set(pick(pool()));
      },
    });

  return {
    registry,
    contentType: registry.contentType,
    observeRequest(sample) {
      const route = routeLabel(sample.route);
      const method = methodLabel(sample.method);
      const status = statusClass(sample.status);
      const idp = idpOf(sample.userAgent);
      const tenant = perTenant ? tenants.label(sample.tenant) : '';
      const key = `${route} ${method} ${status} ${idp} ${tenant}`;
      let series = cache.get(key);
      if (series === undefined) {
        const labels: Record<string, string> = { route, method, status_class: status, idp };
        if (perTenant) labels['tenant'] = tenant;
        series = { labels, cell: requests.cell(labels) };
        cache.set(key, series);
      }
      series.cell.observe(sample.seconds);
    },
    authFailure(reason) {
      authFailures.inc({ reason });
    },
    store: {
      statement(kind: StatementKind, seconds: number, failed: boolean) {
        statementChildren.get(kind)?.observe(seconds);
        if (failed) statementErrors.inc({ operation: kind });
      },
      pool(read) {
        if (pool === undefined) {
          poolGauge('scimd_db_pool_connections', 'PostgreSQL connections open (busy or idle).', (u) => u.total);
          poolGauge('scimd_db_pool_idle_connections', 'PostgreSQL connections open and idle.', (u) => u.idle);
          poolGauge(
            'scimd_db_pool_waiting_requests',
            'Requests waiting for a PostgreSQL connection.',
            (u) => u.waiting,
          );
        }
        pool = read;
      },
      backlog: watchBacklog,
      historyBacklog(read) {
        new Gauge({
          name: 'scimd_history_backlog_writes',
          help: 'Writes whose access history is recorded but not yet projected (docs/history.md), over every tenant.',
          registers,
          async collect() {
            const writes = await read().catch(() => undefined);
            // Left out of a scrape whose query failed, as the delivery backlog is, not shown as 0.
            if (writes === undefined) this.remove();
            else this.set(writes);
          },
        });
      },
    },
    deliveries: {
      attempt(kind, ok) {
        attempts.inc({ kind, outcome: ok ? 'delivered' : 'failed' });
      },
      delivered(kind, lagSeconds) {
        lag.observe({ kind }, Math.max(0, lagSeconds));
      },
      deadLettered(kind) {
        deadLetters.inc({ kind });
      },
    },
    tenantHealth(counts) {
      for (const [state, count] of Object.entries(counts)) healthStates.set({ state }, count);
    },
    exposition: () => registry.metrics(),
  };
}
