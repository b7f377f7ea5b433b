/**
 * What the provisioning log may keep of a request (docs/provisioning-log.md): no secret ever
 * reaches the database. Headers are not stored at all (so neither is Authorization); in bodies,
 * every attribute whose name looks secret (`password` at any depth, `*secret*`, `*token*`,
 * credentials, API keys) is replaced, as is the `value` of a PATCH operation whose `path`
 * names one; in any text, strings shaped like scimd tokens, signing secrets or bearer
 * credentials are replaced too. Pure functions.
 */

export const REDACTED = '[redacted]';

/** Attribute names whose values are never stored. */
const SECRET_NAME = /pass(word|phrase)|secret|token|credential|api[-_]?key|private[-_]?key|authorization/i;

/**
 * scimd tokens (SCIM and admin), Standard Webhooks secrets and bearer credentials inside any
 * text, a URL's query string included (`Bearer%20…`, `Bearer+…`).
 */
const SECRET_TEXT =
  /scimd_(admin_)?[0-9A-Za-z]{10,}|whsec_[A-Za-z0-9+/=]{10,}|\bBearer(?:\s|%20|\+)+[A-Za-z0-9._~+/=%-]{8,}/gi;

/** SECRET_TEXT without the `g` flag, for `.test` (on a global regex `.test` carries lastIndex over). */
const SECRET_TEXT_ANYWHERE = new RegExp(SECRET_TEXT.source, 'i');

/** SECRET_NAME or SECRET_TEXT, anywhere: one scan of a text instead of two. Not global. */
const ANY_SECRET = new RegExp(`${SECRET_NAME.source}|${SECRET_TEXT.source}`, 'i');

export function redactText(text: string): string {
  // Most texts hold no secret: one scan says so, without the replace machinery.
  return SECRET_TEXT_ANYWHERE.test(text) ? text.replace(SECRET_TEXT, REDACTED) : text;
}

/** The attribute a PATCH path ends with: `password`, `urn:…:User:password`, `emails[type eq "x"].value` → value. */
function lastAttribute(path: string): string {
  const withoutFilters = path.replace(/\[[^\]]*\]/g, '');
  const segments = withoutFilters.split(/[.:]/);
  return segments.at(-1) ?? path;
}

function isPatchOperation(value: Record<string, unknown>): boolean {
  return typeof value['op'] === 'string' && 'value' in value;
}

/** A deep copy of `value` with secrets replaced, in keys too (a token sent as a key). */
export function redactValue(value: unknown): unknown {
  if (typeof value === 'string') return redactText(value);
  if (Array.isArray(value)) return value.map(redactValue);
  if (value === null || typeof value !== 'object') return value;
  const object = value as Record<string, unknown>;
  const secretPath =
    isPatchOperation(object) && typeof object['path'] === 'string' && SECRET_NAME.test(lastAttribute(object['path']));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(object)) {
    out[redactText(key)] = SECRET_NAME.test(key) || (secretPath && key === 'value') ? REDACTED : redactValue(v);
  }
  return out;
}

/** Cuts `text` to at most `maxBytes` UTF-8 bytes, saying how much was cut. */
export function truncate(text: string, maxBytes: number): string {
  // A UTF-16 code unit is at most 3 UTF-8 bytes (a surrogate pair, two units, is 4; a lone
  // surrogate becomes U+FFFD, 3), so a text of at most maxBytes / 3 units fits: no counting.
  if (text.length * 3 <= maxBytes) return text;
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes <= maxBytes) return text;
  // Every code unit is at least one byte, so the first maxBytes bytes come from the first
  // maxBytes units: only those are encoded, not a whole long body. Should the last of them be
  // the first half of a surrogate pair, it starts at byte maxBytes - 1 or later, so at most one
  // byte of it is kept either way, which decodes to U+FFFD and is dropped as a cut character.
  const head = maxBytes > 0 && text.length > maxBytes ? text.slice(0, maxBytes) : text;
  const cut = Buffer.from(head, 'utf8')
    .subarray(0, maxBytes)
    .toString('utf8')
    .replace(/\uFFFD$/, '');
  return `${cut}…[truncated ${bytes - Buffer.byteLength(cut, 'utf8')} bytes]`;
}

// The fast path of bodyForLog: telling from a body's text alone that redacting it would change
// nothing, without parsing it.
//
// It suffices that, in the text itself, neither SECRET_NAME nor SECRET_TEXT matches anywhere,
// every escape is `\"` or `\\` (onlyQuoteEscapes), no `"path"` member has a string value holding
// `[`, and there is no `__proto__` key. Why: with only those two escapes, every character of a
// decoded key or string value stands for itself in the text, in the same order, except `"` and
// `\`, which neither pattern can match; before a string the text has its opening `"` and before
// an escaped character a `\`, non-word characters both, so `\b` in SECRET_TEXT finds the same
// boundaries in the text as in the string. So a SECRET_NAME match in a key, or a SECRET_TEXT
// match in a string value, would be a match in the text. A PATCH operation's path is tested on
// its last attribute, once `[filters]` are cut out, which can join two pieces (`pass[x]word`);
// without `[` that piece is a plain substring of the path. redactValue's copy would drop a
// `__proto__` key, so such text goes the slow way too. Text that is not JSON is only ever
// redacted by SECRET_TEXT, over the text itself.

/** A `"path"` member whose string value holds `[`. */
const FILTERED_PATH = /"path"\s*:\s*"(?:[^"\\[]|\\.)*\[/;

/**
 * Whether every backslash in `text` starts a `\"` or a `\\` escape. Any other escape could hide
 * what redaction looks for: `\uXXXX` spells any character (`p\u0061ssword`), `\/` a character
 * of a token, `\t` `\n` `\f` `\r` the whitespace after `Bearer`, and `\b` `\f` `\n` `\r` `\t`
 * stand for non-word characters with a word character in the text, which moves a `\b`.
 */
function onlyQuoteEscapes(text: string): boolean {
  for (let at = text.indexOf('\\'); at !== -1; at = text.indexOf('\\', at + 2)) {
    const next = text.charCodeAt(at + 1);
    if (next !== 0x22 && next !== 0x5c) return false;
  }
  return true;
}

/** Whether redacting the body whose JSON (or other) text this is would change nothing. */
function redactionChangesNothing(text: string): boolean {
  return !ANY_SECRET.test(text) && onlyQuoteEscapes(text) && !FILTERED_PATH.test(text) && !text.includes('__proto__');
}

/** The slow path: JSON parsed, copied with secrets replaced and serialised; other text redacted. */
function redactedText(raw: string): string {
  try {
    return JSON.stringify(redactValue(JSON.parse(raw)));
  } catch {
    return redactText(raw);
  }
}

/**
 * A body as the log stores it: JSON redacted then serialised, other text redacted; cut to
 * `maxBytes`. Null when there is no body or `maxBytes` is 0.
 *
 * Most bodies hold nothing to redact, and the text alone can show it (redactionChangesNothing):
 * such a body is stored as it came, without parsing or copying it. That is the very text the
 * slow path would store for what JSON.stringify writes (scimd's responses, and request bodies,
 * which are serialised here); any other JSON text is stored with its own spacing, the same value.
 * Either way the text stored is the text tested, so nothing either pattern matches is stored.
 */
export function bodyForLog(body: unknown, maxBytes: number): string | null {
  if (body === undefined || body === null || body === '' || maxBytes <= 0) return null;
  let text: string;
  if (typeof body === 'string' || Buffer.isBuffer(body)) {
    const raw = String(body);
    text = redactionChangesNothing(raw) ? raw : redactedText(raw);
  } else {
    // Request bodies are what JSON.parse made of the text sent, so JSON.stringify is their text.
    const json: string | undefined = JSON.stringify(body);
    text = json !== undefined && redactionChangesNothing(json) ? json : JSON.stringify(redactValue(body));
  }
  return truncate(text, maxBytes);
}

/** Identity providers recognised from the User-Agent they send, first match wins. */
const IDENTITY_PROVIDERS: readonly (readonly [RegExp, string])[] = [
  [/azure ?ad|azure active directory|entra|\baad\b|microsoft/i, 'entra'],
  [/okta/i, 'okta'],
  [/onelogin/i, 'onelogin'],
  [/jumpcloud/i, 'jumpcloud'],
  [/google/i, 'google'],
  [/ping ?(identity|federate|one)/i, 'ping'],
  [/rippling/i, 'rippling'],
  [/sailpoint/i, 'sailpoint'],
  [/keycloak/i, 'keycloak'],
  [/authentik/i, 'authentik'],
];

/**
 * The identity provider a User-Agent suggests (`entra` for "Azure AD SCIM provisioning",
 * `okta` for "Okta SCIM Client 1.0.0", …), or null. A guess to help support, never trusted.
 */
export function guessIdentityProvider(userAgent: string | undefined): string | null {
  if (!userAgent) return null;
  return IDENTITY_PROVIDERS.find(([pattern]) => pattern.test(userAgent))?.[1] ?? null;
}
