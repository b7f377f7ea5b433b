/**
 * Shapes of the PATCH engine (RFC 7644 §3.5.2): typed operations, the result of applying them,
 * and the group membership changes the service executes against the membership table.
 */
import type { Filter, PatchPath } from '../filter/ast.js';
import type { MemberInput } from '../resource/validate.js';

/** One validated PATCH operation; `op` already lower-cased, `path` already parsed. */
export interface PatchOperation {
  readonly op: 'add' | 'replace' | 'remove';
  readonly path?: PatchPath;
  /**
   * Required for add/replace (null is allowed: it unassigns, RFC 7643 §2.5). On `remove` a value
   * is not defined by RFC 7644; when present it lists the values to remove (Entra's legacy
   * member removal, docs/compat.md "Remove with a value list").
   */
  readonly value?: unknown;
}

/**
 * A change to a group's membership, in request order. The service executes them in order
 * inside the PATCH transaction without loading the whole group:
 * - `add`: add members not yet present (unknown ids → 400 invalidValue, see resolveMembers);
 * - `remove`: remove these member ids (absent ids are not an error: entra.md §6);
 * - `removeWhere`: remove the members matching `filter`, a filter relative to one member
 *   element (`value`, `type`, `display`, `$ref`), e.g. `type eq "Group"`;
 * - `removeAll`: empty the group.
 */
export type MemberChange =
  | { readonly kind: 'add'; readonly members: readonly MemberInput[] }
  | { readonly kind: 'remove'; readonly ids: readonly string[] }
  | { readonly kind: 'removeWhere'; readonly filter: Filter }
  | { readonly kind: 'removeAll' };

export interface PatchResult {
  /** The new canonical body (a fresh object; the input is never mutated). */
  readonly body: Record<string, unknown>;
  /** Group membership changes in execution order (always empty for Users). */
  readonly memberChanges: readonly MemberChange[];
  /**
   * Top-level attributes whose value changed, canonical spelling, extension attributes
   * URN-qualified (`urn:…:enterprise:2.0:User:department`); `members` when memberChanges is
   * non-empty. A repeated identical PATCH yields [] for every attribute stored in the body.
   */
  readonly changedAttributes: readonly string[];
}
