/**
 * The SQL SetupLinkRepository (console-port.ts). Links and their events cascade from their
 * tenant; every statement that takes a tenant id is confined to it.
 */
import type { Kysely, Selectable } from 'kysely';
import { conflict } from '../../scim/errors.js';
import type { SetupLinkEvent, SetupLinkEventKind, SetupLinkRecord, SetupLinkRepository } from '../console-port.js';
import { normalizeTimestamp } from '../project-columns.js';
import type { SqlDialect } from './dialect.js';
import type { Database, SetupLinkEventsTable, SetupLinksTable } from './tables.js';
import { mapUniqueViolations } from './unique.js';

const LINK_COLUMNS = ['id', 'tenant_id', 'hash', 'hint', 'created', 'created_by', 'expires_at', 'revoked_at'] as const;
const EVENT_COLUMNS = [
  'id',
  'link_id',
  'tenant_id',
  'time',
  'kind',
  'token_id',
  'client_address',
  'user_agent',
] as const;

function toLink(row: Selectable<SetupLinksTable>): SetupLinkRecord {
  return {
    id: row.id,
    tenantId: row.tenant_id,
    hash: row.hash,
    hint: row.hint,
    created: row.created,
    createdBy: row.created_by,
    expiresAt: row.expires_at,
    revokedAt: row.revoked_at,
  };
}

function toEvent(row: Selectable<SetupLinkEventsTable>): SetupLinkEvent {
  return {
    id: row.id,
    linkId: row.link_id,
    tenantId: row.tenant_id,
    time: row.time,
    kind: row.kind as SetupLinkEventKind,
    tokenId: row.token_id,
    clientAddress: row.client_address,
    userAgent: row.user_agent,
  };
}

export function createSetupLinkRepository(db: Kysely<Database>, dialect: SqlDialect): SetupLinkRepository {
  return {
    async insert(link) {
      const record: SetupLinkRecord = {
        ...link,
        created: normalizeTimestamp(link.created),
        expiresAt: normalizeTimestamp(link.expiresAt),
        revokedAt: link.revokedAt === null ? null : normalizeTimestamp(link.revokedAt),
      };
      await mapUniqueViolations(
        dialect,
        {
          setup_links_pkey: () => conflict(`setup link id ${JSON.stringify(link.id)} already exists`),
          setup_links_hash: () => conflict('setup link hash already exists'),
        },
        () =>
          db
            .insertInto('setup_links')
            .values({
              id: record.id,
              tenant_id: record.tenantId,
              hash: record.hash,
              hint: record.hint,
              created: record.created,
              created_by: record.createdBy,
              expires_at: record.expiresAt,
              revoked_at: record.revokedAt,
            })
            .execute(),
      );
      return record;
    },
    async findByHash(hash) {
      const row = await db.selectFrom('setup_links').select(LINK_COLUMNS).where('hash', '=', hash).executeTakeFirst();
      return row && toLink(row);
    },
    async listForTenant(tenantId) {
      const rows = await db
        .selectFrom('setup_links')
        .select(LINK_COLUMNS)
        .where('tenant_id', '=', tenantId)
        .orderBy('created', 'desc')
        .orderBy('id', 'desc')
        .execute();
      return rows.map(toLink);
    },
    async revoke(tenantId, linkId, now) {
      const at = normalizeTimestamp(now);
      const row = await db
        .updateTable('setup_links')
        .set((eb) => ({ revoked_at: eb.fn.coalesce('revoked_at', eb.val(at)) }))
        .where('tenant_id', '=', tenantId)
        .where('id', '=', linkId)
        .returning(LINK_COLUMNS)
        .executeTakeFirst();
      return row && toLink(row);
    },
    async recordEvent(event) {
      // The link must be the tenant's: the foreign key alone would accept another tenant's link.
      const inserted = await db
        .insertInto('setup_link_events')
        .columns(['id', 'link_id', 'tenant_id', 'time', 'kind', 'token_id', 'client_address', 'user_agent'])
        .expression((eb) =>
          eb
            .selectFrom('setup_links')
            .select([
              eb.val(event.id).as('id'),
              'id as link_id',
              'tenant_id',
              eb.val(normalizeTimestamp(event.time)).as('time'),
              eb.val(event.kind).as('kind'),
              eb.val(event.tokenId).as('token_id'),
              eb.val(event.clientAddress).as('client_address'),
              eb.val(event.userAgent).as('user_agent'),
            ])
            .where('id', '=', event.linkId)
            .where('tenant_id', '=', event.tenantId),
        )
        .executeTakeFirst();
      if (Number(inserted.numInsertedOrUpdatedRows ?? 0n) === 0) {
        throw new Error(`setup link ${JSON.stringify(event.linkId)} does not exist in that tenant`);
      }
    },
    async listEvents(tenantId, query) {
      let select = db.selectFrom('setup_link_events').select(EVENT_COLUMNS).where('tenant_id', '=', tenantId);
      if (query.linkId !== undefined) select = select.where('link_id', '=', query.linkId);
      const rows = await select.orderBy('time', 'desc').orderBy('id', 'desc').limit(Math.max(0, query.limit)).execute();
      return rows.map(toEvent);
    },
  };
}
