/**
 * Maps anything thrown while serving a request to a SCIM Error response (RFC 7644 §3.12).
 * Fastify's own client errors (bad JSON, oversize body, unknown media type) become the
 * matching SCIM error; anything unexpected becomes a 500 whose cause is logged, never echoed.
 */
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { internal, invalidSyntax, payloadTooLarge, ScimError, unsupportedMediaType } from '../scim/errors.js';
import { errorMessage } from '../scim/messages.js';
import { drainBody, drainLimit } from './body-drain.js';

export const SCIM_CONTENT_TYPE = 'application/scim+json; charset=utf-8';

function fromFastify(error: FastifyError): ScimError | undefined {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return payloadTooLarge('The request body is larger than the server accepts (SCIMD_MAX_BODY_BYTES).');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return unsupportedMediaType('Send the body as application/scim+json or application/json.');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return invalidSyntax('The request body is empty or its length is wrong.');
    default:
      if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
        return new ScimError(error.statusCode, error.message);
      }
      return undefined;
  }
}

export function toScimError(error: unknown): ScimError | undefined {
  if (error instanceof ScimError) return error;
  if (error instanceof Error && 'code' in error) return fromFastify(error as FastifyError);
  return undefined;
}

/**
 * The scimType of the SCIM error a reply sent, kept on the reply by sendScimError so that the
 * provisioning log is told it rather than reading it back out of the response text.
 */
const SENT_SCIM_TYPE = Symbol('sentScimType');
type WithScimType = FastifyReply & { [SENT_SCIM_TYPE]?: string | null };

/** The scimType of the error `reply` sent: null for none, undefined when it sent no SCIM error. */
export function sentScimType(reply: FastifyReply): string | null | undefined {
  return (reply as WithScimType)[SENT_SCIM_TYPE];
}

export function sendScimError(reply: FastifyReply, error: ScimError): FastifyReply {
  (reply as WithScimType)[SENT_SCIM_TYPE] = error.scimType ?? null;
  return reply.code(error.status).headers(error.headers).type(SCIM_CONTENT_TYPE).send(errorMessage(error));
}

/** Whether `error` is Fastify's refusal of a body over the route's limit. */
export function isBodyTooLarge(error: unknown): boolean {
  return error instanceof Error && (error as FastifyError).code === 'FST_ERR_CTP_BODY_TOO_LARGE';
}

/**
 * Sends a SCIM error; for an oversize body, only once the rest of the body has been read and
 * discarded (src/http/body-drain.ts), so the client is not reset before it reads the 413.
 */
export async function handleError(error: unknown, request: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  if (isBodyTooLarge(error)) await drainBody(request, drainLimit(request));
  return sendError(error, request, reply);
}

function sendError(error: unknown, request: FastifyRequest, reply: FastifyReply): FastifyReply {
  const scimError = toScimError(error);
  if (scimError) {
    if (scimError.status >= 500) request.log.error({ err: error }, 'request failed');
    return sendScimError(reply, scimError);
  }
  request.log.error({ err: error }, 'unexpected error');
  return sendScimError(reply, internal(`Internal server error (request id ${request.id}).`));
}
