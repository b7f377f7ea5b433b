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

/** scimd tokens (SCIM and admin), Standard Webhooks secrets and bearer credentials inside any text. */
const SECRET_TEXT = /scimd_(admin_)?[0-9A-Za-z]{10,}|whsec_[A-Za-z0-9+/=]{10,}|\bBearer\s+[A-Za-z0-9._~+/=-]{8,}/gi;

export function redactText(text: string): string {
  return text.replace(SECRET_TEXT, REDACTED);
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

/** A deep copy of `value` with secrets replaced. */
export function redactValue(value: unknown): unknown {
  if (typeof value === 'string') return redactText(value);
  if (Array.isArray(value)) return value.map(redactValue);
  if (value === null || typeof value !== 'object') return value;
  const object = value as Record<string, unknown>;
  const secretPath =
    isPatchOperation(object) && typeof object['path'] === 'string' && SECRET_NAME.test(lastAttribute(object['path']));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(object)) {
    out[key] = SECRET_NAME.test(key) || (secretPath && key === 'value') ? REDACTED : redactValue(v);
  }
  return out;
}

/** Cuts `text` to at most `maxBytes` UTF-8 bytes, saying how much was cut. */
export function truncate(text: string, maxBytes: number): string {
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes <= maxBytes) return text;
  const cut = Buffer.from(text, 'utf8')
    .subarray(0, maxBytes)
    .toString('utf8')
    .replace(/\uFFFD$/, '');
  return `${cut}…[truncated ${bytes - Buffer.byteLength(cut, 'utf8')} bytes]`;
}

/**
 * A body as the log stores it: JSON redacted then serialised, other text redacted; cut to
 * `maxBytes`. Null when there is no body or `maxBytes` is 0.
 */
export function bodyForLog(body: unknown, maxBytes: number): string | null {
  if (body === undefined || body === null || body === '' || maxBytes <= 0) return null;
  let text: string;
  if (typeof body === 'string' || Buffer.isBuffer(body)) {
    const raw = String(body);
    try {
      text = JSON.stringify(redactValue(JSON.parse(raw)));
    } catch {
      text = redactText(raw);
    }
  } else {
    text = JSON.stringify(redactValue(body));
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
