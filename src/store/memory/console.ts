/**
 * The memory store's console half (console-port.ts): setup links and their events, admin
 * credentials, console sessions and settings, in Maps behind the store's mutex. Deleting a
 * tenant drops its links and events (`deleteTenant`), as the SQL foreign keys cascade.
 */
import { conflict } from '../../scim/errors.js';
import type {
  AdminCredentialRecord,
  ConsoleRepositories,
  ConsoleSessionRecord,
  SetupLinkEvent,
  SetupLinkRecord,
} from '../console-port.js';
import { normalizeTimestamp } from '../project-columns.js';
import { isTouchDue } from '../token-touch.js';

type Locked = <T>(fn: () => T | Promise<T>) => Promise<T>;

export interface MemoryConsole {
  readonly repositories: ConsoleRepositories;
  /** Forgets the tenant's setup links and their events (called inside the store's lock). */
  deleteTenant(tenantId: string): void;
}

const optional = (value: string | null) => (value === null ? null : normalizeTimestamp(value));

/** Newest first: descending by `key`, then by id. */
function newestFirst<T extends { readonly id: string }>(key: (item: T) => string) {
  return (a: T, b: T) => {
    const x = key(a);
    const y = key(b);
    return x < y ? 1 : x > y ? -1 : a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
  };
}

export function createMemoryConsole(locked: Locked, tenantExists: (id: string) => boolean): MemoryConsole {
  const links = new Map<string, SetupLinkRecord>();
  const events = new Map<string, SetupLinkEvent>();
  const credentials = new Map<string, AdminCredentialRecord>();
  const sessions = new Map<string, ConsoleSessionRecord>();
  const settings = new Map<string, string>();
  const requireTenant = (id: string) => {
    if (!tenantExists(id)) throw new Error(`tenant ${JSON.stringify(id)} does not exist`);
  };

  const repositories: ConsoleRepositories = {
    setupLinks: {
      insert: (link) =>
        locked(() => {
          requireTenant(link.tenantId);
          if (links.has(link.id)) throw conflict(`setup link id ${JSON.stringify(link.id)} already exists`);
          for (const l of links.values()) if (l.hash === link.hash) throw conflict('setup link hash already exists');
          const record: SetupLinkRecord = {
            ...link,
            created: normalizeTimestamp(link.created),
            expiresAt: normalizeTimestamp(link.expiresAt),
            revokedAt: optional(link.revokedAt),
          };
          links.set(record.id, record);
          return record;
        }),
      findByHash: (hash) => locked(() => [...links.values()].find((l) => l.hash === hash)),
      listForTenant: (tenantId) =>
        locked(() => [...links.values()].filter((l) => l.tenantId === tenantId).sort(newestFirst((l) => l.created))),
      revoke: (tenantId, linkId, now) =>
        locked(() => {
          const link = links.get(linkId);
          if (link?.tenantId !== tenantId) return undefined;
          const revoked = { ...link, revokedAt: link.revokedAt ?? normalizeTimestamp(now) };
          links.set(linkId, revoked);
          return revoked;
        }),
      recordEvent: (event) =>
        locked(() => {
          const link = links.get(event.linkId);
          if (link?.tenantId !== event.tenantId) {
            throw new Error(`setup link ${JSON.stringify(event.linkId)} does not exist in that tenant`);
          }
          if (events.has(event.id)) throw conflict(`setup link event id ${JSON.stringify(event.id)} already exists`);
          events.set(event.id, { ...event, time: normalizeTimestamp(event.time) });
        }),
      listEvents: (tenantId, query) =>
        locked(() =>
          [...events.values()]
            .filter((e) => e.tenantId === tenantId && (query.linkId === undefined || e.linkId === query.linkId))
            .sort(newestFirst((e) => e.time))
            .slice(0, Math.max(0, query.limit)),
        ),
    },
    adminCredentials: {
      insert: (credential) =>
        locked(() => {
          if (credentials.has(credential.id)) {
            throw conflict(`admin credential id ${JSON.stringify(credential.id)} already exists`);
          }
          for (const c of credentials.values()) {
            if (c.hash === credential.hash) throw conflict('admin credential hash already exists');
          }
          const record: AdminCredentialRecord = {
            ...credential,
            created: normalizeTimestamp(credential.created),
            revokedAt: optional(credential.revokedAt),
            lastUsedAt: optional(credential.lastUsedAt),
          };
          credentials.set(record.id, record);
          return record;
        }),
      findByHash: (hash) => locked(() => [...credentials.values()].find((c) => c.hash === hash)),
      list: () => {
        const newest = newestFirst<AdminCredentialRecord>((c) => c.created);
        return locked(() => [...credentials.values()].sort((a, b) => newest(b, a)));
      },
      revoke: (id, now) =>
        locked(() => {
          const credential = credentials.get(id);
          if (credential === undefined) return undefined;
          const revoked = { ...credential, revokedAt: credential.revokedAt ?? normalizeTimestamp(now) };
          credentials.set(id, revoked);
          return revoked;
        }),
      touch: (id, now) =>
        locked(() => {
          const credential = credentials.get(id);
          const at = normalizeTimestamp(now);
          if (!credential || !isTouchDue(credential.lastUsedAt, at)) return;
          credentials.set(id, { ...credential, lastUsedAt: at });
        }),
    },
    sessions: {
      get: (idHash, now) =>
        locked(() => {
          const session = sessions.get(idHash);
          return session !== undefined && session.expiresAt > normalizeTimestamp(now) ? session : undefined;
        }),
      set: (session) =>
        locked(() => {
          sessions.set(session.idHash, { ...session, expiresAt: normalizeTimestamp(session.expiresAt) });
        }),
      delete: (idHash) =>
        locked(() => {
          sessions.delete(idHash);
        }),
      prune: (now) =>
        locked(() => {
          const at = normalizeTimestamp(now);
          let pruned = 0;
          for (const [key, session] of sessions) {
            if (session.expiresAt <= at) {
              sessions.delete(key);
              pruned++;
            }
          }
          return pruned;
        }),
    },
    settings: {
      getOrCreate: (key, create) =>
        locked(() => {
          const existing = settings.get(key);
          if (existing !== undefined) return existing;
          const value = create();
          settings.set(key, value);
          return value;
        }),
    },
  };

  return {
    repositories,
    deleteTenant(tenantId) {
      for (const [id, link] of links) if (link.tenantId === tenantId) links.delete(id);
      for (const [id, event] of events) if (event.tenantId === tenantId) events.delete(id);
    },
  };
}
