/**
 * Microsoft Entra ID request normalisers (rules.ts, docs/compat.md, shared reference entra.md §5–8).
 * Each is pure, named after the quirk it absorbs, and turns Entra's shapes — in both the
 * default dialect and the `?aadOptscim062020` compliant one — into RFC 7644 shapes before
 * parsePatchRequest / the body validator see them. None of them throws.
 */
import { isObject, type Json } from '../json.js';
import { ENTERPRISE_USER_SCHEMA } from '../schema/enterprise-user.js';
import { GROUP_SCHEMA } from '../schema/group.js';
import { findAttribute } from '../schema/registry.js';
import type { AttributeDefinition, ResourceTypeDefinition } from '../schema/types.js';
import { USER_SCHEMA } from '../schema/user.js';
import { booleanOfString } from './boolean-strings.js';
import { findSchema, mapOperations, pathlessValue, type ValueForm, type ValueVisitor } from './walk.js';

const MANAGER = findAttribute(ENTERPRISE_USER_SCHEMA.attributes, 'manager');
const ROLES = findAttribute(USER_SCHEMA.attributes, 'roles');
const MEMBERS = findAttribute(GROUP_SCHEMA.attributes, 'members');
const OP_MEMBERS: Readonly<Record<string, string>> = { op: 'op', path: 'path', value: 'value' };

/**
 * Rule `entra-op-names`.
 * `Add`/`Replace`/`Remove` → lower case (entra.md §6, RFC 7644 §3.5.2 defines lower case), and
 * the member names `Operations`, `op`, `path`, `value` in their RFC spelling whatever their case.
 */
export function normalizeOpNames(body: unknown): unknown {
  if (!isObject(body)) return body;
  const renamed: Json = {};
  for (const [key, value] of Object.entries(body)) {
    renamed[key.toLowerCase() === 'operations' ? 'Operations' : key] = value;
  }
  return mapOperations(renamed, (op) => {
    const out: Json = {};
    for (const [key, value] of Object.entries(op)) out[OP_MEMBERS[key.toLowerCase()] ?? key] = value;
    if (typeof out.op === 'string') out.op = out.op.toLowerCase();
    return out;
  });
}

/** Sets `value` at a dotted `path` (`name.givenName`) in `target`, merging objects. */
function setDotted(target: Json, path: string, value: unknown): void {
  // A loop, not recursion: a key with thousands of dots must not exhaust the stack (issue #12.2).
  const parts = path.split('.');
  const last = parts.pop()!;
  let node = target;
  for (const head of parts) {
    const existing = node[head];
    const child: Json = isObject(existing) ? { ...existing } : {};
    node[head] = child;
    node = child;
  }
  const existing = node[last];
  node[last] = isObject(existing) && isObject(value) ? { ...existing, ...value } : value;
}

/** Schema objects nested in schema objects are expanded this deep at most (issue #12.2). */
const MAX_SCHEMA_NESTING = 2;

function containerFor(out: Json, urn: string): Json {
  const existing = out[urn];
  const child: Json = isObject(existing) ? { ...existing } : {};
  out[urn] = child;
  return child;
}

/**
 * Rule `entra-pathless-attribute-keys`.
 * Expands dotted and URN-prefixed keys of a resource-shaped object into nested canonical
 * objects (entra.md §6 "many attrs"): `name.givenName` → `{name:{givenName}}`,
 * `urn:…:enterprise:2.0:User:employeeNumber` → `{"urn:…:enterprise:2.0:User":{employeeNumber}}`,
 * `urn:…:core:2.0:User:userName` → `{userName}`. Keys of unknown URNs are kept as sent.
 */
export function expandAttributeKeys(type: ResourceTypeDefinition, object: Json, depth = 0): Json {
  const out: Json = {};
  const schemaOf = (key: string) => {
    const urn = key.slice(0, key.lastIndexOf(':'));
    return findSchema(type, key) ?? (urn === '' ? undefined : findSchema(type, urn));
  };
  for (const [key, value] of Object.entries(object)) {
    const schema = key.includes(':') ? schemaOf(key) : undefined;
    if (key.includes(':') && schema === undefined) {
      out[key] = value;
      continue;
    }
    if (schema === undefined) {
      setDotted(out, key, value);
      continue;
    }
    const target = schema === type.schema ? out : containerFor(out, schema.id);
    if (key.length === schema.id.length) {
      if (!isObject(value)) {
        if (schema !== type.schema) out[schema.id] = value;
        continue;
      }
      // Deeper nesting is nothing a client means: left as is for the validator to reject.
      const inner = depth < MAX_SCHEMA_NESTING ? expandAttributeKeys(type, value, depth + 1) : value;
      for (const [k, v] of Object.entries(inner)) setDotted(target, k, v);
      continue;
    }
    setDotted(target, key.slice(schema.id.length + 1), value);
  }
  return out;
}

/**
 * Rule `entra-pathless-filtered-keys`.
 * Path-less add/replace values with flattened keys, as the `?aadOptscim062020` dialect sends
 * them (entra.md §6): dotted and URN-prefixed keys are expanded by expandAttributeKeys, and keys
 * with a value filter (`"emails[type eq \"work\"].value": "x"`) become operations of their own
 * with that key as `path`, right after the path-less one.
 */
export function expandPathlessKeys(type: ResourceTypeDefinition, body: unknown): unknown {
  if (!isObject(body) || !Array.isArray(body.Operations)) return body;
  const operations = body.Operations.flatMap((op: unknown) => {
    const value = isObject(op) ? pathlessValue(op) : undefined;
    if (!isObject(op) || value === undefined) return [op];
    const plain: Json = {};
    const filtered: Json[] = [];
    for (const [key, v] of Object.entries(value)) {
      if (key.includes('[')) filtered.push({ op: op.op, path: key, value: v });
      else plain[key] = v;
    }
    const rest = Object.keys(plain).length > 0 || filtered.length === 0;
    return [...(rest ? [{ ...op, value: expandAttributeKeys(type, plain) }] : []), ...filtered];
  });
  return { ...body, Operations: operations };
}

function booleanOf(def: AttributeDefinition, value: unknown): unknown {
  return def.type === 'boolean' ? (booleanOfString(value) ?? value) : value;
}

function booleansIn(def: AttributeDefinition, value: unknown): unknown {
  // One level of array (the elements of a multi-valued attribute): deeper arrays mean nothing and
  // are left for the validator, so no nesting can overflow the stack (issue #12.2).
  return Array.isArray(value) ? value.map((v) => booleansInValue(def, v)) : booleansInValue(def, value);
}

function booleansInValue(def: AttributeDefinition, value: unknown): unknown {
  if (def.type !== 'complex' || !isObject(value)) return booleanOf(def, value);
  const out: Json = {};
  for (const [key, v] of Object.entries(value)) {
    const sub = findAttribute(def.subAttributes ?? [], key);
    out[key] = sub === undefined ? v : booleanOf(sub, v);
  }
  return out;
}

/**
 * Rule `entra-boolean-strings` (with boolean-strings.ts).
 * `"True"`/`"False"` in any case → booleans wherever the schema says boolean: `active`,
 * `primary` of any multi-valued attribute (entra.md §6, §8; SCIMReferenceCode #21).
 */
export const coerceBooleanStrings: ValueVisitor = (def, value, form) =>
  form.kind === 'sub' ? booleanOf(form.sub, value) : booleansIn(def, value);

function managerOf(value: unknown): unknown {
  if (typeof value === 'string') return value === '' ? null : { value };
  if (Array.isArray(value)) {
    const first: unknown = value[0];
    if (first === undefined) return null;
    if (typeof first === 'string') return managerOf(first);
    return isObject(first) && typeof first.value === 'string' ? { value: first.value } : value;
  }
  return value;
}

/**
 * Rule `entra-manager-shapes`.
 * The enterprise `manager` as a bare id string, `{value}` or `[{"$ref", value}]` → `{value}`
 * (entra.md §7; Budibase #15369, azure-docs #11784). An empty string clears it.
 */
export const normalizeManager: ValueVisitor = (def, value, form) =>
  def === MANAGER && form.kind === 'value' ? managerOf(value) : value;

function decodedRole(value: unknown): unknown {
  let role = value;
  if (isObject(value) && typeof value.value === 'string' && value.value.trimStart().startsWith('{')) {
    try {
      const decoded: unknown = JSON.parse(value.value);
      if (isObject(decoded)) role = { ...value, ...decoded };
    } catch {
      return value;
    }
  }
  if (!isObject(role)) return role;
  const display = role.display ?? role.displayName;
  const out: Json = {};
  if (role.value !== undefined) out.value = role.value;
  if (display !== undefined) out.display = display;
  if (role.type !== undefined) out.type = role.type;
  if (role.primary !== undefined) out.primary = role.primary;
  return out;
}

/**
 * Rule `entra-role-strings`.
 * `roles` elements whose `value` is a JSON-encoded role (`"{\"id\":…,\"value\":\"Admin\",
 * \"displayName\":\"Admin\"}"`, entra.md §8) are decoded; every element keeps only `value`,
 * `display` (from `displayName` when absent), `type` and `primary`.
 */
export const decodeRoleStrings: ValueVisitor = (def, value, form: ValueForm) => {
  if (def !== ROLES || form.kind === 'sub') return value;
  return Array.isArray(value) ? value.map(decodedRole) : decodedRole(value);
};

/** Rule `entra-null-member-refs`: `"$ref": null` in member values (entra.md §6 "Add members") is dropped. */
export const dropNullMemberRefs: ValueVisitor = (def, value, form) => {
  if (def !== MEMBERS || form.kind === 'sub') return value;
  const clean = (m: unknown) => {
    if (!isObject(m) || m.$ref !== null) return m;
    const { $ref: _dropped, ...rest } = m;
    return rest;
  };
  return Array.isArray(value) ? value.map(clean) : clean(value);
};

/** The value visitors of this module, in the order they run. */
export const ENTRA_VALUE_VISITORS: readonly ValueVisitor[] = [
  decodeRoleStrings,
  normalizeManager,
  coerceBooleanStrings,
  dropNullMemberRefs,
];
