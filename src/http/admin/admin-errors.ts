/**
 * Errors of the admin API: plain JSON `{"error": "<code>", "detail": "<what is wrong>"}` with
 * the HTTP status, not SCIM (docs/guide.md "Admin API"). The tenancy use cases throw ScimErrors
 * (400, 404, 409); their status and detail carry over. Anything unexpected is a logged 500.
 */
import type { FastifyReply, FastifyRequest } from 'fastify';
import { toScimError } from '../errors.js';

const CODES: Record<number, string> = {
  400: 'bad_request',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  429: 'too_many_requests',
  500: 'internal_error',
};

export interface AdminErrorBody {
  readonly error: string;
  readonly detail: string;
}

export function sendAdminError(reply: FastifyReply, status: number, detail: string): FastifyReply {
  const body: AdminErrorBody = { error: CODES[status] ?? (status >= 500 ? 'internal_error' : 'bad_request'), detail };
  return reply.code(status).header('Cache-Control', 'no-store').type('application/json; charset=utf-8').send(body);
}

export function handleAdminError(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const known = toScimError(error);
  if (known && known.status < 500) return sendAdminError(reply, known.status, known.detail);
  request.log.error({ err: error }, 'admin request failed');
  return sendAdminError(reply, 500, `Internal server error (request id ${request.id}).`);
}
