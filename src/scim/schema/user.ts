import { multiValued } from './common.js';
import { type AttributeDefinition, attribute, type SchemaDefinition } from './types.js';
import { URN } from './urns.js';

/** RFC 7643 §4.1 and §8.7.1: the core User schema. */
const userAttributes: readonly AttributeDefinition[] = [
  attribute('userName', 'string', {
    required: true,
    uniqueness: 'server',
    description: 'Unique identifier for the User, typically used to sign in. Compared ignoring case.',
  }),
  attribute('name', 'complex', {
    description: "The components of the user's name.",
    subAttributes: [
      attribute('formatted', 'string'),
      attribute('familyName', 'string'),
      attribute('givenName', 'string'),
      attribute('middleName', 'string'),
      attribute('honorificPrefix', 'string'),
      attribute('honorificSuffix', 'string'),
    ],
  }),
  attribute('displayName', 'string', { description: 'The name of the User, suitable for display.' }),
  attribute('nickName', 'string'),
  attribute('profileUrl', 'reference', { referenceTypes: ['external'] }),
  attribute('title', 'string'),
  attribute('userType', 'string'),
  attribute('preferredLanguage', 'string'),
  attribute('locale', 'string'),
  attribute('timezone', 'string'),
  attribute('active', 'boolean', { description: "The User's administrative status." }),
  attribute('password', 'string', {
    mutability: 'writeOnly',
    returned: 'never',
    description: "The User's cleartext password; never returned and never stored in the clear.",
  }),
  multiValued('emails', 'Email addresses for the user.', { canonicalTypes: ['work', 'home', 'other'] }),
  multiValued('phoneNumbers', 'Phone numbers for the User.', {
    canonicalTypes: ['work', 'home', 'mobile', 'fax', 'pager', 'other'],
  }),
  multiValued('ims', 'Instant messaging addresses for the User.'),
  multiValued('photos', 'URLs of photos of the User.', {
    valueType: 'reference',
    canonicalTypes: ['photo', 'thumbnail'],
  }),
  attribute('addresses', 'complex', {
    multiValued: true,
    description: 'A physical mailing address for this User.',
    subAttributes: [
      attribute('formatted', 'string'),
      attribute('streetAddress', 'string'),
      attribute('locality', 'string'),
      attribute('region', 'string'),
      attribute('postalCode', 'string'),
      attribute('country', 'string'),
      attribute('type', 'string', { canonicalValues: ['work', 'home', 'other'] }),
      attribute('primary', 'boolean'),
    ],
  }),
  attribute('groups', 'complex', {
    multiValued: true,
    mutability: 'readOnly',
    description: 'The groups the user belongs to, derived from group memberships.',
    subAttributes: [
      attribute('value', 'string', { mutability: 'readOnly' }),
      attribute('$ref', 'reference', { mutability: 'readOnly', referenceTypes: ['User', 'Group'] }),
      attribute('display', 'string', { mutability: 'readOnly' }),
      attribute('type', 'string', { mutability: 'readOnly', canonicalValues: ['direct', 'indirect'] }),
    ],
  }),
  multiValued('entitlements', 'Entitlements of the User.'),
  multiValued('roles', 'Roles of the User (Entra app role assignments land here).'),
  multiValued('x509Certificates', 'Certificates of the User.', { valueType: 'binary' }),
];

export const USER_SCHEMA: SchemaDefinition = {
  id: URN.user,
  name: 'User',
  description: 'User Account',
  attributes: userAttributes,
};
