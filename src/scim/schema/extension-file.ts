/**
 * The schema extensions file an operator names with SCIMD_SCHEMA_EXTENSIONS (docs/extensions.md):
 *
 *     {"extensions": [{"resourceType": "User", "required": false,
 *       "schema": {"id": "urn:…", "name": "…", "description": "…", "attributes": [ … ]}}]}
 *
 * Attributes are RFC 7643 §7 attribute definitions with the defaults of §2.2 (`type` and `name`
 * required). Validation is strict — unknown keys, wrong types and unknown enum values are
 * errors — and reports every problem at once with its location. Characteristics scimd would not
 * honour for extension attributes are refused rather than advertised falsely in /Schemas:
 * `required: true` (on the extension or an attribute), `mutability: "immutable"` and
 * `uniqueness` other than "none"; and multi-valued simple attributes (arrays of strings, say),
 * which the SQL filter and sort compilers do not read element by element — a multi-valued
 * complex attribute with a `value` sub-attribute serves instead.
 */
import { isObject, type Json } from '../json.js';
import { BUILT_IN_REGISTRY, type ExtensionDeclaration } from './registry.js';
import {
  type AttributeDefinition,
  type AttributeType,
  attribute,
  type Mutability,
  type Returned,
  type SchemaDefinition,
} from './types.js';
import { URN } from './urns.js';

const TYPES: readonly AttributeType[] = [
  'string',
  'boolean',
  'decimal',
  'integer',
  'dateTime',
  'binary',
  'reference',
  'complex',
];
const MUTABILITIES: readonly Mutability[] = ['readWrite', 'readOnly', 'writeOnly'];
const RETURNED: readonly Returned[] = ['always', 'never', 'default', 'request'];
const ATTRIBUTE_KEYS = [
  'name',
  'type',
  'multiValued',
  'description',
  'required',
  'caseExact',
  'mutability',
  'returned',
  'uniqueness',
  'canonicalValues',
  'referenceTypes',
  'subAttributes',
];
/** RFC 7643 §2.1 ATTRNAME. */
const ATTRNAME = /^[A-Za-z][A-Za-z0-9_-]*$/;
/** RFC 8141 URN: `urn:<NID>:<NSS>`. */
const URN_PATTERN = /^urn:[A-Za-z0-9][A-Za-z0-9-]{0,31}:\S+$/i;
const RESERVED = new Set(
  [...Object.values(URN), ...BUILT_IN_REGISTRY.schemas.map((s) => s.id)].map((u) => u.toLowerCase()),
);

/** Thrown for an invalid file; `problems` holds one line per problem, each starting with its location. */
export class ExtensionFileError extends Error {
  readonly problems: readonly string[];

  constructor(problems: readonly string[]) {
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    super(`invalid schema extensions file (${count}):\n${problems.map((p) => `  ${p}`).join('\n')}`);
    this.name = 'ExtensionFileError';
    this.problems = problems;
  }
}

const list = (values: readonly string[]) => values.map((v) => JSON.stringify(v)).join(', ');

class Reader {
  readonly problems: string[] = [];

  problem(at: string, message: string): void {
    this.problems.push(`${at}: ${message}`);
  }

  object(value: unknown, at: string, keys: readonly string[], required: readonly string[]): Json | undefined {
    if (!isObject(value)) {
      this.problem(at, 'must be a JSON object');
      return undefined;
    }
    for (const key of Object.keys(value)) {
      if (!keys.includes(key)) this.problem(`${at}.${key}`, `unknown key; allowed: ${list(keys)}`);
    }
    for (const key of required) if (value[key] === undefined) this.problem(`${at}.${key}`, 'is required');
    return value;
  }

  boolean(value: unknown, at: string, fallback: boolean): boolean {
    if (value === undefined) return fallback;
    if (typeof value !== 'boolean') this.problem(at, 'must be true or false');
    return value === true;
  }

  string(value: unknown, at: string, fallback = ''): string {
    if (value === undefined) return fallback;
    if (typeof value !== 'string') this.problem(at, 'must be a string');
    return typeof value === 'string' ? value : fallback;
  }

  oneOf<T extends string>(value: unknown, at: string, allowed: readonly T[], fallback: T): T {
    if (value === undefined) return fallback;
    if (!allowed.includes(value as T)) this.problem(at, `must be one of ${list(allowed)}`);
    return allowed.includes(value as T) ? (value as T) : fallback;
  }

  strings(value: unknown, at: string): string[] | undefined {
    if (value === undefined) return undefined;
    if (!Array.isArray(value) || value.some((v) => typeof v !== 'string')) {
      this.problem(at, 'must be an array of strings');
      return undefined;
    }
    return value as string[];
  }
}

function readAttribute(r: Reader, value: unknown, at: string, isSub: boolean): AttributeDefinition | undefined {
  const raw = r.object(value, at, ATTRIBUTE_KEYS, ['name', 'type']);
  if (!raw) return undefined;
  const name = r.string(raw.name, `${at}.name`);
  if (typeof raw.name === 'string' && !ATTRNAME.test(name) && !(isSub && name === '$ref')) {
    r.problem(`${at}.name`, 'must start with a letter and contain only letters, digits, "-" and "_" (RFC 7643 §2.1)');
  }
  const type = r.oneOf(raw.type, `${at}.type`, TYPES, 'string');
  if (r.boolean(raw.required, `${at}.required`, false)) {
    r.problem(
      `${at}.required`,
      'true is not supported for extension attributes (scimd checks required core attributes only); use false',
    );
  }
  if (raw.mutability === 'immutable') {
    r.problem(`${at}.mutability`, '"immutable" is not supported for extension attributes; use "readWrite"');
  }
  const mutability =
    raw.mutability === 'immutable'
      ? 'readWrite'
      : r.oneOf(raw.mutability, `${at}.mutability`, MUTABILITIES, 'readWrite');
  if (raw.uniqueness !== undefined && raw.uniqueness !== 'none') {
    r.problem(
      `${at}.uniqueness`,
      'only "none" is supported for extension attributes (scimd enforces uniqueness of userName and Group displayName only)',
    );
  }
  const referenceTypes = r.strings(raw.referenceTypes, `${at}.referenceTypes`);
  if (referenceTypes && type !== 'reference')
    r.problem(`${at}.referenceTypes`, 'is only allowed with type "reference"');
  const canonicalValues = r.strings(raw.canonicalValues, `${at}.canonicalValues`);
  let subAttributes: AttributeDefinition[] | undefined;
  if (type === 'complex') {
    if (isSub) r.problem(`${at}.type`, 'a sub-attribute cannot be complex (RFC 7643 §2.3.8)');
    else if (!Array.isArray(raw.subAttributes) || raw.subAttributes.length === 0) {
      r.problem(`${at}.subAttributes`, 'a complex attribute needs a non-empty array of sub-attributes');
    } else subAttributes = readAttributes(r, raw.subAttributes, `${at}.subAttributes`, true);
  } else if (raw.subAttributes !== undefined) {
    r.problem(`${at}.subAttributes`, 'is only allowed with type "complex"');
  }
  const multiValued = r.boolean(raw.multiValued, `${at}.multiValued`, false);
  if (multiValued && type !== 'complex') {
    r.problem(
      `${at}.multiValued`,
      'true is supported for complex attributes only: declare a complex attribute with a "value" sub-attribute instead',
    );
  }
  return attribute(name, type, {
    multiValued,
    description: r.string(raw.description, `${at}.description`),
    caseExact: r.boolean(raw.caseExact, `${at}.caseExact`, false),
    mutability,
    returned: r.oneOf(raw.returned, `${at}.returned`, RETURNED, 'default'),
    ...(canonicalValues ? { canonicalValues } : {}),
    ...(referenceTypes ? { referenceTypes } : {}),
    ...(subAttributes ? { subAttributes } : {}),
  });
}

function readAttributes(r: Reader, value: unknown, at: string, isSub: boolean): AttributeDefinition[] {
  if (!Array.isArray(value) || value.length === 0) {
    r.problem(at, 'must be a non-empty array of attribute definitions');
    return [];
  }
  const seen = new Set<string>();
  const out: AttributeDefinition[] = [];
  for (const [i, item] of value.entries()) {
    const def = readAttribute(r, item, `${at}[${i}]`, isSub);
    if (!def) continue;
    const lower = def.name.toLowerCase();
    if (seen.has(lower)) r.problem(`${at}[${i}].name`, `"${def.name}" is declared twice (names ignore case)`);
    seen.add(lower);
    out.push(def);
  }
  return out;
}

function readSchema(r: Reader, value: unknown, at: string, ids: Set<string>): SchemaDefinition | undefined {
  const raw = r.object(value, at, ['id', 'name', 'description', 'attributes'], ['id', 'name', 'attributes']);
  if (!raw) return undefined;
  const id = r.string(raw.id, `${at}.id`);
  if (typeof raw.id === 'string') {
    if (!URN_PATTERN.test(id))
      r.problem(`${at}.id`, 'must be a URN such as "urn:example:scim:schemas:extension:acme:2.0:User"');
    else if (RESERVED.has(id.toLowerCase())) r.problem(`${at}.id`, `"${id}" is a schema scimd already defines`);
    else if (ids.has(id.toLowerCase())) r.problem(`${at}.id`, `"${id}" is declared twice`);
    ids.add(id.toLowerCase());
  }
  const name = r.string(raw.name, `${at}.name`);
  if (typeof raw.name === 'string' && name.trim() === '') r.problem(`${at}.name`, 'must not be empty');
  return {
    id,
    name,
    description: r.string(raw.description, `${at}.description`),
    attributes: readAttributes(r, raw.attributes, `${at}.attributes`, false),
  };
}

/** Validates a parsed extensions file; throws `ExtensionFileError` listing every problem. */
export function parseExtensionFile(value: unknown): ExtensionDeclaration[] {
  const r = new Reader();
  const root = r.object(value, '(file)', ['extensions'], ['extensions']);
  const declarations: ExtensionDeclaration[] = [];
  if (root && root.extensions !== undefined && !Array.isArray(root.extensions)) {
    r.problem('extensions', 'must be an array');
  }
  const ids = new Set<string>();
  for (const [i, item] of (Array.isArray(root?.extensions) ? root.extensions : []).entries()) {
    const at = `extensions[${i}]`;
    const raw = r.object(item, at, ['resourceType', 'required', 'schema'], ['resourceType', 'schema']);
    if (!raw) continue;
    const resourceType = r.oneOf(raw.resourceType, `${at}.resourceType`, ['User', 'Group'] as const, 'User');
    if (r.boolean(raw.required, `${at}.required`, false)) {
      r.problem(
        `${at}.required`,
        'true is not supported (scimd does not refuse resources without the extension); use false',
      );
    }
    const schema = readSchema(r, raw.schema, `${at}.schema`, ids);
    if (schema) declarations.push({ resourceType, schema, required: false });
  }
  if (r.problems.length > 0) throw new ExtensionFileError(r.problems);
  return declarations;
}

/** Parses the file's text as JSON, then validates it like `parseExtensionFile`. */
export function parseExtensionFileText(text: string): ExtensionDeclaration[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ExtensionFileError([`(file): not valid JSON: ${(error as Error).message}`]);
  }
  return parseExtensionFile(value);
}
