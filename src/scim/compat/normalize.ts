/**
 * The door every IdP request passes (ARCHITECTURE.md "Quirks normalise at the door"): the
 * named normalisers of entra.ts and okta.ts chained in a fixed order. They are no-ops on
 * RFC-shaped input, so they run for every client; docs/compat.md lists each with its source.
 */
import { isObject } from '../json.js';
import type { ResourceTypeDefinition } from '../schema/types.js';
import { ENTRA_VALUE_VISITORS, expandAttributeKeys, expandPathlessKeys, normalizeOpNames } from './entra.js';
import { dropEchoedId } from './okta.js';
import { mapPatchValues, mapResourceValues } from './walk.js';

/**
 * Normalises a raw PATCH body for parsePatchRequest: op names and member names, path-less
 * dotted/URN keys, JSON-encoded roles, manager shapes, string booleans, `"$ref": null` members,
 * and an echoed own `id` (pass `resourceId` so a different id is still rejected).
 */
export function normalizePatchRequest(type: ResourceTypeDefinition, rawBody: unknown, resourceId?: string): unknown {
  let body = expandPathlessKeys(type, normalizeOpNames(rawBody));
  for (const visit of ENTRA_VALUE_VISITORS) body = mapPatchValues(type, body, visit);
  return dropEchoedId(body, resourceId);
}

/**
 * Normalises a raw POST/PUT body for the body validator: dotted/URN keys expanded, JSON-encoded
 * roles decoded, manager shapes, string booleans, `"$ref": null` members.
 */
export function normalizeResourceBody(type: ResourceTypeDefinition, rawBody: unknown): unknown {
  if (!isObject(rawBody)) return rawBody;
  let body = expandAttributeKeys(type, rawBody);
  for (const visit of ENTRA_VALUE_VISITORS) body = mapResourceValues(type, body, visit);
  return body;
}
