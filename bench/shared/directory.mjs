/**
 * The benchmark directory: the same users and groups for every system, generated from an index
 * so nothing has to be stored or shipped. Plain JavaScript (no TypeScript) because the peer
 * servers import it too, and they run on bare Node.
 *
 * At size N there are N users (`user<i>@bench.example`, i in [0, N)), SPARE_USERS spare users
 * that belong to no group (the add/remove-member workloads add and remove them), and three sets
 * of groups whose members are contiguous ranges of users:
 * - `g10`: min(1000, N/10) groups of 10 members;
 * - `g1k`: min(20, N/1000) groups of 1,000 members;
 * - `g100k`: one group of 100,000 members when N >= 100,000.
 * A user therefore belongs to at most three groups.
 */

export const TENANT_SLUG = 'bench';
export const CORE_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const CORE_GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const ENTERPRISE_USER = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';
export const LIST_RESPONSE = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

/** Users outside every group, added to and removed from groups by the membership workloads. */
export const SPARE_USERS = 50;

/** Seeded resources are created 1 ms apart from this instant, in index order. */
export const EPOCH_MS = Date.parse('2025-01-01T00:00:00.000Z');

/** @typedef {'g10' | 'g1k' | 'g100k'} GroupSet */

/** @type {readonly GroupSet[]} */
export const GROUP_SETS = ['g10', 'g1k', 'g100k'];

/** Members per group of each set. */
export const GROUP_SIZE = { g10: 10, g1k: 1000, g100k: 100000 };

/** How many groups of each set exist at `size` users. */
export function groupCount(set, size) {
  if (set === 'g10') return Math.min(1000, Math.floor(size / 10));
  if (set === 'g1k') return Math.min(20, Math.floor(size / 1000));
  return size >= 100000 ? 1 : 0;
}

/** The member range [start, end) of group `k` of `set`. */
export function memberRange(set, k) {
  const n = GROUP_SIZE[set];
  return set === 'g100k' ? [0, n] : [k * n, (k + 1) * n];
}

export function groupName(set, k) {
  return `${set}-${k}`;
}

function uuidFrom(prefix, n) {
  return `00000000-0000-4000-${prefix}-${n.toString(16).padStart(12, '0')}`;
}

/** Deterministic ids, shaped like UUIDs, for systems seeded directly (not over HTTP). */
export function userId(i) {
  return uuidFrom('8000', i);
}

export function spareId(j) {
  return uuidFrom('9000', j);
}

const SET_PREFIX = { g10: 'a010', g1k: 'a100', g100k: 'a999' };

export function groupId(set, k) {
  return uuidFrom(SET_PREFIX[set], k);
}

export function userName(i) {
  return `user${i}@bench.example`;
}

export function spareUserName(j) {
  return `spare${j}@bench.example`;
}

/** A unique, non-indexed attribute value: the non-indexed filter workload looks one up. */
export function title(i) {
  return `Title ${i}`;
}

/**
 * The SCIM body of user `i` as an Entra-provisioned user looks (RFC 7643 §4.1 plus the
 * enterprise extension), without id and meta. `name` overrides userName (spares, POSTs).
 */
export function userBody(i, name = userName(i)) {
  return {
    schemas: [CORE_USER, ENTERPRISE_USER],
    userName: name,
    externalId: `ext-${name}`,
    name: { givenName: `Given${i}`, familyName: `Family${i}`, formatted: `Given${i} Family${i}` },
    displayName: `Given${i} Family${i}`,
    title: title(i),
    active: true,
    emails: [{ value: name, type: 'work', primary: true }],
    [ENTERPRISE_USER]: { employeeNumber: String(i), department: `Dept ${i % 50}` },
  };
}

export function groupBody(set, k) {
  return { schemas: [CORE_GROUP], displayName: groupName(set, k) };
}

/** ISO timestamp of the `n`-th seeded resource. */
export function seededAt(n) {
  return new Date(EPOCH_MS + n).toISOString();
}
