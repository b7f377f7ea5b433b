/**
 * Compiles `sortBy`/`sortOrder` (RFC 7644 §3.4.2.3) into ORDER BY terms on the resources row
 * `r`, mirroring src/scim/filter/sort.ts: the primary (else first) value of a multi-valued
 * attribute, folded unless caseExact, absent values ("" included) last when ascending and first
 * when descending, ties broken by `id` ascending so pages are stable. Without sortBy the order
 * is `created`, then `id`, as in the memory store.
 */
import { type RawBuilder, sql } from 'kysely';
import type { AttrPath } from '../../scim/filter/ast.js';
import { checkSortBy } from '../../scim/filter/sort.js';
import type { ResourceTypeDefinition } from '../../scim/schema/types.js';
import type { SortOrder } from '../store.js';
import type { SqlDialect } from './dialect.js';
import { resourceSource } from './sources.js';

/** ORDER BY terms, most significant first, each with its direction. */
export type OrderTerm = readonly [RawBuilder<unknown>, 'asc' | 'desc'];

const BY_ID: OrderTerm = [sql.raw('r.id'), 'asc'];

export function compileSort(
  sortBy: AttrPath | undefined,
  sortOrder: SortOrder | undefined,
  type: ResourceTypeDefinition,
  dialect: SqlDialect,
): OrderTerm[] {
  if (sortBy === undefined) return [[sql.raw('r.created'), 'asc'], BY_ID];
  const source = resourceSource(dialect, type, checkSortBy(sortBy, type));
  if (source.kind !== 'scalar') return [BY_ID];
  const { def } = source;
  const raw = source.rows ? source.rows.first(def) : source.value;
  if (!raw) return [BY_ID];
  const text = def.type === 'string' || def.type === 'reference' || def.type === 'binary';
  // "" is absent too, and every absent value must tie so that `id` orders them.
  const value = text ? sql`nullif(${raw}, '')` : raw;
  const key = text && !def.caseExact && !source.folded ? dialect.fold(value) : value;
  const absent = sql`${value} is null`;
  const direction = sortOrder === 'descending' ? 'desc' : 'asc';
  return [[absent, direction], [key, direction], BY_ID];
}
