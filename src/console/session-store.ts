/**
 * The console's session store for @fastify/session, kept in the database (`store.console.sessions`)
 * so a session survives a restart and works behind several scimd processes. The library makes
 * and signs the session id; only the id's SHA-256 is stored, so reading the table gives nobody a
 * session. A session lives until its cookie expires (the idle timeout, renewed on every request).
 */
import { createHash } from 'node:crypto';
import type { SessionStore } from '@fastify/session';
import type { Session } from 'fastify';
import type { ConsoleSessionRepository } from '../store/console-port.js';

const hashId = (sessionId: string) => createHash('sha256').update(sessionId, 'utf8').digest('hex');

export function databaseSessionStore(sessions: ConsoleSessionRepository, clock: () => Date): SessionStore {
  return {
    set(sessionId, session, callback) {
      const expires = session.cookie.expires ?? new Date(clock().getTime() + 24 * 3600_000);
      sessions
        .set({ idHash: hashId(sessionId), data: JSON.stringify(session), expiresAt: new Date(expires).toISOString() })
        .then(() => callback(), callback);
    },
    get(sessionId, callback) {
      sessions.get(hashId(sessionId), clock().toISOString()).then(
        (record) => callback(null, record === undefined ? null : (JSON.parse(record.data) as Session)),
        (error) => callback(error, null),
      );
    },
    destroy(sessionId, callback) {
      sessions.delete(hashId(sessionId)).then(() => callback(), callback);
    },
  };
}
