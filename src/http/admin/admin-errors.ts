/**
 * Errors of the admin API: plain JSON `{"error": "<code>", "detail": "<what is wrong>"}` with
 * the HTTP status, not SCIM (docs/admin-api.md "Errors"). The tenancy use cases throw ScimErrors
 * (400, 404, 409); their status and detail carry over. Anything unexpected is a logged 500.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { toScimError } from '../errors.js';

/**
 * Every admin error code with its status: the catalogue docs/admin-api.md "Errors" lists row
 * for row (admin-errors.test.ts checks), as docs/errors.md does for the SCIM errors.
 */
export const ADMIN_ERROR_CATALOGUE = {
  bad_request: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  too_many_requests: 429,
  internal_error: 500,
} as const satisfies Record<string, number>;

export type AdminErrorCode = keyof typeof ADMIN_ERROR_CATALOGUE;

const CODES: ReadonlyMap<number, AdminErrorCode> = new Map(
  (Object.entries(ADMIN_ERROR_CATALOGUE) as [AdminErrorCode, number][]).map(([code, status]) => [status, code]),
);

/** The code an error status answers with; a status outside the catalogue falls back by class. */
export function adminErrorCode(status: number): AdminErrorCode {
  return CODES.get(status) ?? (status >= 500 ? 'internal_error' : 'bad_request');
}

export interface AdminErrorBody {
  readonly error: AdminErrorCode;
  readonly detail: string;
}

export function sendAdminError(reply: FastifyReply, status: number, detail: string): FastifyReply {
  const body: AdminErrorBody = { error: adminErrorCode(status), detail };
  return reply.code(status).header('Cache-Control', 'no-store').type('application/json; charset=utf-8').send(body);
}

export function handleAdminError(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const known = toScimError(error);
  if (known && known.status < 500) return sendAdminError(reply, known.status, known.detail);
  request.log.error({ err: error }, 'admin request failed');
  return sendAdminError(reply, 500, `Internal server error (request id ${request.id}).`);
}
