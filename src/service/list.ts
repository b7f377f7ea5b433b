/**
 * List and search (RFC 7644 §3.4.2, §3.4.3): filter, sort, index paging.
 * Filters are parsed and checked against the schema here and compiled by the store; no rows
 * are loaded to be filtered in JavaScript.
 */
import { invalidValue } from '../scim/errors.js';
import type { AttrPath, Filter } from '../scim/filter/ast.js';
import { checkFilter } from '../scim/filter/check.js';
import { parseAttrPath, parseFilter } from '../scim/filter/parse.js';
import { checkSortBy } from '../scim/filter/sort.js';
import { type ListResponse, listResponse } from '../scim/messages.js';
import type { Projection } from '../scim/resource/project.js';
import type { ResourceTypeDefinition, ResourceTypeName } from '../scim/schema/types.js';
import type { SortOrder } from '../store/store.js';
import type { RequestContext } from './context.js';
import { render } from './render.js';

/** List parameters as they arrive (query string or SearchRequest body), not yet checked. */
export interface ListParameters {
  readonly filter?: string;
  readonly sortBy?: string;
  readonly sortOrder?: string;
  readonly startIndex?: string | number;
  readonly count?: string | number;
}

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

export function parseListFilter(type: ResourceTypeDefinition, text: string | undefined): Filter | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  return checkFilter(parseFilter(text), type);
}

export async function listResources(
  ctx: RequestContext,
  typeName: ResourceTypeName,
  params: ListParameters,
  projection: Projection,
): Promise<ListResponse> {
  const type = ctx.registry.resourceType(typeName);
  const filter = parseListFilter(type, params.filter);
  const sortBy = sortByParam(type, params.sortBy);
  const sortOrder = sortOrderParam(params.sortOrder);
  // RFC 7644 §3.4.2.4: startIndex < 1 is treated as 1, a negative count as 0.
  const startIndex = Math.max(1, integerParam('startIndex', params.startIndex) ?? 1);
  const count = Math.min(ctx.maxResults, Math.max(0, integerParam('count', params.count) ?? ctx.maxResults));
  const result = await ctx.store.query(typeName, {
    resourceType: type,
    ...(filter ? { filter } : {}),
    ...(sortBy ? { sortBy } : {}),
    ...(sortOrder ? { sortOrder } : {}),
    startIndex,
    count,
  });
  const resources: unknown[] = [];
  for (const stored of result.resources) resources.push((await render(ctx, ctx.store, stored, projection)).resource);
  return listResponse(resources, result.totalResults, { startIndex, itemsPerPage: resources.length });
}
