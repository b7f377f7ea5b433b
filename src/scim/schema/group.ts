import { attribute, type SchemaDefinition } from './types.js';
import { URN } from './urns.js';

/** RFC 7643 §4.2: the core Group schema. */
export const GROUP_SCHEMA: SchemaDefinition = {
  id: URN.group,
  name: 'Group',
  description: 'Group',
  attributes: [
    attribute('displayName', 'string', {
      required: true,
      uniqueness: 'server',
      description: 'A human-readable name for the Group, unique per tenant ignoring case.',
    }),
    attribute('members', 'complex', {
      multiValued: true,
      description: 'A list of members of the Group (users or groups of the same tenant).',
      subAttributes: [
        attribute('value', 'string', { mutability: 'immutable', caseExact: true }),
        attribute('$ref', 'reference', { mutability: 'immutable', referenceTypes: ['User', 'Group'] }),
        attribute('display', 'string', { mutability: 'readOnly' }),
        attribute('type', 'string', { mutability: 'immutable', canonicalValues: ['User', 'Group'] }),
      ],
    }),
  ],
};
