/**
 * The SQL TokenRepository. `touch` is coarsened twice: an in-process memo skips the statement
 * entirely, and the UPDATE's own condition keeps several processes to one write per interval.
 * The writes that remain go out in batches (touch-batch.ts).
 */
import { type Kysely, type Selectable, sql } from 'kysely';
import { conflict } from '../../scim/errors.js';
import { normalizeTimestamp } from '../project-columns.js';
import type { TenantRecord, TokenRecord, TokenRepository } from '../store.js';
import { isTouchDue, touchThreshold } from '../token-touch.js';
import { credentialGenerationOf } from './credential-generation.js';
import type { SqlDialect } from './dialect.js';
import { createReadCache, type ReadCache } from './read-cache.js';
import type { Database, TokensTable } from './tables.js';
import { template } from './template.js';
import { tenantRecord } from './tenants.js';
import { createTouchBatch, type DueTouch } from './touch-batch.js';
import { mapUniqueViolations } from './unique.js';

const COLUMNS = [
  'id',
  'tenant_id',
  'label',
  'hash',
  'hint',
  'created',
  'expires_at',
  'revoked_at',
  'last_used_at',
] as const;

function toRecord(row: Selectable<TokensTable>): TokenRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    label: row.label,
    hash: row.hash,
    hint: row.hint,
    created: row.created,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
    lastUsedAt: row.last_used_at,
  };
}

/** A token's row with its tenant's columns (`t_…`, null when the tenant is gone). */
type TokenWithTenantRow = Selectable<TokensTable> & {
  readonly t_id: string | null;
  readonly t_slug: string | null;
  readonly t_name: string | null;
  readonly t_status: string | null;
  readonly t_created: string | null;
  readonly t_allowed_roles: unknown;
};

/**
 * Every SCIM request looks its token up, and then its tenant: one template (template.ts) reads
 * both, so a request whose credentials are not cached costs one statement (on PostgreSQL one
 * round trip) for them, not two.
 */
const byHash = template<'hash', TokenWithTenantRow>((db, slot) =>
  db
    .selectFrom('tokens')
    .leftJoin('tenants', 'tenants.id', 'tokens.tenant_id')
    .select([
      ...COLUMNS.map((column) => `tokens.${column}` as const),
      'tenants.id as t_id',
      'tenants.slug as t_slug',
      'tenants.name as t_name',
      'tenants.status as t_status',
      'tenants.created as t_created',
      'tenants.allowed_roles as t_allowed_roles',
    ])
    .where('tokens.hash', '=', slot('hash')),
);

/**
 * A batch of due uses (touch-batch.ts) as one statement: the rows are one JSON parameter
 * (`[{id, at, stale}]`), so the text is fixed. Each dialect reads JSON rows its own way.
 */
const touchSqlite = template<'touches', never>((db, slot) => ({
  compile: () =>
    sql`update tokens set last_used_at = b.at
      from (select json_extract(value, '$.id') as id, json_extract(value, '$.at') as at,
                   json_extract(value, '$.stale') as stale
              from json_each(${slot('touches')})) as b
     where tokens.id = b.id and (tokens.last_used_at is null or tokens.last_used_at <= b.stale)`.compile(db),
}));
const touchPostgres = template<'touches', never>((db, slot) => ({
  compile: () =>
    sql`update tokens set last_used_at = b.at
      from jsonb_to_recordset(cast(${slot('touches')} as jsonb)) as b(id text, at text, stale text)
     where tokens.id = b.id and (tokens.last_used_at is null or tokens.last_used_at <= b.stale)`.compile(db),
}));

/**
 * Most tokens whose last write of `last_used_at` one process remembers: those used within a
 * minute, up to this many (about 15 MB); past it, each use of a forgotten token re-runs the
 * UPDATE, which changes nothing until the minute is over.
 */
export const MAX_TOUCHED_TOKENS = 100_000;

const optionalTimestamp = (value: string | null) => (value === null ? null : normalizeTimestamp(value));

/** `tenants`: the tenant repository's id → tenant memo, filled with the tenant a token read brings. */
export function createTokenRepository(
  db: Kysely<Database>,
  dialect: SqlDialect,
  tenants: ReadCache<TenantRecord>,
): TokenRepository & { /** Writes the uses still waiting (call before closing). */ flushTouches(): Promise<void> } {
  /**
   * tokenId → the last `lastUsedAt` this process wrote, oldest first. Only tokens touched within
   * the last minute matter (an older one is due anyway), so older ones are dropped at each write;
   * and at most MAX_TOUCHED_TOKENS are kept (a forgotten token costs one conditional UPDATE).
   */
  const touched = new Map<string, string>();
  const remember = (tokenId: string, at: string) => {
    touched.delete(tokenId);
    for (const [id, last] of touched) {
      if (touched.size < MAX_TOUCHED_TOKENS && !isTouchDue(last, at)) break;
      touched.delete(id);
    }
    touched.set(tokenId, at);
  };
  // PostgreSQL is the dialect that locks rows; the batch statement differs only in reading JSON.
  const touchMany = dialect.fragments.rowLocking ? touchPostgres : touchSqlite;
  const touches = createTouchBatch({
    write: async (due: readonly DueTouch[]) => {
      await touchMany.changes(db, { touches: JSON.stringify(due) });
    },
    written: (due) => {
      for (const touch of due) remember(touch.id, touch.at);
    },
  });
  /**
   * hash → token, read on every request (read-cache.ts); cleared by every change here, and with
   * the tenant memo whenever another process changed credentials (credential-generation.ts).
   */
  const found = createReadCache<TokenRecord>();
  const generation = credentialGenerationOf(db);
  generation.watch(found);
  generation.watch(tenants);
  return {
    async insert(token) {
      const record: TokenRecord = {
        ...token,
        created: normalizeTimestamp(token.created),
        expiresAt: optionalTimestamp(token.expiresAt),
        revokedAt: optionalTimestamp(token.revokedAt),
        lastUsedAt: optionalTimestamp(token.lastUsedAt),
      };
      await mapUniqueViolations(
        dialect,
        {
          tokens_pkey: () => conflict(`token id ${JSON.stringify(token.id)} already exists`),
          tokens_hash: () => conflict('token hash already exists'),
        },
        () =>
          db
            .insertInto('tokens')
            .values({
              id: record.id,
              tenant_id: record.tenantId,
              label: record.label,
              hash: record.hash,
              hint: record.hint,
              created: record.created,
              expires_at: record.expiresAt,
              revoked_at: record.revokedAt,
              last_used_at: record.lastUsedAt,
            })
            .execute(),
      );
      return record;
    },
    async findByHash(hash) {
      await generation.check();
      return found.read(hash, async () => {
        const mark = tenants.mark();
        const row = await byHash.first(db, { hash });
        if (row === undefined) return undefined;
        if (row.t_id !== null) {
          // Kept for minutes for every token in use (10,000 and more): the tenant's id is the
          // token's tenant_id string (equal by the join) and an active status the one literal,
          // rather than two more strings per memo entry.
          const tenant = tenantRecord(dialect, {
            id: row.tenant_id,
            slug: row.t_slug as string,
            name: row.t_name as string,
            status: row.t_status === 'active' ? 'active' : (row.t_status as string),
            created: row.t_created as string,
            allowed_roles: row.t_allowed_roles,
          });
          tenants.keep(mark, tenant.id, tenant);
        }
        return toRecord(row);
      });
    },
    async listForTenant(tenantId) {
      // Exact for this process's own uses: those still waiting are written first.
      await touches.flush();
      const rows = await db
        .selectFrom('tokens')
        .select(COLUMNS)
        .where('tenant_id', '=', tenantId)
        .orderBy('created')
        .orderBy('id')
        .execute();
      return rows.map(toRecord);
    },
    async revoke(tenantId, tokenId, now) {
      await touches.flush();
      const at = normalizeTimestamp(now);
      const row = await db
        .updateTable('tokens')
        .set((eb) => ({ revoked_at: eb.fn.coalesce('revoked_at', eb.val(at)) }))
        .where('tenant_id', '=', tenantId)
        .where('id', '=', tokenId)
        .returning(COLUMNS)
        .executeTakeFirst();
      found.clear();
      return row && toRecord(row);
    },
    async touch(tokenId, now) {
      const at = normalizeTimestamp(now);
      const last = touched.get(tokenId);
      if ((last !== undefined && !isTouchDue(last, at)) || touches.has(tokenId)) return;
      // Written within TOUCH_BATCH_MS with the other due uses; a failed batch is thrown here,
      // at the next due use, for the caller to report.
      touches.add({ id: tokenId, at, stale: touchThreshold(at) });
      // The memo is not cleared: only lastUsedAt changed, which authentication never reads, and
      // clearing it here would make every token's first use in a minute evict every other
      // tenant's credentials (with 10,000 active tokens, nearly every request would re-read).
    },
    flushTouches: () => touches.flush(),
    async setExpiry(tenantId, tokenId, expiresAt) {
      await touches.flush();
      const at = normalizeTimestamp(expiresAt);
      // Only ever earlier, never on a revoked token: the condition makes the update the min rule.
      const updated = await db
        .updateTable('tokens')
        .set({ expires_at: at })
        .where('tenant_id', '=', tenantId)
        .where('id', '=', tokenId)
        .where('revoked_at', 'is', null)
        .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', at)]))
        .returning(COLUMNS)
        .executeTakeFirst();
      found.clear();
      if (updated !== undefined) return toRecord(updated);
      const row = await db
        .selectFrom('tokens')
        .select(COLUMNS)
        .where('tenant_id', '=', tenantId)
        .where('id', '=', tokenId)
        .executeTakeFirst();
      return row && toRecord(row);
    },
  };
}
