/**
 * Bulk (RFC 7644 §3.7): runs each operation of a BulkRequest through the same `dispatch` as a
 * single request (dispatch.ts), so validation, IdP quirks, ETags, statuses and change
 * bookkeeping are identical. Bulk asks for the lean answer: no body is returned, so nothing
 * derived (members, groups) is read.
 *
 * Atomicity: operations are independent (§3.7: "continue performing as many changes as possible
 * and disregard partial failures"). Each runs in its own transaction: a failed one changes
 * nothing and the others still commit. `failOnErrors: N` stops after the N-th error; the
 * response lists every operation that ran, in request order, and omits the rest.
 *
 * `bulkId:<id>` references (§3.7.2) in paths and data are replaced by the id the referenced
 * POST created. An operation runs after the POSTs it references, so forward references work;
 * references that form a cycle are answered 409 (§3.7.1 allows it), as are references to a POST
 * that failed; a reference to a bulkId no POST declares is a 400.
 */
import {
  type BulkOperation,
  type BulkOperationResult,
  type BulkResponse,
  isRejected,
  orderOperations,
  parseBulkRequest,
  type RejectedOperation,
  replaceReferences,
} from '../scim/bulk.js';
import { conflict, internal, invalidValue, ScimError } from '../scim/errors.js';
import { errorMessage } from '../scim/messages.js';
import { URN } from '../scim/schema/urns.js';
import type { RequestContext } from './context.js';
import { dispatch } from './dispatch.js';
import { locationOf } from './resource-view.js';

export interface BulkLimits {
  /** Most operations one request may carry (advertised as bulk.maxOperations). */
  readonly maxOperations: number;
  /** Largest request body in bytes (advertised as bulk.maxPayloadSize; the HTTP layer enforces it). */
  readonly maxPayloadBytes: number;
}

export const DEFAULT_BULK_MAX_OPERATIONS = 1000;

function failure(op: BulkOperation | RejectedOperation, error: ScimError, location?: string): BulkOperationResult {
  return {
    ...(location !== undefined ? { location } : {}),
    method: isRejected(op) ? (op.method ?? '') : op.method,
    ...(op.bulkId !== undefined ? { bulkId: op.bulkId } : {}),
    status: String(error.status),
    response: errorMessage(error),
  };
}

/** Runs a BulkRequest body; throws (400/413) only when the request as a whole is unreadable. */
export async function executeBulk(ctx: RequestContext, body: unknown, limits: BulkLimits): Promise<BulkResponse> {
  const request = parseBulkRequest(body, ctx.registry.resourceTypes, limits.maxOperations);
  const { order, cyclic } = orderOperations(request.operations);
  const declared = new Set(
    request.operations.flatMap((op) => (!isRejected(op) && op.method === 'POST' && op.bulkId ? [op.bulkId] : [])),
  );
  const created = new Map<string, string>();
  const results = new Map<number, BulkOperationResult>();
  let errors = 0;

  const resolve = (bulkId: string): string => {
    const id = created.get(bulkId);
    if (id !== undefined) return id;
    if (!declared.has(bulkId))
      throw invalidValue(`bulkId ${JSON.stringify(bulkId)} is not declared by any POST in this request.`);
    throw conflict(`bulkId ${JSON.stringify(bulkId)} has no resource: the POST that declares it failed.`);
  };

  const runOne = async (index: number, inCycle: boolean): Promise<BulkOperationResult> => {
    const op = request.operations[index]!;
    if (isRejected(op)) return failure(op, op.error);
    let location: string | undefined;
    try {
      if (inCycle) {
        throw conflict(`Operations[${index}]: its bulkId references form a cycle, so it cannot be ordered.`);
      }
      for (const ref of op.references) resolve(ref);
      const id = op.id === undefined ? undefined : String(replaceReferences(op.id, resolve));
      if (id !== undefined) location = locationOf(ctx, { id, resourceType: op.resourceType });
      const outcome = await dispatch(ctx, {
        resourceType: op.resourceType,
        method: op.method,
        ...(id !== undefined ? { id } : {}),
        body: op.data === undefined ? undefined : replaceReferences(op.data, resolve),
        ...(op.version !== undefined ? { ifMatch: op.version } : {}),
        lean: true,
      });
      // Every Bulk method (POST, PUT, PATCH, DELETE) answers about one resource.
      const target = outcome.target!;
      if (op.method === 'POST' && op.bulkId !== undefined) created.set(op.bulkId, target.id);
      return {
        location: target.location,
        method: op.method,
        ...(op.bulkId !== undefined ? { bulkId: op.bulkId } : {}),
        ...(target.etag !== undefined ? { version: target.etag } : {}),
        status: String(outcome.status),
      };
    } catch (error) {
      if (error instanceof ScimError) return failure(op, error, location);
      ctx.log.error({ err: error, operation: index }, 'bulk operation failed');
      return failure(
        op,
        internal(`Internal server error in Operations[${index}] (request id ${ctx.requestId}).`),
        location,
      );
    }
  };

  const schedule = [...order.map((i) => [i, false] as const), ...cyclic.map((i) => [i, true] as const)];
  for (const [index, inCycle] of schedule) {
    if (request.failOnErrors !== undefined && errors >= request.failOnErrors) break;
    const result = await runOne(index, inCycle);
    if (Number(result.status) >= 400) errors++;
    results.set(index, result);
  }
  const Operations = [...results.entries()].sort(([a], [b]) => a - b).map(([, result]) => result);
  return { schemas: [URN.bulkResponse], Operations };
}
