/**
 * `scimd webhooks …`: webhook endpoints, their delivery state, dead letters, redelivery and
 * replay (docs/webhooks.md). The same use cases as the admin API; `--json` prints the API's
 * shapes. A signing secret is printed only by `create` and `rotate-secret`.
 */
import {
  type CreatedWebhook,
  createWebhook,
  deleteWebhook,
  getWebhook,
  listWebhookStreams,
  listWebhooks,
  rotateWebhookSecret,
  updateWebhook,
  type WebhookView,
} from '../service/webhook-admin.js';
import { listDeadLetters, redeliverDeadLetter, replayWebhook } from '../service/webhook-deliveries.js';
import { type CliIo, EXIT, type OpenContext, parseCommand, UsageError, write, writeJson } from './context.js';
import { formatFields, formatTable, formatWhen } from './format.js';

export const WEBHOOKS_USAGE = [
  'scimd webhooks create <url> [--tenant <slug>] [--description <text>] [--json]',
  'scimd webhooks list [--json]',
  'scimd webhooks show <id> [--json]',
  'scimd webhooks update <id> [--url <url>] [--description <text>] [--json]',
  'scimd webhooks disable <id> [--json]',
  'scimd webhooks enable <id> [--json]',
  'scimd webhooks rotate-secret <id> [--overlap-hours <n>] [--json]',
  'scimd webhooks delete <id> --yes [--json]',
  'scimd webhooks dead-letters <id> [--tenant <slug>] [--state dead|retrying|delivered] [--json]',
  'scimd webhooks redeliver <id> <dead-letter-id> [--json]',
  'scimd webhooks replay <id> --tenant <slug> --after <cursor> [--json]',
] as const;

const SUBCOMMANDS =
  'create, list, show, update, disable, enable, rotate-secret, delete, dead-letters, redeliver or replay';
const JSON_FLAG = { json: { type: 'boolean' } } as const;

function webhookFields(w: WebhookView): string {
  return formatFields([
    ['id', w.id],
    ['kind', w.kind],
    ...(w.name === null ? [] : [['name', w.name] as const]),
    ['url', w.url ?? '-'],
    ['tenants', w.tenant ?? 'all'],
    ['description', w.description ?? '-'],
    ['enabled', w.enabled ? 'yes' : 'no'],
    ['created', w.created],
    ['secrets', w.secrets.map((s) => `${s.hint}${s.expiresAt ? ` (until ${s.expiresAt})` : ''}`).join(', ') || '-'],
  ]);
}

function printSecret(io: CliIo, created: CreatedWebhook, what: string): void {
  write(io.stdout, `${what}\n\n${webhookFields(created.webhook)}\n\n${created.secret}\n`);
  write(io.stdout, 'Copy the signing secret now: the receiving app verifies the webhook-signature header with it.');
}

function overlapMs(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d{1,3}$/.test(text) || Number(text) > 720) {
    throw new UsageError(`--overlap-hours must be an integer from 0 to 720\nusage: ${WEBHOOKS_USAGE[6]}`);
  }
  return Number(text) * 3_600_000;
}

/** Parses `rest` for the subcommand at `index` of WEBHOOKS_USAGE. */
function parse<O extends Parameters<typeof parseCommand>[1]>(
  rest: readonly string[],
  index: number,
  options: O,
  positionals: readonly string[],
) {
  return parseCommand(rest, { ...JSON_FLAG, ...options }, positionals, WEBHOOKS_USAGE[index]!);
}

export async function runWebhooksCommand(args: readonly string[], io: CliIo, open: OpenContext): Promise<number> {
  const [sub, ...rest] = args;
  const out = (json: unknown, text: string, asJson: boolean | undefined) => {
    if (asJson) writeJson(io.stdout, json);
    else write(io.stdout, text);
    return EXIT.ok;
  };
  switch (sub) {
    case 'create': {
      const opts = { tenant: { type: 'string' }, description: { type: 'string' } } as const;
      const { values, positionals } = parse(rest, 0, opts, ['<url>']);
      const ctx = await open();
      const input = { url: positionals[0]!, tenant: values.tenant, description: values.description };
      const targets = { allowTargets: ctx.config.webhookAllowTargets };
      const created = await createWebhook(ctx.store, input, ctx.now, targets);
      if (values.json) return out(created, '', true);
      printSecret(io, created, 'Created a webhook.');
      return EXIT.ok;
    }
    case 'list': {
      const { values } = parse(rest, 1, {}, []);
      const ctx = await open();
      const hooks = await listWebhooks(ctx.store);
      const rows = hooks.map((w) => [
        w.id,
        w.kind,
        w.url ?? w.name ?? '-',
        w.tenant ?? 'all',
        w.enabled ? 'yes' : 'no',
      ]);
      const text =
        hooks.length === 0
          ? 'No webhooks yet. Create one with "scimd webhooks create <url>".'
          : formatTable(['ID', 'KIND', 'URL', 'TENANTS', 'ENABLED'], rows);
      return out(hooks, text, values.json);
    }
    case 'show': {
      const { values, positionals } = parse(rest, 2, {}, ['<id>']);
      const ctx = await open();
      const webhook = await getWebhook(ctx.store, positionals[0]!);
      const streams = await listWebhookStreams(ctx.store, webhook.id);
      const rows = streams.map((s) => [
        s.tenant,
        s.deliveredCursor,
        String(s.pending),
        String(s.attempts),
        formatWhen(s.lastStatus === null ? null : String(s.lastStatus), '-'),
        s.pending > 0 ? s.nextAttemptAt : '-',
        s.lastError ?? '-',
      ]);
      const table = formatTable(['TENANT', 'DELIVERED', 'PENDING', 'ATTEMPTS', 'STATUS', 'NEXT', 'LAST ERROR'], rows);
      const text = `${webhookFields(webhook)}\n\n${streams.length === 0 ? 'No deliveries yet.' : table}`;
      return out({ webhook, streams }, text, values.json);
    }
    case 'update': {
      const opts = { url: { type: 'string' }, description: { type: 'string' } } as const;
      const { values, positionals } = parse(rest, 3, opts, ['<id>']);
      if (values.url === undefined && values.description === undefined) {
        throw new UsageError(`give --url or --description\nusage: ${WEBHOOKS_USAGE[3]}`);
      }
      const ctx = await open();
      const targets = { allowTargets: ctx.config.webhookAllowTargets };
      const updated = await updateWebhook(ctx.store, positionals[0]!, values, targets);
      return out(updated, webhookFields(updated), values.json);
    }
    case 'disable':
    case 'enable': {
      const { values, positionals } = parse(rest, sub === 'disable' ? 4 : 5, {}, ['<id>']);
      const ctx = await open();
      const updated = await updateWebhook(ctx.store, positionals[0]!, { enabled: sub === 'enable' });
      const text =
        sub === 'disable'
          ? `Webhook ${updated.id} is disabled: events wait (within SCIMD_EVENT_RETENTION) until it is enabled.`
          : `Webhook ${updated.id} is enabled.`;
      return out(updated, text, values.json);
    }
    case 'rotate-secret': {
      const { values, positionals } = parse(rest, 6, { 'overlap-hours': { type: 'string' } }, ['<id>']);
      const overlap = overlapMs(values['overlap-hours']);
      const ctx = await open();
      const rotated = await rotateWebhookSecret(ctx.store, positionals[0]!, ctx.now, overlap);
      if (values.json) return out(rotated, '', true);
      printSecret(io, rotated, 'Added a new signing secret; older ones keep signing until the time shown.');
      return EXIT.ok;
    }
    case 'delete': {
      const { values, positionals } = parse(rest, 7, { yes: { type: 'boolean' } }, ['<id>']);
      if (!values.yes) {
        throw new UsageError(`refusing to delete webhook "${positionals[0]}" and its delivery state without --yes`);
      }
      const ctx = await open();
      const deleted = await deleteWebhook(ctx.store, positionals[0]!);
      return out(deleted, `Deleted webhook ${deleted.id}.`, values.json);
    }
    case 'dead-letters': {
      const opts = { tenant: { type: 'string' }, state: { type: 'string' } } as const;
      const { values, positionals } = parse(rest, 8, opts, ['<id>']);
      const ctx = await open();
      const letters = await listDeadLetters(ctx.store, positionals[0]!, values);
      const rows = letters.map((d) => [
        d.id,
        d.tenant,
        d.cursor,
        d.state,
        String(d.attempts),
        d.deadAt,
        d.lastError ?? '-',
      ]);
      const text =
        letters.length === 0
          ? 'No dead letters.'
          : formatTable(['ID', 'TENANT', 'CURSOR', 'STATE', 'ATTEMPTS', 'DEAD AT', 'LAST ERROR'], rows);
      return out(letters, text, values.json);
    }
    case 'redeliver': {
      const { values, positionals } = parse(rest, 9, {}, ['<id>', '<dead-letter-id>']);
      const ctx = await open();
      const d = await redeliverDeadLetter(ctx.store, positionals[0]!, positionals[1]!, ctx.now);
      const text = `Dead letter ${d.id} (tenant "${d.tenant}", cursor ${d.cursor}) will be delivered again by the running server.`;
      return out(d, text, values.json);
    }
    case 'replay': {
      const opts = { tenant: { type: 'string' }, after: { type: 'string' } } as const;
      const { values, positionals } = parse(rest, 10, opts, ['<id>']);
      if (values.tenant === undefined || values.after === undefined) {
        throw new UsageError(`give --tenant and --after\nusage: ${WEBHOOKS_USAGE[10]}`);
      }
      const ctx = await open();
      const result = await replayWebhook(ctx.store, positionals[0]!, values.tenant, values.after, ctx.now);
      const text = `Webhook ${result.webhook} will receive tenant "${result.tenant}"'s events after cursor ${result.after} again (latest ${result.latestCursor}).`;
      return out(result, text, values.json);
    }
    case undefined:
      throw new UsageError(`missing webhooks command (${SUBCOMMANDS})`);
    default:
      throw new UsageError(`unknown webhooks command "${sub}" (expected ${SUBCOMMANDS})`);
  }
}
