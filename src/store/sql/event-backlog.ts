/**
 * The delivery backlog (`EndpointRepository.backlog`): one aggregate over the streams of enabled
 * endpoints, read when Prometheus scrapes (src/metrics, `scimd_webhook_backlog_events`).
 */
import { type Kysely, sql } from 'kysely';
import type { EndpointBacklog, EndpointKind, EndpointRepository } from '../events-port.js';
import type { SqlDialect } from './dialect.js';
import type { Database } from './tables.js';

export function createBacklogFunction(db: Kysely<Database>, dialect: SqlDialect): Pick<EndpointRepository, 'backlog'> {
  return {
    async backlog(): Promise<readonly EndpointBacklog[]> {
      const rows = await db
        .selectFrom('event_streams as s')
        .innerJoin('event_endpoints as e', 'e.id', 's.endpoint_id')
        .innerJoin('event_sequences as q', 'q.tenant_id', 's.tenant_id')
        .select([
          'e.kind',
          sql<number | string>`sum(q.last_seq - s.delivered_seq)`.as('events'),
          sql<number | string>`count(*)`.as('streams'),
        ])
        .where('e.enabled', '=', dialect.codec.encodeBoolean(true))
        .whereRef('q.last_seq', '>', 's.delivered_seq')
        .groupBy('e.kind')
        .orderBy('e.kind')
        .execute();
      return rows.map((row) => ({
        kind: row.kind as EndpointKind,
        events: Number(row.events),
        streams: Number(row.streams),
      }));
    },
  };
}
