/**
 * The Host header as a source of URLs (issue #12.9). Without SCIMD_PUBLIC_URL, `meta.location`
 * and `Location` are built from the Host (or, behind a trusted proxy, X-Forwarded-Host) header,
 * which the client chooses freely. Only a syntactically valid `host[:port]` may go into a URL:
 * anything else (`a b`, `evil.example/#`) is refused with a 400 rather than replaced by a guess,
 * so a client never receives a URL the server did not mean.
 */
import { badRequest } from '../scim/errors.js';

const LABEL = '[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?';
// A DNS name or IPv4 address (optionally with the root dot), or an IPv6 literal in brackets;
// then an optional port of up to five digits.
const HOST = new RegExp(`^(?:${LABEL}(?:\\.${LABEL})*\\.?|\\[[0-9A-Fa-f:.]+\\])(?::(\\d{1,5}))?$`);

export function isValidHost(host: string | undefined): boolean {
  // An HTTP/1.0 request may carry no Host at all: nothing to build a URL from either.
  if (typeof host !== 'string') return false;
  const match = HOST.exec(host);
  if (!match) return false;
  return match[1] === undefined || Number(match[1]) <= 65535;
}

/** `<scheme>://<host>` for a request, or a 400 when either part cannot go into a URL. */
export function requestOrigin(protocol: string, host: string | undefined): string {
  if ((protocol !== 'http' && protocol !== 'https') || !isValidHost(host)) {
    throw badRequest(
      'The Host header is not a valid host[:port], so no URL can be built from it; send a plain host name, or have the operator set SCIMD_PUBLIC_URL.',
    );
  }
  return `${protocol}://${host}`;
}

function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(host);
}

/**
 * The warning `scimd serve` logs when it listens beyond loopback and derives URLs from Host
 * headers; undefined when there is nothing to warn about.
 */
export function publicUrlWarning(config: { readonly host: string; readonly publicUrl: string | undefined }) {
  if (config.publicUrl !== undefined || isLoopback(config.host)) return undefined;
  return `SCIMD_PUBLIC_URL is not set while listening on ${config.host}: meta.location and Location URLs are built from each request's Host header. Set SCIMD_PUBLIC_URL to the URL customers use.`;
}
