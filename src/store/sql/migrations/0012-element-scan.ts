/**
 * Where a filter on a multi-valued attribute scans (issue #18.1b), for dialects that keep a
 * folded copy of each body (`resource_scan`, 0011-scan-layout; SQLite, the only one). Walking a
 * copy's array with `json_each` cost 0.5 µs per resource scanned, twice the scan itself
 * (docs/benchmarks.md, "Scans"), so each element of a multi-valued complex attribute gets a row:
 *
 * - `resource_scan_elements`: `WITHOUT ROWID`, keyed (tenant, type, attribute, id, position), so
 *   that the elements of one attribute of a tenant's resources are contiguous rows. `attribute`
 *   is the name in the body (`emails`), or the extension's schema URN, a colon and the name.
 *   The sub-attributes most filters read are columns of their own, folded like the copy
 *   (`value_fold`, `type_fold`, `display_fold`; `primary_flag` as SQL reads a JSON boolean);
 *   the element's other sub-attributes stay in `rest_fold`, the folded element without them
 *   (JSONB; NULL when nothing is left). `position` is the element's index in the body's array.
 * - Triggers on `resource_scan` keep it: the rows are derived in SQL from the copy the triggers
 *   of 0011 write, in the same statement (no JavaScript call of their own), replaced when the
 *   copy changes an element (not when only other attributes change), removed when it goes (with
 *   its resource, and with its tenant's resources).
 * - Every existing copy's rows are written here.
 */
import { type Kysely, type Migration, type RawBuilder, sql } from 'kysely';
import type { SqlDialect } from '../dialect.js';

/** The columns, in the order `elementsOf` selects them. */
const COLUMNS = sql.raw(
  'tenant_id, resource_type, attribute, id, position, value_fold, type_fold, primary_flag, display_fold, rest_fold',
);

/**
 * The element rows of the copy in `row` of `resource_scan`: the objects in every array at the
 * top of the copy, and in every array at the top of an extension's object (a key
 * with a colon: attribute names have none).
 */
function elementsOf(row: 'new' | 'f'): RawBuilder<unknown> {
  // A trigger reads its row as `new`; the backfill joins every row of `resource_scan` as `f`.
  const from = row === 'f' ? sql`resource_scan as f, ` : sql``;
  const r = sql.raw(row);
  const fold = sql`${r}.fold`;
  const columns = (
    attribute: RawBuilder<unknown>,
  ) => sql`${r}.tenant_id, ${r}.resource_type, ${attribute}, ${r}.id, e.key,
      e.value ->> '$.value', e.value ->> '$.type', e.value ->> '$.primary', e.value ->> '$.display',
      nullif(jsonb_remove(e.value, '$.value', '$.type', '$.primary', '$.display'), jsonb('{}'))`;
  return sql`select ${columns(sql`a.key`)}
      from ${from}json_each(${fold}) as a, json_each(a.value) as e
     where a.type = 'array' and e.type = 'object'
    union all
    select ${columns(sql`x.key || ':' || a.key`)}
      from ${from}json_each(${fold}) as x, json_each(x.value) as a, json_each(a.value) as e
     where x.type = 'object' and instr(x.key, ':') > 0 and a.type = 'array' and e.type = 'object'`;
}

/** The arrays of copy `fold` that have element rows: (attribute, items), in the copy's order. */
function arraysOf(fold: RawBuilder<unknown>): RawBuilder<unknown> {
  return sql`select a.key as attribute, a.value as items from json_each(${fold}) as a where a.type = 'array'
    union all
    select x.key || ':' || a.key, a.value from json_each(${fold}) as x, json_each(x.value) as a
     where x.type = 'object' and instr(x.key, ':') > 0 and a.type = 'array'`;
}

/** All of them as one value, to tell whether a new copy changed any element. */
const allArraysOf = (fold: RawBuilder<unknown>) =>
  sql`(select json_group_array(json_array(attribute, items)) from (${arraysOf(fold)}))`;

const DELETE_OLD_ELEMENTS = sql`delete from resource_scan_elements
     where tenant_id = old.tenant_id and resource_type = old.resource_type
       and attribute in (select attribute from (${arraysOf(sql`old.fold`)})) and id = old.id;`;

export function elementScanMigration(dialect: SqlDialect): Migration {
  return {
    async up(db: Kysely<unknown>) {
      if (dialect.fragments.foldedBody === undefined) return;
      await db.schema
        .createTable('resource_scan_elements')
        .addColumn('tenant_id', 'text', (c) => c.notNull())
        .addColumn('resource_type', 'text', (c) => c.notNull())
        .addColumn('attribute', 'text', (c) => c.notNull())
        .addColumn('id', 'text', (c) => c.notNull())
        .addColumn('position', 'integer', (c) => c.notNull())
        // BLOB affinity converts nothing: a value keeps the SQL type JSON gave it (text, integer, real).
        .addColumn('value_fold', 'blob')
        .addColumn('type_fold', 'blob')
        .addColumn('primary_flag', 'blob')
        .addColumn('display_fold', 'blob')
        .addColumn('rest_fold', 'blob')
        .addPrimaryKeyConstraint('resource_scan_elements_pkey', [
          'tenant_id',
          'resource_type',
          'attribute',
          'id',
          'position',
        ])
        .modifyEnd(sql`without rowid`)
        .execute();
      await sql`insert into resource_scan_elements (${COLUMNS}) ${elementsOf('f')}`.execute(db);
      await sql`create trigger resource_scan_elements_insert after insert on resource_scan begin
          insert into resource_scan_elements (${COLUMNS})
            ${elementsOf('new')};
        end`.execute(db);
      // Most writes change no element (an Entra PATCH of a title, a manager, active): those rewrite none.
      await sql`create trigger resource_scan_elements_update after update of fold on resource_scan
          when ${allArraysOf(sql`old.fold`)} is not ${allArraysOf(sql`new.fold`)} begin
          ${DELETE_OLD_ELEMENTS}
          insert into resource_scan_elements (${COLUMNS})
            ${elementsOf('new')};
        end`.execute(db);
      await sql`create trigger resource_scan_elements_delete after delete on resource_scan begin
          ${DELETE_OLD_ELEMENTS}
        end`.execute(db);
    },
  };
}
