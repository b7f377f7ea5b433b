/**
 * The resource types this server offers and attribute resolution against their schemas.
 * Names resolve ignoring case (RFC 7643 §2.1); the result carries the canonical spelling.
 */
import type { AttrPath } from '../filter/ast.js';
import { COMMON_ATTRIBUTES } from './common.js';
import { ENTERPRISE_USER_SCHEMA } from './enterprise-user.js';
import { GROUP_SCHEMA } from './group.js';
import type { AttributeDefinition, ResourceTypeDefinition, ResourceTypeName, SchemaDefinition } from './types.js';
import { USER_SCHEMA } from './user.js';

export const USER_RESOURCE_TYPE: ResourceTypeDefinition = {
  id: 'User',
  name: 'User',
  endpoint: '/Users',
  description: 'User Account',
  schema: USER_SCHEMA,
  extensions: [{ schema: ENTERPRISE_USER_SCHEMA, required: false }],
};

export const GROUP_RESOURCE_TYPE: ResourceTypeDefinition = {
  id: 'Group',
  name: 'Group',
  endpoint: '/Groups',
  description: 'Group',
  schema: GROUP_SCHEMA,
  extensions: [],
};

export const RESOURCE_TYPES: readonly ResourceTypeDefinition[] = [USER_RESOURCE_TYPE, GROUP_RESOURCE_TYPE];

/** The built-in definition of a resource type (core schema + Enterprise User extension). */
export function resourceType(name: ResourceTypeName): ResourceTypeDefinition {
  return name === 'User' ? USER_RESOURCE_TYPE : GROUP_RESOURCE_TYPE;
}

/** An extra schema extension an operator declares for a resource type. */
export interface ExtensionDeclaration {
  readonly resourceType: ResourceTypeName;
  readonly schema: SchemaDefinition;
  readonly required: boolean;
}

/**
 * The resource types a server offers: the built-in ones plus operator-declared extensions.
 * Built once at start-up and passed down (RequestContext.registry), never global.
 */
export interface SchemaRegistry {
  readonly resourceTypes: readonly ResourceTypeDefinition[];
  resourceType(name: ResourceTypeName): ResourceTypeDefinition;
  /** Every schema offered, core schemas first, each once (`/Schemas`). */
  readonly schemas: readonly SchemaDefinition[];
}

export function createRegistry(extensions: readonly ExtensionDeclaration[] = []): SchemaRegistry {
  const resourceTypes = RESOURCE_TYPES.map((type) => ({
    ...type,
    extensions: [
      ...type.extensions,
      ...extensions
        .filter((e) => e.resourceType === type.name)
        .map((e) => ({ schema: e.schema, required: e.required })),
    ],
  }));
  const byName = new Map(resourceTypes.map((t) => [t.name, t]));
  const schemas = new Map<string, SchemaDefinition>();
  for (const type of resourceTypes) {
    schemas.set(type.schema.id, type.schema);
    for (const ext of type.extensions) schemas.set(ext.schema.id, ext.schema);
  }
  return {
    resourceTypes,
    resourceType: (name) => byName.get(name)!,
    schemas: [...schemas.values()],
  };
}

export const BUILT_IN_REGISTRY: SchemaRegistry = createRegistry();

/** Every schema a resource type can carry: the core schema first, then its extensions. */
export function schemasOf(type: ResourceTypeDefinition): readonly SchemaDefinition[] {
  return [type.schema, ...type.extensions.map((e) => e.schema)];
}

/** A resolved attribute path: where the attribute lives and its definitions. */
export interface ResolvedAttribute {
  /** The schema URN the attribute belongs to (the core URN for common attributes). */
  readonly schema: string;
  /** True when the attribute lives in an extension (stored under the URN key of the body). */
  readonly inExtension: boolean;
  /** Top-level attribute definition. */
  readonly attribute: AttributeDefinition;
  /** Sub-attribute definition, when the path names one. */
  readonly subAttribute?: AttributeDefinition;
  /** The definition the path finally designates (sub-attribute if any, else the attribute). */
  readonly target: AttributeDefinition;
}

export function findAttribute(
  attributes: readonly AttributeDefinition[],
  name: string,
): AttributeDefinition | undefined {
  const lower = name.toLowerCase();
  return attributes.find((a) => a.name.toLowerCase() === lower);
}

function findSchema(type: ResourceTypeDefinition, urn: string): SchemaDefinition | undefined {
  const lower = urn.toLowerCase();
  return schemasOf(type).find((s) => s.id.toLowerCase() === lower);
}

/**
 * Resolves `path` against the resource type. Without a schema URN the core schema and the
 * common attributes are searched first, then the extensions (RFC 7644 §3.10: unqualified names
 * belong to the core schema). Returns undefined for unknown attributes; callers decide whether
 * that is an error (RFC 7644 §3.4.2.2 lets a filter on an unknown attribute match nothing).
 */
export function resolveAttribute(type: ResourceTypeDefinition, path: AttrPath): ResolvedAttribute | undefined {
  const candidates: { schema: SchemaDefinition; common: boolean }[] = [];
  if (path.schema !== undefined) {
    const schema = findSchema(type, path.schema);
    if (!schema) return undefined;
    candidates.push({ schema, common: schema === type.schema });
  } else {
    candidates.push({ schema: type.schema, common: true });
    for (const ext of type.extensions) candidates.push({ schema: ext.schema, common: false });
  }
  for (const { schema, common } of candidates) {
    const attribute =
      findAttribute(schema.attributes, path.attribute) ??
      (common ? findAttribute(COMMON_ATTRIBUTES, path.attribute) : undefined);
    if (!attribute) continue;
    const inExtension = schema !== type.schema;
    if (path.subAttribute === undefined) {
      return { schema: schema.id, inExtension, attribute, target: attribute };
    }
    const subAttribute = findAttribute(attribute.subAttributes ?? [], path.subAttribute);
    if (!subAttribute) return undefined;
    return { schema: schema.id, inExtension, attribute, subAttribute, target: subAttribute };
  }
  return undefined;
}

/** Resolves a path relative to a complex attribute (inside a valuePath filter). */
export function resolveSubAttribute(parent: AttributeDefinition, name: string): AttributeDefinition | undefined {
  return findAttribute(parent.subAttributes ?? [], name);
}
