/**
 * The SQL console half of the store (console-port.ts): setup links (setup-links.ts), admin
 * credentials, console sessions and shared settings. Settings and sessions are written with
 * `insert … on conflict`, so processes sharing the database never clash.
 */
import type { Kysely, Selectable } from 'kysely';
import { conflict } from '../../scim/errors.js';
import type { AdminCredentialRecord, AdminCredentialRepository, ConsoleRepositories } from '../console-port.js';
import { normalizeTimestamp } from '../project-columns.js';
import { touchThreshold } from '../token-touch.js';
import type { SqlDialect } from './dialect.js';
import { createSetupLinkRepository } from './setup-links.js';
import type { AdminCredentialsTable, Database } from './tables.js';
import { mapUniqueViolations } from './unique.js';

const CREDENTIAL_COLUMNS = ['id', 'label', 'hash', 'hint', 'created', 'revoked_at', 'last_used_at'] as const;

function toCredential(row: Selectable<AdminCredentialsTable>): AdminCredentialRecord {
  return {
    id: row.id,
    label: row.label,
    hash: row.hash,
    hint: row.hint,
    created: row.created,
    revokedAt: row.revoked_at,
    lastUsedAt: row.last_used_at,
  };
}

const optional = (value: string | null) => (value === null ? null : normalizeTimestamp(value));

function createAdminCredentialRepository(db: Kysely<Database>, dialect: SqlDialect): AdminCredentialRepository {
  const select = () => db.selectFrom('admin_credentials').select(CREDENTIAL_COLUMNS);
  return {
    async insert(credential) {
      const record: AdminCredentialRecord = {
        ...credential,
        created: normalizeTimestamp(credential.created),
        revokedAt: optional(credential.revokedAt),
        lastUsedAt: optional(credential.lastUsedAt),
      };
      await mapUniqueViolations(
        dialect,
        {
          admin_credentials_pkey: () => conflict(`admin credential id ${JSON.stringify(credential.id)} already exists`),
          admin_credentials_hash: () => conflict('admin credential hash already exists'),
        },
        () =>
          db
            .insertInto('admin_credentials')
            .values({
              id: record.id,
              label: record.label,
              hash: record.hash,
              hint: record.hint,
              created: record.created,
              revoked_at: record.revokedAt,
              last_used_at: record.lastUsedAt,
            })
            .execute(),
      );
      return record;
    },
    async findByHash(hash) {
      const row = await select().where('hash', '=', hash).executeTakeFirst();
      return row && toCredential(row);
    },
    async list() {
      return (await select().orderBy('created').orderBy('id').execute()).map(toCredential);
    },
    async revoke(id, now) {
      const at = normalizeTimestamp(now);
      const row = await db
        .updateTable('admin_credentials')
        .set((eb) => ({ revoked_at: eb.fn.coalesce('revoked_at', eb.val(at)) }))
        .where('id', '=', id)
        .returning(CREDENTIAL_COLUMNS)
        .executeTakeFirst();
      return row && toCredential(row);
    },
    async touch(id, now) {
      const at = normalizeTimestamp(now);
      // The condition keeps every process to one write per interval.
      await db
        .updateTable('admin_credentials')
        .set({ last_used_at: at })
        .where('id', '=', id)
        .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<=', touchThreshold(at))]))
        .execute();
    },
  };
}

export function createConsoleRepositories(db: Kysely<Database>, dialect: SqlDialect): ConsoleRepositories {
  return {
    setupLinks: createSetupLinkRepository(db, dialect),
    adminCredentials: createAdminCredentialRepository(db, dialect),
    sessions: {
      async get(idHash, now) {
        const row = await db
          .selectFrom('console_sessions')
          .select(['id_hash', 'data', 'expires_at'])
          .where('id_hash', '=', idHash)
          .where('expires_at', '>', normalizeTimestamp(now))
          .executeTakeFirst();
        return row && { idHash: row.id_hash, data: row.data, expiresAt: row.expires_at };
      },
      async set(session) {
        const values = {
          id_hash: session.idHash,
          data: session.data,
          expires_at: normalizeTimestamp(session.expiresAt),
        };
        await db
          .insertInto('console_sessions')
          .values(values)
          .onConflict((oc) => oc.column('id_hash').doUpdateSet({ data: values.data, expires_at: values.expires_at }))
          .execute();
      },
      async delete(idHash) {
        await db.deleteFrom('console_sessions').where('id_hash', '=', idHash).execute();
      },
      async prune(now) {
        const result = await db
          .deleteFrom('console_sessions')
          .where('expires_at', '<=', normalizeTimestamp(now))
          .executeTakeFirst();
        return Number(result.numDeletedRows);
      },
    },
    settings: {
      async getOrCreate(key, create) {
        const read = () => db.selectFrom('settings').select('value').where('key', '=', key).executeTakeFirst();
        const existing = await read();
        if (existing !== undefined) return existing.value;
        // Another process may insert first: whoever wins, both read the stored value back.
        await db
          .insertInto('settings')
          .values({ key, value: create() })
          .onConflict((oc) => oc.column('key').doNothing())
          .execute();
        const stored = await read();
        if (stored === undefined) throw new Error(`setting ${JSON.stringify(key)} was not stored`);
        return stored.value;
      },
    },
  };
}
