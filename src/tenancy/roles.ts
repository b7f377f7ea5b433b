/**
 * The app role catalogue's rules, pure: what a role value may look like (Entra's appRole
 * constraints), which roles a tenant may assign, and how the roles a User arrives with are
 * matched against them (entra.md §8, docs/roles.md).
 */
import { badRequest, invalidValue } from '../scim/errors.js';
import { isObject } from '../scim/json.js';
import type { ScimObject } from '../store/shapes.js';
import type { AppRoleRecord, RoleCatalogue } from '../store/store.js';

/** Microsoft Graph appRole.value: at most 120 characters. */
const ROLE_VALUE_MAX = 120;
const ROLE_TEXT_MAX = 120;
const ROLE_DESCRIPTION_MAX = 1000;

/**
 * The characters Microsoft Graph allows in appRole.value besides ASCII letters and digits
 * (https://learn.microsoft.com/graph/api/resources/approle): no spaces, no `"` or `\`.
 */
const ROLE_VALUE_PUNCTUATION = "!#$%&'()*+,-./:;<=>?@[]^_`{|}~";
const ROLE_VALUE_FORM =
  `1 to ${ROLE_VALUE_MAX} characters: letters A-Z a-z, digits 0-9 and ${ROLE_VALUE_PUNCTUATION.split('').join(' ')}` +
  ' (no spaces), not starting with "." (e.g. sales.editor)';

const CONTROL = /[\u0000-\u001f\u007f]/;

/** Throws `badRequest` unless `value` is a valid appRole value; returns it unchanged. */
export function checkRoleValue(value: string): string {
  const bad = (why: string) =>
    badRequest(`invalid app role value ${JSON.stringify(value)}: ${why}; use ${ROLE_VALUE_FORM}`);
  if (value.length === 0) throw bad('it is empty');
  if ([...value].length > ROLE_VALUE_MAX) throw bad(`it is longer than ${ROLE_VALUE_MAX} characters`);
  if (value.startsWith('.')) throw bad('it starts with "."');
  for (const ch of value) {
    if (/[A-Za-z0-9]/.test(ch) || ROLE_VALUE_PUNCTUATION.includes(ch)) continue;
    throw bad(ch === ' ' ? 'it contains a space' : `it contains ${JSON.stringify(ch)}`);
  }
  return value;
}

/** A display name or description: trimmed, not empty, bounded, no control characters. */
export function checkRoleText(what: 'display name' | 'description', value: string): string {
  const text = value.trim();
  const max = what === 'description' ? ROLE_DESCRIPTION_MAX : ROLE_TEXT_MAX;
  if (text === '') throw badRequest(`app role ${what} must not be empty`);
  if (text.length > max) throw badRequest(`app role ${what} must be at most ${max} characters`);
  if (CONTROL.test(text)) throw badRequest(`app role ${what} must not contain control characters`);
  return text;
}

const fold = (s: string) => s.toLowerCase();

/** Whether `list` names `value`, ignoring case. */
function names(list: readonly string[], value: string): boolean {
  return list.some((v) => fold(v) === fold(value));
}

/**
 * The roles the tenant may assign: enabled, and named by the tenant's narrowing when it has
 * one. In catalogue order.
 */
export function assignableRoles(catalogue: RoleCatalogue): AppRoleRecord[] {
  const allowed = catalogue.allowedRoles;
  return catalogue.roles.filter((r) => r.enabled && (allowed === null || names(allowed, r.value)));
}

/** The role `text` names: by value first, then by display name, ignoring case. */
export function matchRole(roles: readonly AppRoleRecord[], text: string): AppRoleRecord | undefined {
  const key = fold(text);
  return roles.find((r) => fold(r.value) === key) ?? roles.find((r) => fold(r.displayName) === key);
}

function refusal(catalogue: RoleCatalogue, allowed: readonly AppRoleRecord[], text: string): Error {
  const known = matchRole(catalogue.roles, text);
  const why =
    known === undefined
      ? `"${text}" is not an app role of this application`
      : !known.enabled
        ? `app role "${known.value}" is disabled`
        : `app role "${known.value}" is not allowed for this tenant`;
  const list =
    allowed.length === 0
      ? 'this tenant may assign no app roles'
      : `allowed values: ${allowed.map((r) => `"${r.value}"`).join(', ')}`;
  return invalidValue(`roles: ${why}; ${list}.`);
}

/** What a role element names: its `value`, else its `display`. */
function roleText(element: ScimObject): string | undefined {
  if (typeof element.value === 'string' && element.value !== '') return element.value;
  if (typeof element.display === 'string' && element.display !== '') return element.display;
  return undefined;
}

/**
 * Resolves the `roles` of a User body (already normalised and schema-checked) against the
 * catalogue, returning the value to store:
 * - no role declared at all: the roles as sent (scimd works before the vendor declares roles);
 * - each element naming an assignable role (value, then display name, ignoring case) becomes
 *   `{value, display: displayName, type (as sent), primary: boolean}`;
 * - an element whose value the user already holds (`previous`) is kept as it is, so a role the
 *   vendor later disabled or narrowed away never blocks deprovisioning or other updates;
 * - anything else → 400 invalidValue naming the allowed values.
 * Elements that resolve to the same role merge (primary if either was).
 */
export function resolveRoles(roles: unknown, catalogue: RoleCatalogue, previous: unknown): unknown {
  if (!Array.isArray(roles) || catalogue.roles.length === 0) return roles;
  const allowed = assignableRoles(catalogue);
  const held = Array.isArray(previous) ? previous.filter(isObject) : [];
  const out: ScimObject[] = [];
  for (const element of roles) {
    if (!isObject(element)) throw invalidValue('roles: every element must be an object naming an app role.');
    const text = roleText(element);
    if (text === undefined) throw invalidValue('roles: every element must name an app role in "value".');
    const role = matchRole(allowed, text);
    let resolved: ScimObject;
    if (role !== undefined) {
      resolved = {
        value: role.value,
        display: role.displayName,
        ...(element.type !== undefined ? { type: element.type } : {}),
        primary: element.primary === true,
      };
    } else if (held.some((h) => typeof h.value === 'string' && fold(h.value) === fold(text))) {
      resolved = element;
    } else {
      throw refusal(catalogue, allowed, text);
    }
    const same = out.findIndex((r) => typeof r.value === 'string' && fold(r.value) === fold(String(resolved.value)));
    if (same === -1) out.push(resolved);
    else {
      const first = out[same]!;
      out[same] = {
        ...first,
        ...(first.type === undefined && resolved.type !== undefined ? { type: resolved.type } : {}),
        ...(resolved.primary === true ? { primary: true } : {}),
      };
    }
  }
  return out;
}
