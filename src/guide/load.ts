/**
 * Gathers a tenant's guide input from the store: the tenant, the enabled roles it may assign
 * (with their manifest entries) and the tenant's SCIM URL. Shared by `scimd guide`,
 * `scimd tokens issue --with-guide` and the admin API.
 */
import type { Store } from '../store/store.js';
import { manifestAppRoles } from '../tenancy/manifest.js';
import { tenantAssignableRoles } from '../tenancy/role-catalogue.js';
import { getTenant, scimUrlFor } from '../tenancy/tenants.js';
import type { GuideInput } from './model.js';

export interface GuideOptions {
  /** Public base URL of scimd, e.g. `https://scim.example.com`. */
  readonly baseUrl: string;
  readonly token?: string | undefined;
  readonly entraClientIdTest?: string | undefined;
  readonly entraClientIdProd?: string | undefined;
}

/** Throws `notFound` for an unknown slug (like every tenancy use case). */
export async function loadGuideInput(store: Store, slug: string, options: GuideOptions): Promise<GuideInput> {
  const tenant = await getTenant(store, slug);
  const roles = await tenantAssignableRoles(store, tenant);
  return {
    tenant: { slug: tenant.slug, name: tenant.name },
    scimUrl: scimUrlFor(options.baseUrl, tenant.slug),
    ...(options.token !== undefined ? { token: options.token } : {}),
    roles: roles.map((r) => ({ value: r.value, displayName: r.displayName, description: r.description })),
    manifest: manifestAppRoles(roles),
    ...(options.entraClientIdTest !== undefined ? { entraClientIdTest: options.entraClientIdTest } : {}),
    ...(options.entraClientIdProd !== undefined ? { entraClientIdProd: options.entraClientIdProd } : {}),
  };
}
