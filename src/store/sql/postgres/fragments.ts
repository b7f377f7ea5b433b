/**
 * PostgreSQL's SQL fragments over `jsonb`.
 *
 * - Text taken from JSON carries an explicit `COLLATE "C"`, so `<` and ORDER BY compare in code
 *   point order as every text column does (connect.ts).
 * - `fold` is `lower()` under the ICU root collation `und-x-icu`, which applies Unicode's full
 *   default case mapping exactly as JavaScript's `toLowerCase` does (final sigma, `İ` → `i̇`),
 *   never the ASCII-only or locale-dependent libc `lower()`. The residual difference, characters
 *   newer than the server's ICU, is listed in docs/postgres.md; lifecycle.ts refuses a server
 *   without ICU.
 */
import { type Expression, type RawBuilder, type SqlBool, sql } from 'kysely';
import type { AttributeType } from '../../../scim/schema/types.js';
import type { JsonElements, JsonPath, SqlFragments } from '../dialect.js';

/** `json -> 'a' -> 'b'`: keys are bound as literals, so any key (a URN) is safe. */
function descend(json: Expression<unknown>, keys: JsonPath): RawBuilder<unknown> {
  return keys.reduce<RawBuilder<unknown>>((value, key) => sql`${value} -> ${sql.lit(key)}`, sql`${json}`);
}

/** The JSON value cast to `sqlType` when its JSON type is `jsonType`, else NULL (never a cast error). */
function typed(value: RawBuilder<unknown>, jsonType: string, sqlType: string): RawBuilder<unknown> {
  return sql`case jsonb_typeof(${value}) when ${sql.lit(jsonType)} then (${value})::${sql.raw(sqlType)} end`;
}

function jsonScalar(json: Expression<unknown>, path: JsonPath, type: AttributeType): RawBuilder<unknown> {
  switch (type) {
    case 'boolean':
      return typed(descend(json, path), 'boolean', 'boolean');
    case 'integer':
    case 'decimal':
      return typed(descend(json, path), 'number', 'numeric');
    case 'complex':
      return descend(json, path);
    default: {
      // ->> yields the text of a JSON string; COLLATE "C" makes `<` and ORDER BY code point order.
      if (path.length === 0) return sql`(${json} #>> '{}') collate "C"`;
      const last = path[path.length - 1] as string;
      return sql`(${descend(json, path.slice(0, -1))} ->> ${sql.lit(last)}) collate "C"`;
    }
  }
}

function jsonElements(json: Expression<unknown>, path: JsonPath, alias: string): JsonElements {
  return {
    from: sql`jsonb_array_elements(${descend(json, path)}) with ordinality as ${sql.raw(alias)}(value, ord)`,
    element: sql.raw(`${alias}.value`),
    position: sql.raw(`${alias}.ord`),
  };
}

/**
 * A jsonpath (lax mode) selecting the leaves under `path` that are values in the sense of
 * `isPresent`: strings other than "", numbers and booleans (`.**` includes the item itself).
 */
export function presentLeavesPath(path: JsonPath): string {
  const keys = path.map((key) => `.${JSON.stringify(key)}`).join('');
  return `$${keys}.** ? (@.type() == "string" && @ != "" || @.type() == "number" || @.type() == "boolean")`;
}

/**
 * Statement triggers over transition tables: one counting statement per writing statement, so
 * a bulk insert or a tenant's cascading deletion updates each count row once, not once a row.
 * Table names resolve through `search_path` when the trigger runs, as every statement's do.
 */
const resourceCountTriggers = [
  `create function scimd_count_inserted() returns trigger language plpgsql as $$
   begin
     insert into resource_counts (tenant_id, resource_type, n)
       select tenant_id, resource_type, count(*) from added group by tenant_id, resource_type
       on conflict (tenant_id, resource_type) do update set n = resource_counts.n + excluded.n;
     return null;
   end $$`,
  `create function scimd_count_deleted() returns trigger language plpgsql as $$
   begin
     update resource_counts c set n = c.n - g.k
       from (select tenant_id, resource_type, count(*) as k from removed group by tenant_id, resource_type) g
       where c.tenant_id = g.tenant_id and c.resource_type = g.resource_type;
     return null;
   end $$`,
  `create trigger resources_count_insert after insert on resources referencing new table as added
     for each statement execute function scimd_count_inserted()`,
  `create trigger resources_count_delete after delete on resources referencing old table as removed
     for each statement execute function scimd_count_deleted()`,
];

export const fragments: SqlFragments = {
  resourceCountTriggers,
  dataModifyingCtes: true,
  statementsAreRoundTrips: true,
  // The protocol counts bind parameters in 16 bits (at most 65535); stay below.
  maxParameters: 60000,
  rowLocking: true,
  columnTypes: { json: 'jsonb', boolean: 'boolean' },
  jsonScalar,
  jsonElements,
  jsonHasValue: (json, path) => sql<SqlBool>`${json} @? ${sql.lit(presentLeavesPath(path))}`,
  fold: (value) => sql`lower((${value}) collate "und-x-icu") collate "C"`,
  contains: (haystack, needle) => sql<SqlBool>`strpos(${haystack}, ${needle}) > 0`,
  startsWith: (haystack, prefix) => sql<SqlBool>`starts_with(${haystack}, ${prefix})`,
  endsWith: (haystack, suffix) => sql<SqlBool>`right(${haystack}, length(${suffix})) = ${suffix}`,
};
