/**
 * The shapes both halves of the storage port speak: `store.ts` (resources, tenants, tokens,
 * roles) and `events-port.ts` (the outbox, endpoints and provisioning log). They live apart from
 * both so that neither port file imports the other for them.
 */

/** A SCIM JSON object as stored: canonical body without `id`, `meta`, `members` or `groups`. */
export type ScimObject = Record<string, unknown>;

/** A reference to a group member, or the member a change event reports. */
export interface MemberRef {
  readonly value: string;
  readonly type: 'User' | 'Group';
}
