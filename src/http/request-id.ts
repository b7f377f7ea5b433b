/**
 * The request id of every log line, the provisioning log and the `X-Request-Id` response
 * header. A caller's `X-Request-Id` is kept when it is short and plainly not a credential (a
 * client that sends its token there must not get it written to every log line, issue 12.8);
 * otherwise scimd mints a UUID.
 */
import { randomUUID } from 'node:crypto';
import { redactText } from './log-redaction.js';

export const MAX_REQUEST_ID_LENGTH = 64;

const REQUEST_ID = /^[A-Za-z0-9._:-]+$/;

/**
 * Runs of 20 or more letters and digits that mix upper case, lower case and digits: random
 * keys look like that (scimd's own tokens are 43 such characters), while UUIDs, ULIDs and
 * readable ids lack a class or a run that long.
 */
const MIXED_RUN = /[A-Za-z0-9]{20,}/g;

function holdsRandomLookingRun(id: string): boolean {
  for (const [run] of id.matchAll(MIXED_RUN)) {
    if (/[A-Z]/.test(run) && /[a-z]/.test(run) && /[0-9]/.test(run)) return true;
  }
  return false;
}

/** Whether an incoming request id may be logged as it is. */
export function isSafeRequestId(id: string): boolean {
  return (
    id.length > 0 &&
    id.length <= MAX_REQUEST_ID_LENGTH &&
    REQUEST_ID.test(id) &&
    redactText(id) === id &&
    !holdsRandomLookingRun(id)
  );
}

/** Keeps a caller's X-Request-Id when it is safe to log, otherwise mints one (Fastify's genReqId). */
export function requestId(request: { headers: Record<string, string | string[] | undefined> }): string {
  const given = request.headers['x-request-id'];
  return typeof given === 'string' && isSafeRequestId(given) ? given : randomUUID();
}
