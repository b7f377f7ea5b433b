/**
 * What the setup portal shows a customer about their connection: when their identity provider
 * first and last reached scimd, how many users and groups it provisioned, when it last changed
 * something, and the latest failures. Read from the provisioning log and the tenant's store.
 */
import type { RequestLogEntry, RequestLogRepository } from '../store/events-port.js';
import type { Store, TenantRecord } from '../store/store.js';

/** One contact: when, the identity provider the log guessed, and its name for people. */
export interface Contact {
  readonly time: string;
  readonly idp: string | null;
  readonly idpName: string;
}

export interface ConnectionStatus {
  /**
   * The oldest authenticated request among the newest CONTACT_WINDOW authenticated ones in the
   * log (the log keeps no index from its oldest end; beyond that window it is a lower bound of
   * how long the connection has been up). Null before the first authenticated request.
   */
  readonly firstContact: Contact | null;
  /** The newest authenticated request. */
  readonly lastContact: Contact | null;
  readonly users: number;
  readonly groups: number;
  /**
   * The newest authenticated write (POST, PUT, PATCH, DELETE) that succeeded (a refused write
   * changed nothing), among the same window; null if none.
   */
  readonly lastSync: string | null;
  /** The newest failed requests (status >= 400, authenticated or not), newest first, at most RECENT_FAILURES. */
  readonly recentFailures: readonly RequestLogEntry[];
  /** Failed requests in the 24 hours before `now`, counted up to FAILURE_COUNT_CAP. */
  readonly failuresLast24h: number;
}

/** How many of the newest authenticated entries firstContact and lastSync look at. */
export const CONTACT_WINDOW = 1000;
export const RECENT_FAILURES = 5;
/** failuresLast24h counts no further: "1000 or more" is all a status page needs. */
export const FAILURE_COUNT_CAP = 1000;

const DAY_MS = 24 * 60 * 60 * 1000;
const WRITES = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The identity provider's name for people, from the log's guess (log-redaction.ts). */
export function idpName(idp: string | null): string {
  if (idp === 'entra') return 'Microsoft Entra ID';
  if (idp === 'okta') return 'Okta';
  return 'a SCIM client';
}

const contactOf = (entry: RequestLogEntry | undefined): Contact | null =>
  entry === undefined ? null : { time: entry.time, idp: entry.idp, idpName: idpName(entry.idp) };

async function countFailures(log: RequestLogRepository, tenantId: string, since: string): Promise<number> {
  let count = 0;
  let before: string | undefined;
  // Paged, so that no single read holds more than a page of bodies.
  while (count < FAILURE_COUNT_CAP) {
    const limit = Math.min(200, FAILURE_COUNT_CAP - count);
    const page = await log.list(tenantId, {
      since,
      minStatus: 400,
      limit,
      withoutBodies: true,
      ...(before ? { before } : {}),
    });
    count += page.length;
    if (page.length < limit) break;
    before = page[page.length - 1]!.id;
  }
  return count;
}

export async function connectionStatus(store: Store, tenant: TenantRecord, now: Date): Promise<ConnectionStatus> {
  const log = store.requestLog;
  const scoped = store.forTenant(tenant.id);
  const [contacts, recentFailures, failuresLast24h, users, groups] = await Promise.all([
    log.list(tenant.id, { authenticated: true, limit: CONTACT_WINDOW, withoutBodies: true }),
    log.list(tenant.id, { minStatus: 400, limit: RECENT_FAILURES }),
    countFailures(log, tenant.id, new Date(now.getTime() - DAY_MS).toISOString()),
    scoped.query('User', { startIndex: 1, count: 0 }),
    scoped.query('Group', { startIndex: 1, count: 0 }),
  ]);
  return {
    firstContact: contactOf(contacts[contacts.length - 1]),
    lastContact: contactOf(contacts[0]),
    users: users.totalResults,
    groups: groups.totalResults,
    lastSync: contacts.find((e) => e.status < 400 && WRITES.has(e.method.toUpperCase()))?.time ?? null,
    recentFailures,
    failuresLast24h,
  };
}
