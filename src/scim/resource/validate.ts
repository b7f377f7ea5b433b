/**
 * Turns a POST or PUT body into the canonical stored body (RFC 7644 §3.3, §3.5.1):
 * attribute names in canonical spelling, values checked against the schema, readOnly
 * attributes ignored, writeOnly ones dropped (scimd stores no passwords), unknown extension
 * URNs ignored, group members split out for the membership table.
 */
import { invalidSyntax, invalidValue, mutability } from '../errors.js';
import { deepEqual, isObject } from '../json.js';
import { COMMON_ATTRIBUTES } from '../schema/common.js';
import { findAttribute } from '../schema/registry.js';
import type { AttributeDefinition, ResourceTypeDefinition, SchemaDefinition } from '../schema/types.js';
import { coerceAttributeValue } from './coerce.js';

export type Body = Record<string, unknown>;

/** A member as a client sent it (RFC 7643 §4.2): `value` is required, `type` optional. */
export interface MemberInput {
  readonly value: string;
  readonly type?: 'User' | 'Group';
}

export interface PreparedBody {
  readonly body: Body;
  /** Present only for Groups whose request carried `members` (possibly empty). */
  readonly members?: readonly MemberInput[];
}

function isUrn(key: string): boolean {
  return key.toLowerCase().startsWith('urn:');
}

function readMembers(value: unknown): MemberInput[] {
  if (value === null || value === undefined) return [];
  if (!Array.isArray(value)) throw invalidValue('members must be an array.');
  return value.map((m, i) => {
    if (!isObject(m)) throw invalidValue(`members[${i}] must be an object with a "value".`);
    const entries = Object.fromEntries(Object.entries(m).map(([k, v]) => [k.toLowerCase(), v]));
    if (typeof entries.value !== 'string' || entries.value === '') {
      throw invalidValue(`members[${i}].value must be the id of a User or Group.`);
    }
    const type = entries.type;
    if (type !== undefined && type !== null && type !== 'User' && type !== 'Group') {
      throw invalidValue(`members[${i}].type must be "User" or "Group".`);
    }
    return { value: entries.value, ...(type ? { type } : {}) };
  });
}

/**
 * Copies the attributes of one schema from `source` into `target`, checking each value.
 * readOnly attributes are ignored (RFC 7643 §7: "SHALL be ignored"), writeOnly ones dropped.
 */
function copyAttributes(
  source: Record<string, unknown>,
  attributes: readonly AttributeDefinition[],
  target: Body,
  where: (name: string) => string,
  skip: (key: string) => boolean,
): void {
  for (const [key, raw] of Object.entries(source)) {
    if (skip(key)) continue;
    const def = findAttribute(attributes, key);
    if (!def) throw invalidValue(`Unknown attribute "${where(key)}".`);
    if (def.mutability === 'readOnly' || def.mutability === 'writeOnly') continue;
    const value = coerceAttributeValue(def, raw, where(def.name));
    if (value !== undefined) target[def.name] = value;
  }
}

function findExtension(type: ResourceTypeDefinition, urn: string): SchemaDefinition | undefined {
  const lower = urn.toLowerCase();
  return type.extensions.find((e) => e.schema.id.toLowerCase() === lower)?.schema;
}

/**
 * Validates `input` for resource type `type`. `existing` (the stored body, for PUT) enables
 * the immutable check (RFC 7643 §7: an immutable value may be set once, then never changed).
 */
export function prepareResourceBody(type: ResourceTypeDefinition, input: unknown, existing?: Body): PreparedBody {
  if (!isObject(input)) throw invalidSyntax('The request body must be a JSON object.');
  const schemasValue = input.schemas;
  if (schemasValue !== undefined && (!Array.isArray(schemasValue) || schemasValue.some((s) => typeof s !== 'string'))) {
    throw invalidSyntax('"schemas" must be an array of schema URNs.');
  }
  const body: Body = {};
  const coreAttributes = [...COMMON_ATTRIBUTES, ...type.schema.attributes];
  const isMembers = (key: string) => type.name === 'Group' && key.toLowerCase() === 'members';
  copyAttributes(
    input,
    coreAttributes,
    body,
    (name) => name,
    (key) => key === 'schemas' || isUrn(key) || isMembers(key),
  );

  const schemas = [type.schema.id];
  for (const [key, raw] of Object.entries(input)) {
    if (!isUrn(key)) continue;
    const extension = findExtension(type, key);
    // Unknown schema URNs (e.g. Entra's ADSCIM group URN) carry nothing we store; the sieve in
    // front (rule `entra-undeclared-attributes`) has already noted or refused them.
    if (!extension) continue;
    if (raw === null) continue;
    if (!isObject(raw)) throw invalidValue(`"${extension.id}" must be an object.`);
    const target: Body = {};
    copyAttributes(
      raw,
      extension.attributes,
      target,
      (name) => `${extension.id}:${name}`,
      () => false,
    );
    if (Object.keys(target).length > 0) {
      body[extension.id] = target;
      schemas.push(extension.id);
    }
  }

  for (const def of type.schema.attributes) {
    if (def.required && body[def.name] === undefined) {
      throw invalidValue(`"${def.name}" is required.`);
    }
  }
  if (existing) checkImmutable(coreAttributes, existing, body);

  const membersKey = Object.keys(input).find(isMembers);
  const prepared: Body = { schemas, ...body };
  return membersKey === undefined ? { body: prepared } : { body: prepared, members: readMembers(input[membersKey]) };
}

function checkImmutable(attributes: readonly AttributeDefinition[], existing: Body, next: Body): void {
  for (const def of attributes) {
    if (def.mutability !== 'immutable') continue;
    const before = existing[def.name];
    if (before !== undefined && !deepEqual(before, next[def.name])) {
      throw mutability(`"${def.name}" is immutable and cannot be changed.`);
    }
  }
}
