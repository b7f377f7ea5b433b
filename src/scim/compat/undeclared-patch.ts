/**
 * The rule for undeclared attributes (undeclared-body.ts, rule `entra-undeclared-attributes`)
 * applied to typed PATCH operations: an operation whose path names an attribute or
 * sub-attribute no schema declares is dropped (ignore) or answered 400 invalidPath (reject);
 * path-less values and complex values lose their undeclared keys (reject: 400 invalidValue, as
 * for a POST body).
 */
import { invalidPath } from '../errors.js';
import { printAttrPath } from '../filter/print.js';
import { isObject, type Json } from '../json.js';
import { inOperation } from '../patch/errors.js';
import type { PatchOperation } from '../patch/types.js';
import { COMMON_ATTRIBUTES } from '../schema/common.js';
import { findAttribute, resolveAttribute } from '../schema/registry.js';
import type { ResourceTypeDefinition } from '../schema/types.js';
import {
  isUrnKey,
  Sieve,
  sieveAttributes,
  sieveAttributeValue,
  sieveSchemaKey,
  type UnknownAttributeMode,
} from './undeclared-body.js';
import { findSchema } from './walk.js';

/** A path-less value object: attribute keys resolved as the engine resolves them. */
function sievePathless(sieve: Sieve, type: ResourceTypeDefinition, value: unknown): unknown {
  if (!isObject(value)) return value;
  const core = [...COMMON_ATTRIBUTES, ...type.schema.attributes];
  const out: Json = {};
  for (const [key, inner] of Object.entries(value)) {
    if (key.toLowerCase() === 'schemas') {
      out[key] = inner;
    } else if (isUrnKey(key)) {
      if (key.toLowerCase() === type.schema.id.toLowerCase()) {
        out[key] = isObject(inner) ? sieveAttributes(sieve, core, inner, '', invalidPath) : inner;
        continue;
      }
      const kept = sieveSchemaKey(sieve, type, key, inner, invalidPath);
      if (kept !== undefined) out[key] = kept;
    } else {
      // An unqualified name no core attribute has may name an extension attribute (`department`).
      const resolved = findAttribute(core, key) ?? resolveAttribute(type, { attribute: key })?.attribute;
      if (resolved === undefined) {
        sieve.drop(key, () => invalidPath(`unknown attribute "${key}".`));
        continue;
      }
      out[key] = sieveAttributeValue(sieve, resolved, inner, resolved.name);
    }
  }
  return out;
}

/** One operation with a path; undefined when it is dropped. */
function sievePathed(sieve: Sieve, type: ResourceTypeDefinition, op: PatchOperation): PatchOperation | undefined {
  const patchPath = op.path!;
  const printed = printAttrPath(patchPath.path);
  const whole = findSchema(type, printed);
  if (whole !== undefined && patchPath.valueFilter === undefined) {
    if (!('value' in op) || !isObject(op.value)) return op;
    const prefix = whole === type.schema ? '' : `${whole.id}:`;
    return { ...op, value: sieveAttributes(sieve, whole.attributes, op.value, prefix, invalidPath) };
  }
  const resolved = resolveAttribute(type, { ...patchPath.path, subAttribute: undefined });
  if (resolved === undefined) {
    const name = patchPath.path.subAttribute === undefined ? printed : printed.slice(0, printed.lastIndexOf('.'));
    const fail = () => invalidPath(`unknown attribute "${name}".`);
    // A whole unknown extension (`urn:…:CustomExtension:2.0:User` with an object): each key is reported.
    const wholeUnknown = isUrnKey(name) && patchPath.valueFilter === undefined && isObject(op.value);
    if (wholeUnknown) sieve.dropUnknownSchema(name, op.value, fail);
    else sieve.drop(name, fail);
    return undefined;
  }
  const def = resolved.attribute;
  const where = resolved.inExtension ? `${resolved.schema}:${def.name}` : def.name;
  const subName = patchPath.path.subAttribute ?? patchPath.subAttribute;
  if (subName !== undefined) {
    if (findAttribute(def.subAttributes ?? [], subName) !== undefined) return op;
    sieve.drop(`${where}.${subName}`, () => invalidPath(`"${def.name}" has no sub-attribute "${subName}".`));
    return undefined;
  }
  if (!('value' in op) || def.type !== 'complex') return op;
  const value =
    patchPath.valueFilter !== undefined && !Array.isArray(op.value)
      ? sieveAttributeValue(sieve, { ...def, multiValued: false }, op.value, where)
      : sieveAttributeValue(sieve, def, op.value, where);
  return { ...op, value };
}

export interface SievedOperations {
  readonly operations: readonly PatchOperation[];
  /** Paths of the ignored attributes, in request order (empty in reject mode). */
  readonly ignored: readonly string[];
}

/**
 * Typed PATCH operations without what no schema declares. An operation left with nothing to do
 * is dropped; a request left with no operation changes nothing (as an empty `Operations`).
 */
export function sievePatchOperations(
  type: ResourceTypeDefinition,
  operations: readonly PatchOperation[],
  mode: UnknownAttributeMode,
): SievedOperations {
  const sieve = new Sieve(mode);
  const kept: PatchOperation[] = [];
  operations.forEach((op, index) => {
    inOperation(index, () => {
      if (op.path !== undefined) {
        const sieved = sievePathed(sieve, type, op);
        if (sieved !== undefined) kept.push(sieved);
        return;
      }
      const value = sievePathless(sieve, type, op.value);
      if (
        isObject(op.value) &&
        isObject(value) &&
        Object.keys(value).length === 0 &&
        Object.keys(op.value).length > 0
      ) {
        return;
      }
      kept.push({ ...op, value });
    });
  });
  return { operations: kept, ignored: sieve.ignored };
}
