/**
 * Schema-aware walkers over raw (not yet validated) requests, shared by the IdP normalisers.
 * They never throw: anything malformed is passed through untouched for parsePatchRequest /
 * the validators to reject with the right SCIM error.
 */

import type { PatchPath } from '../filter/ast.js';
import { parsePatchPath } from '../filter/parse.js';
import { printAttrPath } from '../filter/print.js';
import { isObject, type Json } from '../json.js';
import { COMMON_ATTRIBUTES } from '../schema/common.js';
import { findAttribute, resolveAttribute, schemasOf } from '../schema/registry.js';
import type { AttributeDefinition, ResourceTypeDefinition, SchemaDefinition } from '../schema/types.js';

/**
 * What a value stands for: the whole attribute value, one element of a multi-valued attribute
 * (a path with a `[...]` filter), or one sub-attribute value (`name.givenName`).
 */
export type ValueForm =
  | { readonly kind: 'value' }
  | { readonly kind: 'element' }
  | { readonly kind: 'sub'; readonly sub: AttributeDefinition };

/** Rewrites one attribute's value; returns the value unchanged when it has nothing to do. */
export type ValueVisitor = (attribute: AttributeDefinition, value: unknown, form: ValueForm) => unknown;

/** The known schema whose URN is `urn` (ignoring case). */
export function findSchema(type: ResourceTypeDefinition, urn: string): SchemaDefinition | undefined {
  const lower = urn.toLowerCase();
  return schemasOf(type).find((s) => s.id.toLowerCase() === lower);
}

/** Maps each operation object of a PatchOp body; anything else is returned as is. */
export function mapOperations(body: unknown, fn: (op: Json) => Json): unknown {
  if (!isObject(body) || !Array.isArray(body.Operations)) return body;
  return { ...body, Operations: body.Operations.map((op) => (isObject(op) ? fn(op) : op)) };
}

/** The value object of a path-less add/replace operation, else undefined. */
export function pathlessValue(op: Json): Json | undefined {
  const hasPath = typeof op.path === 'string' && op.path.trim() !== '';
  return !hasPath && isObject(op.value) ? op.value : undefined;
}

function safeParse(text: string): PatchPath | undefined {
  try {
    return parsePatchPath(text);
  } catch {
    return undefined;
  }
}

/**
 * Applies `visit` to each attribute of a resource-shaped object (a POST/PUT body or a path-less
 * PATCH value): core and common attributes by name, extension attributes under their URN key.
 * Keys already expanded (see expandAttributeKeys); unknown keys are left alone.
 */
export function mapResourceValues(type: ResourceTypeDefinition, object: Json, visit: ValueVisitor): Json {
  const out: Json = {};
  for (const [key, value] of Object.entries(object)) {
    const schema = key.includes(':') ? findSchema(type, key) : undefined;
    if (schema !== undefined && schema !== type.schema && isObject(value)) {
      out[key] = mapAttributes(schema.attributes, value, visit);
      continue;
    }
    const def = key.includes(':') ? undefined : resolveAttribute(type, { attribute: key })?.attribute;
    out[key] = def === undefined ? value : visit(def, value, { kind: 'value' });
  }
  return out;
}

function mapAttributes(attributes: readonly AttributeDefinition[], object: Json, visit: ValueVisitor): Json {
  const out: Json = {};
  for (const [key, value] of Object.entries(object)) {
    const def = findAttribute(attributes, key) ?? findAttribute(COMMON_ATTRIBUTES, key);
    out[key] = def === undefined ? value : visit(def, value, { kind: 'value' });
  }
  return out;
}

/** Applies `visit` to every attribute value a PatchOp body carries, path-less or not. */
export function mapPatchValues(type: ResourceTypeDefinition, body: unknown, visit: ValueVisitor): unknown {
  return mapOperations(body, (op) => {
    if (!('value' in op)) return op;
    const pathless = pathlessValue(op);
    if (pathless !== undefined) return { ...op, value: mapResourceValues(type, pathless, visit) };
    if (typeof op.path !== 'string') return op;
    const path = safeParse(op.path);
    if (path === undefined) return op;
    const whole = findSchema(type, printAttrPath(path.path));
    if (whole !== undefined && isObject(op.value)) {
      return { ...op, value: mapResourceValues(type, { [whole.id]: op.value }, visit)[whole.id] };
    }
    const resolved = resolveAttribute(type, { ...path.path, subAttribute: undefined });
    if (resolved === undefined) return op;
    const subName = path.path.subAttribute ?? path.subAttribute;
    const sub = subName === undefined ? undefined : findAttribute(resolved.attribute.subAttributes ?? [], subName);
    if (subName !== undefined && sub === undefined) return op;
    const form: ValueForm =
      sub !== undefined
        ? { kind: 'sub', sub }
        : path.valueFilter !== undefined
          ? { kind: 'element' }
          : { kind: 'value' };
    return { ...op, value: visit(resolved.attribute, op.value, form) };
  });
}
