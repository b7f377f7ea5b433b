/**
 * What the provisioning log and the request log lines may keep of a request
 * (docs/provisioning-log.md): no secret ever reaches the database or a log line. Headers are not
 * stored at all (so neither is Authorization); in bodies, every attribute whose name looks
 * secret (`password` or `pwd` at any depth, `*secret*`, `*token*`, credentials, API keys) is
 * replaced, as is everything but `op` and `path` of a PATCH operation whose `path` names one,
 * and the compared values of filters naming one; keys that look like random secrets go too; in
 * any text, strings shaped like scimd tokens, signing secrets, bearer or basic credentials and
 * JWTs are replaced. URLs lose secret path segments and query values (url-redaction.ts). Pure
 * functions; none throws, and none recurses deeper than MAX_REDACTION_DEPTH.
 */

export const REDACTED = '[redacted]';

/** What stands for a part of a body nested deeper than MAX_REDACTION_DEPTH. */
export const TOO_DEEP = '[nested too deeply]';

/**
 * How deep redaction walks a body before it replaces what lies below with TOO_DEEP: the walk
 * recurses, and a body nested 20,000 deep would overflow the stack (issue 12.4).
 */
export const MAX_REDACTION_DEPTH = 100;

/** Attribute names whose values are never stored (`pwd`, `passwd` and `accessKey` included). */
const SECRET_NAME =
  /pass(word|phrase|wd)|pwd|secret|token|credential|api[-_]?key|private[-_]?key|access[-_]?key|authorization/i;

/**
 * scimd tokens (SCIM and admin), Standard Webhooks secrets, bearer and basic credentials and
 * JWTs inside any text, a URL's query string included (`Bearer%20…`, `Bearer+…`). A `Basic …`
 * match is only replaced when it decodes to `user:password` (BASIC_CREDENTIAL), so that
 * "Basic Engineering" stays.
 */
const SECRET_TEXT =
  /scimd_(admin_)?[0-9A-Za-z]{10,}|whsec_[A-Za-z0-9+/=]{10,}|\bBearer(?:\s|%20|\+)+[A-Za-z0-9._~+/=%-]{8,}|\bBasic(?:\s|%20|\+)+[A-Za-z0-9+/=%]{6,}|\beyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/gi;

/** SECRET_TEXT without the `g` flag, for `.test` (on a global regex `.test` carries lastIndex over). */
const SECRET_TEXT_ANYWHERE = new RegExp(SECRET_TEXT.source, 'i');

/** Whether an attribute or parameter name says its value is a secret (`password`, `pwd`, `access_token`, …). */
export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

/** Whether `text` holds anything redactText replaces (or a `Basic …` that may be a credential). */
export function holdsSecretText(text: string): boolean {
  return SECRET_TEXT_ANYWHERE.test(text);
}

/** SECRET_NAME or SECRET_TEXT, anywhere: one scan of a text instead of two. Not global. */
const ANY_SECRET = new RegExp(`${SECRET_NAME.source}|${SECRET_TEXT.source}`, 'i');

const BASIC_CREDENTIAL = /^Basic(?:\s|%20|\+)+/i;

/** Whether a `Basic …` match carries base64 of `user:password` (printable, with a colon). */
function isBasicCredential(match: string): boolean {
  let encoded = match.replace(BASIC_CREDENTIAL, '');
  try {
    encoded = decodeURIComponent(encoded);
  } catch {
    return true;
  }
  const decoded = Buffer.from(encoded, 'base64').toString('latin1');
  return /^[\x20-\x7e]+:[\x20-\x7e]*$/.test(decoded);
}

function replaceSecret(match: string): string {
  return match.length > 5 && /^basic/i.test(match) && !isBasicCredential(match) ? match : REDACTED;
}

export function redactText(text: string): string {
  // Most texts hold no secret: one scan says so, without the replace machinery.
  return SECRET_TEXT_ANYWHERE.test(text) ? text.replace(SECRET_TEXT, replaceSecret) : text;
}

/** Words of the characters a random key or token is written with (base64, base64url, JWT). */
const TOKEN_WORD = /^[A-Za-z0-9+=_~.-]+$/;

/** Shannon entropy in bits per character. */
function entropyOf(text: string): number {
  const counts = new Map<number, number>();
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    counts.set(c, (counts.get(c) ?? 0) + 1);
  }
  let bits = 0;
  for (const n of counts.values()) {
    const p = n / text.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/**
 * Whether a word looks like a random secret: 32 characters or more of a token alphabet, with
 * upper and lower case letters and digits, and more than 4.3 bits of entropy per character (a
 * random base64 word has about 4.6; names, words and UUIDs, lower case hex, stay well below or
 * lack a class). Used where a secret hides in place of a name: keys, query parameters, path
 * segments, request ids; never on attribute values, where long ids are legitimate.
 */
export function looksLikeSecret(word: string): boolean {
  if (word.length < 32 || !TOKEN_WORD.test(word)) return false;
  if (!/[A-Z]/.test(word) || !/[a-z]/.test(word) || !/[0-9]/.test(word)) return false;
  return entropyOf(word) > 4.3;
}

/** A key's closing quote apart from its colon: `"key" : 1` (JSON allows it; JSON.stringify never writes it). */
const SPACED_KEY_END = /"\s+:/;

/**
 * Whether a JSON text may hold a key that looksLikeSecret. Such a key holds no quote, so in the
 * text it runs from the quote before a `":` to it: only those stretches are read, found by
 * native searches (scanning every word of the text costs more than the rest of the fast path).
 * A text whose keys may be spaced from their colon goes the slow way; so does any stretch that
 * is not a key at all but looks like a secret: a false alarm only costs time.
 */
function mayHoldSecretLookingKey(text: string): boolean {
  if (SPACED_KEY_END.test(text)) return true;
  for (let end = text.indexOf('":'); end !== -1; end = text.indexOf('":', end + 2)) {
    const start = text.lastIndexOf('"', end - 1) + 1;
    if (end - start >= 32 && looksLikeSecret(text.slice(start, end))) return true;
  }
  return false;
}

/** A comparison value in a filter: `password eq "x"`, `value eq 12`, `[value ne x]`. */
const COMPARED_VALUE = /(\b(?:eq|ne|co|sw|ew|gt|ge|lt|le)\s+)("(?:[^"\\]|\\.)*"?|[^\s\])]+)/gi;

/**
 * A filter or PATCH path with its compared values replaced when it names a secret anywhere
 * (`password[value eq "x"]`, `emails[type eq "work" and password eq "x"]`, `pwd eq "x"`).
 */
export function redactFilter(text: string): string {
  return SECRET_NAME.test(text) ? text.replace(COMPARED_VALUE, `$1"${REDACTED}"`) : text;
}

/** The attribute a PATCH path ends with: `password`, `urn:…:User:password`, `emails[type eq "x"].value` → value. */
function lastAttribute(path: string): string {
  const withoutFilters = path.replace(/\[[^\]]*\]/g, '');
  const segments = withoutFilters.split(/[.:]/);
  return segments.at(-1) ?? path;
}

function isPatchOperation(value: Record<string, unknown>): boolean {
  return typeof value['op'] === 'string' && typeof value['path'] === 'string';
}

function redactKey(key: string): string {
  return looksLikeSecret(key) ? REDACTED : redactText(key);
}

/**
 * A deep copy of `value` with secrets replaced, in keys too (a token sent as a key). A PATCH
 * operation whose path names a secret keeps only its `op` and `path` (the value may hide under
 * a misspelt key), and the compared values of filters naming a secret are replaced. Below
 * MAX_REDACTION_DEPTH, what is left is TOO_DEEP. Never throws on what JSON.parse makes.
 */
export function redactValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return redactText(value);
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_REDACTION_DEPTH) return TOO_DEEP;
  if (Array.isArray(value)) return value.map((v) => redactValue(v, depth + 1));
  const object = value as Record<string, unknown>;
  const secretPath = isPatchOperation(object) && SECRET_NAME.test(lastAttribute(object['path'] as string));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(object)) {
    let copy: unknown;
    if (SECRET_NAME.test(key) || (secretPath && key !== 'op' && key !== 'path')) copy = REDACTED;
    else if (typeof v === 'string' && (key === 'path' || key.toLowerCase() === 'filter'))
      copy = redactFilter(redactText(v));
    else copy = redactValue(v, depth + 1);
    out[redactKey(key)] = copy;
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

/**
 * Whether redacting the body whose JSON (or other) text this is would change nothing. Keys are
 * only looked at when the client may have chosen them (`clientKeys`).
 */
function redactionChangesNothing(text: string, clientKeys: boolean): boolean {
  return (
    !ANY_SECRET.test(text) &&
    onlyQuoteEscapes(text) &&
    !FILTERED_PATH.test(text) &&
    !text.includes('__proto__') &&
    !(clientKeys && mayHoldSecretLookingKey(text))
  );
}

/** The slow path: JSON parsed, copied with secrets replaced and serialised; other text redacted. */
function redactedText(raw: string): string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return redactText(raw);
  }
  return JSON.stringify(redactValue(parsed));
}

/** A body value (as JSON.parse made it) as text, if writing it out needs no redaction. */
function unchangedText(body: unknown): string | undefined {
  try {
    // Throws on a value nested deeper than V8's serialiser goes: then the slow path bounds it.
    const json: string | undefined = JSON.stringify(body);
    return json !== undefined && redactionChangesNothing(json, true) ? json : undefined;
  } catch {
    return undefined;
  }
}

/** What is stored for a body that could not be redacted (never expected: redaction is bounded). */
const BODY_NOT_RECORDED = '[body not recorded: it could not be redacted]';

export interface BodyOptions {
  /**
   * False for scimd's own responses: their keys are attribute names of the schemas (unknown
   * attributes are never stored), never a client's, so the fast path need not look at keys for
   * secrets (a fifth of its time). Their values are still looked at like any other.
   */
  readonly clientKeys?: boolean;
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
export function bodyForLog(body: unknown, maxBytes: number, options: BodyOptions = {}): string | null {
  if (body === undefined || body === null || body === '' || maxBytes <= 0) return null;
  let text: string;
  try {
    if (typeof body === 'string' || Buffer.isBuffer(body)) {
      const raw = String(body);
      text = redactionChangesNothing(raw, options.clientKeys ?? true) ? raw : redactedText(raw);
    } else {
      // Request bodies are what JSON.parse made of the text sent, so JSON.stringify is their text.
      text = unchangedText(body) ?? JSON.stringify(redactValue(body)) ?? BODY_NOT_RECORDED;
    }
  } catch {
    // A body is recorded however it is made (issue 12.4): whatever went wrong, the entry stays.
    text = BODY_NOT_RECORDED;
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
