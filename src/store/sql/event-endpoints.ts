/**
 * The SQL EndpointRepository: webhook endpoints and in-process consumers (this file), their
 * streams (event-streams.ts) and dead letters (dead-letters.ts).
 */
import { type Kysely, type Selectable, sql } from 'kysely';
import { conflict } from '../../scim/errors.js';
import type { EndpointKind, EndpointRecord, EndpointRepository, SigningSecret, StreamStart } from '../events-port.js';
import { normalizeTimestamp } from '../project-columns.js';
import { createDeadLetterFunctions } from './dead-letters.js';
import type { SqlDialect } from './dialect.js';
import { createBacklogFunction } from './event-backlog.js';
import { createStreamFunctions } from './event-streams.js';
import type { Database, EventEndpointsTable } from './tables.js';
import { mapUniqueViolations } from './unique.js';

function toEndpoint(row: Selectable<EventEndpointsTable>, dialect: SqlDialect): EndpointRecord {
  return {
    id: row.id,
    kind: row.kind as EndpointKind,
    name: row.name,
    tenantId: row.tenant_id,
    url: row.url,
    description: row.description,
    secrets: dialect.codec.decodeJson(row.secrets) as unknown as SigningSecret[],
    enabled: Boolean(row.enabled),
    created: row.created,
  };
}

/** Streams for every tenant in the endpoint's scope that already has events. */
async function createStreams(
  db: Kysely<Database>,
  endpoint: EndpointRecord,
  start: StreamStart,
  now: string,
): Promise<void> {
  await db
    .insertInto('event_streams')
    .columns(['id', 'endpoint_id', 'tenant_id', 'delivered_seq', 'attempts', 'next_attempt_at'])
    // The WHERE clause is also what lets SQLite parse INSERT … SELECT … ON CONFLICT.
    .expression((eb) => {
      const select = eb
        .selectFrom('event_sequences as q')
        .select((s) => [
          sql<string>`cast(${`${endpoint.id}:`} as text) || ${s.ref('q.tenant_id')}`.as('id'),
          sql<string>`cast(${endpoint.id} as text)`.as('endpoint_id'),
          'q.tenant_id as tenant_id',
          sql<number>`${s.ref(start === 'latest' ? 'q.last_seq' : 'q.pruned_through')}`.as('delivered_seq'),
          sql<number>`cast(0 as integer)`.as('attempts'),
          sql<string>`cast(${now} as text)`.as('next_attempt_at'),
        ]);
      return endpoint.tenantId === null
        ? select.where('q.tenant_id', 'is not', null)
        : select.where('q.tenant_id', '=', endpoint.tenantId);
    })
    .onConflict((oc) => oc.doNothing())
    .execute();
}

export function createEndpointRepository(db: Kysely<Database>, dialect: SqlDialect): EndpointRepository {
  const select = () => db.selectFrom('event_endpoints').selectAll();
  return {
    async create(endpoint, start) {
      const record = { ...endpoint, created: normalizeTimestamp(endpoint.created) };
      await mapUniqueViolations(
        dialect,
        {
          event_endpoints_name: () => conflict(`an event consumer named ${JSON.stringify(endpoint.name)} exists`),
        },
        () =>
          db.transaction().execute(async (trx) => {
            await trx
              .insertInto('event_endpoints')
              .values({
                id: record.id,
                kind: record.kind,
                name: record.name,
                tenant_id: record.tenantId,
                url: record.url,
                description: record.description,
                secrets: dialect.codec.encodeJson(record.secrets),
                enabled: dialect.codec.encodeBoolean(record.enabled),
                created: record.created,
              })
              .execute();
            await createStreams(trx, record, start, record.created);
          }),
      );
      return record;
    },
    async get(id) {
      const row = await select().where('id', '=', id).executeTakeFirst();
      return row && toEndpoint(row, dialect);
    },
    async getByName(name) {
      const row = await select().where('name', '=', name).executeTakeFirst();
      return row && toEndpoint(row, dialect);
    },
    async list() {
      const rows = await select().orderBy('created').orderBy('id').execute();
      return rows.map((row) => toEndpoint(row, dialect));
    },
    async update(id, changes) {
      const set = {
        ...(changes.url === undefined ? {} : { url: changes.url }),
        ...(changes.description === undefined ? {} : { description: changes.description }),
        ...(changes.enabled === undefined ? {} : { enabled: dialect.codec.encodeBoolean(changes.enabled) }),
        ...(changes.secrets === undefined ? {} : { secrets: dialect.codec.encodeJson(changes.secrets) }),
      };
      if (Object.keys(set).length > 0) await db.updateTable('event_endpoints').set(set).where('id', '=', id).execute();
      const row = await select().where('id', '=', id).executeTakeFirst();
      return row && toEndpoint(row, dialect);
    },
    async delete(id) {
      const result = await db.deleteFrom('event_endpoints').where('id', '=', id).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
    ...createStreamFunctions(db, dialect),
    ...createDeadLetterFunctions(db, dialect),
    ...createBacklogFunction(db, dialect),
  };
}
