/**
 * Text of provisioning log entries as every backend stores it (issue 12.1) and without secrets
 * (issue 12.8): NUL and lone surrogates made storable, secret ids and attribute names replaced,
 * everything bounded. Pure functions.
 */
import { looksLikeSecret, REDACTED, redactText, truncate } from './log-redaction.js';

/** How many ignored attribute names an entry keeps, and how long each may be. */
const MAX_IGNORED_ATTRIBUTES = 100;
const MAX_ATTRIBUTE_NAME_BYTES = 200;

/**
 * Text every backend stores: NUL becomes the six characters `\u0000` (PostgreSQL refuses NUL
 * in text, and one such entry used to fail its whole batch) and a lone surrogate becomes
 * U+FFFD (what its UTF-8 encoding would make of it anyway).
 */
export function storable(text: string): string {
  if (text.isWellFormed() && !text.includes('\u0000')) return text;
  return text.toWellFormed().replaceAll('\u0000', '\\u0000');
}

export function storableOrNull(text: string | null, maxBytes: number): string | null {
  return text === null ? null : truncate(storable(text), maxBytes);
}

/** A resource id from the URL: a token pasted there is no id to keep (issue 12.8). */
export function resourceIdOf(id: string): string {
  return truncate(storable(looksLikeSecret(id) || redactText(id) !== id ? REDACTED : id), 300);
}

/** The ignored attribute names, sorted, redacted like keys, bounded in number and length. */
export function ignoredAttributesOf(names: ReadonlySet<string> | undefined): string[] {
  if (names === undefined || names.size === 0) return [];
  return [...names]
    .sort()
    .slice(0, MAX_IGNORED_ATTRIBUTES)
    .map((name) => truncate(storable(looksLikeSecret(name) ? REDACTED : redactText(name)), MAX_ATTRIBUTE_NAME_BYTES));
}
