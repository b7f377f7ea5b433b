/**
 * One rule for attributes no schema declares (issue #13.4, rule `entra-undeclared-attributes`,
 * with undeclared-patch.ts):
 * unknown core attributes, unknown sub-attributes, unknown extension URNs with their keys and
 * unknown attributes of a declared extension are either ignored — removed from the request and
 * reported by path, so the service can record them — or rejected with a 400, by mode.
 *
 * The sieve runs after the IdP normalisers and before the validator / PATCH parser, so those
 * only ever see declared attributes. It walks the schema, never the input: its depth is bounded
 * by the schema (attribute → sub-attribute), whatever the nesting of the request.
 */

import { invalidValue, type ScimError } from '../errors.js';
import { isObject, type Json } from '../json.js';

/** The error an undeclared attribute name gets in reject mode (invalidValue in bodies, invalidPath in PATCH). */
export type UnknownNameError = (detail: string) => ScimError;

import { COMMON_ATTRIBUTES } from '../schema/common.js';
import { findAttribute } from '../schema/registry.js';
import type { AttributeDefinition, ResourceTypeDefinition, SchemaDefinition } from '../schema/types.js';

/** `ignore` (the default): accept and report; `reject`: answer 400. */
export type UnknownAttributeMode = 'ignore' | 'reject';

export function isUrnKey(key: string): boolean {
  return key.toLowerCase().startsWith('urn:');
}

/** What a sieve dropped, and how it fails in reject mode. */
export class Sieve {
  readonly ignored: string[] = [];

  constructor(readonly mode: UnknownAttributeMode) {}

  /** Records `path` as ignored, or throws `error()` in reject mode. */
  drop(path: string, error: () => ScimError): void {
    if (this.mode === 'reject') throw error();
    this.ignored.push(path);
  }

  /** An unknown schema URN key: every key of its object value is reported (`urn:…:costCenter`). */
  dropUnknownSchema(urn: string, value: unknown, error: () => ScimError): void {
    const keys = isObject(value) ? Object.keys(value) : [];
    if (keys.length === 0) this.drop(urn, error);
    for (const key of keys) this.drop(`${urn}:${key}`, error);
  }
}

/** A complex value without the sub-attributes `def` does not declare. */
function sieveComplex(sieve: Sieve, def: AttributeDefinition, value: unknown, path: string, where: string): unknown {
  if (!isObject(value)) return value;
  const out: Json = {};
  for (const [key, inner] of Object.entries(value)) {
    if (findAttribute(def.subAttributes ?? [], key) === undefined) {
      sieve.drop(`${path}.${key}`, () => invalidValue(`${where} has no sub-attribute "${key}".`));
    } else {
      out[key] = inner;
    }
  }
  return out;
}

/**
 * The value of attribute `def` without undeclared sub-attributes: a complex value, or each
 * element of a multi-valued one. `path` names it in reports (`emails`, `urn:…:User:manager`).
 */
export function sieveAttributeValue(sieve: Sieve, def: AttributeDefinition, value: unknown, path: string): unknown {
  if (def.type !== 'complex') return value;
  if (def.multiValued && Array.isArray(value)) {
    return value.map((element, index) => sieveComplex(sieve, def, element, path, `${path}[${index}]`));
  }
  return sieveComplex(sieve, def, value, path, path);
}

/** The attributes of one schema object (the body, or an extension's object). */
export function sieveAttributes(
  sieve: Sieve,
  attributes: readonly AttributeDefinition[],
  object: Json,
  prefix: string,
  unknownName: UnknownNameError = invalidValue,
): Json {
  const out: Json = {};
  for (const [key, value] of Object.entries(object))
    sieveAttribute(sieve, attributes, key, value, prefix, unknownName, out);
  return out;
}

/** One attribute of a schema object: copied into `out` (undeclared sub-attributes removed), or dropped. */
function sieveAttribute(
  sieve: Sieve,
  attributes: readonly AttributeDefinition[],
  key: string,
  value: unknown,
  prefix: string,
  unknownName: UnknownNameError,
  out: Json,
): void {
  const def = findAttribute(attributes, key);
  if (def === undefined) {
    sieve.drop(`${prefix}${key}`, () => unknownName(`Unknown attribute "${prefix}${key}".`));
    return;
  }
  out[key] = sieveAttributeValue(sieve, def, value, `${prefix}${def.name}`);
}

export function findExtension(type: ResourceTypeDefinition, urn: string): SchemaDefinition | undefined {
  const lower = urn.toLowerCase();
  return type.extensions.find((e) => e.schema.id.toLowerCase() === lower)?.schema;
}

/** A declared extension's object, or an unknown URN key dropped; undefined when dropped. */
export function sieveSchemaKey(
  sieve: Sieve,
  type: ResourceTypeDefinition,
  key: string,
  value: unknown,
  unknownName: UnknownNameError = invalidValue,
): unknown {
  const extension = findExtension(type, key);
  if (extension === undefined) {
    sieve.dropUnknownSchema(key, value, () =>
      unknownName(`Unknown schema "${key}": no extension of ${type.name} has this URN.`),
    );
    return undefined;
  }
  return isObject(value) ? sieveAttributes(sieve, extension.attributes, value, `${extension.id}:`, unknownName) : value;
}

export interface SievedBody {
  /** The body without what no schema declares (unchanged when it is not an object). */
  readonly body: unknown;
  /** Paths of the ignored attributes, in request order (empty in reject mode). */
  readonly ignored: readonly string[];
}

/**
 * A POST/PUT body (already normalised) without the attributes no schema declares. In reject
 * mode the first one → 400 invalidValue naming it.
 */
export function sieveResourceBody(type: ResourceTypeDefinition, body: unknown, mode: UnknownAttributeMode): SievedBody {
  if (!isObject(body)) return { body, ignored: [] };
  const sieve = new Sieve(mode);
  const coreAttributes = [...COMMON_ATTRIBUTES, ...type.schema.attributes];
  const out: Json = {};
  for (const [key, value] of Object.entries(body)) {
    if (key.toLowerCase() === 'schemas') {
      out[key] = value;
    } else if (!isUrnKey(key)) {
      sieveAttribute(sieve, coreAttributes, key, value, '', invalidValue, out);
    } else if (key.toLowerCase() === type.schema.id.toLowerCase()) {
      out[key] = value;
    } else {
      const kept = sieveSchemaKey(sieve, type, key, value);
      if (kept !== undefined) out[key] = kept;
    }
  }
  return { body: out, ignored: sieve.ignored };
}
