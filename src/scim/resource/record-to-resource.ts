/**
 * A stored record → the full SCIM resource a client receives (RFC 7643 §3.1): `schemas`, `id`,
 * `externalId`, the body's attributes in stored order, derived `members` / `groups`, and `meta`
 * with the version tag. Projection (`attributes`, `excludedAttributes`) is project.ts's job.
 */
import type { ResourceTypeDefinition } from '../schema/types.js';

/** The stored parts the representation is built from (structurally the store's record). */
export interface ResourceRecord {
  readonly id: string;
  readonly version: number;
  readonly created: string;
  readonly lastModified: string;
  readonly body: Record<string, unknown>;
}

export interface DerivedAttributes {
  /** Group members, already in wire shape. */
  readonly members?: readonly { value: string; type: string; display?: string }[];
  /** User groups, already in wire shape. */
  readonly groups?: readonly { value: string; display: string }[];
}

/** RFC 7232 weak entity tag for a resource version; also `meta.version`. */
export function versionTag(version: number): string {
  return `W/"${version}"`;
}

/** `location` is the absolute URL of the resource, e.g. `https://x/scim/v2/Users/<id>`. */
export function toRepresentation(
  type: ResourceTypeDefinition,
  record: ResourceRecord,
  location: string,
  derived: DerivedAttributes = {},
): Record<string, unknown> {
  const { schemas, externalId, ...attributes } = record.body;
  const ref = (id: string, kind: string) => `${location.slice(0, location.lastIndexOf(type.endpoint))}/${kind}/${id}`;
  return {
    schemas: schemas ?? [type.schema.id],
    id: record.id,
    ...(externalId !== undefined ? { externalId } : {}),
    ...attributes,
    ...(derived.members && derived.members.length > 0
      ? {
          members: derived.members.map((m) => ({
            value: m.value,
            $ref: ref(m.value, m.type === 'Group' ? 'Groups' : 'Users'),
            type: m.type,
            ...(m.display !== undefined ? { display: m.display } : {}),
          })),
        }
      : {}),
    ...(derived.groups && derived.groups.length > 0
      ? {
          groups: derived.groups.map((g) => ({
            value: g.value,
            $ref: ref(g.value, 'Groups'),
            display: g.display,
            type: 'direct',
          })),
        }
      : {}),
    meta: {
      resourceType: type.name,
      created: record.created,
      lastModified: record.lastModified,
      location,
      version: versionTag(record.version),
    },
  };
}
