/**
 * `TenantReader.query` in SQL: one COUNT and one page, both on one connection so they agree.
 * Filtering and ordering happen in the database (filter-sql.ts, sort-sql.ts); no row is ever
 * loaded to be filtered in JavaScript. A keyset bound (`query.after`) narrows the page, never the
 * count.
 */
import { type Kysely, sql } from 'kysely';
import { resourceType } from '../../scim/schema/registry.js';
import type { ResourceTypeName } from '../../scim/schema/types.js';
import type { KeysetPosition, QueryResult, ResourceQuery } from '../store.js';
import { compileFilter } from './filter-sql.js';
import { RESOURCE_COLUMNS, toStoredResource } from './resources.js';
import type { SqlScope } from './scope.js';
import { compileSort } from './sort-sql.js';
import type { Database } from './tables.js';

export async function queryResources(
  { db, dialect, tenantId }: SqlScope,
  typeName: ResourceTypeName,
  query: ResourceQuery,
): Promise<QueryResult> {
  const type = query.resourceType ?? resourceType(typeName);
  const where = query.filter === undefined ? undefined : compileFilter(query.filter, type, dialect);
  const sort = compileSort(query.sortBy, query.sortOrder, type, dialect);
  const after = query.after;
  const base = (conn: Kysely<Database>) =>
    conn
      .selectFrom('resources as r')
      .where('r.tenant_id', '=', tenantId)
      .where('r.resource_type', '=', typeName)
      .$if(where !== undefined, (qb) => qb.where(where!));
  const start = Math.max(query.startIndex, 1) - 1;
  const count = Math.max(query.count, 0);
  const countAll = async (conn: Kysely<Database>) =>
    Number(
      (
        await base(conn)
          .select((eb) => eb.fn.countAll<number>().as('n'))
          .executeTakeFirstOrThrow()
      ).n,
    );
  return db.connection().execute(async (conn) => {
    if (count === 0) {
      const totalResults = await countAll(conn);
      return { totalResults, resources: [], ...(query.withPositions ? { positions: [] } : {}) };
    }
    let page = base(conn)
      .$if(after !== undefined, (qb) => qb.where(sort.after(after!)))
      .select(RESOURCE_COLUMNS)
      .$if(query.withPositions === true, (qb) => qb.select((sort.key ?? sql`null`).as('sort_key')));
    for (const [expression, direction] of sort.order) page = page.orderBy(expression, direction);
    const rows = await page.limit(count).offset(start).execute();
    // A first page that is not full holds every match: no COUNT needed. This is the common case
    // of an IdP's matching lookups (Entra's Test Connection and userName/externalId probes).
    const firstPageHoldsAll = after === undefined && start === 0 && rows.length < count;
    const totalResults = firstPageHoldsAll ? rows.length : await countAll(conn);
    const resources = rows.map((row) => toStoredResource(row, dialect));
    if (!query.withPositions) return { totalResults, resources };
    const positions: KeysetPosition[] = rows.map((row) => ({ key: row.sort_key ?? null, id: row.id }));
    return { totalResults, resources, positions };
  });
}
