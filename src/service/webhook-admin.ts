/**
 * Webhook endpoint management (docs/webhooks.md), shared by the admin API and
 * `scimd webhooks`: each only parses its input, calls these and formats the result.
 *
 * Endpoints are addressed by id; tenants by slug. A signing secret is returned only by
 * `createWebhook` and `rotateWebhookSecret`; views show a hint. Bad input is `badRequest`,
 * unknown ids `notFound`.
 */

import { generateSigningSecret } from '../events/signing.js';
import { createTargetPolicy } from '../events/target-policy.js';
import { badRequest, notFound } from '../scim/errors.js';
import type { EndpointRecord, SigningSecret } from '../store/events-port.js';
import type { Store, TenantRecord } from '../store/store.js';
import { getTenant } from '../tenancy/tenants.js';

const MAX_URL_LENGTH = 2000;
const MAX_DESCRIPTION_LENGTH = 200;
/** After a rotation the old secret keeps signing this long by default. */
const DEFAULT_ROTATION_OVERLAP_MS = 24 * 60 * 60 * 1000;

export interface SecretView {
  /** `whsec_…` and the last four characters. */
  readonly hint: string;
  readonly created: string;
  readonly expiresAt: string | null;
}

export interface WebhookView {
  readonly id: string;
  /** `webhook`, or `consumer` for an in-process consumer (docs/events.md). */
  readonly kind: EndpointRecord['kind'];
  /** Consumers only. */
  readonly name: string | null;
  /** The tenant's slug; null: every tenant. */
  readonly tenant: string | null;
  readonly url: string | null;
  readonly description: string | null;
  readonly enabled: boolean;
  readonly created: string;
  readonly secrets: readonly SecretView[];
}

export interface StreamView {
  readonly tenant: string;
  /** Events up to this cursor were delivered (or dead-lettered). */
  readonly deliveredCursor: string;
  readonly latestCursor: string;
  /** Events waiting: latest - delivered. */
  readonly pending: number;
  readonly attempts: number;
  readonly nextAttemptAt: string;
  readonly lastAttemptAt: string | null;
  readonly lastStatus: number | null;
  readonly lastError: string | null;
}

export interface NewWebhookInput {
  readonly url: string;
  /** A tenant slug; omitted or null: every tenant. */
  readonly tenant?: string | null | undefined;
  readonly description?: string | undefined;
}

export interface WebhookChanges {
  readonly url?: string | undefined;
  readonly description?: string | null | undefined;
  readonly enabled?: boolean | undefined;
}

/** Where webhooks may go (docs/webhooks.md "Where webhooks may go"). */
export interface WebhookTargetOptions {
  /** SCIMD_WEBHOOK_ALLOW_TARGETS: internal host names, addresses and CIDRs allowed anyway. */
  readonly allowTargets?: readonly string[] | undefined;
}

export interface CreatedWebhook {
  readonly webhook: WebhookView;
  /** Shown once: configure it in the receiving app to verify signatures. */
  readonly secret: string;
}

/**
 * An absolute http(s) URL without credentials that does not point into the internal network
 * (events/target-policy.ts), unless the allow list names it. A host name is judged by its name
 * here; the addresses it resolves to are checked before every delivery.
 */
function checkWebhookUrl(url: string, options: WebhookTargetOptions = {}): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw badRequest(`invalid webhook URL ${JSON.stringify(url)}: use an absolute http or https URL`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw badRequest(`invalid webhook URL ${JSON.stringify(url)}: use http or https`);
  }
  if (parsed.username !== '' || parsed.password !== '') {
    throw badRequest('a webhook URL must not contain credentials: receivers authenticate scimd by its signature');
  }
  if (url.length > MAX_URL_LENGTH) throw badRequest(`a webhook URL must be at most ${MAX_URL_LENGTH} characters`);
  const verdict = createTargetPolicy(options.allowTargets).checkUrl(url);
  if (!verdict.ok) {
    throw badRequest(
      `webhook URL ${JSON.stringify(url)} refused: ${verdict.reason}; scimd does not send webhooks into internal networks unless SCIMD_WEBHOOK_ALLOW_TARGETS lists the receiver`,
    );
  }
  return parsed.href;
}

/**
 * `lastError` as shown. Before #12.6 the sender stored the start of the receiver's answer
 * (`HTTP 503: <body>`); those bytes stay in the database until the next attempt, so they are
 * dropped here, keeping the status.
 */
export function shownLastError(error: string | null): string | null {
  const legacy = /^HTTP (\d{3}): /.exec(error ?? '');
  return legacy ? `HTTP ${legacy[1]} from the endpoint` : error;
}

function checkDescription(text: string): string {
  const description = text.trim();
  if (description.length > MAX_DESCRIPTION_LENGTH) {
    throw badRequest(`a webhook description must be at most ${MAX_DESCRIPTION_LENGTH} characters`);
  }
  return description;
}

function secretHint(secret: string): string {
  return `whsec_…${secret.slice(-4)}`;
}

async function slugs(store: Store): Promise<Map<string, TenantRecord>> {
  return new Map((await store.tenants.list()).map((t) => [t.id, t]));
}

function viewWebhook(endpoint: EndpointRecord, tenants: ReadonlyMap<string, TenantRecord>): WebhookView {
  return {
    id: endpoint.id,
    kind: endpoint.kind,
    name: endpoint.name,
    tenant: endpoint.tenantId === null ? null : (tenants.get(endpoint.tenantId)?.slug ?? endpoint.tenantId),
    url: endpoint.url,
    description: endpoint.description,
    enabled: endpoint.enabled,
    created: endpoint.created,
    secrets: endpoint.secrets.map((s: SigningSecret) => ({
      hint: secretHint(s.secret),
      created: s.created,
      expiresAt: s.expiresAt,
    })),
  };
}

/** Throws `notFound` for an unknown endpoint id. */
export async function findWebhook(store: Store, id: string): Promise<EndpointRecord> {
  const endpoint = await store.endpoints.get(id);
  if (endpoint === undefined) throw notFound(`webhook ${JSON.stringify(id)} not found`);
  return endpoint;
}

/**
 * Creates a webhook for one tenant or all of them. It receives the events that happen from
 * now on (replay older ones with `replayWebhook`).
 */
export async function createWebhook(
  store: Store,
  input: NewWebhookInput,
  now: Date,
  options: WebhookTargetOptions = {},
): Promise<CreatedWebhook> {
  // An unknown tenant is a 404 whatever the URL.
  const tenant = input.tenant == null ? null : await getTenant(store, input.tenant);
  const url = checkWebhookUrl(input.url, options);
  const secret = generateSigningSecret();
  const endpoint = await store.endpoints.create(
    {
      id: crypto.randomUUID(),
      kind: 'webhook',
      name: null,
      tenantId: tenant?.id ?? null,
      url,
      description: input.description === undefined ? null : checkDescription(input.description),
      secrets: [{ secret, created: now.toISOString(), expiresAt: null }],
      enabled: true,
      created: now.toISOString(),
    },
    'latest',
  );
  return { webhook: viewWebhook(endpoint, await slugs(store)), secret };
}

/** Every webhook and in-process consumer, oldest first. */
export async function listWebhooks(store: Store): Promise<readonly WebhookView[]> {
  const tenants = await slugs(store);
  return (await store.endpoints.list()).map((e) => viewWebhook(e, tenants));
}

export async function getWebhook(store: Store, id: string): Promise<WebhookView> {
  return viewWebhook(await findWebhook(store, id), await slugs(store));
}

/** Each tenant's delivery position and the state of its next event. */
export async function listWebhookStreams(store: Store, id: string): Promise<readonly StreamView[]> {
  const endpoint = await findWebhook(store, id);
  const tenants = await slugs(store);
  const views: StreamView[] = [];
  for (const s of await store.endpoints.listStreams(endpoint.id)) {
    const { lastSeq } = await store.events.list(s.tenantId, 0, 0);
    views.push({
      tenant: tenants.get(s.tenantId)?.slug ?? s.tenantId,
      deliveredCursor: String(s.deliveredSeq),
      latestCursor: String(lastSeq),
      pending: Math.max(0, lastSeq - s.deliveredSeq),
      attempts: s.attempts,
      nextAttemptAt: s.nextAttemptAt,
      lastAttemptAt: s.lastAttemptAt,
      lastStatus: s.lastStatus,
      lastError: shownLastError(s.lastError),
    });
  }
  return views.sort((a, b) => (a.tenant < b.tenant ? -1 : a.tenant > b.tenant ? 1 : 0));
}

export async function updateWebhook(
  store: Store,
  id: string,
  changes: WebhookChanges,
  options: WebhookTargetOptions = {},
): Promise<WebhookView> {
  const endpoint = await findWebhook(store, id);
  if (changes.url !== undefined && endpoint.kind !== 'webhook') {
    throw badRequest(`${JSON.stringify(id)} is an in-process consumer: it has no URL`);
  }
  const updated = await store.endpoints.update(id, {
    ...(changes.url === undefined ? {} : { url: checkWebhookUrl(changes.url, options) }),
    ...(changes.description === undefined
      ? {}
      : { description: changes.description === null ? null : checkDescription(changes.description) }),
    ...(changes.enabled === undefined ? {} : { enabled: changes.enabled }),
  });
  if (updated === undefined) throw notFound(`webhook ${JSON.stringify(id)} not found`);
  return viewWebhook(updated, await slugs(store));
}

/** Deletes the endpoint with its delivery positions and dead letters; returns what it was. */
export async function deleteWebhook(store: Store, id: string): Promise<WebhookView> {
  const view = await getWebhook(store, id);
  if (!(await store.endpoints.delete(id))) throw notFound(`webhook ${JSON.stringify(id)} not found`);
  return view;
}

/**
 * Adds a new signing secret. Until `overlapMs` from now the old secrets keep signing too, so
 * receivers can switch without rejecting a message; then only the new one signs.
 */
export async function rotateWebhookSecret(
  store: Store,
  id: string,
  now: Date,
  overlapMs = DEFAULT_ROTATION_OVERLAP_MS,
): Promise<CreatedWebhook> {
  const endpoint = await findWebhook(store, id);
  if (endpoint.kind !== 'webhook')
    throw badRequest(`${JSON.stringify(id)} is an in-process consumer: it signs nothing`);
  const at = now.toISOString();
  const until = new Date(now.getTime() + overlapMs).toISOString();
  const kept = endpoint.secrets
    .filter((s) => s.expiresAt === null || s.expiresAt > at)
    .map((s) => ({ ...s, expiresAt: s.expiresAt === null || s.expiresAt > until ? until : s.expiresAt }));
  const secret = generateSigningSecret();
  const updated = await store.endpoints.update(id, {
    secrets: [...kept, { secret, created: at, expiresAt: null }],
  });
  if (updated === undefined) throw notFound(`webhook ${JSON.stringify(id)} not found`);
  return { webhook: viewWebhook(updated, await slugs(store)), secret };
}
