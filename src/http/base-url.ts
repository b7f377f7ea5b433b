/**
 * Where scimd's URLs start (issue #14.4): the one place that turns SCIMD_PUBLIC_URL, or else
 * the scheme and Host header of the request, into the SCIM base URL (`meta.location`,
 * `Location`, the admin API's `scimUrl`, the setup guide). The Host header is only used once
 * host-header.ts has accepted it, so a client never receives a URL the server did not mean.
 */
import type { FastifyRequest } from 'fastify';
import { scimUrlFor } from '../tenancy/tenants.js';
import { requestOrigin } from './host-header.js';

type RequestLine = Pick<FastifyRequest, 'protocol' | 'host'>;

/** `SCIMD_PUBLIC_URL`, else `<scheme>://<host>` of the request; a 400 for a Host that is no host. */
export function publicOrigin(publicUrl: string | undefined, request: RequestLine): string {
  return publicUrl ?? requestOrigin(request.protocol, request.host);
}

/**
 * The SCIM base URL of a request: `<origin>/t/<slug>/scim/v2` for a tenant (the shape
 * `scimUrlFor` gives the CLI too), `<origin>/scim/v2` for the single-tenant mount.
 */
export function scimBaseUrl(publicUrl: string | undefined, request: RequestLine, slug?: string): string {
  const origin = publicOrigin(publicUrl, request);
  return slug === undefined ? `${origin.replace(/\/+$/, '')}/scim/v2` : scimUrlFor(origin, encodeURIComponent(slug));
}
