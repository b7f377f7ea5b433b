/**
 * The storage port of the web console and the customer setup portal (docs/console.md): setup
 * links and their use, admin credentials created from the console, console sessions and the
 * few generated settings every process must share. Every backend implements it and passes
 * `contract/console.contract.ts`. Secrets are never stored: links, credentials and session ids
 * are kept as the hex SHA-256 of their high-entropy value, like tenant tokens.
 */

/** A revocable, time-limited link to one tenant's setup portal (`/setup/<opaque>`). */
export interface SetupLinkRecord {
  readonly id: string;
  readonly tenantId: string;
  /** Hex SHA-256 of the opaque part of the URL. */
  readonly hash: string;
  /** The last four characters of the opaque part, for lists: `…a1b2`. */
  readonly hint: string;
  readonly created: string;
  /** Who created it: `cli`, `admin-api`, or `console:<credential label>`. */
  readonly createdBy: string;
  readonly expiresAt: string;
  readonly revokedAt: string | null;
}

export type SetupLinkEventKind = 'opened' | 'token_generated';

/** One use of a setup link, recorded for the operator. */
export interface SetupLinkEvent {
  readonly id: string;
  readonly linkId: string;
  readonly tenantId: string;
  readonly time: string;
  readonly kind: SetupLinkEventKind;
  /** The token a `token_generated` event issued; null otherwise. */
  readonly tokenId: string | null;
  readonly clientAddress: string | null;
  readonly userAgent: string | null;
}

export interface SetupLinkRepository {
  insert(link: SetupLinkRecord): Promise<SetupLinkRecord>;
  findByHash(hash: string): Promise<SetupLinkRecord | undefined>;
  /** Newest first. */
  listForTenant(tenantId: string): Promise<readonly SetupLinkRecord[]>;
  /** Idempotent: keeps the first revocation time. Undefined when the link is not the tenant's. */
  revoke(tenantId: string, linkId: string, now: string): Promise<SetupLinkRecord | undefined>;
  recordEvent(event: SetupLinkEvent): Promise<void>;
  /** Newest first (time, then id, descending), optionally of one link only. */
  listEvents(
    tenantId: string,
    query: { readonly linkId?: string; readonly limit: number },
  ): Promise<readonly SetupLinkEvent[]>;
}

/** A durable admin credential created from the console (beside `SCIMD_ADMIN_TOKEN_HASH`). */
export interface AdminCredentialRecord {
  readonly id: string;
  readonly label: string;
  /** Hex SHA-256 of the whole token. */
  readonly hash: string;
  /** `scimd_admin_…a1b2`. */
  readonly hint: string;
  readonly created: string;
  readonly revokedAt: string | null;
  readonly lastUsedAt: string | null;
}

export interface AdminCredentialRepository {
  insert(credential: AdminCredentialRecord): Promise<AdminCredentialRecord>;
  findByHash(hash: string): Promise<AdminCredentialRecord | undefined>;
  /** Oldest first. */
  list(): Promise<readonly AdminCredentialRecord[]>;
  /** Idempotent; undefined when there is no such credential. */
  revoke(id: string, now: string): Promise<AdminCredentialRecord | undefined>;
  /** Records use; implementations may coarsen writes (at most one per minute). */
  touch(id: string, now: string): Promise<void>;
}

/** A signed-in console session, keyed by the hex SHA-256 of its cookie's session id. */
export interface ConsoleSessionRecord {
  readonly idHash: string;
  /** The session's JSON, as the session library serialises it. */
  readonly data: string;
  /** After this instant the session is gone (reads return undefined). */
  readonly expiresAt: string;
}

export interface ConsoleSessionRepository {
  /** Undefined when absent or expired at `now`. */
  get(idHash: string, now: string): Promise<ConsoleSessionRecord | undefined>;
  /** Inserts or replaces. */
  set(session: ConsoleSessionRecord): Promise<void>;
  delete(idHash: string): Promise<void>;
  /** Deletes every session expired at `now`; returns how many. */
  prune(now: string): Promise<number>;
}

/** Generated values every process sharing the database must agree on (e.g. a signing secret). */
export interface SettingsRepository {
  /**
   * The value stored under `key`; when there is none, stores `create()` and returns it. Two
   * processes racing on the same key both get the value that won.
   */
  getOrCreate(key: string, create: () => string): Promise<string>;
}

/** The console half of the store (`Store.console`). */
export interface ConsoleRepositories {
  readonly setupLinks: SetupLinkRepository;
  readonly adminCredentials: AdminCredentialRepository;
  readonly sessions: ConsoleSessionRepository;
  readonly settings: SettingsRepository;
}
