/**
 * Compiles `sortBy`/`sortOrder` (RFC 7644 §3.4.2.3) into ORDER BY terms on the resources row
 * `r`, mirroring src/scim/filter/sort.ts: the primary (else first) value of a multi-valued
 * attribute, folded unless caseExact, absent values ("" included) last when ascending and first
 * when descending, ties broken by `id` ascending so pages are stable. Without sortBy the order
 * is `created`, then `id`, as in the memory store.
 *
 * The same compilation yields the keyset bound for cursor paging (RFC 9865): the key each row
 * sorts by, and a condition selecting the rows strictly after a given (key, id) position in
 * exactly this order. Both are expressed with the ORDER BY expressions themselves, so the bound
 * can never disagree with the order.
 */
import { type RawBuilder, type SqlBool, sql } from 'kysely';
import type { AttrPath } from '../../scim/filter/ast.js';
import { checkSortBy } from '../../scim/filter/sort.js';
import type { ResourceTypeDefinition } from '../../scim/schema/types.js';
import type { KeysetPosition, SortOrder } from '../store.js';
import type { SqlDialect } from './dialect.js';
import { resourceSource } from './sources.js';

/** ORDER BY terms, most significant first, each with its direction. */
type OrderTerm = readonly [RawBuilder<unknown>, 'asc' | 'desc'];

interface CompiledSort {
  readonly order: readonly OrderTerm[];
  /** What a row sorts by (its keyset position's `key`); undefined when rows sort by id only. */
  readonly key: RawBuilder<unknown> | undefined;
  /** The rows strictly after `position` in `order`. */
  after(position: KeysetPosition): RawBuilder<SqlBool>;
}

const ID = sql.raw('r.id');
const BY_ID: OrderTerm = [ID, 'asc'];

function byIdOnly(): CompiledSort {
  return { order: [BY_ID], key: undefined, after: (p) => sql<SqlBool>`${ID} > ${p.id}` };
}

/**
 * Rows after (key, id) in `key asc, id asc`, for a key that is never null. A row value, not
 * `key > k or (key = k and id > i)`: both databases seek an index on (…, key, id) to a row
 * value's bound, so a cursor page deep into the directory costs what the first page costs,
 * where the OR form walks every entry before the position.
 */
function afterAscending(key: RawBuilder<unknown>, p: KeysetPosition): RawBuilder<SqlBool> {
  return sql<SqlBool>`(${key}, ${ID}) > (${p.key}, ${p.id})`;
}

/**
 * The order `value is null <dir>, key <dir>, id asc`: absent values after present ones when
 * ascending, before them when descending; a position with a null key is an absent row.
 */
function byValue(value: RawBuilder<unknown>, key: RawBuilder<unknown>, descending: boolean): CompiledSort {
  const direction = descending ? 'desc' : 'asc';
  const absent = sql<SqlBool>`${value} is null`;
  const present = sql<SqlBool>`${value} is not null`;
  const afterAbsent = (p: KeysetPosition) => sql<SqlBool>`(${absent} and ${ID} > ${p.id})`;
  const afterPresent = (p: KeysetPosition) =>
    descending
      ? sql<SqlBool>`(${present} and (${key} < ${p.key} or (${key} = ${p.key} and ${ID} > ${p.id})))`
      : sql<SqlBool>`(${present} and ${afterAscending(key, p)})`;
  return {
    order: [[absent, direction], [key, direction], BY_ID],
    key,
    after: (p) => {
      if (p.key === null || p.key === undefined) {
        return descending ? sql<SqlBool>`(${afterAbsent(p)} or ${present})` : afterAbsent(p);
      }
      return descending ? afterPresent(p) : sql<SqlBool>`(${afterPresent(p)} or ${absent})`;
    },
  };
}

export function compileSort(
  sortBy: AttrPath | undefined,
  sortOrder: SortOrder | undefined,
  type: ResourceTypeDefinition,
  dialect: SqlDialect,
): CompiledSort {
  if (sortBy === undefined) {
    const created = sql.raw('r.created');
    return { order: [[created, 'asc'], BY_ID], key: created, after: (p) => afterAscending(created, p) };
  }
  const source = resourceSource(dialect, type, checkSortBy(sortBy, type));
  if (source.kind !== 'scalar') return byIdOnly();
  const { def } = source;
  const raw = source.rows ? source.rows.first(def) : source.value;
  if (!raw) return byIdOnly();
  const text = def.type === 'string' || def.type === 'reference' || def.type === 'binary';
  // "" is absent too, and every absent value must tie so that `id` orders them.
  const value = text ? sql`nullif(${raw}, '')` : raw;
  if (text && !def.caseExact && !source.folded && !source.rows && source.foldedValue) {
    // Folding keeps "" and absence, so the folded copy gives both the order and the absent rows.
    const folded = sql`nullif(${source.foldedValue}, '')`;
    return byValue(folded, folded, sortOrder === 'descending');
  }
  const key = text && !def.caseExact && !source.folded ? dialect.fragments.fold(value) : value;
  return byValue(value, key, sortOrder === 'descending');
}
