/**
 * The one dispatch for every SCIM operation on resources (ARCHITECTURE.md, "one `dispatch`
 * shared by HTTP and Bulk"): resource type, method, id, body, query and preconditions in; the
 * use case's answer as status, headers and body out. The HTTP routes translate a Fastify request
 * into a `DispatchRequest` and the result into a reply; Bulk runs each operation through it.
 * The protocol rules that choose an answer live here, not in either caller:
 * - a create answers 201 with `Location`; every answer about one resource carries its `ETag`;
 * - `GET` by id with an `If-None-Match` that matches answers 304 with no body;
 * - a group PATCH answers 204 unless `attributes`/`excludedAttributes` ask for a body (RFC 7644
 *   §3.5.2 allows either; Entra advises 204), so it never reads a 100,000-member list to echo it;
 * - PUT of a group without `members` keeps the membership (replaceResource, through
 *   prepareResourceBody, which reports members only when the body has them).
 * The bodies are already normalised (IdP quirks) by the use cases, which are the same for both
 * callers, so a request and a Bulk operation behave alike.
 */
import { type CursorSettings, DEFAULT_CURSOR_SETTINGS } from '../scim/cursor.js';
import { methodNotAllowed } from '../scim/errors.js';
import { type Projection, parseProjection } from '../scim/resource/project.js';
import type { ResourceTypeName } from '../scim/schema/types.js';
import { parseSearchRequest } from '../scim/search-request.js';
import type { RequestContext } from './context.js';
import { type ListParameters, listResources } from './list.js';
import { DEFAULT_PAGE_BYTES } from './page-fill.js';
import { patchResource } from './patch.js';
import { etagMatches } from './preconditions.js';
import { locationOf, type Rendered } from './resource-view.js';
import { createResource, deleteResource, getResource, replaceResource } from './resources.js';
import { searchAll } from './search.js';

/** HTTP methods, plus `SEARCH` for a SearchRequest (`POST …/.search`, RFC 7644 §3.4.3). */
export type DispatchMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE' | 'SEARCH';

/** Query parameters as they arrive; each may appear once (the HTTP layer refuses repeats). */
export type DispatchQuery = Readonly<Record<string, string | undefined>>;

export interface DispatchRequest {
  /** The resource type addressed; absent for the SCIM root (search across every type). */
  readonly resourceType?: ResourceTypeName;
  readonly method: DispatchMethod;
  /** The resource id, for GET, PUT, PATCH and DELETE of one resource. */
  readonly id?: string;
  /** The JSON body: a resource (POST, PUT), a PatchOp (PATCH) or a SearchRequest (SEARCH). */
  readonly body?: unknown;
  /** `attributes`/`excludedAttributes`, and for a list its filter, sort and paging. */
  readonly query?: DispatchQuery;
  /**
   * Bulk's answer: no body is sent back (RFC 7644 §3.7.3 allows omitting it), so nothing derived
   * (members, groups) is read, and each method answers with the status the RFC's Bulk examples
   * show (a PATCH 200, also for a group). `query` is ignored.
   */
  readonly lean?: boolean;
  /** `If-Match` (PUT, PATCH, DELETE; Bulk's `version`): a stale tag is a 412. */
  readonly ifMatch?: string;
  /** `If-None-Match` (GET of one resource): a matching tag answers 304. */
  readonly ifNoneMatch?: string;
}

/** List settings of the deployment (docs/pagination.md). */
export interface DispatchSettings {
  readonly cursors: CursorSettings;
  readonly maxPageBytes: number;
}

export const DEFAULT_DISPATCH_SETTINGS: DispatchSettings = {
  cursors: DEFAULT_CURSOR_SETTINGS,
  maxPageBytes: DEFAULT_PAGE_BYTES,
};

/** The one resource an answer is about (absent for lists). */
export interface DispatchTarget {
  readonly id: string;
  readonly location: string;
  /** Weak ETag of the version after the operation; absent after DELETE. */
  readonly etag?: string;
}

export interface DispatchResult {
  readonly status: 200 | 201 | 204 | 304;
  readonly headers: { readonly ETag?: string; readonly Location?: string };
  /** The JSON body; absent for 204 and 304. */
  readonly body?: unknown;
  readonly target?: DispatchTarget;
}

/** What selects the returned attributes, from a query string or a SearchRequest. */
interface Selection {
  readonly attributes?: string | undefined;
  readonly excludedAttributes?: string | undefined;
}

function projectionOf(ctx: RequestContext, typeName: ResourceTypeName, selection: Selection | undefined): Projection {
  return parseProjection(ctx.registry.resourceType(typeName), selection?.attributes, selection?.excludedAttributes);
}

/** Renders nothing derived: Bulk omits bodies of successful operations. */
function leanProjection(ctx: RequestContext, typeName: ResourceTypeName): Projection {
  return parseProjection(ctx.registry.resourceType(typeName), undefined, typeName === 'Group' ? 'members' : 'groups');
}

/** The projection of a one-resource answer: Bulk's lean one, or what the query asks for. */
function answerProjection(ctx: RequestContext, typeName: ResourceTypeName, request: DispatchRequest): Projection {
  return request.lean ? leanProjection(ctx, typeName) : projectionOf(ctx, typeName, request.query);
}

function targetOf(rendered: Rendered): DispatchTarget {
  return { id: String(rendered.resource.id), location: rendered.location, etag: rendered.etag };
}

function resourceResult(status: 200 | 201, rendered: Rendered): DispatchResult {
  return {
    status,
    headers: status === 201 ? { ETag: rendered.etag, Location: rendered.location } : { ETag: rendered.etag },
    body: rendered.resource,
    target: targetOf(rendered),
  };
}

function unsupported(request: DispatchRequest): never {
  const where = request.resourceType ?? 'the SCIM root';
  const what = request.id === undefined ? 'collection' : 'resource';
  throw methodNotAllowed(`Method ${request.method} is not allowed on a ${what} of ${where}.`);
}

/** A list's parameters: the SearchRequest body for SEARCH, else the query string. */
function listParameters(request: DispatchRequest): ListParameters & Selection {
  return request.method === 'SEARCH' ? parseSearchRequest(request.body) : (request.query ?? {});
}

/** Search across every type at the root (GET with a query, or a SearchRequest). */
async function dispatchRoot(
  ctx: RequestContext,
  request: DispatchRequest,
  settings: DispatchSettings,
): Promise<DispatchResult> {
  if (request.id !== undefined || (request.method !== 'GET' && request.method !== 'SEARCH')) unsupported(request);
  const params = listParameters(request);
  const page = await searchAll(
    ctx,
    params,
    (typeName) => projectionOf(ctx, typeName, params),
    settings.cursors,
    settings.maxPageBytes,
  );
  return { status: 200, headers: {}, body: page };
}

/** GET and SEARCH of a collection. */
async function dispatchList(
  ctx: RequestContext,
  typeName: ResourceTypeName,
  request: DispatchRequest,
  settings: DispatchSettings,
): Promise<DispatchResult> {
  const params = listParameters(request);
  const projection = projectionOf(ctx, typeName, params);
  const page = await listResources(ctx, typeName, params, projection, settings.cursors, settings.maxPageBytes);
  return { status: 200, headers: {}, body: page };
}

async function dispatchGet(
  ctx: RequestContext,
  typeName: ResourceTypeName,
  id: string,
  request: DispatchRequest,
): Promise<DispatchResult> {
  const rendered = await getResource(ctx, typeName, id, answerProjection(ctx, typeName, request));
  if (request.ifNoneMatch && etagMatches(request.ifNoneMatch, rendered.version)) {
    return { status: 304, headers: { ETag: rendered.etag }, target: targetOf(rendered) };
  }
  return resourceResult(200, rendered);
}

async function dispatchPatch(
  ctx: RequestContext,
  typeName: ResourceTypeName,
  id: string,
  request: DispatchRequest,
): Promise<DispatchResult> {
  const q = request.query;
  const noContent = !request.lean && typeName === 'Group' && !q?.attributes && !q?.excludedAttributes;
  const projection = noContent
    ? projectionOf(ctx, typeName, { excludedAttributes: 'members' })
    : answerProjection(ctx, typeName, request);
  const { rendered } = await patchResource(ctx, typeName, id, request.body, request.ifMatch, projection);
  if (noContent) return { status: 204, headers: { ETag: rendered.etag }, target: targetOf(rendered) };
  return resourceResult(200, rendered);
}

/**
 * Runs one SCIM operation and says how to answer it. Throws a ScimError for what the protocol
 * refuses (the caller turns it into an Error message), as every use case does.
 */
export async function dispatch(
  ctx: RequestContext,
  request: DispatchRequest,
  settings: DispatchSettings = DEFAULT_DISPATCH_SETTINGS,
): Promise<DispatchResult> {
  const typeName = request.resourceType;
  if (typeName === undefined) return dispatchRoot(ctx, request, settings);
  const id = request.id;
  if (id === undefined) {
    switch (request.method) {
      case 'GET':
      case 'SEARCH':
        return dispatchList(ctx, typeName, request, settings);
      case 'POST': {
        const projection = answerProjection(ctx, typeName, request);
        return resourceResult(201, await createResource(ctx, typeName, request.body, projection));
      }
      default:
        return unsupported(request);
    }
  }
  switch (request.method) {
    case 'GET':
      return dispatchGet(ctx, typeName, id, request);
    case 'PUT': {
      const projection = answerProjection(ctx, typeName, request);
      return resourceResult(200, await replaceResource(ctx, typeName, id, request.body, request.ifMatch, projection));
    }
    case 'PATCH':
      return dispatchPatch(ctx, typeName, id, request);
    case 'DELETE':
      await deleteResource(ctx, typeName, id, request.ifMatch);
      return { status: 204, headers: {}, target: { id, location: locationOf(ctx, { id, resourceType: typeName }) } };
    default:
      return unsupported(request);
  }
}
