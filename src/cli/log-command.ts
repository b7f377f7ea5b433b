/**
 * `scimd log <slug>`: the tenant's provisioning log, newest first (docs/provisioning-log.md):
 * what support opens when a customer says "Entra shows an error". `--id` shows one request
 * with its redacted request and response bodies.
 */
import { getRequestLogEntry, type LogEntryView, queryRequestLog } from '../service/request-log.js';
import { checkSlug } from '../tenancy/tenants.js';
import { type CliIo, EXIT, type OpenContext, parseCommand, UsageError, write, writeJson } from './context.js';
import { formatFields, formatTable } from './format.js';

export const LOG_USAGE = [
  'scimd log <slug> [--errors] [--since <30m|1h|7d|ISO time>] [--until <…>] [--status <404|4xx>] [--resource <id>] [--authenticated|--unauthenticated] [--limit <n>] [--json]',
  'scimd log <slug> --id <entry-id> [--json]',
] as const;

function entryRow(e: LogEntryView): string[] {
  return [
    e.time,
    e.method,
    e.path.length > 60 ? `${e.path.slice(0, 59)}…` : e.path,
    String(e.status),
    e.scimType ?? '-',
    `${e.latencyMs}ms`,
    // Refused before authentication: whatever its User-Agent claims, no identity provider.
    e.authenticated === false ? 'unauthenticated' : (e.idp ?? '-'),
    e.id,
  ];
}

function body(value: unknown): string {
  if (value === null || value === undefined) return '(none)';
  return typeof value === 'string' ? value : JSON.stringify(value, null, 2);
}

function parseLimit(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d{1,3}$/.test(text) || Number(text) < 1 || Number(text) > 500) {
    throw new UsageError(`--limit must be an integer from 1 to 500\nusage: ${LOG_USAGE[0]}`);
  }
  return Number(text);
}

export async function runLogCommand(args: readonly string[], io: CliIo, open: OpenContext): Promise<number> {
  const { values, positionals } = parseCommand(
    args,
    {
      json: { type: 'boolean' },
      errors: { type: 'boolean' },
      since: { type: 'string' },
      until: { type: 'string' },
      status: { type: 'string' },
      resource: { type: 'string' },
      limit: { type: 'string' },
      id: { type: 'string' },
      authenticated: { type: 'boolean' },
      unauthenticated: { type: 'boolean' },
    },
    ['<slug>'],
    LOG_USAGE[0],
  );
  const slug = checkSlug(positionals[0]!);
  if (values.id !== undefined) {
    const ctx = await open();
    const entry = await getRequestLogEntry(ctx.store, slug, values.id);
    if (values.json) writeJson(io.stdout, entry);
    else {
      const fields = formatFields([
        ['time', entry.time],
        ['request', `${entry.method} ${entry.path}`],
        ['status', `${entry.status}${entry.scimType ? ` (${entry.scimType})` : ''}`],
        ['latency', `${entry.latencyMs} ms`],
        ['resource', entry.resourceId ? `${entry.resourceType ?? ''} ${entry.resourceId}`.trim() : '-'],
        ['client', `${entry.userAgent ?? '-'}${entry.idp ? ` (${entry.idp})` : ''}`],
        ['auth', entry.authenticated === false ? 'no: refused before authentication' : 'yes'],
        ['request id', entry.requestId],
        // Kept short: the labels set the width of the column.
        ['ignored', entry.ignoredAttributes?.length ? entry.ignoredAttributes.join(', ') : '-'],
      ]);
      write(
        io.stdout,
        `${fields}\n\nRequest body:\n${body(entry.requestBody)}\n\nResponse body:\n${body(entry.responseBody)}`,
      );
    }
    return EXIT.ok;
  }
  const limit = parseLimit(values.limit);
  if (values.authenticated && values.unauthenticated) {
    throw new UsageError(`--authenticated and --unauthenticated exclude each other\nusage: ${LOG_USAGE[0]}`);
  }
  const ctx = await open();
  const input = {
    since: values.since,
    until: values.until,
    status: values.status,
    errors: values.errors,
    resource: values.resource,
    authenticated: values.unauthenticated ? false : values.authenticated ? true : undefined,
    limit,
  };
  const page = await queryRequestLog(ctx.store, slug, input, ctx.now);
  if (values.json) writeJson(io.stdout, page);
  else if (page.entries.length === 0) write(io.stdout, `No matching requests in tenant "${slug}"'s provisioning log.`);
  else {
    const headers = ['TIME', 'METHOD', 'PATH', 'STATUS', 'SCIMTYPE', 'LATENCY', 'IDP', 'ID'];
    write(io.stdout, formatTable(headers, page.entries.map(entryRow)));
    write(io.stdout, `\nDetails and bodies: scimd log ${slug} --id <ID>`);
  }
  return EXIT.ok;
}
