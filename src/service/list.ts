/**
 * List and search (RFC 7644 §3.4.2, §3.4.3): filter, sort, and two ways to page.
 * - Index paging (RFC 7644 §3.4.2.4, the default): `startIndex` and `count`.
 * - Cursor paging (RFC 9865): `cursor` (empty for the first page) and `count`; each page but the
 *   last carries `nextCursor`. Cursors are keyset positions (the last resource's sort key and
 *   id), so resources created or deleted between pages never shift the rest: none is returned
 *   twice and none that exists throughout is skipped.
 * Filters are parsed and checked against the schema here and compiled by the store; no rows
 * are loaded to be filtered in JavaScript.
 */
import {
  type CursorContext,
  type CursorSettings,
  DEFAULT_CURSOR_SETTINGS,
  decodeCursor,
  encodeCursor,
} from '../scim/cursor.js';
import { invalidCursor, invalidValue } from '../scim/errors.js';
import type { AttrPath, Filter } from '../scim/filter/ast.js';
import { checkFilter } from '../scim/filter/check.js';
import { parseAttrPath, parseFilter } from '../scim/filter/parse.js';
import { printAttrPath, printFilter } from '../scim/filter/print.js';
import { checkSortBy } from '../scim/filter/sort.js';
import { type ListResponse, listResponse } from '../scim/messages.js';
import type { Projection } from '../scim/resource/project.js';
import type { ResourceTypeDefinition, ResourceTypeName } from '../scim/schema/types.js';
import { URN } from '../scim/schema/urns.js';
import type { SearchRequest } from '../scim/search-request.js';
import type { KeysetPosition, ResourceQuery, SortOrder } from '../store/store.js';
import type { RequestContext } from './context.js';
import { DEFAULT_PAGE_BYTES, fillPage, newPageBudget } from './page-fill.js';

/**
 * List parameters as they arrive (query string or SearchRequest body), not yet checked: the
 * SearchRequest's members without the projection. A `cursor` present (possibly empty) selects
 * RFC 9865 cursor paging.
 */
export type ListParameters = Omit<SearchRequest, 'attributes' | 'excludedAttributes'>;

/** A ListResponse page; cursor pages carry `nextCursor` and no `startIndex` (RFC 9865 §2). */
export type ListPage = ListResponse & { nextCursor?: string };

/**
 * The largest startIndex accepted: databases keep OFFSET in a 64-bit integer (and `1e20` is an
 * integer to JavaScript), while no tenant holds anywhere near 2^31 resources; a larger one is a
 * 400 invalidValue rather than a number the database cannot hold (issue #12.2).
 */
const MAX_START_INDEX = 2 ** 31 - 1;

function integerParam(name: string, value: string | number | undefined): number | undefined {
  if (value === undefined || value === '') return undefined;
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isInteger(n)) throw invalidValue(`"${name}" must be an integer, got ${JSON.stringify(value)}.`);
  return n;
}

function sortOrderParam(value: string | undefined): SortOrder | undefined {
  if (value === undefined || value === '') return undefined;
  const lower = value.toLowerCase();
  if (lower === 'ascending' || lower === 'descending') return lower;
  throw invalidValue(`"sortOrder" must be "ascending" or "descending", got ${JSON.stringify(value)}.`);
}

/** RFC 7644 §3.4.2.3: any attribute; a multi-valued one sorts by its primary (else first) value. */
function sortByParam(type: ResourceTypeDefinition, value: string | undefined): AttrPath | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  return checkSortBy(parseAttrPath(value.trim()), type);
}

function parseListFilter(type: ResourceTypeDefinition, text: string | undefined): Filter | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  return checkFilter(parseFilter(text), type);
}

/** What to select and in which order, checked against one resource type. */
export interface TypeQuery {
  readonly type: ResourceTypeDefinition;
  readonly filter?: Filter;
  readonly sortBy?: AttrPath;
  readonly sortOrder?: SortOrder;
}

export function parseTypeQuery(type: ResourceTypeDefinition, params: ListParameters): TypeQuery {
  const filter = parseListFilter(type, params.filter);
  const sortBy = sortByParam(type, params.sortBy);
  const sortOrder = sortOrderParam(params.sortOrder);
  return { type, ...(filter ? { filter } : {}), ...(sortBy ? { sortBy } : {}), ...(sortOrder ? { sortOrder } : {}) };
}

/** The store query for `q`, without paging. */
export function storeQuery(q: TypeQuery): Omit<ResourceQuery, 'startIndex' | 'count'> {
  return {
    resourceType: q.type,
    ...(q.filter ? { filter: q.filter } : {}),
    ...(q.sortBy ? { sortBy: q.sortBy } : {}),
    ...(q.sortOrder ? { sortOrder: q.sortOrder } : {}),
  };
}

export type Paging =
  | { readonly method: 'index'; readonly startIndex: number; readonly count: number }
  | { readonly method: 'cursor'; readonly cursor: string; readonly count: number };

/**
 * The paging a request asks for. Without `cursor` it is index paging (the default method):
 * startIndex < 1 counts as 1, one above `MAX_START_INDEX` is refused, and a negative count is 0
 * (RFC 7644 §3.4.2.4). With `cursor`,
 * `count` must be positive (RFC 9865 §2) and `startIndex` is refused. Either way `count`
 * defaults to, and is lowered to, `maxResults`.
 */
export function parsePaging(ctx: RequestContext, params: ListParameters): Paging {
  const count = integerParam('count', params.count);
  if (params.cursor === undefined) {
    const startIndex = Math.max(1, integerParam('startIndex', params.startIndex) ?? 1);
    if (startIndex > MAX_START_INDEX) {
      throw invalidValue(
        `"startIndex" must be an integer from 1 to ${MAX_START_INDEX}, got ${JSON.stringify(params.startIndex)}.`,
      );
    }
    return { method: 'index', startIndex, count: Math.min(ctx.maxResults, Math.max(0, count ?? ctx.maxResults)) };
  }
  if (typeof params.cursor !== 'string') throw invalidCursor('"cursor" must be one string.');
  if (params.startIndex !== undefined && params.startIndex !== '') {
    throw invalidValue('"startIndex" and "cursor" cannot be used together: choose index or cursor paging.');
  }
  if (count !== undefined && count < 1) {
    throw invalidValue(`"count" must be a positive integer with cursor paging, got ${count}.`);
  }
  return { method: 'cursor', cursor: params.cursor, count: Math.min(ctx.maxResults, count ?? ctx.maxResults) };
}

/** Canonical text of a query for cursor binding: resource types, filters and sort, never the page. */
function queryText(queries: readonly TypeQuery[]): string {
  return queries
    .map((q) =>
      [
        q.type.name,
        q.filter ? printFilter(q.filter) : '',
        q.sortBy ? printAttrPath(q.sortBy) : '',
        q.sortBy ? (q.sortOrder ?? 'ascending') : '',
      ].join('\u0000'),
    )
    .join('\u0001');
}

export function cursorContext(
  ctx: RequestContext,
  settings: CursorSettings,
  queries: readonly TypeQuery[],
): CursorContext {
  return { settings, tenantId: ctx.tenantId, query: queryText(queries), now: ctx.now };
}

/** A position as cursor state: `{k, i}`. */
export function positionState(position: KeysetPosition): { k: unknown; i: string } {
  return { k: position.key, i: position.id };
}

/** Reads `{k, i}` back; the state is authenticated, so a wrong shape is a server bug or a replay across versions. */
export function readPosition(state: unknown): KeysetPosition {
  const s = state as { k?: unknown; i?: unknown } | null;
  const k = s?.k;
  const scalar = k === null || typeof k === 'string' || typeof k === 'number' || typeof k === 'boolean';
  if (typeof s?.i !== 'string' || !scalar)
    throw invalidCursor('The cursor is not valid here; request the first page again.');
  return { key: k, id: s.i };
}

/** A page of resources of mixed or single type, rendered with each type's projection. */
export function pageResponse(
  resources: unknown[],
  totalResults: number,
  paging: Paging,
  nextCursor?: string,
): ListPage {
  if (paging.method === 'index') {
    return listResponse(resources, totalResults, { startIndex: paging.startIndex, itemsPerPage: resources.length });
  }
  return {
    schemas: [URN.listResponse],
    totalResults,
    itemsPerPage: resources.length,
    ...(nextCursor !== undefined ? { nextCursor } : {}),
    Resources: resources,
  };
}

export async function listResources(
  ctx: RequestContext,
  typeName: ResourceTypeName,
  params: ListParameters,
  projection: Projection,
  cursors: CursorSettings = DEFAULT_CURSOR_SETTINGS,
  maxPageBytes: number = DEFAULT_PAGE_BYTES,
): Promise<ListPage> {
  const q = parseTypeQuery(ctx.registry.resourceType(typeName), params);
  const paging = parsePaging(ctx, params);
  const budget = newPageBudget(maxPageBytes);
  if (paging.method === 'index') {
    const start = { startIndex: paging.startIndex };
    const page = await fillPage(ctx, typeName, storeQuery(q), start, paging.count, budget, projection);
    return pageResponse(page.resources, page.totalResults, paging);
  }
  const context = cursorContext(ctx, cursors, [q]);
  const after = paging.cursor === '' ? undefined : readPosition(await decodeCursor(context, paging.cursor));
  const start = { startIndex: 1, ...(after ? { after } : {}) };
  const page = await fillPage(ctx, typeName, storeQuery(q), start, paging.count, budget, projection);
  // The page may have stopped short of `count` (the byte budget): the cursor continues after
  // the last resource it returned, whatever the reason it stopped.
  const last = page.positions.at(-1);
  const next = page.more && last ? await encodeCursor(context, positionState(last)) : undefined;
  return pageResponse(page.resources, page.totalResults, paging, next);
}
