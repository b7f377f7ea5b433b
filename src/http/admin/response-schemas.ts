/**
 * The admin API's response shapes as zod schemas: documentation (OpenAPI) and, in tests, a
 * check that what the routes send matches what is documented.
 */
import { z } from 'zod';

const timestamp = z.string().describe('ISO 8601, UTC, with milliseconds');
const nullableTimestamp = timestamp.nullable();

export const tenantSchema = z.object({
  id: z.string(),
  slug: z.string(),
  name: z.string(),
  status: z.enum(['active', 'disabled']),
  created: timestamp,
  scimUrl: z.string().describe('The SCIM base URL to give the customer (Entra: Tenant URL)'),
});

export const tokenSchema = z.object({
  id: z.string(),
  label: z.string().nullable(),
  hint: z.string().describe('scimd_… and the last four characters'),
  status: z.enum(['active', 'expired', 'revoked']),
  created: timestamp,
  expiresAt: nullableTimestamp,
  lastUsedAt: nullableTimestamp,
  revokedAt: nullableTimestamp,
});

export const issuedTokenSchema = z.object({
  id: z.string(),
  token: z.string().describe('The bearer token: returned once, stored only as a hash'),
  tenant: z.string(),
  label: z.string().nullable(),
  hint: z.string(),
  created: timestamp,
  expiresAt: nullableTimestamp,
  scimUrl: z.string(),
});

const eventSchema = z.object({
  id: z.string().describe('evt_<tenant id>_<seq>: stable across redeliveries (the webhook-id)'),
  type: z.string().describe('user.created, user.updated, user.deactivated, user.reactivated, user.roles_changed, …'),
  timestamp,
  tenant: z.object({ id: z.string(), slug: z.string() }),
  seq: z.number().int(),
  cursor: z.string(),
  requestId: z.string().nullable(),
  data: z.object({
    resourceType: z.string(),
    id: z.string(),
    changedAttributes: z.array(z.string()),
    resource: z.record(z.string(), z.unknown()),
    member: z.object({ value: z.string(), type: z.enum(['User', 'Group']) }).optional(),
  }),
});

export const feedPageSchema = z.object({
  events: z.array(eventSchema),
  nextCursor: z.string(),
  latestCursor: z.string(),
  prunedThrough: z.string(),
});

export const webhookSchema = z.object({
  id: z.string(),
  kind: z.enum(['webhook', 'consumer']),
  name: z.string().nullable(),
  tenant: z.string().nullable().describe('Tenant slug; null: every tenant'),
  url: z.string().nullable(),
  description: z.string().nullable(),
  enabled: z.boolean(),
  created: timestamp,
  secrets: z.array(z.object({ hint: z.string(), created: timestamp, expiresAt: nullableTimestamp })),
});

export const createdWebhookSchema = z.object({
  webhook: webhookSchema,
  secret: z.string().describe('whsec_…: returned once; the receiver verifies signatures with it'),
});

export const streamSchema = z.object({
  tenant: z.string(),
  deliveredCursor: z.string(),
  latestCursor: z.string(),
  pending: z.number().int(),
  attempts: z.number().int(),
  nextAttemptAt: timestamp,
  lastAttemptAt: nullableTimestamp,
  lastStatus: z.number().int().nullable(),
  lastError: z.string().nullable(),
});

export const deadLetterSchema = z.object({
  id: z.string(),
  tenant: z.string(),
  cursor: z.string(),
  eventId: z.string(),
  state: z.enum(['dead', 'retrying', 'delivered']),
  attempts: z.number().int(),
  lastStatus: z.number().int().nullable(),
  lastError: z.string().nullable(),
  deadAt: timestamp,
  nextAttemptAt: nullableTimestamp,
});

export const replaySchema = z.object({
  webhook: z.string(),
  tenant: z.string(),
  after: z.string(),
  latestCursor: z.string(),
});

export const logEntrySchema = z.object({
  id: z.string(),
  time: timestamp,
  method: z.string(),
  path: z.string(),
  status: z.number().int(),
  scimType: z.string().nullable(),
  latencyMs: z.number().int(),
  resourceType: z.string().nullable(),
  resourceId: z.string().nullable(),
  idp: z
    .string()
    .nullable()
    .describe('Guessed from the User-Agent: entra, okta, onelogin, …; null for unauthenticated requests'),
  userAgent: z.string().nullable(),
  requestId: z.string(),
  authenticated: z
    .boolean()
    .describe('False for a request refused before authentication: kept apart, in its own bounded space'),
  ignoredAttributes: z
    .array(z.string())
    .describe('Attributes the request sent that no schema declares and that were ignored'),
  requestBody: z.unknown().optional().describe('Redacted; JSON when it was JSON'),
  responseBody: z.unknown().optional().describe('Redacted; JSON when it was JSON'),
});

export const logPageSchema = z.object({
  entries: z.array(logEntrySchema),
  next: z.string().nullable().describe('Pass as "before" for the next, older page'),
});

export const setupLinkSchema = z.object({
  id: z.string(),
  hint: z.string().describe('… and the last four characters of the link'),
  status: z.enum(['active', 'expired', 'revoked']),
  created: timestamp,
  createdBy: z.string().describe('cli, admin-api or console:<credential label>'),
  expiresAt: timestamp,
  revokedAt: nullableTimestamp,
  opened: z.number().int().describe('How often the setup page was opened through the link'),
  tokensGenerated: z.number().int(),
  lastUsedAt: nullableTimestamp,
});

export const createdSetupLinkSchema = z.object({
  id: z.string(),
  tenant: z.string(),
  url: z.string().describe('The setup portal URL for the customer: returned once, stored only as a hash'),
  hint: z.string(),
  status: z.literal('active'),
  created: timestamp,
  createdBy: z.string(),
  expiresAt: timestamp,
});

export const setupLinkEventSchema = z.object({
  id: z.string(),
  linkId: z.string(),
  time: timestamp,
  kind: z.enum(['opened', 'token_generated']),
  tokenId: z.string().nullable().describe('The token a token_generated event issued'),
  clientAddress: z.string().nullable(),
  userAgent: z.string().nullable(),
});

export const adminCredentialSchema = z.object({
  id: z.string(),
  label: z.string(),
  hint: z.string().describe('scimd_admin_… and the last four characters'),
  status: z.enum(['active', 'revoked']),
  created: timestamp,
  revokedAt: nullableTimestamp,
  lastUsedAt: nullableTimestamp,
});

export const createdAdminCredentialSchema = adminCredentialSchema.extend({
  token: z.string().describe('The admin token: returned once, stored only as a hash'),
});

const directoryPage = <T extends z.ZodType>(item: T) =>
  z.object({
    total: z.number().int().describe('How many match the search'),
    startIndex: z.number().int().describe('1-based index of the first item'),
    items: z.array(item).describe('At most 25'),
  });

export const userSummarySchema = z.object({
  id: z.string(),
  userName: z.string(),
  displayName: z.string().nullable(),
  active: z.boolean(),
  roles: z.array(z.string()).describe('The values of the roles attribute'),
  lastModified: timestamp,
});

export const groupSummarySchema = z.object({
  id: z.string(),
  displayName: z.string(),
  lastModified: timestamp,
});

export const userPageSchema = directoryPage(userSummarySchema);
export const groupPageSchema = directoryPage(groupSummarySchema);

export const userDetailSchema = userSummarySchema.extend({
  created: timestamp,
  attributes: z.record(z.string(), z.unknown()).describe('The stored SCIM attributes (never a password)'),
  groups: z.array(z.object({ value: z.string(), display: z.string() })).describe('Groups it directly belongs to'),
});

export const groupDetailSchema = groupSummarySchema.extend({
  created: timestamp,
  members: directoryPage(
    z.object({ value: z.string(), type: z.enum(['User', 'Group']), display: z.string().optional() }),
  ).describe('Its direct members, a page of 25 at a time'),
});
