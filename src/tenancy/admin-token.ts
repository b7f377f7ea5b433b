/**
 * The admin API token (docs/guide.md "Admin token"): one high-entropy bearer token for the
 * operator, never stored by scimd. The operator keeps the token and puts only its SHA-256 in
 * the environment as `SCIMD_ADMIN_TOKEN_HASH=sha256:<hex>`; requests are checked by hashing the
 * presented token and comparing in constant time.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import { generateToken, TOKEN_PREFIX } from './tokens.js';

const ADMIN_TOKEN_PREFIX = 'scimd_admin_';

export interface GeneratedAdminToken {
  /** `scimd_admin_` + 43 base62 characters (256 random bits). Shown once. */
  readonly token: string;
  /** Lower-case hex SHA-256 of the token. */
  readonly hash: string;
  /** The line to put in the server's environment. */
  readonly environmentLine: string;
}

export function hashAdminToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** A fresh admin token from the system CSPRNG. */
export function generateAdminToken(): GeneratedAdminToken {
  const token = ADMIN_TOKEN_PREFIX + generateToken().token.slice(TOKEN_PREFIX.length);
  const hash = hashAdminToken(token);
  return { token, hash, environmentLine: `SCIMD_ADMIN_TOKEN_HASH=sha256:${hash}` };
}

/**
 * Whether `presented` hashes to `expectedHash` (hex, as in `Config.adminTokenHash`), compared
 * with `timingSafeEqual`. False for a missing token or a malformed expected hash.
 */
export function verifyAdminToken(presented: string | undefined, expectedHash: string): boolean {
  if (presented === undefined || presented === '') return false;
  const expected = Buffer.from(expectedHash, 'hex');
  const actual = Buffer.from(hashAdminToken(presented), 'hex');
  return expected.length === 32 && expected.length === actual.length && timingSafeEqual(expected, actual);
}
