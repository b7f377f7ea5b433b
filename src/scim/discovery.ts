/**
 * Discovery documents (RFC 7644 §4, RFC 7643 §5–§7), generated from the schema declarations so
 * they can never disagree with what the server does.
 */
import type { AttributeDefinition, ResourceTypeDefinition, SchemaDefinition } from './schema/types.js';
import { URN } from './schema/urns.js';

/** What the server supports; every flag here must be true of the running code. */
export interface ServiceProviderFeatures {
  /** Largest page (filter.maxResults, and pagination.defaultPageSize / maxPageSize). */
  readonly maxResults: number;
  readonly etag: boolean;
  readonly sort: boolean;
  /** `/Bulk` limits (RFC 7644 §3.7.4). */
  readonly bulk: { readonly maxOperations: number; readonly maxPayloadSize: number };
  /** Seconds a pagination cursor stays valid (RFC 9865 §4 `cursorTimeout`). */
  readonly cursorTimeout: number;
  readonly documentationUri?: string;
}

export function serviceProviderConfig(features: ServiceProviderFeatures, location: string): Record<string, unknown> {
  return {
    schemas: [URN.serviceProviderConfig],
    ...(features.documentationUri ? { documentationUri: features.documentationUri } : {}),
    patch: { supported: true },
    bulk: { supported: true, maxOperations: features.bulk.maxOperations, maxPayloadSize: features.bulk.maxPayloadSize },
    filter: { supported: true, maxResults: features.maxResults },
    changePassword: { supported: false },
    sort: { supported: features.sort },
    etag: { supported: features.etag },
    // RFC 9865 §4: both methods; index stays the default so existing clients see no change.
    pagination: {
      cursor: true,
      index: true,
      defaultPaginationMethod: 'index',
      defaultPageSize: features.maxResults,
      maxPageSize: features.maxResults,
      cursorTimeout: features.cursorTimeout,
    },
    authenticationSchemes: [
      {
        type: 'oauthbearertoken',
        name: 'OAuth Bearer Token',
        description: 'Authentication with a tenant-scoped bearer token issued by the operator (scimd tokens issue).',
        specUri: 'https://www.rfc-editor.org/rfc/rfc6750',
        primary: true,
      },
    ],
    meta: { resourceType: 'ServiceProviderConfig', location },
  };
}

export function resourceTypeDocument(type: ResourceTypeDefinition, baseUrl: string): Record<string, unknown> {
  return {
    schemas: [URN.resourceType],
    id: type.id,
    name: type.name,
    endpoint: type.endpoint,
    description: type.description,
    schema: type.schema.id,
    schemaExtensions: type.extensions.map((e) => ({ schema: e.schema.id, required: e.required })),
    meta: { resourceType: 'ResourceType', location: `${baseUrl}/ResourceTypes/${type.id}` },
  };
}

function attributeDocument(def: AttributeDefinition): Record<string, unknown> {
  return {
    name: def.name,
    type: def.type,
    multiValued: def.multiValued,
    description: def.description,
    required: def.required,
    caseExact: def.caseExact,
    mutability: def.mutability,
    returned: def.returned,
    uniqueness: def.uniqueness,
    ...(def.canonicalValues ? { canonicalValues: def.canonicalValues } : {}),
    ...(def.referenceTypes ? { referenceTypes: def.referenceTypes } : {}),
    ...(def.subAttributes ? { subAttributes: def.subAttributes.map(attributeDocument) } : {}),
  };
}

export function schemaDocument(schema: SchemaDefinition, baseUrl: string): Record<string, unknown> {
  return {
    schemas: [URN.schema],
    id: schema.id,
    name: schema.name,
    description: schema.description,
    attributes: schema.attributes.map(attributeDocument),
    meta: { resourceType: 'Schema', location: `${baseUrl}/Schemas/${schema.id}` },
  };
}
