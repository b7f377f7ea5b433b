/**
 * What the console is configured and built with, shared by the plugin, its route modules and
 * the server (a file of its own so that none of them imports another in a circle).
 */
import type { FastifyRequest } from 'fastify';
import type { Config } from '../config/config.js';
import type { Store } from '../store/store.js';
import type { FirstRunGate } from './first-run.js';
import type { LiveStreams } from './sse.js';

export type ConsoleConfig = Pick<Config, 'publicUrl'> &
  Partial<
    Pick<
      Config,
      | 'consoleEnabled'
      | 'consoleIdleTimeoutMs'
      | 'consoleAbsoluteTimeoutMs'
      | 'setupTokenGraceMs'
      | 'adminTokenHash'
      | 'entraClientIdTest'
      | 'entraClientIdProd'
      | 'webhookAllowTargets'
      | 'healthSilentAfterMs'
      | 'healthAtRiskFraction'
      | 'guardEnabled'
      | 'guardPercent'
      | 'guardMinimum'
      | 'guardWindowMinutes'
    >
  >;

export interface ConsoleOptions {
  readonly store: Store;
  readonly config: ConsoleConfig;
  readonly clock: () => Date;
  /** `SCIMD_PUBLIC_URL`, else the scheme and host of the request (http/base-url.ts). */
  readonly originOf: (request: FastifyRequest) => string;
  /** The one-time first-run sign-in; absent: no first-run URL can be used. */
  readonly firstRun?: FirstRunGate | undefined;
  /** How often live panels look for news, in ms (tests shorten it). */
  readonly livePollMs?: number;
  /**
   * Failed sign-ins per client address, shared with SCIM and the admin API (issue #16.3): the
   * AuthFailureLimit of src/http/rate-limits.ts, which the console may not import.
   */
  readonly authFailures?: { failed(request: FastifyRequest): Promise<number | undefined> } | undefined;
}

export const DEFAULT_IDLE_TIMEOUT_MS = 30 * 60_000;
export const DEFAULT_ABSOLUTE_TIMEOUT_MS = 12 * 3600_000;
export const DEFAULT_SETUP_TOKEN_GRACE_MS = 24 * 3600_000;
export const SESSION_COOKIE = 'scimd_console';
export const CSRF_COOKIE = 'scimd_csrf';

/** Whether the console and the portal are served (on unless `SCIMD_CONSOLE=off`). */
export const consoleEnabled = (config: ConsoleConfig) => config.consoleEnabled !== false;

/** What every console page module is registered with. */
export type ConsolePageOptions = ConsoleOptions & { readonly live: LiveStreams };
