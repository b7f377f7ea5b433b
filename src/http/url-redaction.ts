/**
 * Request URLs as logs may keep them (issue 12.8): the provisioning log's `path` and the URL of
 * Fastify's request log lines. A token pasted into a path segment or a query parameter, under a
 * secret name or looking like a random key, or compared by a filter naming a secret, is
 * replaced; the rest stays as sent. Pure functions that never throw.
 */
import { holdsSecretText, isSecretName, looksLikeSecret, REDACTED, redactFilter, redactText } from './log-redaction.js';

function decodeComponent(text: string, plusIsSpace: boolean): string | undefined {
  try {
    return decodeURIComponent(plusIsSpace ? text.replace(/\+/g, ' ') : text);
  } catch {
    return undefined;
  }
}

/** A path segment: whole when it is, or holds, a secret once decoded (`/Users/scimd_…`, `/Users/eyJ…`). */
function redactSegment(segment: string): string {
  // Without escapes a segment is its own decoding, and redactUrl's last step replaces any secret
  // text in it: only a random-looking word is left to find, and it needs 32 characters.
  if (!segment.includes('%')) return looksLikeSecret(segment) ? REDACTED : segment;
  const decoded = decodeComponent(segment, false) ?? segment;
  return looksLikeSecret(decoded) || holdsSecretText(decoded) ? REDACTED : segment;
}

/** A query parameter: its value goes when its name is secret or either looks like a secret. */
function redactParameter(parameter: string): string {
  const at = parameter.indexOf('=');
  const name = at === -1 ? parameter : parameter.slice(0, at);
  const value = at === -1 ? '' : parameter.slice(at + 1);
  const decodedName = decodeComponent(name, true) ?? name;
  if (looksLikeSecret(decodedName) || holdsSecretText(decodedName)) return REDACTED;
  if (at === -1) return parameter;
  const decoded = decodeComponent(value, true);
  if (isSecretName(decodedName) || looksLikeSecret(decoded ?? value)) return `${name}=${REDACTED}`;
  const text = redactText(value);
  // An encoded secret (`scimd%5F…`) or a filter naming a secret: redacted decoded, encoded again.
  const plain = decodeComponent(text, true);
  if (plain === undefined) return `${name}=${text}`;
  const redacted = redactFilter(redactText(plain));
  return `${name}=${redacted === plain ? text : encodeURIComponent(redacted)}`;
}

/**
 * A request URL as logs may keep it: path segments and query parameters that are or hold
 * secrets replaced, secret-named parameters emptied, filters naming a secret without their
 * values, and any secret text left redacted.
 */
export function redactUrl(url: string): string {
  try {
    const q = url.indexOf('?');
    const path = (q === -1 ? url : url.slice(0, q)).split('/').map(redactSegment).join('/');
    const query =
      q === -1
        ? ''
        : `?${url
            .slice(q + 1)
            .split('&')
            .map(redactParameter)
            .join('&')}`;
    return redactText(path + query);
  } catch {
    return REDACTED;
  }
}

/** What Fastify's request log lines say of a request: its URL redacted (issue 12.8). */
export function serializeRequestForLog(request: {
  method?: string;
  url?: string;
  host?: string;
  ip?: string;
  socket?: { remotePort?: number | undefined } | null;
}): Record<string, unknown> {
  return {
    method: request.method,
    url: typeof request.url === 'string' ? redactUrl(request.url) : undefined,
    host: request.host,
    remoteAddress: request.ip,
    remotePort: request.socket?.remotePort,
  };
}
