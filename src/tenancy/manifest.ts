/**
 * The app role catalogue as the `appRoles` array of an Entra app manifest
 * (https://learn.microsoft.com/entra/identity-platform/reference-app-manifest): what
 * `scimd roles manifest` prints and the setup guide embeds, so the app registration and scimd
 * never drift. Pure.
 */
import type { AppRoleRecord } from '../store/store.js';

/** One `appRoles` entry, keys in the manifest's order. */
export interface ManifestAppRole {
  readonly allowedMemberTypes: readonly string[];
  readonly description: string;
  readonly displayName: string;
  readonly id: string;
  readonly isEnabled: boolean;
  readonly value: string;
}

/**
 * The `appRoles` entries for `roles`, in the given order: disabled roles stay, with
 * `isEnabled: false` (Microsoft requires that before a role is deleted).
 */
export function manifestAppRoles(roles: readonly AppRoleRecord[]): ManifestAppRole[] {
  return roles.map((r) => ({
    allowedMemberTypes: [...r.allowedMemberTypes],
    description: r.description,
    displayName: r.displayName,
    id: r.id,
    isEnabled: r.enabled,
    value: r.value,
  }));
}

/** The manifest array pretty-printed as Entra shows it (two-space indent), without a newline. */
export function formatManifest(roles: readonly AppRoleRecord[]): string {
  return JSON.stringify(manifestAppRoles(roles), null, 2);
}
