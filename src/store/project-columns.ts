/**
 * The one derivation of a resource's projected columns from its canonical body. Every backend
 * calls it on every write, so the columns (uniqueness, filtering, display joins) can never
 * disagree with the body.
 */
import { fold } from '../scim/filter/values.js';
import type { ResourceTypeName } from '../scim/schema/types.js';
import type { ScimObject } from './shapes.js';

export interface ProjectedColumns {
  /** Folded userName (User) or displayName (Group): unique per tenant and resource type. */
  readonly uniqueNameFold: string | null;
  /** Folded displayName, for filtering (not unique for users). */
  readonly displayNameFold: string | null;
  /** What a membership shows: displayName, else userName (users). */
  readonly display: string | null;
  readonly externalId: string | null;
  /** User.active; null when absent (and always for groups). */
  readonly active: boolean | null;
}

/** The attribute that must be unique ignoring case within a tenant (RFC 7643 §4.1, §4.2). */
function uniqueAttributeOf(type: ResourceTypeName): 'userName' | 'displayName' {
  return type === 'User' ? 'userName' : 'displayName';
}

function stringAt(body: ScimObject, name: string): string | null {
  const value = body[name];
  return typeof value === 'string' ? value : null;
}

export function projectColumns(type: ResourceTypeName, body: ScimObject): ProjectedColumns {
  const unique = stringAt(body, uniqueAttributeOf(type));
  const displayName = stringAt(body, 'displayName');
  const active = body['active'];
  return {
    uniqueNameFold: unique === null ? null : fold(unique),
    displayNameFold: displayName === null ? null : fold(displayName),
    display: displayName !== null && displayName !== '' ? displayName : unique,
    externalId: stringAt(body, 'externalId'),
    active: type === 'User' && typeof active === 'boolean' ? active : null,
  };
}

/** The message of the `uniqueness` error for a clash on `type`'s unique attribute. */
export function uniquenessMessage(type: ResourceTypeName, body: ScimObject): string {
  const attribute = uniqueAttributeOf(type);
  return `${attribute} ${JSON.stringify(body[attribute])} is already taken`;
}

/**
 * Normalises a timestamp to `Date#toISOString` form (UTC, milliseconds) so stored values
 * compare lexically in the same order as in time. Throws on an unparseable value: callers pass
 * their clock's reading, never user input.
 */
export function normalizeTimestamp(value: string): string {
  const ms = Date.parse(value);
  if (Number.isNaN(ms)) throw new Error(`not an ISO 8601 timestamp: ${JSON.stringify(value)}`);
  return new Date(ms).toISOString();
}
