/**
 * `scimd tokens issue|list|revoke`: parse, call the tenancy use cases, format. The plaintext
 * token is printed once by `issue` and exists nowhere else. `--json` shapes: docs/cli.md.
 */
import { checkSlug, issueToken, listTokens, revokeToken, scimUrlFor, type TokenView } from '../tenancy/tenants.js';
import { type CliIo, EXIT, type OpenContext, parseCommand, UsageError, write, writeJson } from './context.js';
import { formatFields, formatTable, formatWhen } from './format.js';
import { guideFormat, guideText } from './guide-command.js';

export const TOKENS_USAGE = [
  'scimd tokens issue <slug> [--expires-in <30m|12h|90d|1y|never>] [--label <text>] [--json]',
  'scimd tokens list <slug> [--json]',
  'scimd tokens revoke <slug> <token-id> [--json]',
  'scimd tokens issue <slug> --with-guide [--format md|html|json] [--expires-in <…>] [--label <text>]',
] as const;

/** The `--json` shape of `tokens issue`. */
export interface IssuedTokenJson {
  readonly id: string;
  readonly token: string;
  /** The tenant's slug. */
  readonly tenant: string;
  readonly label: string | null;
  readonly hint: string;
  readonly created: string;
  readonly expiresAt: string | null;
  readonly scimUrl: string;
}

const JSON_FLAG = { json: { type: 'boolean' } } as const;

function tokenRows(tokens: readonly TokenView[]): string[][] {
  return tokens.map((t) => [
    t.id,
    t.label ?? '-',
    t.hint,
    t.status,
    t.created,
    formatWhen(t.expiresAt, 'never'),
    formatWhen(t.lastUsedAt, 'never'),
  ]);
}

export async function runTokensCommand(args: readonly string[], io: CliIo, open: OpenContext): Promise<number> {
  const [sub, ...rest] = args;
  switch (sub) {
    case 'issue': {
      const { values, positionals } = parseCommand(
        rest,
        {
          ...JSON_FLAG,
          'expires-in': { type: 'string' },
          label: { type: 'string' },
          'with-guide': { type: 'boolean' },
          format: { type: 'string' },
        },
        ['<slug>'],
        TOKENS_USAGE[0],
      );
      const slug = checkSlug(positionals[0]!);
      const withGuide = values['with-guide'] === true;
      if (!withGuide && values.format !== undefined) {
        throw new UsageError(`--format needs --with-guide\nusage: ${TOKENS_USAGE[3]}`);
      }
      if (withGuide && values.json) {
        throw new UsageError(`use --format json instead of --json with --with-guide\nusage: ${TOKENS_USAGE[3]}`);
      }
      const format = withGuide ? guideFormat(values.format, TOKENS_USAGE[3]) : undefined;
      const ctx = await open();
      const input = { expiresIn: values['expires-in'], label: values.label };
      const { token, record } = await issueToken(ctx.store, slug, input, ctx.now);
      if (format !== undefined) {
        // The guide carries the token (once); it is the only place it is printed.
        io.stdout.write(await guideText(ctx, slug, format, token));
        return EXIT.ok;
      }
      const json: IssuedTokenJson = {
        id: record.id,
        token,
        tenant: slug,
        label: record.label,
        hint: record.hint,
        created: record.created,
        expiresAt: record.expiresAt,
        scimUrl: scimUrlFor(ctx.baseUrl, slug),
      };
      if (values.json) {
        writeJson(io.stdout, json);
        return EXIT.ok;
      }
      const fields = formatFields([
        ['id', json.id],
        ['label', json.label ?? '-'],
        ['expires', formatWhen(json.expiresAt, 'never')],
        ['SCIM URL', json.scimUrl],
      ]);
      write(io.stdout, `Issued a token for tenant "${slug}".\n\n${fields}\n\n${token}\n`);
      write(io.stdout, 'Copy it now: it is shown only once and cannot be recovered (scimd stores only its hash).');
      return EXIT.ok;
    }
    case 'list': {
      const { values, positionals } = parseCommand(rest, JSON_FLAG, ['<slug>'], TOKENS_USAGE[1]);
      const slug = checkSlug(positionals[0]!);
      const ctx = await open();
      const tokens = await listTokens(ctx.store, slug, ctx.now);
      if (values.json) writeJson(io.stdout, tokens);
      else if (tokens.length === 0) {
        write(io.stdout, `Tenant "${slug}" has no tokens. Issue one with "scimd tokens issue ${slug}".`);
      } else {
        const headers = ['ID', 'LABEL', 'HINT', 'STATUS', 'CREATED', 'EXPIRES', 'LAST USED'];
        write(io.stdout, formatTable(headers, tokenRows(tokens)));
      }
      return EXIT.ok;
    }
    case 'revoke': {
      const { values, positionals } = parseCommand(rest, JSON_FLAG, ['<slug>', '<token-id>'], TOKENS_USAGE[2]);
      const slug = checkSlug(positionals[0]!);
      const ctx = await open();
      const view = await revokeToken(ctx.store, slug, positionals[1]!, ctx.now);
      if (values.json) writeJson(io.stdout, view);
      else write(io.stdout, `Revoked token ${view.id} (${view.hint}) of tenant "${slug}".`);
      return EXIT.ok;
    }
    case undefined:
      throw new UsageError('missing tokens command (issue, list or revoke)');
    default:
      throw new UsageError(`unknown tokens command "${sub}" (expected issue, list or revoke)`);
  }
}
