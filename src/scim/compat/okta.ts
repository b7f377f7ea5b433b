/**
 * Okta request normalisers (docs/compat.md, shared reference entra.md §11,
 * https://developer.okta.com/docs/reference/scim/scim-20/). Okta's deactivation
 * `{"op":"replace","value":{"active":false}}` and member operations are RFC-shaped already;
 * what needs absorbing is the group rename that echoes the group's own `id`.
 */
import type { Json } from '../json.js';
import { mapOperations, pathlessValue } from './walk.js';

/**
 * Rule `okta-echoed-id`.
 * Group Push renames with `{"op":"replace","value":{"id":"<group id>","displayName":"…"}}`.
 * `id` is readOnly (RFC 7643 §3.1), so the engine would answer 400 mutability; an `id` equal
 * to the resource's own id changes nothing and is dropped here. A different id is kept (and
 * then rejected). Without `resourceId` every echoed `id` is dropped: it can never be written.
 */
export function dropEchoedId(body: unknown, resourceId?: string): unknown {
  return mapOperations(body, (op) => {
    const value = pathlessValue(op);
    if (value === undefined) return op;
    const out: Json = {};
    for (const [key, v] of Object.entries(value)) {
      const echoed = key.toLowerCase() === 'id' && (resourceId === undefined || v === resourceId);
      if (!echoed) out[key] = v;
    }
    return { ...op, value: out };
  });
}
