/**
 * Search across every resource type at the SCIM root (`POST /.search`, RFC 7644 §3.4.3, and
 * `GET /` with query parameters, §3.4.2.1).
 *
 * The filter, sortBy and attributes are checked against each resource type on its own: an
 * attribute one type does not have matches nothing there (RFC 7644 §3.4.2.2), so
 * `userName sw "a"` returns only Users. A filter that misuses an attribute a type does have is
 * still a 400.
 *
 * Order: all matching resources of the first type (Users), then of the next (Groups), in the
 * order the registry lists them; within a type, sortBy/sortOrder apply as on that type's own
 * endpoint (or `created`, then id). `totalResults` is the sum over the types. Index paging
 * counts through that concatenation; a cursor remembers the type it stopped in and the keyset
 * position within it, so both paging methods behave exactly as on a single endpoint.
 */
import { type CursorSettings, DEFAULT_CURSOR_SETTINGS, decodeCursor, encodeCursor } from '../scim/cursor.js';
import { invalidCursor } from '../scim/errors.js';
import type { Projection } from '../scim/resource/project.js';
import type { ResourceTypeName } from '../scim/schema/types.js';
import type { KeysetPosition } from '../store/store.js';
import type { RequestContext } from './context.js';
import {
  cursorContext,
  type ListPage,
  type ListParameters,
  pageResponse,
  parsePaging,
  parseTypeQuery,
  positionState,
  readPosition,
  storeQuery,
  type TypeQuery,
} from './list.js';
import { DEFAULT_PAGE_BYTES, fillPage, newPageBudget, type PageBudget } from './page-fill.js';

/** Each resource type's projection (the same attribute names, resolved per type). */
export type ProjectionOf = (typeName: ResourceTypeName) => Projection;

/** Root cursor state: the type the next page starts in, and the position within it (if any). */
interface RootState {
  readonly type: ResourceTypeName;
  readonly after?: KeysetPosition;
}

function readRootState(state: unknown, queries: readonly TypeQuery[]): RootState {
  const s = state as { r?: unknown; p?: unknown } | null;
  const type = queries.find((q) => q.type.name === s?.r)?.type.name;
  if (type === undefined) throw invalidCursor('The cursor is not valid here; request the first page again.');
  return s?.p === undefined ? { type } : { type, after: readPosition(s.p) };
}

interface SearchPage {
  readonly found: Record<string, unknown>[];
  readonly total: number;
  readonly next: unknown;
}

async function indexPage(
  ctx: RequestContext,
  queries: readonly TypeQuery[],
  paging: { startIndex: number; count: number },
  budget: PageBudget,
  projectionOf: ProjectionOf,
): Promise<SearchPage> {
  const found: Record<string, unknown>[] = [];
  let total = 0;
  let spent = false;
  for (const q of queries) {
    // Index `startIndex` of the concatenation is index `startIndex - total` of this type; once
    // the page has begun, this type contributes from its first resource. Once the byte budget
    // is spent, later types are only counted.
    const start = { startIndex: Math.max(1, paging.startIndex - total) };
    const room = spent ? 0 : paging.count - found.length;
    const page = await fillPage(ctx, q.type.name, storeQuery(q), start, room, budget, projectionOf(q.type.name));
    found.push(...page.resources);
    total += page.totalResults;
    spent ||= page.spent;
  }
  return { found, total, next: undefined };
}

async function cursorPage(
  ctx: RequestContext,
  queries: readonly TypeQuery[],
  from: RootState,
  count: number,
  budget: PageBudget,
  projectionOf: ProjectionOf,
): Promise<SearchPage> {
  const found: Record<string, unknown>[] = [];
  let total = 0;
  let next: unknown;
  const first = queries.findIndex((q) => q.type.name === from.type);
  for (const [i, q] of queries.entries()) {
    const active = i >= first && next === undefined;
    const after = i === first ? from.after : undefined;
    const room = count - found.length;
    if (!active || room === 0) {
      // Types before the cursor's and after the page stopped are only counted; the first type
      // after a full page is asked for one resource, to know whether the next page starts there.
      const probe = await ctx.store.query(q.type.name, {
        ...storeQuery(q),
        ...(active && after ? { after } : {}),
        startIndex: 1,
        count: active ? 1 : 0,
      });
      total += probe.totalResults;
      if (active && probe.resources.length > 0)
        next = { r: q.type.name, ...(after ? { p: positionState(after) } : {}) };
      continue;
    }
    const start = { startIndex: 1, ...(after ? { after } : {}) };
    const page = await fillPage(ctx, q.type.name, storeQuery(q), start, room, budget, projectionOf(q.type.name));
    total += page.totalResults;
    found.push(...page.resources);
    if (page.more) {
      // Continue after the last resource returned from this type, or where this type began
      // when the budget was spent before any of it.
      const last = page.positions.at(-1) ?? after;
      next = { r: q.type.name, ...(last ? { p: positionState(last) } : {}) };
    }
  }
  return { found, total, next };
}

export async function searchAll(
  ctx: RequestContext,
  params: ListParameters,
  projectionOf: ProjectionOf,
  cursors: CursorSettings = DEFAULT_CURSOR_SETTINGS,
  maxPageBytes: number = DEFAULT_PAGE_BYTES,
): Promise<ListPage> {
  const queries = ctx.registry.resourceTypes.map((type) => parseTypeQuery(type, params));
  const paging = parsePaging(ctx, params);
  const budget = newPageBudget(maxPageBytes);
  let page: SearchPage;
  let nextCursor: string | undefined;
  if (paging.method === 'index') {
    page = await indexPage(ctx, queries, paging, budget, projectionOf);
  } else {
    const context = cursorContext(ctx, cursors, queries);
    const from =
      paging.cursor === ''
        ? { type: queries[0]!.type.name }
        : readRootState(await decodeCursor(context, paging.cursor), queries);
    page = await cursorPage(ctx, queries, from, paging.count, budget, projectionOf);
    if (page.next !== undefined) nextCursor = await encodeCursor(context, page.next);
  }
  return pageResponse(page.found, page.total, paging, nextCursor);
}
