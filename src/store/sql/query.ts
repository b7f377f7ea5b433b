/**
 * `TenantReader.query` in SQL: one COUNT and one page, both on one connection so they agree.
 * Filtering and ordering happen in the database (filter-sql.ts, sort-sql.ts); no row is ever
 * loaded to be filtered in JavaScript. A keyset bound (`query.after`) narrows the page, never the
 * count. Without a filter the count is not counted: it is read from `resource_counts`, which
 * triggers keep exact in every writing transaction (0009-store-costs), so `totalResults` costs
 * the same at 1,000,000 resources as at 1,000.
 *
 * Statements are compiled once per shape (template.ts): the filter is compiled on its own, which
 * is cheap, and its SQL text (with placeholders) keys the statement, together with the sort, the
 * paging form and the LIMIT. The LIMIT is written into the SQL as a literal: SQLite plans a bound
 * LIMIT on every run, which costs more than the lookup itself (docs/benchmarks.md).
 */
import { type CompiledQuery, type Kysely, type RawBuilder, type SqlBool, sql } from 'kysely';
import { printAttrPath } from '../../scim/filter/print.js';
import { resourceType } from '../../scim/schema/registry.js';
import type { ResourceTypeDefinition, ResourceTypeName } from '../../scim/schema/types.js';
import type { KeysetPosition, QueryResult, ResourceQuery } from '../store.js';
import { compileFilterParts } from './filter-sql.js';
import { GROUPS_OF_R, groupsFromColumn, RESOURCE_COLUMNS, toStoredResource } from './resources.js';
import type { SqlScope } from './scope.js';
import { compileSort } from './sort-sql.js';
import type { Database } from './tables.js';
import { Slot, statementCache, template } from './template.js';

/** Page and count statements by shape, per dialect (filters in use are few per deployment). */
const statements = statementCache(1000);

const TENANT = new Slot('tenant');
const TYPE = new Slot('type');
const OFFSET = new Slot('offset');
const AFTER: KeysetPosition = { key: new Slot('afterKey'), id: new Slot('afterId') as unknown as string };

/** A number per resource type definition: operator extensions make two `User`s differ. */
const typeIds = new WeakMap<ResourceTypeDefinition, number>();
let typesSeen = 0;
function typeId(type: ResourceTypeDefinition): number {
  let id = typeIds.get(type);
  if (id === undefined) {
    id = ++typesSeen;
    typeIds.set(type, id);
  }
  return id;
}

/**
 * The statement for `key`, built by `build` when new, and its parameters for this call: slots
 * take their value from `values`; every other parameter is one of the filter's, in order.
 * A statement whose other parameters are not exactly the filter's (something else in it bound
 * a value) is not kept, so a cached statement can never bind a stale value.
 */
function statementFor(
  db: Kysely<Database>,
  key: string,
  build: () => { compile(): CompiledQuery },
  filterValues: readonly unknown[],
  values: Readonly<Record<string, unknown>>,
): CompiledQuery {
  const cached = statements(db, key, build);
  const own = cached.parameters.filter((p) => !(p instanceof Slot));
  // Built now from this call's filter, a statement's own parameters are this call's values.
  const compiled = own.length === filterValues.length ? cached : build().compile();
  let next = 0;
  const parameters = compiled.parameters.map((p) => {
    if (p instanceof Slot) return values[p.name];
    return compiled === cached ? filterValues[next++] : p;
  });
  return { ...compiled, parameters };
}

/**
 * The (created, id) of the row at OFFSET in the tenant's resources of the type, in the default
 * order: read from the `resources_created` index alone (an index-only scan on PostgreSQL), never
 * from the rows it skips. No row there: NULL, and the page is empty.
 */
function firstRowAt(conn: Kysely<Database>) {
  return conn
    .selectFrom('resources as o')
    .select(['o.created', 'o.id'])
    .where('o.tenant_id', '=', TENANT as never)
    .where('o.resource_type', '=', TYPE as never)
    .orderBy('o.created')
    .orderBy('o.id')
    .limit(1)
    .offset(OFFSET as never);
}

const storedCount = template<'tenant' | 'type', { n: number | string }>((db, slot) =>
  db
    .selectFrom('resource_counts')
    .select('n')
    .where('tenant_id', '=', slot('tenant'))
    .where('resource_type', '=', slot('type')),
);

/** How many resources of `type` the tenant has, as the triggers keep it (no row: none yet). */
async function countStored(conn: Kysely<Database>, tenantId: string, type: ResourceTypeName): Promise<number> {
  const row = await storedCount.first(conn, { tenant: tenantId, type });
  return Number(row?.n ?? 0);
}

export async function queryResources(
  { db, dialect, tenantId }: SqlScope,
  typeName: ResourceTypeName,
  query: ResourceQuery,
): Promise<QueryResult> {
  const type = query.resourceType ?? resourceType(typeName);
  const compiled = query.filter === undefined ? undefined : compileFilterParts(query.filter, type, dialect);
  const where: RawBuilder<SqlBool> | undefined = compiled?.where;
  const filter = where?.compile(db);
  const sort = compileSort(query.sortBy, query.sortOrder, type, dialect);
  // Each row's groups as a column of the page (no round trip of their own), where worth it.
  const withGroups = query.withGroups === true && dialect.fragments.statementsAreRoundTrips;
  const after = query.after;
  const start = Math.max(query.startIndex, 1) - 1;
  const count = Math.max(query.count, 0);
  // The filter's own values; a slot in it (the tenant, sources.ts) is bound like the statement's.
  const filterValues = (filter?.parameters ?? []).filter((p) => !(p instanceof Slot));
  const values = {
    tenant: tenantId,
    type: typeName,
    offset: start,
    afterKey: after?.key ?? null,
    afterId: after?.id ?? null,
  };
  const shape = [
    typeName,
    typeId(type),
    filter?.sql ?? '',
    query.sortBy === undefined ? '' : printAttrPath(query.sortBy),
    query.sortOrder ?? '',
  ].join('\u0000');

  const base = (conn: Kysely<Database>) =>
    conn
      .selectFrom('resources as r')
      .where('r.tenant_id', '=', TENANT as never)
      .where('r.resource_type', '=', TYPE as never)
      .$if(where !== undefined, (qb) => qb.where(where!));
  const countAll = async (conn: Kysely<Database>) => {
    if (where === undefined) return countStored(conn, tenantId, typeName);
    // A filter that reads only `resource_scan` (filter-sql.ts) counts that narrow table alone.
    const onScan = compiled?.onScan;
    const statement = statementFor(
      conn,
      `count\u0000${shape}`,
      () =>
        onScan === undefined
          ? base(conn).select((eb) => eb.fn.countAll<number>().as('n'))
          : conn
              .selectFrom('resource_scan as f')
              .where('f.tenant_id', '=', TENANT as never)
              .where('f.resource_type', '=', TYPE as never)
              .where(onScan)
              .select((eb) => eb.fn.countAll<number>().as('n')),
      filterValues,
      values,
    );
    const { rows } = await conn.executeQuery<{ n: number | string }>(statement);
    return Number(rows[0]?.n ?? 0);
  };

  return db.connection().execute(async (conn) => {
    if (count === 0) {
      const totalResults = await countAll(conn);
      return { totalResults, resources: [], ...(query.withPositions ? { positions: [] } : {}) };
    }
    // A keyset position with a null key is a different condition (sort-sql.ts), hence its own shape.
    const afterForm = after === undefined ? 'first' : after.key === null || after.key === undefined ? 'null' : 'key';
    // A page by startIndex of the whole directory in its default order seeks its first row in
    // the `created` index alone, then reads the page from there: the rows skipped are never read.
    const seek = where === undefined && query.sortBy === undefined && after === undefined && start > 0;
    const page = () => {
      let qb = base(conn)
        .$if(after !== undefined, (q) => q.where(sort.after(afterForm === 'null' ? { ...AFTER, key: null } : AFTER)))
        .$if(seek, (q) => q.where(sql<SqlBool>`(r.created, r.id) >= (${firstRowAt(conn)})`))
        .select(RESOURCE_COLUMNS)
        .$if(query.withPositions === true, (q) => q.select((sort.key ?? sql`null`).as('sort_key')))
        .$if(withGroups, (q) => q.select(GROUPS_OF_R.as('groups')));
      for (const [expression, direction] of sort.order) qb = qb.orderBy(expression, direction);
      return seek ? qb.limit(sql.lit(count)) : qb.limit(sql.lit(count)).offset(OFFSET as never);
    };
    const statement = statementFor(
      conn,
      ['page', shape, seek ? 'seek' : afterForm, query.withPositions === true, withGroups, count].join('\u0000'),
      page,
      filterValues,
      values,
    );
    const { rows } = await conn.executeQuery<
      Parameters<typeof toStoredResource>[0] & { sort_key?: unknown; groups?: unknown }
    >(statement);
    // A first page that is not full holds every match: no COUNT needed. This is the common case
    // of an IdP's matching lookups (Entra's Test Connection and userName/externalId probes).
    const firstPageHoldsAll = after === undefined && start === 0 && rows.length < count;
    const totalResults = firstPageHoldsAll || query.countTotal === false ? rows.length : await countAll(conn);
    const resources = rows.map((row) => toStoredResource(row, dialect));
    const groups = withGroups ? { groups: new Map(rows.map((row) => [row.id, groupsFromColumn(row.groups)])) } : {};
    if (!query.withPositions) return { totalResults, resources, ...groups };
    const positions: KeysetPosition[] = rows.map((row) => ({ key: row.sort_key ?? null, id: row.id }));
    return { totalResults, resources, positions, ...groups };
  });
}
