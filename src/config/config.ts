/**
 * scimd's configuration: environment variables parsed and validated once, at start, into a
 * frozen `Config`. Every variable is described in `CONFIG_VARIABLES` (the README mirrors that
 * table; a test keeps the two in sync).
 *
 * An empty or whitespace-only value counts as unset (so `SCIMD_PUBLIC_URL=` in a compose file
 * means "use the default"). A bad value never falls back silently: `loadConfig` throws one
 * `ConfigError` naming every bad variable, what is wrong and the accepted form.
 */
import { z } from 'zod';
import { type RequestRate, requestRate } from './request-rate.js';

export type { RequestRate } from './request-rate.js';

import { webhookAllowTargets } from './webhook-allow-targets.js';

/** `SCIMD_METRICS_TENANTS`: which tenants get a `tenant` label of their own (docs/operations.md). */
export type MetricsTenants =
  | { readonly mode: 'off' }
  | { readonly mode: 'top'; readonly count: number }
  | { readonly mode: 'allow'; readonly slugs: readonly string[] };

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export interface Config {
  /** TCP port to listen on; 0 picks a free port. */
  readonly port: number;
  /** Interface to bind. */
  readonly host: string;
  /** Where data lives: `file:<path>`, `sqlite::memory:`, `memory:` or `postgres://…`. */
  readonly databaseUrl: string;
  /**
   * Public base URL (scheme, host, optional path; no trailing slash, query or fragment), used
   * for `meta.location` and the SCIM URL given to customers. Undefined: derive from the request.
   */
  readonly publicUrl: string | undefined;
  readonly logLevel: LogLevel;
  /** Largest accepted request body, in bytes. */
  readonly maxBodyBytes: number;
  /** Upper bound for `count` on list/search requests (RFC 7644 §3.4.2.4). */
  readonly listMaxResults: number;
  /** Honour X-Forwarded-* headers from a reverse proxy. */
  readonly trustProxy: boolean;
  /** Application (client) IDs of the Entra app registrations, lower-case GUIDs. */
  readonly entraClientIdTest: string | undefined;
  readonly entraClientIdProd: string | undefined;
  /** PostgreSQL connections per process. */
  readonly databasePoolSize: number;
  /** PostgreSQL: run statement templates as named prepared statements (postgres/prepared.ts). */
  readonly databasePreparedStatements: boolean;
  /** Lower-case hex SHA-256 of the admin API token; undefined turns the admin API off. */
  readonly adminTokenHash: string | undefined;
  /** JSON file declaring extra schema extensions; undefined: none. */
  readonly schemaExtensionsPath: string | undefined;
  /** Most operations one /Bulk request may carry (RFC 7644 §3.7.4 maxOperations). */
  readonly bulkMaxOperations: number;
  /** Largest /Bulk request body in bytes (RFC 7644 §3.7.4 maxPayloadSize). */
  readonly bulkMaxPayloadBytes: number;
  /** How long change events stay in the feed, in ms (undelivered ones stay until delivered). */
  readonly eventRetentionMs: number;
  /** Failed attempts before a webhook delivery is dead-lettered. */
  readonly webhookMaxAttempts: number;
  /** How long provisioning log entries are kept, in ms. */
  readonly logRetentionMs: number;
  /** Provisioning log entries kept per tenant (the newest). */
  readonly logMaxEntries: number;
  /** Largest request or response body stored in a provisioning log entry; longer ones are cut. */
  readonly logMaxBodyBytes: number;
  /** Internal webhook receivers allowed anyway: host names, IP addresses, CIDRs (issue #12.6). */
  readonly webhookAllowTargets: readonly string[];
  // Issue #13.4 (unknown attributes) and #12.3 (bounded resources).
  /** Attributes no schema declares: `ignore` (accept, record in the provisioning log) or `reject` (400). */
  readonly unknownAttributes: 'ignore' | 'reject';
  /** Largest string attribute value stored, in UTF-8 bytes. */
  readonly maxAttributeBytes: number;
  /** Largest stored resource (its canonical JSON, without group members), in bytes. */
  readonly maxResourceBytes: number;
  // Issue #12.7: slow clients (src/http/timeouts.ts).
  /** Milliseconds a client has to send complete request headers. */
  readonly headersTimeoutMs: number;
  /** Milliseconds a client has to send a request body once its headers are in. */
  readonly bodyTimeoutMs: number;
  /** Milliseconds a client has to send a whole request, headers and body (the backstop). */
  readonly requestTimeoutMs: number;
  /** Milliseconds an idle keep-alive connection stays open. */
  readonly keepAliveTimeoutMs: number;
  /** Most sockets open at once; more are closed on arrival. */
  readonly maxConnections: number;
  // Issue #12.3: bounded list pages (src/service/page-fill.ts).
  /** Serialized bytes of resources after which a list or search page stops adding resources. */
  readonly listMaxPageBytes: number;
  // Issue #14.6: the deployment secret for list cursors (src/scim/cursor.ts, docs/pagination.md).
  /** Secret mixed into every tenant's cursor key; undefined: keys from the tenant's internal id alone. */
  readonly cursorSecret: string | undefined;
  // Issue #15: the web console and the customer setup portal (docs/console.md).
  /** Serve the operator console (/console), the setup portal (/setup/…) and the admin API. */
  readonly consoleEnabled: boolean;
  /** A console session ends after this many ms without a request. */
  readonly consoleIdleTimeoutMs: number;
  /** A console session ends this many ms after sign-in, however active. */
  readonly consoleAbsoluteTimeoutMs: number;
  /** How long earlier portal tokens keep working after the portal generates a new one, in ms (0: not at all). */
  readonly setupTokenGraceMs: number;
  // Issue #16.1: Prometheus metrics (src/metrics/, docs/operations.md).
  /** Collect metrics and serve them on the metrics listener. */
  readonly metricsEnabled: boolean;
  /** Interface of the metrics listener. */
  readonly metricsHost: string;
  /** Port of the metrics listener; 0 picks a free port. */
  readonly metricsPort: number;
  /** Lower-case hex SHA-256 of the bearer credential for `/metrics` on the main port; undefined: not served there. */
  readonly metricsTokenHash: string | undefined;
  /** Per-tenant series: none, the N busiest, or an allow list of slugs. */
  readonly metricsTenants: MetricsTenants;
  // Issue #16.3: rate limits and overload (src/http/rate-limits.ts, src/http/overload.ts).
  /** Requests one authenticated tenant may make (a token bucket); null: no limit. */
  readonly tenantRateLimit: RequestRate | null;
  /** Failed authentications one client address may make (a token bucket) before they get 429; null: no limit. */
  readonly authFailureLimit: RequestRate | null;
  /** Mean event-loop delay (ms) past which new requests get 503; 0: not checked. */
  readonly shedEventLoopDelayMs: number;
  /** V8 heap in use (bytes) past which new requests get 503; 0: not checked. */
  readonly shedHeapBytes: number;
  /** Resident set size (bytes) past which new requests get 503; 0: not checked. */
  readonly shedRssBytes: number;
  /** Requests served at once past which new ones get 503; 0: no cap. */
  readonly maxInFlight: number;
  // Issue #16.2: tenant health (src/health/, docs/operations.md "Tenant health").
  /** An IdP that used to call is `silent` after this many ms without a request. */
  readonly healthSilentAfterMs: number;
  /** Milliseconds between the background health evaluator's passes. */
  readonly healthIntervalMs: number;
  /** `at_risk` is reaching this fraction of Entra ID's quarantine thresholds (0 < f ≤ 1). */
  readonly healthAtRiskFraction: number;
  // Issue #17: the access history (src/service/access-history.ts, docs/history.md).
  /** Record who had which role or group when; off for the bench comparison. */
  readonly history: boolean;
  /** How long access history rows are kept, in ms (spans still open are kept regardless). */
  readonly historyRetentionMs: number;
  // Issue #17: the deprovision guard (docs/guard.md); tenants may override each value.
  /** Hold a tenant's events when a mass deprovision trips the guard. */
  readonly guardEnabled: boolean;
  /** Trips when more than this percentage of the tenant's active users were deprovisioned… */
  readonly guardPercent: number;
  /** …and at least this many. */
  readonly guardMinimum: number;
  /** The sliding window, in minutes. */
  readonly guardWindowMinutes: number;
}

export interface ConfigVariable {
  readonly name: string;
  /** The value used when the variable is unset or empty; null when there is none. */
  readonly default: string | null;
  readonly description: string;
}

/** One bad variable: its name and what is wrong with it, including the accepted form. */
export interface ConfigProblem {
  readonly variable: string;
  readonly message: string;
}

/** Thrown by `loadConfig`; `message` lists every problem, one per line. */
export class ConfigError extends Error {
  readonly problems: readonly ConfigProblem[];

  constructor(problems: readonly ConfigProblem[]) {
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    const lines = problems.map((p) => `  ${p.variable}: ${p.message}`);
    super(`invalid configuration (${count}):\n${lines.join('\n')}`);
    this.name = 'ConfigError';
    this.problems = Object.freeze([...problems]);
  }
}

/** A variable's documentation and parser; `D` is `null` for variables without a default. */
interface Spec<T, D extends string | null = string> extends ConfigVariable {
  readonly default: D;
  readonly schema: z.ZodType<T, string>;
  /** Do not echo the bad value in the error message (it may hold credentials). */
  readonly sensitive?: boolean;
}

const integer = (min: number, max: number, form: string): z.ZodType<number, string> =>
  z
    .string()
    .regex(/^\d+$/, { error: `must be ${form}` })
    .transform(Number)
    .pipe(
      z
        .number()
        .min(min, { error: `must be ${form}` })
        .max(max, { error: `must be ${form}` }),
    );

const TRUE_WORDS = ['true', '1', 'yes', 'on'];
const FALSE_WORDS = ['false', '0', 'no', 'off'];
const boolean: z.ZodType<boolean, string> = z
  .string()
  .transform((s) => s.toLowerCase())
  .refine((s) => TRUE_WORDS.includes(s) || FALSE_WORDS.includes(s), {
    error: 'must be true or false (also accepted: 1/0, yes/no, on/off)',
  })
  .transform((s) => TRUE_WORDS.includes(s));

const guid: z.ZodType<string, string> = z
  .string()
  .regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, {
    error: 'must be a GUID like 00000000-0000-0000-0000-000000000000 (the Application (client) ID)',
  })
  .transform((s) => s.toLowerCase());

const DATABASE_FORMS =
  'file:<path> (e.g. file:./data/scimd.db or file:/var/lib/scimd/scimd.db), sqlite::memory:, memory:, or postgres://user:password@host:5432/database';
const databaseUrl: z.ZodType<string, string> = z
  .string()
  .refine(
    (s) =>
      s === 'memory:' ||
      s === 'sqlite::memory:' ||
      (s.startsWith('file:') && s.length > 'file:'.length) ||
      /^postgres(ql)?:\/\/./.test(s),
    { error: `must be ${DATABASE_FORMS}` },
  );

const ADMIN_TOKEN_HASH_FORM = 'sha256:<64 hex digits> (print one with: scimd admin-token)';
const adminTokenHash: z.ZodType<string, string> = z
  .string()
  .regex(/^sha256:[0-9a-fA-F]{64}$/, { error: `must be ${ADMIN_TOKEN_HASH_FORM}` })
  .transform((s) => s.slice('sha256:'.length).toLowerCase());

const filePath: z.ZodType<string, string> = z.string().min(1, { error: 'must be a file path' });

const PUBLIC_URL_FORM = 'an http(s) URL without query or fragment, e.g. https://scim.example.com';
const publicUrl: z.ZodType<string, string> = z.string().transform((s, ctx) => {
  let url: URL;
  try {
    url = new URL(s);
  } catch {
    ctx.addIssue({ code: 'custom', message: `must be ${PUBLIC_URL_FORM}` });
    return z.NEVER;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    ctx.addIssue({ code: 'custom', message: `must use http or https: ${PUBLIC_URL_FORM}` });
    return z.NEVER;
  }
  if (s.includes('?') || s.includes('#')) {
    ctx.addIssue({ code: 'custom', message: `must not have a query or fragment: ${PUBLIC_URL_FORM}` });
    return z.NEVER;
  }
  if (url.username !== '' || url.password !== '') {
    ctx.addIssue({ code: 'custom', message: `must not contain credentials: ${PUBLIC_URL_FORM}` });
    return z.NEVER;
  }
  return (url.origin + url.pathname).replace(/\/+$/, '');
});

const host: z.ZodType<string, string> = z
  .string()
  .regex(/^[^\s/]+$/, { error: 'must be a host name or IP address, e.g. 0.0.0.0, 127.0.0.1 or ::' });

const logLevel: z.ZodType<LogLevel, string> = z.enum(LOG_LEVELS as [LogLevel, ...LogLevel[]], {
  error: `must be one of ${LOG_LEVELS.join(', ')}`,
});

const PORT: Spec<number> = {
  name: 'SCIMD_PORT',
  default: '8080',
  description: 'TCP port to listen on (0 picks a free port).',
  schema: integer(0, 65535, 'an integer from 0 to 65535'),
};
const HOST: Spec<string> = {
  name: 'SCIMD_HOST',
  default: '0.0.0.0',
  description:
    'Interface to bind. The default listens on every interface (right for containers); use 127.0.0.1 to accept local connections only.',
  schema: host,
};
const DATABASE_URL: Spec<string> = {
  name: 'SCIMD_DATABASE_URL',
  default: 'file:./data/scimd.db',
  description: `Where data lives: ${DATABASE_FORMS}. The directory of a file database is created when missing.`,
  schema: databaseUrl,
  sensitive: true,
};
const PUBLIC_URL: Spec<string, null> = {
  name: 'SCIMD_PUBLIC_URL',
  default: null,
  description:
    'Public base URL, e.g. https://scim.example.com, used for meta.location and the SCIM URL shown to customers. Unset: derived from each request (and http://localhost:<port> in CLI output).',
  schema: publicUrl,
};
const LOG_LEVEL: Spec<LogLevel> = {
  name: 'SCIMD_LOG_LEVEL',
  default: 'info',
  description: `Log level: ${LOG_LEVELS.join(', ')}.`,
  schema: logLevel,
};
const MAX_BODY_BYTES: Spec<number> = {
  name: 'SCIMD_MAX_BODY_BYTES',
  default: '1048576',
  description: 'Largest accepted request body in bytes (1024 to 1073741824); larger requests get 413.',
  schema: integer(1024, 1073741824, 'an integer number of bytes from 1024 to 1073741824'),
};
const LIST_MAX_RESULTS: Spec<number> = {
  name: 'SCIMD_LIST_MAX_RESULTS',
  default: '200',
  description: 'Largest page a list or search returns; a larger count is lowered to this (1 to 10000).',
  schema: integer(1, 10000, 'an integer from 1 to 10000'),
};
const TRUST_PROXY: Spec<boolean> = {
  name: 'SCIMD_TRUST_PROXY',
  default: 'false',
  description: 'true behind a reverse proxy: client address and scheme are taken from X-Forwarded-* headers.',
  schema: boolean,
};
const ENTRA_CLIENT_ID_TEST: Spec<string, null> = {
  name: 'SCIMD_ENTRA_CLIENT_ID_TEST',
  default: null,
  description: 'Application (client) ID (GUID) of the test Entra app registration, used in setup guides.',
  schema: guid,
};
const ENTRA_CLIENT_ID_PROD: Spec<string, null> = {
  name: 'SCIMD_ENTRA_CLIENT_ID_PROD',
  default: null,
  description: 'Application (client) ID (GUID) of the production Entra app registration, used in setup guides.',
  schema: guid,
};

const DATABASE_POOL_SIZE: Spec<number> = {
  name: 'SCIMD_DATABASE_POOL_SIZE',
  default: '10',
  description: 'PostgreSQL only: connections per scimd process (1 to 500).',
  schema: integer(1, 500, 'an integer from 1 to 500'),
};
const DATABASE_PREPARED_STATEMENTS: Spec<boolean> = {
  name: 'SCIMD_DATABASE_PREPARED_STATEMENTS',
  default: 'on',
  description:
    'PostgreSQL only: on runs the statements of every request as named prepared statements (parsed and planned once per connection); off sends them unnamed, for a pooler that cannot keep them (PgBouncer before 1.21 in transaction mode).',
  schema: boolean,
};
const ADMIN_TOKEN_HASH: Spec<string, null> = {
  name: 'SCIMD_ADMIN_TOKEN_HASH',
  default: null,
  description: `SHA-256 of the admin API token, as ${ADMIN_TOKEN_HASH_FORM}. Unset: the admin HTTP API is off.`,
  schema: adminTokenHash,
  sensitive: true,
};
const SCHEMA_EXTENSIONS: Spec<string, null> = {
  name: 'SCIMD_SCHEMA_EXTENSIONS',
  default: null,
  description: 'Path of a JSON file declaring extra schema extensions for Users or Groups (docs/extensions.md).',
  schema: filePath,
};

const BULK_MAX_OPERATIONS: Spec<number> = {
  name: 'SCIMD_BULK_MAX_OPERATIONS',
  default: '1000',
  description:
    'Most operations one /Bulk request may carry (1 to 100000); more get 413. Advertised as bulk.maxOperations.',
  schema: integer(1, 100000, 'an integer from 1 to 100000'),
};
const BULK_MAX_PAYLOAD_BYTES: Spec<number> = {
  name: 'SCIMD_BULK_MAX_PAYLOAD_BYTES',
  default: '1048576',
  description:
    'Largest /Bulk request body in bytes (1024 to 1073741824); larger ones get 413. Advertised as bulk.maxPayloadSize.',
  schema: integer(1024, 1073741824, 'an integer number of bytes from 1024 to 1073741824'),
};

const DURATION_UNIT_MS: Readonly<Record<string, number>> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const DURATION_FORM = 'a duration: a whole number followed by m, h, d or w (e.g. 12h, 30d, 8w), from 1m to 3650d';
const duration: z.ZodType<number, string> = z
  .string()
  .regex(/^[1-9]\d{0,6}[mhdw]$/, { error: `must be ${DURATION_FORM}` })
  .transform((s) => Number(s.slice(0, -1)) * DURATION_UNIT_MS[s.slice(-1)]!)
  .pipe(z.number().max(3650 * 86_400_000, { error: `must be ${DURATION_FORM}` }));

const EVENT_RETENTION: Spec<number> = {
  name: 'SCIMD_EVENT_RETENTION',
  default: '30d',
  description:
    'How long change events stay readable in the feed (e.g. 7d, 30d, 12w); events a webhook has not received yet are kept until it does (docs/events.md).',
  schema: duration,
};
const WEBHOOK_MAX_ATTEMPTS: Spec<number> = {
  name: 'SCIMD_WEBHOOK_MAX_ATTEMPTS',
  default: '12',
  description:
    'Failed attempts (with exponential backoff, about 10 s doubling to 2 h) before a webhook delivery becomes a dead letter (1 to 100).',
  schema: integer(1, 100, 'an integer from 1 to 100'),
};
const LOG_RETENTION: Spec<number> = {
  name: 'SCIMD_LOG_RETENTION',
  default: '30d',
  description: 'How long the provisioning log keeps each SCIM request (e.g. 7d, 30d); see docs/provisioning-log.md.',
  schema: duration,
};
const LOG_MAX_ENTRIES: Spec<number> = {
  name: 'SCIMD_LOG_MAX_ENTRIES',
  default: '10000',
  description: 'Provisioning log entries kept per tenant, newest first (100 to 10000000).',
  schema: integer(100, 10_000_000, 'an integer from 100 to 10000000'),
};
const LOG_MAX_BODY_BYTES: Spec<number> = {
  name: 'SCIMD_LOG_MAX_BODY_BYTES',
  default: '16384',
  description:
    'Largest request or response body kept in a provisioning log entry (0 to 1048576 bytes); longer bodies are cut, 0 keeps none.',
  schema: integer(0, 1_048_576, 'an integer number of bytes from 0 to 1048576'),
};

// Issue #12.6: webhooks never go into the internal network unless the receiver is listed here.
const WEBHOOK_ALLOW_TARGETS: Spec<readonly string[], null> = {
  name: 'SCIMD_WEBHOOK_ALLOW_TARGETS',
  default: null,
  description:
    'Internal webhook receivers allowed anyway, comma-separated: host names (as in the URL), IP addresses and CIDR networks. Unset: webhooks to loopback, private, link-local and metadata targets are refused (docs/webhooks.md).',
  schema: webhookAllowTargets,
};

// Issue #13.4 (unknown attributes) and #12.3 (bounded resources).
const UNKNOWN_ATTRIBUTES: Spec<'ignore' | 'reject'> = {
  name: 'SCIMD_UNKNOWN_ATTRIBUTES',
  default: 'ignore',
  description:
    'Attributes no schema declares: ignore (accept the request, drop them and list them on its provisioning log entry) or reject (answer 400). See docs/compat.md.',
  schema: z.enum(['ignore', 'reject'], { error: 'must be ignore or reject' }),
};
const MAX_ATTRIBUTE_BYTES: Spec<number> = {
  name: 'SCIMD_MAX_ATTRIBUTE_BYTES',
  default: '32768',
  description:
    'Largest string attribute value stored, in UTF-8 bytes (256 to 1048576); a larger one gets 400 invalidValue (docs/errors.md).',
  schema: integer(256, 1_048_576, 'an integer number of bytes from 256 to 1048576'),
};
const MAX_RESOURCE_BYTES: Spec<number> = {
  name: 'SCIMD_MAX_RESOURCE_BYTES',
  default: '262144',
  description:
    'Largest stored User or Group, as canonical JSON without group members (4096 to 16777216 bytes); a larger one gets 400 invalidValue (docs/errors.md).',
  schema: integer(4096, 16_777_216, 'an integer number of bytes from 4096 to 16777216'),
};

// Issue #12.7: slow clients (src/http/timeouts.ts, README "Limits").
const TIMEOUT_FORM = 'an integer number of milliseconds from 100 to 3600000';
const HEADERS_TIMEOUT_MS: Spec<number> = {
  name: 'SCIMD_HEADERS_TIMEOUT_MS',
  default: '10000',
  description: 'Milliseconds a client has to send complete request headers; slower ones get 408 and are closed.',
  schema: integer(100, 3_600_000, TIMEOUT_FORM),
};
const BODY_TIMEOUT_MS: Spec<number> = {
  name: 'SCIMD_BODY_TIMEOUT_MS',
  default: '30000',
  description:
    'Milliseconds a client has to send the whole request body once its headers are in; a stalled body gets 408 and the connection is closed.',
  schema: integer(100, 3_600_000, TIMEOUT_FORM),
};
const REQUEST_TIMEOUT_MS: Spec<number> = {
  name: 'SCIMD_REQUEST_TIMEOUT_MS',
  default: '60000',
  description:
    'Milliseconds a client has to send a whole request, headers and body (at least SCIMD_HEADERS_TIMEOUT_MS); covers bodies scimd never reads, e.g. after a 401.',
  schema: integer(100, 3_600_000, TIMEOUT_FORM),
};
const KEEP_ALIVE_TIMEOUT_MS: Spec<number> = {
  name: 'SCIMD_KEEP_ALIVE_TIMEOUT_MS',
  default: '72000',
  description:
    'Milliseconds an idle keep-alive connection stays open; keep it above your load balancer idle timeout (often 60 s).',
  schema: integer(100, 3_600_000, TIMEOUT_FORM),
};
const MAX_CONNECTIONS: Spec<number> = {
  name: 'SCIMD_MAX_CONNECTIONS',
  default: '1000',
  description: 'Most connections open at once (1 to 1000000); further connections are closed on arrival.',
  schema: integer(1, 1_000_000, 'an integer from 1 to 1000000'),
};

// Issue #12.3: bounded list pages (src/service/page-fill.ts, docs/pagination.md).
const LIST_MAX_PAGE_BYTES: Spec<number> = {
  name: 'SCIMD_LIST_MAX_PAGE_BYTES',
  default: '1048576',
  description:
    'Serialized bytes of resources after which a list or search page stops adding resources (65536 to 1073741824); the page then holds fewer than count, never none.',
  schema: integer(65_536, 1_073_741_824, 'an integer number of bytes from 65536 to 1073741824'),
};

// Issue #14.6: the deployment secret for list cursors (src/scim/cursor.ts, docs/pagination.md).
const CURSOR_SECRET_FORM = 'at least 32 characters, the same on every scimd process (e.g. from: openssl rand -hex 32)';
const CURSOR_SECRET: Spec<string, null> = {
  name: 'SCIMD_CURSOR_SECRET',
  default: null,
  description: `Secret mixed into the keys that sign list cursors, ${CURSOR_SECRET_FORM}. Unset: keys derive from each tenant's internal id alone.`,
  schema: z.string().min(32, { error: `must be ${CURSOR_SECRET_FORM}` }),
  sensitive: true,
};

// Issue #15: the web console and the customer setup portal (docs/console.md).
const CONSOLE: Spec<boolean> = {
  name: 'SCIMD_CONSOLE',
  default: 'on',
  description:
    'on serves the operator web console (/console), the customer setup portal (/setup/…) and the admin API (which then accepts credentials created in the console); off turns all three off (the admin API stays on when SCIMD_ADMIN_TOKEN_HASH is set).',
  schema: boolean,
};
const CONSOLE_IDLE_TIMEOUT: Spec<number> = {
  name: 'SCIMD_CONSOLE_IDLE_TIMEOUT',
  default: '30m',
  description: 'A console session ends after this long without a request (e.g. 15m, 1h).',
  schema: duration,
};
const CONSOLE_ABSOLUTE_TIMEOUT: Spec<number> = {
  name: 'SCIMD_CONSOLE_ABSOLUTE_TIMEOUT',
  default: '12h',
  description: 'A console session ends this long after sign-in, however active (e.g. 8h, 1d).',
  schema: duration,
};
const SETUP_TOKEN_GRACE: Spec<number> = {
  name: 'SCIMD_SETUP_TOKEN_GRACE',
  default: '24h',
  description:
    'When the setup portal generates a new SCIM token, earlier portal tokens of the tenant keep working this long (e.g. 1h, 24h, 7d), so the customer can switch Entra over; 0 stops them at once. Tokens issued by an operator are never affected.',
  schema: z
    .string()
    .regex(/^(0|[1-9]\d{0,6}[mhdw])$/, { error: `must be 0 or ${DURATION_FORM}` })
    .transform((s) => (s === '0' ? 0 : Number(s.slice(0, -1)) * DURATION_UNIT_MS[s.slice(-1)]!))
    .pipe(z.number().max(3650 * 86_400_000, { error: `must be 0 or ${DURATION_FORM}` })),
};

// Issue #16.1: Prometheus metrics (src/metrics/, docs/operations.md).
const METRICS: Spec<boolean> = {
  name: 'SCIMD_METRICS',
  default: 'on',
  description:
    'on collects Prometheus metrics and serves them at /metrics on the metrics listener (SCIMD_METRICS_HOST:SCIMD_METRICS_PORT); off collects none and serves none (docs/operations.md).',
  schema: boolean,
};
const METRICS_HOST: Spec<string> = {
  name: 'SCIMD_METRICS_HOST',
  default: '127.0.0.1',
  description:
    'Interface of the metrics listener. The default accepts local scrapes only; use 0.0.0.0 in a container scraped from outside.',
  schema: host,
};
const METRICS_PORT: Spec<number> = {
  name: 'SCIMD_METRICS_PORT',
  default: '9464',
  description: 'Port of the metrics listener (0 picks a free port); give each scimd process on one host its own.',
  schema: integer(0, 65535, 'an integer from 0 to 65535'),
};
const METRICS_TOKEN_HASH: Spec<string, null> = {
  name: 'SCIMD_METRICS_TOKEN_HASH',
  default: null,
  description: `SHA-256 of a bearer credential for /metrics on the main port, as ${ADMIN_TOKEN_HASH_FORM}. Unset: the main port has no /metrics.`,
  schema: adminTokenHash,
  sensitive: true,
};
const METRICS_TENANTS_FORM = 'off, top:<N> (N from 1 to 1000) or a comma-separated list of tenant slugs';
const METRICS_TENANTS: Spec<MetricsTenants> = {
  name: 'SCIMD_METRICS_TENANTS',
  default: 'off',
  description:
    'Per-tenant request series: off (none), top:<N> (the N busiest tenants of the last 5 minutes get a tenant label, the rest tenant="other") or a comma-separated list of slugs.',
  schema: z.string().transform((s, ctx): MetricsTenants => {
    if (s.toLowerCase() === 'off') return { mode: 'off' };
    const top = /^top:(\d{1,4})$/i.exec(s);
    if (top !== null) {
      const count = Number(top[1]);
      if (count >= 1 && count <= 1000) return { mode: 'top', count };
    } else if (!s.toLowerCase().startsWith('top:')) {
      const slugs = s
        .split(',')
        .map((x) => x.trim())
        .filter((x) => x !== '');
      if (slugs.length > 0 && slugs.every((x) => /^[a-z][a-z0-9-]{1,62}$/.test(x))) return { mode: 'allow', slugs };
    }
    ctx.addIssue({ code: 'custom', message: `must be ${METRICS_TENANTS_FORM}` });
    return z.NEVER;
  }),
};

// Issue #16.3: rate limits and overload (docs/operations.md "Rate limits and overload").
const TENANT_RATE_LIMIT: Spec<RequestRate | null> = {
  name: 'SCIMD_TENANT_RATE_LIMIT',
  default: '1000/10s',
  description:
    'Requests one authenticated tenant may make, as a token bucket of <requests> refilled over <window> (e.g. 100/s, 1000/10s: bursts of 1000, 100 a second sustained) or off; more get 429 with Retry-After. A /Bulk request counts once. Too tight a limit makes Entra record failures toward quarantine.',
  schema: requestRate,
};
const AUTH_FAILURE_LIMIT: Spec<RequestRate | null> = {
  name: 'SCIMD_AUTH_FAILURE_LIMIT',
  default: '20/1m',
  description:
    'Failed authentications one client address may make (SCIM, admin API, console sign-in) before further failures get 429 instead of 401, as a token bucket <requests>/<window> or off. Valid credentials are never refused by it.',
  schema: requestRate,
};
const SHED_EVENT_LOOP_DELAY_MS: Spec<number> = {
  name: 'SCIMD_SHED_EVENT_LOOP_DELAY_MS',
  default: '1000',
  description:
    'Mean event-loop delay in milliseconds (0 to 60000) past which new requests get 503 with Retry-After and /readyz reports overload; 0 turns the check off.',
  schema: integer(0, 60_000, 'an integer number of milliseconds from 0 to 60000'),
};
const SHED_HEAP_BYTES: Spec<number> = {
  name: 'SCIMD_SHED_HEAP_BYTES',
  default: '0',
  description: 'V8 heap in use, in bytes, past which new requests get 503 with Retry-After; 0 turns the check off.',
  schema: integer(0, Number.MAX_SAFE_INTEGER, 'an integer number of bytes (0: off)'),
};
const SHED_RSS_BYTES: Spec<number> = {
  name: 'SCIMD_SHED_RSS_BYTES',
  default: '0',
  description:
    'Resident set size of the process, in bytes, past which new requests get 503 with Retry-After; 0 turns the check off.',
  schema: integer(0, Number.MAX_SAFE_INTEGER, 'an integer number of bytes (0: off)'),
};
const MAX_IN_FLIGHT: Spec<number> = {
  name: 'SCIMD_MAX_IN_FLIGHT',
  default: '256',
  description:
    'Requests served at once (0 to 1000000) past which new ones get 503 with Retry-After at once rather than waiting in a queue; 0: no cap. /healthz and /readyz are never counted.',
  schema: integer(0, 1_000_000, 'an integer from 0 to 1000000'),
};

// Issue #16.2: tenant health (docs/operations.md "Tenant health").
const HEALTH_SILENT_AFTER: Spec<number> = {
  name: 'SCIMD_HEALTH_SILENT_AFTER',
  default: '2h',
  description:
    'A tenant is silent when an identity provider that sent at least 10 requests in the last 7 days has sent none for this long (e.g. 2h: three missed 40-minute Entra cycles); see docs/operations.md "Tenant health".',
  schema: duration,
};
const INTERVAL_FORM = 'a whole number followed by s, m or h (e.g. 60s, 5m), from 5s to 24h';
const HEALTH_INTERVAL: Spec<number> = {
  name: 'SCIMD_HEALTH_INTERVAL',
  default: '60s',
  description:
    "How often each server evaluates every tenant's health and emits tenant.health_changed for each change (e.g. 30s, 5m).",
  schema: z
    .string()
    .regex(/^[1-9]\d{0,5}[smh]$/, { error: `must be ${INTERVAL_FORM}` })
    .transform((s) => Number(s.slice(0, -1)) * ({ s: 1000, m: 60_000, h: 3_600_000 } as const)[s.slice(-1) as 's'])
    .pipe(
      z
        .number()
        .min(5000, { error: `must be ${INTERVAL_FORM}` })
        .max(86_400_000, { error: `must be ${INTERVAL_FORM}` }),
    ),
};
const FRACTION_FORM = 'a decimal number above 0 and at most 1 (e.g. 0.5)';
const HEALTH_AT_RISK_FRACTION: Spec<number> = {
  name: 'SCIMD_HEALTH_AT_RISK_FRACTION',
  default: '0.5',
  description:
    "A tenant is at_risk on reaching this fraction of Entra ID's quarantine thresholds over 7 days (0.5: 2,500 failures with more than 40 % failing, 20,000 non-reference failures, or 30,000 failures).",
  schema: z
    .string()
    .regex(/^(0?\.\d{1,4}|1(\.0{1,4})?)$/, { error: `must be ${FRACTION_FORM}` })
    .transform(Number)
    .pipe(z.number().gt(0, { error: `must be ${FRACTION_FORM}` })),
};

const HISTORY: Spec<boolean> = {
  name: 'SCIMD_HISTORY',
  default: 'on',
  description:
    'on records the access history (who had which role or group when, docs/history.md) with every SCIM write; off records nothing (for cost comparisons; the history then has gaps).',
  schema: boolean,
};
const HISTORY_UNIT_MS: Readonly<Record<string, number>> = { d: 86_400_000, w: 604_800_000, y: 365.25 * 86_400_000 };
const HISTORY_RETENTION_FORM = 'a whole number followed by d, w or y (e.g. 400d, 7y), from 1d to 100y';
const HISTORY_RETENTION: Spec<number> = {
  name: 'SCIMD_HISTORY_RETENTION',
  default: '7y',
  description:
    'How long the access history keeps each row (e.g. 400d, 7y; a year is 365.25 days); states still current are kept however old (docs/history.md).',
  schema: z
    .string()
    .regex(/^[1-9]\d{0,5}[dwy]$/, { error: `must be ${HISTORY_RETENTION_FORM}` })
    .transform((s) => Math.round(Number(s.slice(0, -1)) * HISTORY_UNIT_MS[s.slice(-1)]!))
    .pipe(z.number().max(100 * 365.25 * 86_400_000, { error: `must be ${HISTORY_RETENTION_FORM}` })),
};
// Issue #17: the deprovision guard (docs/guard.md).
const GUARD: Spec<boolean> = {
  name: 'SCIMD_GUARD',
  default: 'on',
  description:
    "on arms every tenant's deprovision guard: when a mass deprovision trips it, delivery of that tenant's change events is held until an operator releases it (docs/guard.md); off disarms it for tenants that do not turn it on themselves.",
  schema: boolean,
};
const GUARD_PERCENT: Spec<number> = {
  name: 'SCIMD_GUARD_PERCENT',
  default: '10',
  description:
    "The guard trips when more than this percentage (0.1 to 100) of a tenant's active users were deactivated, deleted or stripped of all roles within the window (and at least SCIMD_GUARD_MINIMUM users).",
  schema: z
    .string()
    .regex(/^\d{1,3}(\.\d{1,2})?$/, { error: 'must be a percentage from 0.1 to 100 (e.g. 10 or 2.5)' })
    .transform(Number)
    .pipe(
      z
        .number()
        .min(0.1, { error: 'must be a percentage from 0.1 to 100 (e.g. 10 or 2.5)' })
        .max(100, { error: 'must be a percentage from 0.1 to 100 (e.g. 10 or 2.5)' }),
    ),
};
const GUARD_MINIMUM: Spec<number> = {
  name: 'SCIMD_GUARD_MINIMUM',
  default: '20',
  description:
    'The fewest users (1 to 1000000) deprovisioned within the window that can trip the guard, so a small tenant losing a few people never does.',
  schema: integer(1, 1_000_000, 'an integer from 1 to 1000000'),
};
const GUARD_WINDOW: Spec<number> = {
  name: 'SCIMD_GUARD_WINDOW',
  default: '60m',
  description:
    "The guard's sliding window: a whole number of minutes or hours (e.g. 60m, 2h), from 1m to 168h; 60m covers at least one Entra ID provisioning cycle (40 minutes).",
  schema: z
    .string()
    .regex(/^[1-9]\d{0,5}[mh]$/, { error: 'must be a whole number followed by m or h (e.g. 60m, 2h), from 1m to 168h' })
    .transform((s) => Number(s.slice(0, -1)) * (s.endsWith('h') ? 60 : 1))
    .pipe(
      z.number().max(10_080, { error: 'must be a whole number followed by m or h (e.g. 60m, 2h), from 1m to 168h' }),
    ),
};

const SPECS = [
  PORT,
  HOST,
  DATABASE_URL,
  PUBLIC_URL,
  LOG_LEVEL,
  MAX_BODY_BYTES,
  LIST_MAX_RESULTS,
  TRUST_PROXY,
  ENTRA_CLIENT_ID_TEST,
  ENTRA_CLIENT_ID_PROD,
  DATABASE_POOL_SIZE,
  DATABASE_PREPARED_STATEMENTS,
  ADMIN_TOKEN_HASH,
  SCHEMA_EXTENSIONS,
  BULK_MAX_OPERATIONS,
  BULK_MAX_PAYLOAD_BYTES,
  EVENT_RETENTION,
  WEBHOOK_MAX_ATTEMPTS,
  LOG_RETENTION,
  LOG_MAX_ENTRIES,
  LOG_MAX_BODY_BYTES,
  WEBHOOK_ALLOW_TARGETS,
  UNKNOWN_ATTRIBUTES,
  MAX_ATTRIBUTE_BYTES,
  MAX_RESOURCE_BYTES,
  HEADERS_TIMEOUT_MS,
  BODY_TIMEOUT_MS,
  REQUEST_TIMEOUT_MS,
  KEEP_ALIVE_TIMEOUT_MS,
  MAX_CONNECTIONS,
  LIST_MAX_PAGE_BYTES,
  CURSOR_SECRET,
  CONSOLE,
  CONSOLE_IDLE_TIMEOUT,
  CONSOLE_ABSOLUTE_TIMEOUT,
  SETUP_TOKEN_GRACE,
  METRICS,
  METRICS_HOST,
  METRICS_PORT,
  METRICS_TOKEN_HASH,
  METRICS_TENANTS,
  TENANT_RATE_LIMIT,
  AUTH_FAILURE_LIMIT,
  SHED_EVENT_LOOP_DELAY_MS,
  SHED_HEAP_BYTES,
  SHED_RSS_BYTES,
  MAX_IN_FLIGHT,
  HEALTH_SILENT_AFTER,
  HEALTH_INTERVAL,
  HEALTH_AT_RISK_FRACTION,
  HISTORY,
  HISTORY_RETENTION,
  GUARD,
  GUARD_PERCENT,
  GUARD_MINIMUM,
  GUARD_WINDOW,
] as const;

/** Every variable scimd reads, in documentation order. */
export const CONFIG_VARIABLES: readonly ConfigVariable[] = Object.freeze(
  SPECS.map((s) => Object.freeze({ name: s.name, default: s.default, description: s.description })),
);

/**
 * Parses and validates `env` (normally `process.env`). Returns a frozen `Config`; throws a
 * `ConfigError` listing every bad variable. Variables not named in `CONFIG_VARIABLES` are ignored.
 */
export function loadConfig(env: Readonly<Record<string, string | undefined>>): Config {
  const problems: ConfigProblem[] = [];

  // Returns undefined for a bad value too; the problem is recorded and the config never returned.
  function read<T>(spec: Spec<T, string>): T;
  function read<T>(spec: Spec<T, null>): T | undefined;
  function read<T>(spec: Spec<T, string | null>): T | undefined {
    const raw = env[spec.name]?.trim();
    const value = raw === undefined || raw === '' ? spec.default : raw;
    if (value === null) return undefined;
    const result = spec.schema.safeParse(value);
    if (result.success) return result.data;
    const what = spec.sensitive ? 'the value' : JSON.stringify(value);
    problems.push({ variable: spec.name, message: `${what} ${result.error.issues[0]?.message ?? 'is invalid'}` });
    return undefined;
  }

  const config: Config = {
    port: read(PORT),
    host: read(HOST),
    databaseUrl: read(DATABASE_URL),
    publicUrl: read(PUBLIC_URL),
    logLevel: read(LOG_LEVEL),
    maxBodyBytes: read(MAX_BODY_BYTES),
    listMaxResults: read(LIST_MAX_RESULTS),
    trustProxy: read(TRUST_PROXY),
    entraClientIdTest: read(ENTRA_CLIENT_ID_TEST),
    entraClientIdProd: read(ENTRA_CLIENT_ID_PROD),
    databasePoolSize: read(DATABASE_POOL_SIZE),
    databasePreparedStatements: read(DATABASE_PREPARED_STATEMENTS),
    adminTokenHash: read(ADMIN_TOKEN_HASH),
    schemaExtensionsPath: read(SCHEMA_EXTENSIONS),
    bulkMaxOperations: read(BULK_MAX_OPERATIONS),
    bulkMaxPayloadBytes: read(BULK_MAX_PAYLOAD_BYTES),
    eventRetentionMs: read(EVENT_RETENTION),
    webhookMaxAttempts: read(WEBHOOK_MAX_ATTEMPTS),
    logRetentionMs: read(LOG_RETENTION),
    logMaxEntries: read(LOG_MAX_ENTRIES),
    logMaxBodyBytes: read(LOG_MAX_BODY_BYTES),
    webhookAllowTargets: read(WEBHOOK_ALLOW_TARGETS) ?? Object.freeze([]),
    unknownAttributes: read(UNKNOWN_ATTRIBUTES),
    maxAttributeBytes: read(MAX_ATTRIBUTE_BYTES),
    maxResourceBytes: read(MAX_RESOURCE_BYTES),
    headersTimeoutMs: read(HEADERS_TIMEOUT_MS),
    bodyTimeoutMs: read(BODY_TIMEOUT_MS),
    requestTimeoutMs: read(REQUEST_TIMEOUT_MS),
    keepAliveTimeoutMs: read(KEEP_ALIVE_TIMEOUT_MS),
    maxConnections: read(MAX_CONNECTIONS),
    listMaxPageBytes: read(LIST_MAX_PAGE_BYTES),
    cursorSecret: read(CURSOR_SECRET),
    consoleEnabled: read(CONSOLE),
    consoleIdleTimeoutMs: read(CONSOLE_IDLE_TIMEOUT),
    consoleAbsoluteTimeoutMs: read(CONSOLE_ABSOLUTE_TIMEOUT),
    setupTokenGraceMs: read(SETUP_TOKEN_GRACE),
    metricsEnabled: read(METRICS),
    metricsHost: read(METRICS_HOST),
    metricsPort: read(METRICS_PORT),
    metricsTokenHash: read(METRICS_TOKEN_HASH),
    metricsTenants: read(METRICS_TENANTS),
    tenantRateLimit: read(TENANT_RATE_LIMIT),
    authFailureLimit: read(AUTH_FAILURE_LIMIT),
    shedEventLoopDelayMs: read(SHED_EVENT_LOOP_DELAY_MS),
    shedHeapBytes: read(SHED_HEAP_BYTES),
    shedRssBytes: read(SHED_RSS_BYTES),
    maxInFlight: read(MAX_IN_FLIGHT),
    healthSilentAfterMs: read(HEALTH_SILENT_AFTER),
    healthIntervalMs: read(HEALTH_INTERVAL),
    healthAtRiskFraction: read(HEALTH_AT_RISK_FRACTION),
    history: read(HISTORY),
    historyRetentionMs: read(HISTORY_RETENTION),
    guardEnabled: read(GUARD),
    guardPercent: read(GUARD_PERCENT),
    guardMinimum: read(GUARD_MINIMUM),
    guardWindowMinutes: read(GUARD_WINDOW),
  };
  // Node refuses a request timeout shorter than the headers timeout.
  if (config.requestTimeoutMs < config.headersTimeoutMs) {
    problems.push({
      variable: REQUEST_TIMEOUT_MS.name,
      message: `${config.requestTimeoutMs} must be at least SCIMD_HEADERS_TIMEOUT_MS (${config.headersTimeoutMs})`,
    });
  }
  if (config.consoleAbsoluteTimeoutMs < config.consoleIdleTimeoutMs) {
    problems.push({
      variable: CONSOLE_ABSOLUTE_TIMEOUT.name,
      message: `${config.consoleAbsoluteTimeoutMs / 60_000}m must be at least SCIMD_CONSOLE_IDLE_TIMEOUT (${config.consoleIdleTimeoutMs / 60_000}m)`,
    });
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return Object.freeze(config);
}
