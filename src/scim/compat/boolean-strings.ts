/**
 * Rule `entra-boolean-strings` (docs/compat.md): Entra sends booleans as the strings "True" and
 * "False" (entra.md §6, §8; SCIMReferenceCode #21). The one reading of such a string, used by the
 * request normaliser (coerceBooleanStrings in entra.ts) and by the filter checker for literals
 * such as `roles[primary eq "True"]` (src/scim/filter/check.ts).
 */
const BOOLEAN_TEXT = /^(true|false)$/i;

/** `true`/`false` for the strings "true"/"false" in any letter case; undefined for anything else. */
export function booleanOfString(value: unknown): boolean | undefined {
  return typeof value === 'string' && BOOLEAN_TEXT.test(value) ? value.toLowerCase() === 'true' : undefined;
}
