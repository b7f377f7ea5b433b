/**
 * What every answer to a fuzz request must satisfy: an answer at all (within the per-request
 * deadline), never a 5xx, and every error a SCIM Error whose `status` is the HTTP status.
 * Returns the reason an answer breaks a rule, or undefined.
 */
import type { RawResponse } from './raw-http.js';

export const SCIM_ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';

export function violation(method: string, response: RawResponse): string | undefined {
  if (response.timedOut) return 'no answer within the per-request deadline';
  if (response.status === 0) return 'the connection closed without an answer';
  if (response.status >= 500) return `a ${response.status}: ${response.body.slice(0, 300)}`;
  if (response.status < 400 || method === 'HEAD') return undefined;
  let body: { schemas?: unknown; status?: unknown };
  try {
    body = JSON.parse(response.body) as typeof body;
  } catch {
    return `a ${response.status} whose body is not JSON: ${JSON.stringify(response.body.slice(0, 300))}`;
  }
  if (!Array.isArray(body.schemas) || !body.schemas.includes(SCIM_ERROR)) {
    return `a ${response.status} whose body is not a SCIM Error: ${response.body.slice(0, 300)}`;
  }
  if (body.status !== String(response.status)) {
    return `a ${response.status} whose SCIM Error says status ${JSON.stringify(body.status)}`;
  }
  return undefined;
}
