/**
 * SQLite's SQL fragments: JSON1 functions over JSON text, `scim_fold`, `instr`, and the folded
 * copy of each body as JSONB (`body_fold`), which `->>`/`json_extract` read without parsing text.
 */
import { type Expression, type SqlBool, sql } from 'kysely';
import type { JsonElements, JsonPath, SqlFragments } from '../dialect.js';

/** `$.a."b:c".d`: keys that are not plain identifiers are quoted. */
function jsonPathText(path: JsonPath): string {
  return (
    '$' + path.map((key) => (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? `.${key}` : `.${JSON.stringify(key)}`)).join('')
  );
}

function jsonElements(json: Expression<unknown>, path: JsonPath, alias: string): JsonElements {
  const from =
    path.length === 0
      ? sql`json_each(${json}) as ${sql.raw(alias)}`
      : sql`json_each(${json}, ${sql.lit(jsonPathText(path))}) as ${sql.raw(alias)}`;
  return { from, element: sql.raw(`${alias}.value`), position: sql.raw(`${alias}.key`) };
}

/** Row triggers (SQLite has no others); a tenant's deletion runs one per resource it removes. */
const resourceCountTriggers = [
  `create trigger resources_count_insert after insert on resources begin
     insert into resource_counts (tenant_id, resource_type, n) values (new.tenant_id, new.resource_type, 1)
       on conflict (tenant_id, resource_type) do update set n = n + 1;
   end`,
  `create trigger resources_count_delete after delete on resources begin
     update resource_counts set n = n - 1 where tenant_id = old.tenant_id and resource_type = old.resource_type;
   end`,
];

export const fragments: SqlFragments = {
  resourceCountTriggers,
  dataModifyingCtes: false,
  statementsAreRoundTrips: false,
  foldedBody: {
    store: (jsonText) => sql`jsonb(${jsonText})`,
    elementRows: true,
    // json_each's `fullkey` is the element's path (`$.emails[0]`), the same in both documents.
    original: (json, alias, key) =>
      sql`json_extract(${json}, ${sql.raw(alias)}.fullkey || ${sql.lit(jsonPathText([key]).slice(1))})`,
  },
  // SQLITE_MAX_VARIABLE_NUMBER is 32766 in the bundled build; stay well below.
  maxParameters: 30000,
  rowLocking: false,
  columnTypes: { json: 'text', boolean: 'integer' },
  // json_extract already yields SQL text, integer (booleans as 1/0) or real.
  jsonScalar: (json, path) => sql`json_extract(${json}, ${sql.lit(jsonPathText(path))})`,
  jsonElements,
  // json_tree walks every node under path; atoms are null for containers and JSON null.
  jsonHasValue: (json, path) =>
    sql<SqlBool>`exists (select 1 from json_tree(${json}, ${sql.lit(jsonPathText(path))}) as t where t.atom is not null and t.atom <> '')`,
  fold: (value) => sql`scim_fold(${value})`,
  contains: (haystack, needle) => sql<SqlBool>`instr(${haystack}, ${needle}) > 0`,
  // instr() finds the first occurrence, so a prefix is exactly an occurrence at 1.
  startsWith: (haystack, prefix) => sql<SqlBool>`instr(${haystack}, ${prefix}) = 1`,
  endsWith: (haystack, suffix) =>
    sql<SqlBool>`substr(${haystack}, length(${haystack}) - length(${suffix}) + 1) = ${suffix}`,
};
