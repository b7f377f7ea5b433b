/**
 * Bearer tokens: generation, hashing and a cheap shape check.
 *
 * A token is `scimd_` followed by 43 base62 characters encoding 32 random bytes (256 bits).
 * Base62 keeps the token one "word" (a double-click selects all of it) and safe in any header
 * or config file. The prefix makes leaked tokens recognisable to secret scanners. Only the hex
 * SHA-256 of the whole token is stored; a fast unsalted hash is right here because the input
 * has full entropy (nothing to brute-force), and it allows an indexed lookup by hash.
 */
import { createHash, randomBytes } from 'node:crypto';

export const TOKEN_PREFIX = 'scimd_';

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const SECRET_BYTES = 32;
/** ceil(256 / log2(62)): every 32-byte value fits in 43 base62 digits. */
const TOKEN_SECRET_LENGTH = 43;
const TOKEN_PATTERN = new RegExp(`^${TOKEN_PREFIX}[0-9A-Za-z]{${TOKEN_SECRET_LENGTH}}$`);

export interface GeneratedToken {
  /** The plaintext token: shown once, never stored. */
  readonly token: string;
  /** `hashToken(token)`. */
  readonly hash: string;
  /** `tokenHint(token)`. */
  readonly hint: string;
}

/** Encodes bytes as a fixed-width base62 number (left-padded with "0"). */
function toBase62(bytes: Uint8Array, width: number): string {
  let n = BigInt(`0x${Buffer.from(bytes).toString('hex')}`);
  let out = '';
  while (n > 0n) {
    out = ALPHABET[Number(n % 62n)] + out;
    n /= 62n;
  }
  return out.padStart(width, '0');
}

/** A fresh token from the system CSPRNG, with its hash and display hint. */
export function generateToken(): GeneratedToken {
  const token = TOKEN_PREFIX + toBase62(randomBytes(SECRET_BYTES), TOKEN_SECRET_LENGTH);
  return { token, hash: hashToken(token), hint: tokenHint(token) };
}

/** Lower-case hex SHA-256 of the whole token (prefix included), as stored in `TokenRecord.hash`. */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** What lists show instead of the token: the prefix and the last four characters, `scimd_…a1b2`. */
export function tokenHint(token: string): string {
  return `${TOKEN_PREFIX}…${token.slice(-4)}`;
}

/**
 * True when `s` has the exact shape of a scimd token (prefix, base62 alphabet, length).
 * Used to reject garbage before touching the database; says nothing about validity.
 */
export function looksLikeToken(s: string): boolean {
  return TOKEN_PATTERN.test(s);
}
