/**
 * Which row of the troubleshooting table explains a failed SCIM request of the provisioning
 * log: the console and the setup portal show that row next to the entry. The row is the very
 * object the guide's table renders (troubleshootingRows), so the two texts cannot drift. Pure.
 */
import type { GuideInput } from './model.js';
import { type TroubleshootingId, type TroubleshootingRow, troubleshootingRows } from './troubleshooting.js';

/** A row of the troubleshooting table: plain-language cause and fix of a failed request. */
export type Diagnosis = TroubleshootingRow;

/** What `diagnoseRequest` reads of a provisioning log entry (RequestLogEntry fits). */
export interface DiagnosedRequest {
  readonly status: number;
  readonly scimType: string | null;
  readonly method: string;
  /** Path and query as logged. */
  readonly path: string;
  /** The SCIM error message as logged (redacted, maybe truncated), or null. */
  readonly responseBody: string | null;
  /** Read from the entry but not needed: a request refused before authentication is a 401 either way. */
  readonly authenticated?: boolean;
}

/**
 * A GET of the Users or Groups collection with a filter: Entra's Test Connection
 * (`GET /Users?filter=userName eq "…"`). Answered 404, the URL does not lead to scimd's SCIM
 * root for the tenant; a 404 on `/Users/<id>` is an ordinary missing resource.
 */
const FILTERED_COLLECTION = /\/(?:Users|Groups)\/?\?(?:[^#]*&)?filter=/i;
/** scimd's 404 for a route it does not have (app.ts) and for an unknown tenant (tenants.ts). */
const NO_SUCH_ENDPOINT = /\bno such endpoint\b|\btenant\b.*\bnot found\b/i;
/**
 * scimd's size refusals: the body limit and Bulk's maxPayloadSize and maxOperations (413), and
 * the 400 invalidValue of an attribute value, a resource or a PATCH over its limit
 * (scim/resource/limits.ts, scim/patch/parse.ts).
 */
const TOO_LARGE =
  /\blarger than\b|\btoo large\b|\bmaxPayloadSize\b|\bmaxOperations\b|\bat most \d+ bytes\b|\bare accepted per request\b/i;
/** A detail about roles: roles.ts starts its refusals with `roles:`. */
const ABOUT_ROLES = /\broles?\b/i;

/** The `detail` of a logged SCIM error message; the raw text when it is not (or no longer) JSON. */
function detailOf(responseBody: string | null): string {
  if (responseBody === null) return '';
  try {
    const parsed: unknown = JSON.parse(responseBody);
    if (typeof parsed === 'object' && parsed !== null && 'detail' in parsed && typeof parsed.detail === 'string') {
      return parsed.detail;
    }
    return '';
  } catch {
    // Truncated bodies are not JSON any more (log-redaction.ts): their text still says what failed.
    return responseBody;
  }
}

function idFor(entry: DiagnosedRequest): TroubleshootingId | undefined {
  const { status, scimType } = entry;
  if (status < 400) return undefined;
  if (status === 401) return 'unauthorized';
  if (status === 429) return 'too-many-requests';
  if (status === 413) return 'too-large';
  if (status === 409 || scimType === 'uniqueness') return 'uniqueness';
  const detail = detailOf(entry.responseBody);
  if (status === 404) {
    const testConnection = entry.method.toUpperCase() === 'GET' && FILTERED_COLLECTION.test(entry.path);
    return testConnection || NO_SUCH_ENDPOINT.test(detail) ? 'wrong-tenant-url' : undefined;
  }
  // 431 (headers too large) is no group or attribute of the customer's: not this row.
  if (status !== 431 && TOO_LARGE.test(detail)) return 'too-large';
  if (status === 400 && scimType === 'invalidFilter') return 'invalid-filter';
  if (status === 400 && scimType === 'invalidValue') {
    return ABOUT_ROLES.test(detail) ? 'role-not-allowed' : 'invalid-value';
  }
  return undefined;
}

/**
 * The troubleshooting row that explains `entry`, a provisioning log entry, for the tenant of
 * `input`; undefined for a success or a failure the table does not cover.
 */
export function diagnoseRequest(entry: DiagnosedRequest, input: GuideInput): Diagnosis | undefined {
  const id = idFor(entry);
  return id === undefined ? undefined : troubleshootingRows(input).find((row) => row.id === id);
}
