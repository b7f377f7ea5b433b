/**
 * SCIM errors for what Node's HTTP parser and Fastify's router refuse before any scimd hook or
 * route runs: a path that is not valid percent-encoding, a path parameter longer than the router
 * takes, a request line or header the parser refuses (a NUL in a header, headers too large, a
 * timeout), and an `Expect` other than `100-continue`. Their defaults answer in Fastify's own
 * JSON (or, for `Expect`, with an empty body), which a SCIM client cannot read; and two of
 * them echo the path, which may hold a credential. Found by the HTTP fuzz suite.
 */
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import {
  badRequest,
  expectationFailed,
  headersTooLarge,
  notFound,
  requestTimeout,
  type ScimError,
} from '../scim/errors.js';
import { errorMessage } from '../scim/messages.js';
import { SCIM_CONTENT_TYPE, sendScimError } from './errors.js';

/** Fastify's router refuses longer path parameters; scimd's own ids are 36 characters. */
export const MAX_PATH_PARAMETER_LENGTH = 100;

/** Fastify's `frameworkErrors`: errors of routing, before the request has a route. */
export function frameworkErrors(error: FastifyError, _request: FastifyRequest, reply: FastifyReply): void {
  switch (error.code) {
    case 'FST_ERR_MAX_PARAM_LENGTH':
      // Only an id can be that long (slugs stop at 63 characters); no resource has such an id.
      sendScimError(reply, notFound(`No resource has an id longer than ${MAX_PATH_PARAMETER_LENGTH} characters.`));
      return;
    case 'FST_ERR_BAD_URL':
      sendScimError(reply, badRequest('The request path is not valid percent-encoded UTF-8.'));
      return;
    default:
      sendScimError(reply, badRequest('The request could not be routed.'));
  }
}

/** The raw HTTP/1.1 text of a SCIM error that closes the connection. */
function rawErrorResponse(error: ScimError, reason: string): string {
  const body = JSON.stringify(errorMessage(error));
  return [
    `HTTP/1.1 ${error.status} ${reason}`,
    `Content-Type: ${SCIM_CONTENT_TYPE}`,
    `Content-Length: ${Buffer.byteLength(body)}`,
    'Connection: close',
    '',
    body,
  ].join('\r\n');
}

export const REQUEST_TIMEOUT_RESPONSE = rawErrorResponse(
  requestTimeout('The request did not arrive in time; the connection is closed.'),
  'Request Timeout',
);

/** Fastify's `clientErrorHandler`: Node's parser refused the request (or it timed out). */
export function clientErrorHandler(error: NodeJS.ErrnoException, socket: Socket): void {
  // A reset connection has nobody to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  let answer: string;
  if (error.code === 'ERR_HTTP_REQUEST_TIMEOUT') answer = REQUEST_TIMEOUT_RESPONSE;
  else if (error.code === 'HPE_HEADER_OVERFLOW') {
    answer = rawErrorResponse(
      headersTooLarge('The request headers are larger than the server accepts.'),
      'Request Header Fields Too Large',
    );
  } else {
    answer = rawErrorResponse(badRequest('The request is not well-formed HTTP/1.1.'), 'Bad Request');
  }
  if (socket.writable) socket.write(answer);
  socket.destroy();
}

/**
 * Node answers an `Expect` other than `100-continue` itself with an empty 417 unless the server
 * listens for it (RFC 9110 §10.1.1 allows the 417); this gives it a SCIM body.
 */
export function answerUnsupportedExpectations(server: Server): void {
  const body = JSON.stringify(errorMessage(expectationFailed('Only "Expect: 100-continue" is supported.')));
  server.on('checkExpectation', (_request, response) => {
    response.writeHead(417, {
      'Content-Type': SCIM_CONTENT_TYPE,
      'Content-Length': Buffer.byteLength(body),
      Connection: 'close',
    });
    response.end(body);
  });
}
