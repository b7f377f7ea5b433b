/**
 * PATCH on Group `members` (RFC 7643 §4.2, RFC 7644 §3.5.2): never applied to the body; turned
 * into MemberChange steps the service executes against the membership table, so a change
 * costs O(changed members), not O(group size).
 */
import { removesListedValues } from '../compat/patch-rules.js';
import { invalidPath, invalidValue, mutability } from '../errors.js';
import type { Filter } from '../filter/ast.js';
import { isObject } from '../json.js';
import type { MemberInput } from '../resource/validate.js';
import { checkElementFilter, type ElementScope, pinnedIds } from './element-filter.js';
import type { MemberChange } from './types.js';

const MEMBER_TYPES: Readonly<Record<string, 'User' | 'Group'>> = { user: 'User', group: 'Group' };

/**
 * Reads member values: an array (or one object) of `{value, type?}`. `display` and `$ref` are
 * derived by the server and ignored (Okta echoes `display`; Entra sends `"$ref": null`).
 */
export function readMembers(value: unknown): MemberInput[] {
  if (value === null || value === undefined) return [];
  const items = Array.isArray(value) ? value : [value];
  return items.map((item, i) => {
    if (!isObject(item)) throw invalidValue(`members[${i}] must be an object with a "value".`);
    const fields = Object.fromEntries(Object.entries(item).map(([k, v]) => [k.toLowerCase(), v]));
    if (typeof fields.value !== 'string' || fields.value === '') {
      throw invalidValue(`members[${i}].value must be the id of a User or Group.`);
    }
    if (fields.type === undefined || fields.type === null) return { value: fields.value };
    const type = typeof fields.type === 'string' ? MEMBER_TYPES[fields.type.toLowerCase()] : undefined;
    if (type === undefined) throw invalidValue(`members[${i}].type must be "User" or "Group".`);
    return { value: fields.value, type };
  });
}

function removal(scope: ElementScope, filter: Filter): MemberChange {
  const checked = checkElementFilter(scope, filter);
  const ids = pinnedIds(checked);
  return ids !== undefined ? { kind: 'remove', ids } : { kind: 'removeWhere', filter: checked };
}

/**
 * The membership steps of one operation on `members`. `filter` is the path's valuePath filter,
 * `sub` a sub-attribute the path names (members' sub-attributes are immutable or readOnly, so
 * naming one is a mutability error). Remove with a value list removes only those members
 * (compat's removesListedValues, rule `entra-remove-value-list`).
 */
export function memberChanges(
  op: 'add' | 'replace' | 'remove',
  scope: ElementScope,
  selection: { filter?: Filter; sub?: string },
  value: unknown,
): MemberChange[] {
  if (selection.sub !== undefined) {
    throw mutability(`members.${selection.sub} cannot be modified: add or remove whole members instead.`);
  }
  const filter = selection.filter;
  if (op === 'add') {
    if (filter !== undefined) throw invalidPath('add members with "path": "members" and the members as "value".');
    const members = readMembers(value);
    return members.length > 0 ? [{ kind: 'add', members }] : [];
  }
  if (op === 'remove') {
    if (filter !== undefined) return [removal(scope, filter)];
    if (!removesListedValues(scope.attribute, value)) return [{ kind: 'removeAll' }];
    const ids = readMembers(value).map((m) => m.value);
    return ids.length > 0 ? [{ kind: 'remove', ids }] : [];
  }
  const members = readMembers(value);
  const added: MemberChange[] = members.length > 0 ? [{ kind: 'add', members }] : [];
  return [filter !== undefined ? removal(scope, filter) : { kind: 'removeAll' }, ...added];
}

/**
 * Canonical order-preserving form: everything before a `removeAll` is dropped (it is undone),
 * and adjacent steps of the same kind are merged, so the two Entra dialects (one op with a
 * list, or one op per member) produce the same steps.
 */
export function coalesceMemberChanges(changes: readonly MemberChange[]): MemberChange[] {
  const lastClear = changes.map((c) => c.kind).lastIndexOf('removeAll');
  const out: MemberChange[] = [];
  for (const change of lastClear >= 0 ? changes.slice(lastClear) : changes) {
    const previous = out[out.length - 1];
    if (previous?.kind === 'add' && change.kind === 'add') {
      const byId = new Map(previous.members.map((m) => [m.value, m]));
      for (const m of change.members) byId.set(m.value, m);
      out[out.length - 1] = { kind: 'add', members: [...byId.values()] };
    } else if (previous?.kind === 'remove' && change.kind === 'remove') {
      out[out.length - 1] = { kind: 'remove', ids: [...new Set([...previous.ids, ...change.ids])] };
    } else if (change.kind === 'remove') {
      out.push({ kind: 'remove', ids: [...new Set(change.ids)] });
    } else if (change.kind === 'add') {
      out.push({ kind: 'add', members: [...new Map(change.members.map((m) => [m.value, m])).values()] });
    } else if (!(previous?.kind === 'removeAll' && change.kind === 'removeAll')) {
      out.push(change);
    }
  }
  return out;
}
