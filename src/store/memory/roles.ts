/**
 * The memory store's app role catalogue: one Map keyed by the folded value, shared by every
 * tenant (the catalogue belongs to the app). Callers serialise access through the store's mutex.
 */
import { conflict } from '../../scim/errors.js';
import { normalizeTimestamp } from '../project-columns.js';
import type { AppRoleRecord, RoleRepository } from '../store.js';

/** Runs `fn` under the store's mutex. */
type Locked = <T>(fn: () => T | Promise<T>) => Promise<T>;

/** Callers get their own copy, as from a database. */
function copyRole(role: AppRoleRecord): AppRoleRecord {
  return { ...role, allowedMemberTypes: [...role.allowedMemberTypes] };
}

/** Creation order, then value: the order the SQL stores use too. */
function compareRoles(a: AppRoleRecord, b: AppRoleRecord): number {
  if (a.created !== b.created) return a.created < b.created ? -1 : 1;
  const x = a.value.toLowerCase();
  const y = b.value.toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
}

interface MemoryRoles {
  readonly repository: RoleRepository;
  /** Every role in catalogue order; call under the mutex. */
  list(): AppRoleRecord[];
}

export function createMemoryRoles(locked: Locked): MemoryRoles {
  /** Folded value → role. */
  const roles = new Map<string, AppRoleRecord>();

  const list = () => [...roles.values()].sort(compareRoles).map(copyRole);

  function change(value: string, patch: Partial<AppRoleRecord>): AppRoleRecord | undefined {
    const key = value.toLowerCase();
    const role = roles.get(key);
    if (!role) return undefined;
    const updated = { ...role, ...patch };
    roles.set(key, updated);
    return copyRole(updated);
  }

  return {
    list,
    repository: {
      create: (role) =>
        locked(() => {
          const key = role.value.toLowerCase();
          if (roles.has(key)) throw conflict(`app role ${JSON.stringify(role.value)} already exists`);
          for (const r of roles.values()) {
            if (r.id === role.id) throw conflict(`app role id ${JSON.stringify(role.id)} already exists`);
          }
          const record = copyRole({ ...role, created: normalizeTimestamp(role.created) });
          roles.set(key, record);
          return copyRole(record);
        }),
      list: () => locked(list),
      getByValue: (value) =>
        locked(() => {
          const role = roles.get(value.toLowerCase());
          return role && copyRole(role);
        }),
      update: (value, changes) =>
        locked(() =>
          change(value, {
            ...(changes.displayName !== undefined ? { displayName: changes.displayName } : {}),
            ...(changes.description !== undefined ? { description: changes.description } : {}),
          }),
        ),
      setEnabled: (value, enabled) => locked(() => change(value, { enabled })),
    },
  };
}
