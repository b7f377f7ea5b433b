/**
 * `scimd guide <slug> [--format md|html|json]`: the customer's setup guide (docs/guide.md),
 * filled in with the tenant's SCIM URL, consent links and roles. Without a token: tokens are
 * shown once, by `scimd tokens issue <slug> --with-guide`.
 */
import { loadGuideInput } from '../guide/load.js';
import { GUIDE_FORMATS, type GuideFormat, isGuideFormat, renderGuide } from '../guide/render.js';
import { checkSlug } from '../tenancy/tenants.js';
import { type CliIo, type CommandContext, EXIT, type OpenContext, parseCommand, UsageError } from './context.js';

export const GUIDE_USAGE = ['scimd guide <slug> [--format md|html|json]'] as const;

/** Checks a `--format` value (default md). */
export function guideFormat(text: string | undefined, usage: string): GuideFormat {
  const format = text ?? 'md';
  if (!isGuideFormat(format)) {
    throw new UsageError(
      `unknown --format ${JSON.stringify(format)} (expected ${GUIDE_FORMATS.join(', ')})\nusage: ${usage}`,
    );
  }
  return format;
}

/** The guide of tenant `slug` as text, with `token` filled in when given. */
export async function guideText(
  ctx: CommandContext,
  slug: string,
  format: GuideFormat,
  token?: string,
): Promise<string> {
  const input = await loadGuideInput(ctx.store, slug, {
    baseUrl: ctx.baseUrl,
    token,
    entraClientIdTest: ctx.config.entraClientIdTest,
    entraClientIdProd: ctx.config.entraClientIdProd,
  });
  return renderGuide(input, format);
}

export async function runGuideCommand(args: readonly string[], io: CliIo, open: OpenContext): Promise<number> {
  const usage = GUIDE_USAGE[0];
  const { values, positionals } = parseCommand(args, { format: { type: 'string' } }, ['<slug>'], usage);
  const slug = checkSlug(positionals[0]!);
  const format = guideFormat(values.format, usage);
  const ctx = await open();
  io.stdout.write(await guideText(ctx, slug, format));
  return EXIT.ok;
}
