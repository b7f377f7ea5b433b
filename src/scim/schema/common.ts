import { type AttributeDefinition, attribute } from './types.js';

/** `id`, `externalId` and `meta`: common to every resource (RFC 7643 §3.1). */
export const COMMON_ATTRIBUTES: readonly AttributeDefinition[] = [
  attribute('id', 'string', {
    caseExact: true,
    mutability: 'readOnly',
    returned: 'always',
    uniqueness: 'server',
    description: 'Unique identifier for the resource, assigned by the service provider.',
  }),
  attribute('externalId', 'string', {
    caseExact: true,
    description: 'Identifier of the resource as defined by the provisioning client.',
  }),
  attribute('meta', 'complex', {
    mutability: 'readOnly',
    description: 'Resource metadata.',
    subAttributes: [
      attribute('resourceType', 'string', { caseExact: true, mutability: 'readOnly' }),
      attribute('created', 'dateTime', { mutability: 'readOnly' }),
      attribute('lastModified', 'dateTime', { mutability: 'readOnly' }),
      attribute('location', 'reference', { mutability: 'readOnly', referenceTypes: ['uri'] }),
      attribute('version', 'string', { caseExact: true, mutability: 'readOnly' }),
    ],
  }),
];

/**
 * The usual shape of a multi-valued attribute (RFC 7643 §2.4): value, display, type, primary.
 * `valueType` lets e.g. photos carry references.
 */
export function multiValued(
  name: string,
  description: string,
  options: {
    canonicalTypes?: readonly string[];
    valueType?: 'string' | 'reference' | 'binary';
    extra?: readonly AttributeDefinition[];
  } = {},
): AttributeDefinition {
  return attribute(name, 'complex', {
    multiValued: true,
    description,
    subAttributes: [
      attribute('value', options.valueType ?? 'string', {
        ...(options.valueType === 'reference' ? { referenceTypes: ['external'] } : {}),
      }),
      attribute('display', 'string'),
      attribute('type', 'string', options.canonicalTypes ? { canonicalValues: options.canonicalTypes } : {}),
      attribute('primary', 'boolean'),
      ...(options.extra ?? []),
    ],
  });
}
