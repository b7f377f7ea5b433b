/**
 * `scimd tenants setup-link [create] <slug>|list <slug>|revoke <slug> <id>`: links to a tenant's
 * setup portal (docs/console.md). The URL is printed once by `create`; only its hash is stored.
 * `create` may be left out; it is needed only for a tenant whose slug is `list` or `revoke`.
 */
import {
  createSetupLink,
  listSetupLinks,
  revokeSetupLink,
  type SetupLinkView,
  setupLinkUrl,
} from '../tenancy/setup-links.js';
import { checkSlug } from '../tenancy/tenants.js';
import { type CliIo, EXIT, type OpenContext, parseCommand, write, writeJson } from './context.js';
import { formatFields, formatTable, formatWhen } from './format.js';

export const SETUP_LINK_USAGE = [
  'scimd tenants setup-link [create] <slug> [--expires-in <30m|12h|7d|90d>] [--json]',
  'scimd tenants setup-link list <slug> [--json]',
  'scimd tenants setup-link revoke <slug> <link-id> [--json]',
] as const;

/** The `--json` shape of `tenants setup-link create`. */
export interface CreatedSetupLinkJson {
  readonly id: string;
  /** The tenant's slug. */
  readonly tenant: string;
  readonly url: string;
  readonly hint: string;
  readonly status: 'active';
  readonly created: string;
  readonly createdBy: string;
  readonly expiresAt: string;
}

const JSON_FLAG = { json: { type: 'boolean' } } as const;

function linkRows(links: readonly SetupLinkView[]): string[][] {
  return links.map((l) => [
    l.id,
    l.hint,
    l.status,
    l.created,
    l.expiresAt,
    String(l.opened),
    String(l.tokensGenerated),
    formatWhen(l.lastUsedAt, 'never'),
  ]);
}

export async function runSetupLinkCommand(args: readonly string[], io: CliIo, open: OpenContext): Promise<number> {
  const [first, ...rest] = args;
  switch (first) {
    case 'list': {
      const { values, positionals } = parseCommand(rest, JSON_FLAG, ['<slug>'], SETUP_LINK_USAGE[1]);
      const slug = checkSlug(positionals[0]!);
      const ctx = await open();
      const links = await listSetupLinks(ctx.store, slug, ctx.now);
      if (values.json) writeJson(io.stdout, links);
      else if (links.length === 0) {
        write(io.stdout, `Tenant "${slug}" has no setup links. Create one with "scimd tenants setup-link ${slug}".`);
      } else {
        const headers = ['ID', 'HINT', 'STATUS', 'CREATED', 'EXPIRES', 'OPENED', 'TOKENS', 'LAST USED'];
        write(io.stdout, formatTable(headers, linkRows(links)));
      }
      return EXIT.ok;
    }
    case 'revoke': {
      const { values, positionals } = parseCommand(rest, JSON_FLAG, ['<slug>', '<link-id>'], SETUP_LINK_USAGE[2]);
      const slug = checkSlug(positionals[0]!);
      const ctx = await open();
      const view = await revokeSetupLink(ctx.store, slug, positionals[1]!, ctx.now);
      if (values.json) writeJson(io.stdout, view);
      else {
        write(io.stdout, `Revoked setup link ${view.id} (${view.hint}) of tenant "${slug}".`);
        write(io.stdout, 'Tokens it generated keep working; revoke them with "scimd tokens revoke".');
      }
      return EXIT.ok;
    }
    default:
      return createLink(first === 'create' ? rest : args, io, open);
  }
}

async function createLink(args: readonly string[], io: CliIo, open: OpenContext): Promise<number> {
  const { values, positionals } = parseCommand(
    args,
    { ...JSON_FLAG, 'expires-in': { type: 'string' } },
    ['<slug>'],
    SETUP_LINK_USAGE[0],
  );
  const slug = checkSlug(positionals[0]!);
  const ctx = await open();
  const { opaque, record } = await createSetupLink(
    ctx.store,
    slug,
    { expiresIn: values['expires-in'], createdBy: 'cli' },
    ctx.now,
  );
  const json: CreatedSetupLinkJson = {
    id: record.id,
    tenant: slug,
    url: setupLinkUrl(ctx.baseUrl, opaque),
    hint: record.hint,
    status: 'active',
    created: record.created,
    createdBy: record.createdBy,
    expiresAt: record.expiresAt,
  };
  if (values.json) {
    writeJson(io.stdout, json);
    return EXIT.ok;
  }
  const fields = formatFields([
    ['id', json.id],
    ['expires', json.expiresAt],
  ]);
  write(io.stdout, `Created a setup link for tenant "${slug}".\n\n${fields}\n\n${json.url}\n`);
  write(
    io.stdout,
    'Send it to the customer\'s IT admin: it opens their setup page, where they generate their own SCIM token.\nCopy it now: it is shown only once (scimd stores only its hash). Revoke it with "scimd tenants setup-link revoke".',
  );
  return EXIT.ok;
}
