/**
 * App role catalogue use cases, shared by the CLI and the admin HTTP API: declare, list,
 * update, disable/enable roles; narrow a tenant to some of them; export the Entra manifest's
 * `appRoles`. Bad input throws `badRequest`, an unknown role or tenant `notFound`, a taken value
 * or display name `conflict` (docs/roles.md).
 */
import { randomUUID } from 'node:crypto';
import { badRequest, conflict, isScimError, notFound } from '../scim/errors.js';
import type { AppRoleRecord, Store, TenantRecord } from '../store/store.js';
import { assignableRoles, checkRoleText, checkRoleValue, matchRole } from './roles.js';
import { getTenant } from './tenants.js';

export interface NewRoleInput {
  readonly value: string;
  readonly displayName: string;
  /** Defaults to the display name (Entra requires a description). */
  readonly description?: string | undefined;
}

export interface RoleChanges {
  readonly displayName?: string | undefined;
  readonly description?: string | undefined;
}

async function requireRole(store: Store, value: string): Promise<AppRoleRecord> {
  const role = await store.roles.getByValue(value);
  if (role === undefined) throw notFound(`app role ${JSON.stringify(value)} not found`);
  return role;
}

/** Display names are unique ignoring case too: roles are matched by them as a fallback. */
async function checkDisplayNameFree(store: Store, displayName: string, except?: string): Promise<void> {
  const clash = (await store.roles.list()).find(
    (r) => r.id !== except && r.displayName.toLowerCase() === displayName.toLowerCase(),
  );
  if (clash)
    throw conflict(
      `app role ${JSON.stringify(clash.value)} already has the display name ${JSON.stringify(displayName)}`,
    );
}

/** Declares a role with a fresh GUID (minted once, never changed). */
export async function addRole(store: Store, input: NewRoleInput, now: Date): Promise<AppRoleRecord> {
  const value = checkRoleValue(input.value);
  const displayName = checkRoleText('display name', input.displayName);
  const description = checkRoleText('description', input.description ?? displayName);
  const exists = () => conflict(`app role ${JSON.stringify(value)} already exists`);
  if ((await store.roles.getByValue(value)) !== undefined) throw exists();
  await checkDisplayNameFree(store, displayName);
  try {
    return await store.roles.create({
      id: randomUUID(),
      value,
      displayName,
      description,
      enabled: true,
      allowedMemberTypes: ['User'],
      created: now.toISOString(),
    });
  } catch (error) {
    // Lost a race with another process declaring the same value.
    if (isScimError(error) && error.status === 409) throw exists();
    throw error;
  }
}

/** Every declared role, enabled or not, in catalogue (manifest) order. */
export async function listRoles(store: Store): Promise<readonly AppRoleRecord[]> {
  return store.roles.list();
}

/** Changes a role's display name and/or description; its id and value never change. */
export async function updateRole(store: Store, value: string, changes: RoleChanges): Promise<AppRoleRecord> {
  const role = await requireRole(store, value);
  if (changes.displayName === undefined && changes.description === undefined) {
    throw badRequest('nothing to update: give a new display name and/or description');
  }
  const displayName =
    changes.displayName === undefined ? undefined : checkRoleText('display name', changes.displayName);
  const description = changes.description === undefined ? undefined : checkRoleText('description', changes.description);
  if (displayName !== undefined) await checkDisplayNameFree(store, displayName, role.id);
  const updated = await store.roles.update(role.value, {
    ...(displayName !== undefined ? { displayName } : {}),
    ...(description !== undefined ? { description } : {}),
  });
  if (updated === undefined) throw notFound(`app role ${JSON.stringify(value)} not found`);
  return updated;
}

/**
 * Enables or disables a role (idempotent). A disabled role stays in the manifest with
 * `isEnabled: false` (Microsoft requires that before a role is deleted) and is refused for new
 * assignments; users who hold it keep it.
 */
export async function setRoleEnabled(store: Store, value: string, enabled: boolean): Promise<AppRoleRecord> {
  const role = await requireRole(store, value);
  const updated = await store.roles.setEnabled(role.value, enabled);
  if (updated === undefined) throw notFound(`app role ${JSON.stringify(value)} not found`);
  return updated;
}

/**
 * Narrows the roles a tenant may assign to `values` (each a declared role, named by value or
 * display name ignoring case; stored as the canonical values), or allows every enabled role
 * again with null.
 */
export async function setTenantRoles(
  store: Store,
  slug: string,
  values: readonly string[] | null,
): Promise<TenantRecord> {
  const tenant = await getTenant(store, slug);
  let canonical: string[] | null = null;
  if (values !== null) {
    const roles = await store.roles.list();
    canonical = [];
    for (const text of values) {
      const role = matchRole(roles, text.trim());
      if (role === undefined) {
        const known =
          roles.length === 0 ? 'no app roles are declared yet' : `declared: ${roles.map((r) => r.value).join(', ')}`;
        throw badRequest(`unknown app role ${JSON.stringify(text)} (${known})`);
      }
      if (!canonical.includes(role.value)) canonical.push(role.value);
    }
  }
  const updated = await store.tenants.setAllowedRoles(tenant.id, canonical);
  if (updated === undefined) throw notFound(`tenant ${JSON.stringify(slug)} not found`);
  return updated;
}

/** The enabled roles a tenant may assign, in catalogue order (what its setup guide lists). */
export async function tenantAssignableRoles(store: Store, tenant: TenantRecord): Promise<readonly AppRoleRecord[]> {
  return assignableRoles(await store.forTenant(tenant.id).roleCatalogue());
}
