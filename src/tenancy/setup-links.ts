/**
 * Setup links (docs/console.md): a revocable, time-limited URL `/setup/<opaque>` that lets the
 * customer's IT admin fetch their own SCIM token and setup values without an operator relaying
 * secrets. Shared by the CLI, the admin API and the console.
 *
 * The opaque part is `scimd_setup_` + 43 base62 characters (256 random bits); only its SHA-256
 * is stored. A token generated through the portal replaces the previous portal tokens after a
 * grace period; tokens the operator issued directly are never touched.
 */
import { createHash, randomUUID } from 'node:crypto';
import { badRequest, notFound } from '../scim/errors.js';
import type { SetupLinkEvent, SetupLinkEventKind, SetupLinkRecord } from '../store/console-port.js';
import type { Store, TenantRecord, TokenRecord } from '../store/store.js';
import { expiryFrom, parseExpiresIn } from './expires-in.js';
import { getTenant } from './tenants.js';
import { generateToken, TOKEN_PREFIX } from './tokens.js';

export const SETUP_LINK_PREFIX = 'scimd_setup_';
const SETUP_LINK_PATTERN = /^scimd_setup_[0-9A-Za-z]{43}$/;
const DEFAULT_EXPIRES_IN = '7d';
const MAX_LINK_MS = 90 * 86_400_000;
/** The label of every token the portal issues (what the operator sees in `tokens list`). */
export const PORTAL_TOKEN_LABEL = 'Setup portal';
const DEFAULT_EVENT_LIMIT = 50;
const MAX_EVENT_LIMIT = 1000;
/** Client details are stored for the operator's eyes only; cap what a client can make us keep. */
const MAX_CLIENT_TEXT = 512;

export type SetupLinkStatus = 'active' | 'expired' | 'revoked';

/** A setup link as lists show it: never the URL or its hash. */
export interface SetupLinkView {
  readonly id: string;
  readonly hint: string;
  readonly status: SetupLinkStatus;
  readonly created: string;
  readonly createdBy: string;
  readonly expiresAt: string;
  readonly revokedAt: string | null;
  /** How often the portal page was opened through the link. */
  readonly opened: number;
  readonly tokensGenerated: number;
  /** The last time the link was opened or generated a token. */
  readonly lastUsedAt: string | null;
}

export interface SetupLinkClient {
  readonly address: string | null;
  readonly userAgent: string | null;
}

export interface CreatedSetupLink {
  /** The opaque part of the URL: show it once; only its hash is stored. */
  readonly opaque: string;
  readonly record: SetupLinkRecord;
  readonly tenant: TenantRecord;
}

export type ResolvedSetupLink =
  | { readonly ok: true; readonly link: SetupLinkRecord; readonly tenant: TenantRecord }
  | { readonly ok: false; readonly reason: 'unknown' | 'expired' | 'revoked' | 'tenant-disabled' };

export interface PortalToken {
  /** The plaintext token: shown once on the portal page. */
  readonly token: string;
  readonly record: TokenRecord;
  /** Earlier portal tokens still working, with the expiry the grace period gave them. */
  readonly previous: readonly { readonly id: string; readonly hint: string; readonly expiresAt: string }[];
}

function hashOpaque(opaque: string): string {
  return createHash('sha256').update(opaque, 'utf8').digest('hex');
}

/** The portal URL of a link: `<base without trailing slash>/setup/<opaque>`. */
export function setupLinkUrl(baseUrl: string, opaque: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/setup/${opaque}`;
}

function linkStatus(link: SetupLinkRecord, now: Date): SetupLinkStatus {
  if (link.revokedAt !== null) return 'revoked';
  return now.getTime() >= Date.parse(link.expiresAt) ? 'expired' : 'active';
}

function viewLink(link: SetupLinkRecord, events: readonly SetupLinkEvent[], now: Date): SetupLinkView {
  const own = events.filter((e) => e.linkId === link.id);
  return {
    id: link.id,
    hint: link.hint,
    status: linkStatus(link, now),
    created: link.created,
    createdBy: link.createdBy,
    expiresAt: link.expiresAt,
    revokedAt: link.revokedAt,
    opened: own.filter((e) => e.kind === 'opened').length,
    tokensGenerated: own.filter((e) => e.kind === 'token_generated').length,
    // Events come newest first.
    lastUsedAt: own[0]?.time ?? null,
  };
}

/** Every event of the tenant (or of one link), newest first: links are used by people, rarely. */
function allEvents(store: Store, tenantId: string, linkId?: string): Promise<readonly SetupLinkEvent[]> {
  const query = linkId === undefined ? {} : { linkId };
  return store.console.setupLinks.listEvents(tenantId, { ...query, limit: Number.MAX_SAFE_INTEGER });
}

/** Creates a link to the tenant's setup portal, valid for `expiresIn` (default 7d, at most 90d). */
export async function createSetupLink(
  store: Store,
  slug: string,
  input: { readonly expiresIn?: string | undefined; readonly createdBy: string },
  now: Date,
): Promise<CreatedSetupLink> {
  const text = input.expiresIn ?? DEFAULT_EXPIRES_IN;
  const expiry = parseExpiresIn(text);
  if (!expiry.ok) throw badRequest(expiry.message);
  if (expiry.ms === null || expiry.ms > MAX_LINK_MS) {
    throw badRequest(`invalid setup link expiry ${JSON.stringify(text)}: a setup link lasts at most 90d`);
  }
  const tenant = await getTenant(store, slug);
  const opaque = SETUP_LINK_PREFIX + generateToken().token.slice(TOKEN_PREFIX.length);
  const record = await store.console.setupLinks.insert({
    id: randomUUID(),
    tenantId: tenant.id,
    hash: hashOpaque(opaque),
    hint: `…${opaque.slice(-4)}`,
    created: now.toISOString(),
    createdBy: input.createdBy,
    expiresAt: expiryFrom(now, expiry.ms)!,
    revokedAt: null,
  });
  return { opaque, record, tenant };
}

/** The tenant's links, newest first, with their use. */
export async function listSetupLinks(store: Store, slug: string, now: Date): Promise<readonly SetupLinkView[]> {
  const tenant = await getTenant(store, slug);
  const [links, events] = await Promise.all([
    store.console.setupLinks.listForTenant(tenant.id),
    allEvents(store, tenant.id),
  ]);
  return links.map((link) => viewLink(link, events, now));
}

/** Revokes one of the tenant's links (idempotent); `notFound` when the id is not the tenant's. */
export async function revokeSetupLink(store: Store, slug: string, linkId: string, now: Date): Promise<SetupLinkView> {
  const tenant = await getTenant(store, slug);
  const revoked = await store.console.setupLinks.revoke(tenant.id, linkId, now.toISOString());
  if (revoked === undefined) {
    throw notFound(`setup link ${JSON.stringify(linkId)} not found in tenant ${JSON.stringify(slug)}`);
  }
  return viewLink(revoked, await allEvents(store, tenant.id, linkId), now);
}

/** What the portal may serve for `opaque`; a value that is not even shaped like a link costs no read. */
export async function resolveSetupLink(store: Store, opaque: string, now: Date): Promise<ResolvedSetupLink> {
  if (!SETUP_LINK_PATTERN.test(opaque)) return { ok: false, reason: 'unknown' };
  const link = await store.console.setupLinks.findByHash(hashOpaque(opaque));
  if (link === undefined) return { ok: false, reason: 'unknown' };
  const status = linkStatus(link, now);
  if (status !== 'active') return { ok: false, reason: status };
  const tenant = await store.tenants.getById(link.tenantId);
  if (tenant === undefined) return { ok: false, reason: 'unknown' };
  if (tenant.status !== 'active') return { ok: false, reason: 'tenant-disabled' };
  return { ok: true, link, tenant };
}

const clientText = (value: string | null) => (value === null ? null : value.slice(0, MAX_CLIENT_TEXT));

/** Records one use of a link for the operator (`tokenId` for `token_generated`). */
export async function recordSetupLinkUse(
  store: Store,
  link: SetupLinkRecord,
  kind: SetupLinkEventKind,
  client: SetupLinkClient,
  now: Date,
  tokenId?: string,
): Promise<void> {
  await store.console.setupLinks.recordEvent({
    id: randomUUID(),
    linkId: link.id,
    tenantId: link.tenantId,
    time: now.toISOString(),
    kind,
    tokenId: tokenId ?? null,
    clientAddress: clientText(client.address),
    userAgent: clientText(client.userAgent),
  });
}

/** The tenant's link events, newest first (default 50, at most 1000), optionally of one link. */
export async function listSetupLinkEvents(
  store: Store,
  slug: string,
  query: { readonly linkId?: string | undefined; readonly limit?: number | undefined },
): Promise<readonly SetupLinkEvent[]> {
  const limit = query.limit ?? DEFAULT_EVENT_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_EVENT_LIMIT) {
    throw badRequest(`invalid limit ${limit}: use a whole number from 1 to ${MAX_EVENT_LIMIT}`);
  }
  const tenant = await getTenant(store, slug);
  return store.console.setupLinks.listEvents(tenant.id, {
    ...(query.linkId === undefined ? {} : { linkId: query.linkId }),
    limit,
  });
}

/**
 * Issues a new SCIM token through the portal (`link` as `resolveSetupLink` returned it), and
 * makes every earlier portal token of the tenant (through any of its links) that still works
 * expire `graceMs` from now, or earlier if it already would. Records a `token_generated` event.
 */
export async function generatePortalToken(
  store: Store,
  link: SetupLinkRecord,
  graceMs: number,
  client: SetupLinkClient,
  now: Date,
): Promise<PortalToken> {
  const { token, hash, hint } = generateToken();
  const record = await store.tokens.insert({
    id: randomUUID(),
    tenantId: link.tenantId,
    label: PORTAL_TOKEN_LABEL,
    hash,
    hint,
    created: now.toISOString(),
    expiresAt: null,
    revokedAt: null,
    lastUsedAt: null,
  });
  const events = await allEvents(store, link.tenantId);
  const portalTokenIds = new Set(events.flatMap((e) => (e.kind === 'token_generated' && e.tokenId ? [e.tokenId] : [])));
  const graceEnd = new Date(now.getTime() + graceMs).toISOString();
  const previous: { id: string; hint: string; expiresAt: string }[] = [];
  for (const old of await store.tokens.listForTenant(link.tenantId)) {
    if (!portalTokenIds.has(old.id) || old.id === record.id || old.revokedAt !== null) continue;
    if (old.expiresAt !== null && now.getTime() >= Date.parse(old.expiresAt)) continue;
    const updated = await store.tokens.setExpiry(link.tenantId, old.id, graceEnd);
    if (updated?.expiresAt != null && updated.revokedAt === null) {
      previous.push({ id: updated.id, hint: updated.hint, expiresAt: updated.expiresAt });
    }
  }
  await recordSetupLinkUse(store, link, 'token_generated', client, now, record.id);
  return { token, record, previous };
}
