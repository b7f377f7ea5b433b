/**
 * Admin credentials created from the console or the admin API (docs/console.md): durable admin
 * tokens beside the one whose hash is `SCIMD_ADMIN_TOKEN_HASH`, each labelled and revocable.
 * Only the SHA-256 of a token is stored; `verifyAdminPresented` accepts either kind.
 */
import { randomUUID, timingSafeEqual } from 'node:crypto';
import { notFound } from '../scim/errors.js';
import type { AdminCredentialRecord } from '../store/console-port.js';
import type { Store } from '../store/store.js';
import { generateAdminToken, hashAdminToken, verifyAdminToken } from './admin-token.js';
import { checkText, MAX_LABEL_LENGTH } from './tenants.js';

const ADMIN_TOKEN_PATTERN = /^scimd_admin_[0-9A-Za-z]{43}$/;

export interface CreatedAdminCredential {
  /** The plaintext admin token: shown once. */
  readonly token: string;
  readonly record: AdminCredentialRecord;
}

export type AdminVerification =
  | {
      readonly ok: true;
      /** `environment` for SCIMD_ADMIN_TOKEN_HASH, else the credential's label. */
      readonly who: string;
      readonly credentialId: string | null;
    }
  | { readonly ok: false };

/** A credential as lists show it (CLI `--json`, admin API): never the token or its hash. */
export interface AdminCredentialView {
  readonly id: string;
  readonly label: string;
  readonly hint: string;
  readonly status: 'active' | 'revoked';
  readonly created: string;
  readonly revokedAt: string | null;
  readonly lastUsedAt: string | null;
}

export function viewAdminCredential(credential: AdminCredentialRecord): AdminCredentialView {
  return {
    id: credential.id,
    label: credential.label,
    hint: credential.hint,
    status: credential.revokedAt === null ? 'active' : 'revoked',
    created: credential.created,
    revokedAt: credential.revokedAt,
    lastUsedAt: credential.lastUsedAt,
  };
}

/** Creates a labelled admin credential; the token is returned once. */
export async function createAdminCredential(store: Store, label: string, now: Date): Promise<CreatedAdminCredential> {
  const checked = checkText('credential label', label, MAX_LABEL_LENGTH);
  const { token, hash } = generateAdminToken();
  const record = await store.console.adminCredentials.insert({
    id: randomUUID(),
    label: checked,
    hash,
    hint: `scimd_admin_…${token.slice(-4)}`,
    created: now.toISOString(),
    revokedAt: null,
    lastUsedAt: null,
  });
  return { token, record };
}

/** Every stored admin credential, oldest first (revoked ones included). */
export function listAdminCredentials(store: Store): Promise<readonly AdminCredentialRecord[]> {
  return store.console.adminCredentials.list();
}

/** Revokes a credential (idempotent); `notFound` for an unknown id. */
export async function revokeAdminCredential(store: Store, id: string, now: Date): Promise<AdminCredentialRecord> {
  const revoked = await store.console.adminCredentials.revoke(id, now.toISOString());
  if (revoked === undefined) throw notFound(`admin credential ${JSON.stringify(id)} not found`);
  return revoked;
}

/**
 * Whether `presented` is an admin token: the one hashed in the environment (`environmentHash`,
 * hex, as in `Config.adminTokenHash`) or an unrevoked stored credential, whose use is recorded.
 */
export async function verifyAdminPresented(
  store: Store,
  presented: string | undefined,
  environmentHash: string | undefined,
  now: Date,
): Promise<AdminVerification> {
  if (presented === undefined || presented === '') return { ok: false };
  if (environmentHash !== undefined && verifyAdminToken(presented, environmentHash)) {
    return { ok: true, who: 'environment', credentialId: null };
  }
  if (!ADMIN_TOKEN_PATTERN.test(presented)) return { ok: false };
  const hash = hashAdminToken(presented);
  const credential = await store.console.adminCredentials.findByHash(hash);
  if (credential === undefined || credential.revokedAt !== null) return { ok: false };
  // The lookup is by index; compare the stored hash too, in constant time.
  const expected = Buffer.from(credential.hash, 'hex');
  const actual = Buffer.from(hash, 'hex');
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return { ok: false };
  await store.console.adminCredentials.touch(credential.id, now.toISOString());
  return { ok: true, who: credential.label, credentialId: credential.id };
}
