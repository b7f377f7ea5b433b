/**
 * Label values of the SCIM request series, each from a small fixed set: the route template
 * (never the URL, which holds ids and slugs), the status class, and the identity provider a
 * User-Agent suggests.
 */

/** The route of requests that matched none (Fastify leaves the template undefined). */
export const UNMATCHED_ROUTE = 'unmatched';

/** `2xx`, `3xx`, `4xx` or `5xx`. */
export function statusClass(status: number): string {
  if (status < 200) return '1xx';
  if (status < 300) return '2xx';
  if (status < 400) return '3xx';
  if (status < 500) return '4xx';
  return '5xx';
}

/** Known HTTP methods keep their name; anything else (a client may send any token) is `other`. */
const METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS']);

export function methodLabel(method: string): string {
  return METHODS.has(method) ? method : 'other';
}

/** The template Fastify matched (`/t/:slug/scim/v2/Users/:id`), or `unmatched`. */
export function routeLabel(template: string | undefined): string {
  return template === undefined || template === '' ? UNMATCHED_ROUTE : template;
}

/** User-Agents remembered with their guess; clients choose the header, so the memory is bounded. */
const MAX_REMEMBERED_AGENTS = 256;

/**
 * `guess` (src/http/log-redaction.ts's guessIdentityProvider) remembered per User-Agent string,
 * `unknown` when it has none: an IdP sends the same header on every request, and the regular
 * expressions cost more than a Map lookup.
 */
export function identityProviderLabeler(guess: (userAgent: string | undefined) => string | null) {
  const remembered = new Map<string, string>();
  return (userAgent: string | undefined): string => {
    if (userAgent === undefined) return 'unknown';
    const known = remembered.get(userAgent);
    if (known !== undefined) return known;
    const label = guess(userAgent) ?? 'unknown';
    if (remembered.size >= MAX_REMEMBERED_AGENTS) remembered.clear();
    remembered.set(userAgent, label);
    return label;
  };
}
