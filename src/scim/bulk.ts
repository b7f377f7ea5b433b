/**
 * Bulk messages (RFC 7644 §3.7): reading a BulkRequest, `bulkId:` cross-references (§3.7.2)
 * and the order operations run in, and the shape of a BulkResponse. Pure: the service runs
 * the operations.
 *
 * A request that cannot be read as a whole (not an object, `Operations` not an array, a bad
 * `failOnErrors`, a bulkId used twice) is a 400; more operations than `maxOperations` is a 413
 * (§3.7.4). An operation that cannot be read on its own (unknown method, bad path, missing
 * data or bulkId) is answered with its own error and the others still run.
 */
import { invalidSyntax, invalidValue, payloadTooLarge, ScimError } from './errors.js';
import { isObject, MAX_JSON_DEPTH } from './json.js';
import type { ResourceTypeDefinition, ResourceTypeName } from './schema/types.js';
import { URN } from './schema/urns.js';

const BULK_METHODS = ['POST', 'PUT', 'PATCH', 'DELETE'] as const;
export type BulkMethod = (typeof BULK_METHODS)[number];

/** The prefix of a reference to the resource another operation of the request creates. */
const BULK_ID_PREFIX = 'bulkId:';

export interface BulkOperation {
  /** Position in the request's `Operations`, from 0. */
  readonly index: number;
  readonly method: BulkMethod;
  readonly bulkId?: string;
  /** ETag for If-Match (PUT, PATCH, DELETE). */
  readonly version?: string;
  readonly resourceType: ResourceTypeName;
  /** The target id (PUT, PATCH, DELETE), possibly `bulkId:<id>` until resolved. */
  readonly id?: string;
  readonly data?: unknown;
  /** The bulkIds this operation refers to, in its path or its data. */
  readonly references: readonly string[];
}

/** An operation that could not be read: answered with `error`, never run. */
export interface RejectedOperation {
  readonly index: number;
  readonly method?: string;
  readonly bulkId?: string;
  readonly error: ScimError;
}

export interface BulkRequest {
  /** Stop after this many errors (§3.7.3); undefined: run every operation. */
  readonly failOnErrors?: number;
  readonly operations: readonly (BulkOperation | RejectedOperation)[];
}

export interface BulkOperationResult {
  readonly location?: string;
  readonly method: string;
  readonly bulkId?: string;
  readonly version?: string;
  /** The HTTP status as a string, as in the examples of RFC 7644 §3.7. */
  readonly status: string;
  readonly response?: unknown;
}

export interface BulkResponse {
  readonly schemas: [typeof URN.bulkResponse];
  readonly Operations: readonly BulkOperationResult[];
}

export function isRejected(op: BulkOperation | RejectedOperation): op is RejectedOperation {
  return 'error' in op;
}

/** Attribute names are case-insensitive (RFC 7643 §2.1): reads `name` in any case. */
function field(object: Record<string, unknown>, name: string): unknown {
  const lower = name.toLowerCase();
  const key = Object.keys(object).find((k) => k.toLowerCase() === lower);
  return key === undefined ? undefined : object[key];
}

function optionalString(value: unknown, what: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string' || value === '') throw invalidSyntax(`${what} must be a non-empty string.`);
  return value;
}

/** The bulkIds referenced in `value`: whole strings `bulkId:x`, and `"bulkId:x"` inside strings (filters). */
export function referencesIn(value: unknown, out: Set<string> = new Set()): Set<string> {
  // Iterative: any nesting of "data" is safe (issue #12.2).
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const node = stack.pop();
    if (typeof node === 'string') {
      if (node.startsWith(BULK_ID_PREFIX)) out.add(node.slice(BULK_ID_PREFIX.length));
      for (const match of node.matchAll(/"bulkId:([^"]+)"/g)) out.add(match[1]!);
    } else if (Array.isArray(node)) {
      for (let i = node.length - 1; i >= 0; i--) stack.push(node[i]);
    } else if (isObject(node)) {
      for (const item of Object.values(node).reverse()) stack.push(item);
    }
  }
  return out;
}

/**
 * `value` with every reference found by `referencesIn` replaced by `resolve(bulkId)`. Data
 * nested deeper than MAX_JSON_DEPTH → 400 invalidValue (issue #12.2: never a stack overflow).
 */
export function replaceReferences(value: unknown, resolve: (bulkId: string) => string, depth = 0): unknown {
  if (typeof value === 'string') {
    if (value.startsWith(BULK_ID_PREFIX)) return resolve(value.slice(BULK_ID_PREFIX.length));
    return value.replace(/"bulkId:([^"]+)"/g, (_, bulkId: string) => JSON.stringify(resolve(bulkId)));
  }
  if (typeof value !== 'object' || value === null) return value;
  if (depth >= MAX_JSON_DEPTH) throw invalidValue(`"data" nests deeper than ${MAX_JSON_DEPTH} levels.`);
  if (Array.isArray(value)) return value.map((item) => replaceReferences(item, resolve, depth + 1));
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replaceReferences(v, resolve, depth + 1)]));
}

/** `/Users` or `/Users/<id>` (the endpoint matched ignoring case). */
function parsePath(path: string, types: readonly ResourceTypeDefinition[]): { type: ResourceTypeName; id?: string } {
  const match = /^(\/[^/]+)(?:\/([^/]+))?$/.exec(path);
  const type = match && types.find((t) => t.endpoint.toLowerCase() === match[1]!.toLowerCase());
  if (!match || !type) {
    const endpoints = types.map((t) => t.endpoint).join(' or ');
    throw invalidValue(`"path" must be ${endpoints}, optionally followed by "/<id>"; got ${JSON.stringify(path)}.`);
  }
  if (match[2] === undefined) return { type: type.name };
  let id: string;
  try {
    id = decodeURIComponent(match[2]);
  } catch {
    throw invalidValue(`"path" ${JSON.stringify(path)} is not a valid URL path.`);
  }
  return { type: type.name, id };
}

function parseOperation(raw: unknown, index: number, types: readonly ResourceTypeDefinition[]): BulkOperation {
  if (!isObject(raw)) throw invalidSyntax('must be an object with "method" and "path".');
  const methodText = optionalString(field(raw, 'method'), '"method"');
  const method = methodText?.toUpperCase() as BulkMethod | undefined;
  if (method === undefined || !BULK_METHODS.includes(method)) {
    throw invalidSyntax(`"method" must be one of ${BULK_METHODS.join(', ')}; got ${JSON.stringify(methodText)}.`);
  }
  const bulkId = optionalString(field(raw, 'bulkId'), '"bulkId"');
  const version = optionalString(field(raw, 'version'), '"version"');
  const pathText = optionalString(field(raw, 'path'), '"path"');
  if (pathText === undefined) throw invalidSyntax('"path" is required.');
  const path = parsePath(pathText, types);
  const data = field(raw, 'data');
  if (method === 'POST') {
    if (bulkId === undefined) throw invalidSyntax('"bulkId" is required for POST.');
    if (path.id !== undefined) throw invalidValue(`POST "path" must be a resource type endpoint such as /Users.`);
  } else if (path.id === undefined) {
    throw invalidValue(`${method} "path" must name one resource, e.g. /Users/<id>.`);
  }
  if (method !== 'DELETE' && !isObject(data))
    throw invalidSyntax(`"data" is required for ${method} and must be an object.`);
  const references = referencesIn(method === 'DELETE' ? undefined : data);
  if (path.id?.startsWith(BULK_ID_PREFIX)) references.add(path.id.slice(BULK_ID_PREFIX.length));
  return {
    index,
    method,
    ...(bulkId !== undefined ? { bulkId } : {}),
    ...(version !== undefined ? { version } : {}),
    resourceType: path.type,
    ...(path.id !== undefined ? { id: path.id } : {}),
    ...(method !== 'DELETE' ? { data } : {}),
    references: [...references],
  };
}

function readFailOnErrors(value: unknown): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) {
    throw invalidValue(`"failOnErrors" must be a positive integer; got ${JSON.stringify(value)}.`);
  }
  return value;
}

/** Reads a BulkRequest (RFC 7644 §3.7) for the resource types `types`. */
export function parseBulkRequest(
  body: unknown,
  types: readonly ResourceTypeDefinition[],
  maxOperations: number,
): BulkRequest {
  if (!isObject(body)) throw invalidSyntax('A BulkRequest body must be a JSON object.');
  const schemas = field(body, 'schemas');
  if (schemas !== undefined && !(Array.isArray(schemas) && schemas.includes(URN.bulkRequest))) {
    throw invalidSyntax(`"schemas" must be ["${URN.bulkRequest}"].`);
  }
  const failOnErrors = readFailOnErrors(field(body, 'failOnErrors'));
  const raw = field(body, 'Operations');
  if (!Array.isArray(raw)) throw invalidSyntax('A BulkRequest needs "Operations": an array of operations.');
  if (raw.length > maxOperations) {
    throw payloadTooLarge(`The bulk request has ${raw.length} operations, more than maxOperations (${maxOperations}).`);
  }
  const operations = raw.map((item, index): BulkOperation | RejectedOperation => {
    try {
      return parseOperation(item, index, types);
    } catch (error) {
      if (!(error instanceof ScimError)) throw error;
      const partial = isObject(item) ? item : {};
      const method = field(partial, 'method');
      const bulkId = field(partial, 'bulkId');
      const where = `Operations[${index}]: ${error.detail}`;
      return {
        index,
        ...(typeof method === 'string' ? { method: method.toUpperCase() } : {}),
        ...(typeof bulkId === 'string' ? { bulkId } : {}),
        error: new ScimError(error.status, where, error.scimType ? { scimType: error.scimType } : {}),
      };
    }
  });
  const seen = new Set<string>();
  for (const op of operations) {
    if (isRejected(op) || op.bulkId === undefined) continue;
    if (seen.has(op.bulkId))
      throw invalidValue(`bulkId ${JSON.stringify(op.bulkId)} is used by more than one operation.`);
    seen.add(op.bulkId);
  }
  return { ...(failOnErrors !== undefined ? { failOnErrors } : {}), operations };
}

/**
 * The order to run operations in: request order, except that an operation runs after the POSTs
 * whose bulkIds it references (forward references, §3.7.2). Operations whose references form a
 * cycle — or depend on one — cannot be ordered and are returned in `cyclic`, in request order.
 */
export function orderOperations(operations: readonly (BulkOperation | RejectedOperation)[]): {
  order: number[];
  cyclic: number[];
} {
  const creator = new Map<string, number>();
  for (const op of operations)
    if (!isRejected(op) && op.method === 'POST' && op.bulkId) creator.set(op.bulkId, op.index);
  const waitsFor = operations.map((op) =>
    isRejected(op)
      ? new Set<number>()
      : new Set(op.references.map((r) => creator.get(r)).filter((i): i is number => i !== undefined)),
  );
  const done = new Set<number>();
  const order: number[] = [];
  for (let progressed = true; progressed; ) {
    progressed = false;
    for (const op of operations) {
      if (done.has(op.index) || [...waitsFor[op.index]!].some((i) => !done.has(i))) continue;
      done.add(op.index);
      order.push(op.index);
      progressed = true;
      break; // restart from the first operation, so request order wins among ready ones
    }
  }
  const cyclic = operations.map((op) => op.index).filter((i) => !done.has(i));
  return { order, cyclic };
}
