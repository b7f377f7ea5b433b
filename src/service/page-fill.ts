/**
 * Filling one list or search page under a byte budget (issue #12.3). A page of `count` resources
 * can be very large (200 users of 900 KB each are 180 MB before serialisation), so a page stops
 * adding resources once their serialized size would pass the budget: it then holds fewer than
 * `count` resources (`itemsPerPage` says how many) and the next page starts right after the last
 * one returned. A page always holds at least one resource, however large, so paging progresses.
 *
 * Rows are read in chunks, each after the keyset position of the previous chunk's last row, so
 * that no more than about a budget's worth is ever loaded: the first chunk is small (a lookup by
 * filter, the common case, is one query), later ones are sized from the average resource so far
 * and grow at most `GROWTH` times what has been read. One extra row per chunk says whether more
 * follow, which cursor paging needs for `nextCursor`.
 */
import type { Projection } from '../scim/resource/project.js';
import type { ResourceTypeName } from '../scim/schema/types.js';
import type { KeysetPosition, ResourceQuery } from '../store/store.js';
import type { RequestContext } from './context.js';
import { renderPage, returnsGroups } from './resource-view.js';

/** Serialized bytes of resources after which a page stops (SCIMD_LIST_MAX_PAGE_BYTES). */
export const DEFAULT_PAGE_BYTES = 1024 * 1024;

const FIRST_CHUNK = 10;
const GROWTH = 4;

/** What one page has used of its budget; shared by the resource types of a root search page. */
export interface PageBudget {
  readonly limit: number;
  used: number;
  items: number;
}

export function newPageBudget(limit: number): PageBudget {
  return { limit, used: 0, items: 0 };
}

/** A store query without its paging, as `storeQuery` in list.ts builds it. */
export type UnpagedQuery = Omit<ResourceQuery, 'startIndex' | 'count' | 'after' | 'withPositions' | 'countTotal'>;

export interface FilledPage {
  readonly resources: Record<string, unknown>[];
  /** The keyset position of each returned resource. */
  readonly positions: KeysetPosition[];
  readonly totalResults: number;
  /** Whether the query has resources after the last one returned. */
  readonly more: boolean;
  /** Whether the page stopped because the budget was spent (so nothing more may be added). */
  readonly spent: boolean;
}

/** Where a page starts: an index (index paging) or after a keyset position (cursor paging). */
export interface PageStart {
  readonly startIndex: number;
  readonly after?: KeysetPosition;
}

/** Resolves after the event loop has polled for I/O once (a macrotask, not a microtask). */
function yieldToIo(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

function nextChunk(budget: PageBudget, readSoFar: number, room: number): number {
  const average = budget.items === 0 ? 1 : Math.max(1, budget.used / budget.items);
  const fits = Math.floor((budget.limit - budget.used) / average) + 1;
  return Math.max(1, Math.min(room, fits, Math.max(FIRST_CHUNK, readSoFar * GROWTH)));
}

/**
 * Up to `count` rendered resources of one query from `start`, as long as `budget` allows
 * (at least one resource per page, counted over the whole budget).
 */
export async function fillPage(
  ctx: RequestContext,
  typeName: ResourceTypeName,
  query: UnpagedQuery,
  start: PageStart,
  count: number,
  budget: PageBudget,
  projection: Projection,
): Promise<FilledPage> {
  const resources: Record<string, unknown>[] = [];
  const positions: KeysetPosition[] = [];
  if (count <= 0) {
    const counted = await ctx.store.query(typeName, { ...query, startIndex: start.startIndex, count: 0 });
    return { resources, positions, totalResults: counted.totalResults, more: false, spent: false };
  }
  let totalResults: number | undefined;
  let from = start;
  let chunk = Math.min(count, FIRST_CHUNK);
  for (;;) {
    const result = await ctx.store.query(typeName, {
      ...query,
      ...(from.after ? { after: from.after } : {}),
      startIndex: from.startIndex,
      count: chunk + 1,
      withPositions: true,
      withGroups: returnsGroups(ctx, typeName, projection),
      // Later chunks of the page only continue it: the first chunk's count stands.
      ...(totalResults === undefined ? {} : { countTotal: false }),
    });
    totalResults ??= result.totalResults;
    const rows = result.resources.slice(0, chunk);
    const rendered = await renderPage(ctx, ctx.store, rows, () => projection, result.groups);
    for (const [i, resource] of rendered.entries()) {
      const size = Buffer.byteLength(JSON.stringify(resource));
      if (budget.items > 0 && budget.used + size > budget.limit) {
        return { resources, positions, totalResults, more: true, spent: true };
      }
      resources.push(resource);
      positions.push(result.positions![i]!);
      budget.used += size;
      budget.items++;
    }
    const more = result.resources.length > chunk;
    if (!more || resources.length >= count) return { resources, positions, totalResults, more, spent: false };
    from = { startIndex: 1, after: positions.at(-1)! };
    chunk = nextChunk(budget, resources.length, count - resources.length);
    // Reading, parsing and rendering a chunk is synchronous work; let waiting I/O (a /healthz,
    // another tenant's lookup) run between chunks instead of behind the whole page.
    await yieldToIo();
  }
}
