/**
 * Checks the parts of a SCIM request that never pass through body validation: the path, the
 * query string and the headers (issue #12.1, #12.2). PostgreSQL cannot store or even compare the
 * NUL character (`invalid byte sequence for encoding "UTF8": 0x00`), so a NUL must be refused
 * before anything reaches the database; and a query parameter given twice arrives as an array,
 * which no SCIM parameter accepts.
 *
 * Runs as a preValidation hook, i.e. after authentication: strangers still get the plain 401.
 */
import type { FastifyRequest } from 'fastify';
import { badRequest, invalidCursor, invalidFilter, invalidValue, notFound, type ScimError } from '../scim/errors.js';

/** The SCIM query parameters (RFC 7644 §3.4.2, §3.9; RFC 9865 `cursor`): one string each. */
const SCIM_PARAMETERS = [
  'filter',
  'sortBy',
  'sortOrder',
  'startIndex',
  'count',
  'attributes',
  'excludedAttributes',
  'cursor',
] as const;

/** Each parameter's error: a bad filter is invalidFilter, a bad cursor invalidCursor (RFC 9865). */
function parameterError(name: string, detail: string): ScimError {
  if (name === 'filter') return invalidFilter(detail);
  if (name === 'cursor') return invalidCursor(detail);
  return invalidValue(detail);
}

const hasNul = (text: string) => text.includes('\u0000');

function checkPath(request: FastifyRequest): void {
  // The decoded path: `%00` in any segment. No tenant, resource or endpoint has a NUL in its
  // name, so this is the 404 an unknown id gets (the tenant part was settled by authentication).
  let path: string;
  try {
    path = decodeURIComponent(request.url.split('?')[0] ?? '');
  } catch {
    return; // a malformed escape is the router's business (it answers 400)
  }
  if (hasNul(path)) throw notFound('No resource has an id containing the NUL character.');
}

function checkQuery(request: FastifyRequest): void {
  const query = (request.query ?? {}) as Record<string, unknown>;
  for (const [name, value] of Object.entries(query)) {
    const shown = JSON.stringify(name);
    if (hasNul(name)) throw invalidValue(`The query parameter ${shown} must not contain the NUL character.`);
    const values = Array.isArray(value) ? value : [value];
    if (values.some((v) => typeof v === 'string' && hasNul(v))) {
      throw parameterError(name, `The query parameter ${shown} must not contain the NUL character.`);
    }
    if (Array.isArray(value) && (SCIM_PARAMETERS as readonly string[]).includes(name)) {
      throw parameterError(name, `The query parameter ${shown} is given ${value.length} times; give it once.`);
    }
  }
}

function checkHeaders(request: FastifyRequest): void {
  // Node's HTTP parser already refuses a raw NUL in a header; this catches what other transports
  // (and app.inject) let through before it can reach an ETag comparison or a log row.
  for (const [name, value] of Object.entries(request.headers)) {
    const values = Array.isArray(value) ? value : [value];
    if (values.some((v) => typeof v === 'string' && hasNul(v))) {
      throw badRequest(`The request header ${JSON.stringify(name)} must not contain the NUL character.`);
    }
  }
}

/** Throws the SCIM error for the first problem found in path, query or headers. */
export function guardRequest(request: FastifyRequest): void {
  checkPath(request);
  checkQuery(request);
  checkHeaders(request);
}
