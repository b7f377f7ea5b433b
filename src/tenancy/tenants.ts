/**
 * Tenant and token use cases, shared by the CLI and the admin HTTP API (each only parses its
 * input, calls these and formats the result).
 *
 * Tenants are addressed by slug. Bad input throws `badRequest` (400), an unknown tenant or
 * token `notFound` (404), a taken slug `conflict` (409); messages are written for operators.
 */
import { randomUUID } from 'node:crypto';
import { badRequest, conflict, isScimError, notFound } from '../scim/errors.js';
import type { Store, TenantRecord, TenantStatus, TokenRecord } from '../store/store.js';
import { expiryFrom, parseExpiresIn } from './expires-in.js';
import { generateToken } from './tokens.js';

/** 2–63 characters: lower-case letters, digits and hyphens, starting with a letter. */
const SLUG_PATTERN = /^[a-z][a-z0-9-]{1,62}$/;
const SLUG_FORM = '2 to 63 lower-case letters, digits or hyphens, starting with a letter (e.g. acme-corp)';
const MAX_NAME_LENGTH = 200;
export const MAX_LABEL_LENGTH = 100;
const CONTROL = /[\u0000-\u001f\u007f]/;

export type TokenStatus = 'active' | 'expired' | 'revoked';

/** A token as lists show it: never the token or its hash. */
export interface TokenView {
  readonly id: string;
  readonly label: string | null;
  readonly hint: string;
  readonly status: TokenStatus;
  readonly created: string;
  readonly expiresAt: string | null;
  readonly lastUsedAt: string | null;
  readonly revokedAt: string | null;
}

export interface IssuedToken {
  /** The plaintext token: return it to the operator once; it cannot be recovered later. */
  readonly token: string;
  readonly record: TokenRecord;
  readonly tenant: TenantRecord;
}

export interface NewTenantInput {
  readonly slug: string;
  /** Display name; defaults to the slug. */
  readonly name?: string | undefined;
}

export interface IssueTokenInput {
  /** See `parseExpiresIn`; default `never`. */
  readonly expiresIn?: string | undefined;
  readonly label?: string | undefined;
}

/** Throws `badRequest` unless `slug` matches `SLUG_PATTERN`. */
export function checkSlug(slug: string): string {
  if (!SLUG_PATTERN.test(slug)) throw badRequest(`invalid tenant slug ${JSON.stringify(slug)}: use ${SLUG_FORM}`);
  return slug;
}

/** Trims `value` and throws `badRequest` when it is empty, longer than `max` or has control characters. */
export function checkText(what: string, value: string, max: number): string {
  const text = value.trim();
  if (text === '') throw badRequest(`${what} must not be empty`);
  if (text.length > max) throw badRequest(`${what} must be at most ${max} characters`);
  if (CONTROL.test(text)) throw badRequest(`${what} must not contain control characters`);
  return text;
}

/** The tenant-qualified SCIM base URL given to customers: `<base>/t/<slug>/scim/v2`. */
export function scimUrlFor(baseUrl: string, slug: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/t/${slug}/scim/v2`;
}

/** A tenant as the CLI (`--json`) and the admin API show it: the record plus its SCIM URL. */
export interface TenantView {
  readonly id: string;
  readonly slug: string;
  readonly name: string;
  readonly status: string;
  readonly created: string;
  readonly scimUrl: string;
}

export function viewTenant(tenant: TenantRecord, baseUrl: string): TenantView {
  return {
    id: tenant.id,
    slug: tenant.slug,
    name: tenant.name,
    status: tenant.status,
    created: tenant.created,
    scimUrl: scimUrlFor(baseUrl, tenant.slug),
  };
}

/** Status of a token at `now`. Revoked wins over expired; a token expires at `expiresAt` exactly. */
function tokenStatus(token: TokenRecord, now: Date): TokenStatus {
  if (token.revokedAt !== null) return 'revoked';
  if (token.expiresAt !== null && now.getTime() >= Date.parse(token.expiresAt)) return 'expired';
  return 'active';
}

function viewToken(token: TokenRecord, now: Date): TokenView {
  return {
    id: token.id,
    label: token.label,
    hint: token.hint,
    status: tokenStatus(token, now),
    created: token.created,
    expiresAt: token.expiresAt,
    lastUsedAt: token.lastUsedAt,
    revokedAt: token.revokedAt,
  };
}

export async function createTenant(store: Store, input: NewTenantInput, now: Date): Promise<TenantRecord> {
  const slug = checkSlug(input.slug);
  const name = input.name === undefined ? slug : checkText('tenant name', input.name, MAX_NAME_LENGTH);
  const exists = () => conflict(`tenant ${JSON.stringify(slug)} already exists`);
  if ((await store.tenants.getBySlug(slug)) !== undefined) throw exists();
  try {
    return await store.tenants.create({ id: randomUUID(), slug, name, status: 'active', created: now.toISOString() });
  } catch (error) {
    // Lost a race with another process creating the same slug.
    if (isScimError(error) && error.status === 409) throw exists();
    throw error;
  }
}

/** Throws `notFound` when no tenant has this slug. */
export async function getTenant(store: Store, slug: string): Promise<TenantRecord> {
  const tenant = await store.tenants.getBySlug(checkSlug(slug));
  if (tenant === undefined) throw notFound(`tenant ${JSON.stringify(slug)} not found`);
  return tenant;
}

/** Every tenant, ordered by slug. */
export async function listTenants(store: Store): Promise<readonly TenantRecord[]> {
  const tenants = await store.tenants.list();
  return [...tenants].sort((a, b) => (a.slug < b.slug ? -1 : a.slug > b.slug ? 1 : 0));
}

/** Enables or disables a tenant (idempotent). A disabled tenant's tokens are refused. */
export async function setTenantStatus(store: Store, slug: string, status: TenantStatus): Promise<TenantRecord> {
  const tenant = await getTenant(store, slug);
  const updated = await store.tenants.setStatus(tenant.id, status);
  if (updated === undefined) throw notFound(`tenant ${JSON.stringify(slug)} not found`);
  return updated;
}

/** Deletes a tenant with all its data (resources, memberships, tokens); returns what was deleted. */
export async function deleteTenant(store: Store, slug: string): Promise<TenantRecord> {
  const tenant = await getTenant(store, slug);
  if (!(await store.tenants.delete(tenant.id))) throw notFound(`tenant ${JSON.stringify(slug)} not found`);
  return tenant;
}

/**
 * Issues a new token for the tenant (existing tokens stay valid: rotate by issuing, switching
 * the IdP over, then revoking the old one). Only the hash is stored.
 */
export async function issueToken(store: Store, slug: string, input: IssueTokenInput, now: Date): Promise<IssuedToken> {
  const expiry = parseExpiresIn(input.expiresIn ?? 'never');
  if (!expiry.ok) throw badRequest(expiry.message);
  const label = input.label === undefined ? null : checkText('token label', input.label, MAX_LABEL_LENGTH);
  const tenant = await getTenant(store, slug);
  const { token, hash, hint } = generateToken();
  const record = await store.tokens.insert({
    id: randomUUID(),
    tenantId: tenant.id,
    label,
    hash,
    hint,
    created: now.toISOString(),
    expiresAt: expiryFrom(now, expiry.ms),
    revokedAt: null,
    lastUsedAt: null,
  });
  return { token, record, tenant };
}

/** The tenant's tokens, oldest first, with their status at `now`. */
export async function listTokens(store: Store, slug: string, now: Date): Promise<readonly TokenView[]> {
  const tenant = await getTenant(store, slug);
  const tokens = [...(await store.tokens.listForTenant(tenant.id))];
  tokens.sort((a, b) => (a.created < b.created ? -1 : a.created > b.created ? 1 : a.id < b.id ? -1 : 1));
  return tokens.map((t) => viewToken(t, now));
}

/** Revokes one of the tenant's tokens (idempotent); `notFound` when the id is not the tenant's. */
export async function revokeToken(store: Store, slug: string, tokenId: string, now: Date): Promise<TokenView> {
  const tenant = await getTenant(store, slug);
  const revoked = await store.tokens.revoke(tenant.id, tokenId, now.toISOString());
  if (revoked === undefined) {
    throw notFound(`token ${JSON.stringify(tokenId)} not found in tenant ${JSON.stringify(slug)}`);
  }
  return viewToken(revoked, now);
}
