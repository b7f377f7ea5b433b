/**
 * The tenant selector of the log and feed pages: `?tenant=<slug>`, else the first tenant.
 * An unknown slug is a 404 page (getTenant), not a silent switch to another tenant.
 */
import type { FastifyRequest } from 'fastify';
import type { Store, TenantRecord } from '../store/store.js';
import { getTenant, listTenants } from '../tenancy/tenants.js';

export interface TenantChoice {
  /** Every tenant, for the <select>. */
  readonly tenants: readonly TenantRecord[];
  /** The chosen one; undefined only when there is no tenant at all. */
  readonly tenant: TenantRecord | undefined;
}

/** A query parameter as one trimmed string; '' when absent or repeated. */
export function queryText(request: FastifyRequest, name: string): string {
  const value = (request.query as Record<string, unknown>)[name];
  return typeof value === 'string' ? value.trim() : '';
}

export async function chooseTenant(store: Store, request: FastifyRequest): Promise<TenantChoice> {
  const tenants = await listTenants(store);
  const slug = queryText(request, 'tenant');
  const tenant = slug === '' ? tenants[0] : await getTenant(store, slug);
  return { tenants, tenant };
}
