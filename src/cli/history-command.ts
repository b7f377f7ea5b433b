/**
 * `scimd history <slug> <userName|id>`: one user's access timeline, also after the user was
 * deleted; `scimd access <slug> --as-of <time>`: who was active, with which roles and groups,
 * at that moment, as a table, JSON or CSV (docs/history.md). Both read the access history
 * through the same use cases as the admin API.
 */
import { accessCsv, roleLabel } from '../service/access-csv.js';
import {
  type AccessTimelineEntry,
  accessJson,
  collectAccess,
  openAccessReport,
  readUserTimeline,
} from '../service/access-report.js';
import { byText } from '../store/history-port.js';
import { checkSlug } from '../tenancy/tenants.js';
import { type CliIo, EXIT, type OpenContext, parseCommand, UsageError, write, writeJson } from './context.js';
import { formatTable } from './format.js';

export const HISTORY_USAGE = [
  'scimd history <slug> <userName|id> [--json]',
  'scimd access <slug> --as-of <time> [--role <value>] [--group <displayName|id>] [--format table|json|csv]',
] as const;

/** What a timeline row says, in a few words. */
export function describeEntry(entry: AccessTimelineEntry): string {
  const d = entry.detail as Record<string, unknown>;
  switch (entry.kind) {
    case 'created':
      return `created (${d['active'] === false ? 'inactive' : 'active'})`;
    case 'baseline':
      return `existing when the history began (${d['active'] === false ? 'inactive' : 'active'})`;
    case 'updated':
      return `changed ${Object.entries((d['changes'] ?? {}) as Record<string, unknown>)
        .map(([name, value]) => `${name}=${JSON.stringify(value)}`)
        .join(', ')}`;
    case 'role_granted':
    case 'role_removed':
      return `${entry.kind === 'role_granted' ? 'role granted' : 'role removed'}: ${roleLabel(d as never)}`;
    case 'group_joined':
    case 'group_left':
      return `${entry.kind === 'group_joined' ? 'joined' : 'left'} group ${String(d['displayName'])} (${String(d['id'])})`;
    default:
      return entry.kind;
  }
}

async function runHistory(args: readonly string[], io: CliIo, open: OpenContext): Promise<number> {
  const { values, positionals } = parseCommand(
    args,
    { json: { type: 'boolean' } },
    ['<slug>', '<userName|id>'],
    HISTORY_USAGE[0],
  );
  const slug = checkSlug(positionals[0]!);
  const ctx = await open();
  const timeline = await readUserTimeline(ctx.store, slug, positionals[1]!);
  if (values.json) {
    writeJson(io.stdout, timeline);
    return EXIT.ok;
  }
  const several = timeline.userIds.length > 1;
  const rows = timeline.entries.map((e) => [
    e.time,
    ...(several ? [e.userId] : []),
    e.userName ?? '',
    describeEntry(e),
    e.requestId ?? '',
  ]);
  write(io.stdout, `Access history of ${timeline.userIds.join(', ')} in tenant "${slug}":`);
  write(io.stdout, formatTable(['TIME', ...(several ? ['USER ID'] : []), 'USERNAME', 'WHAT', 'REQUEST ID'], rows));
  return EXIT.ok;
}

const FORMATS = ['table', 'json', 'csv'] as const;

async function runAccess(args: readonly string[], io: CliIo, open: OpenContext): Promise<number> {
  const { values, positionals } = parseCommand(
    args,
    {
      'as-of': { type: 'string' },
      role: { type: 'string' },
      group: { type: 'string' },
      format: { type: 'string' },
    },
    ['<slug>'],
    HISTORY_USAGE[1],
  );
  const slug = checkSlug(positionals[0]!);
  const format = values.format ?? 'table';
  if (!(FORMATS as readonly string[]).includes(format)) {
    throw new UsageError(`--format must be table, json or csv\nusage: ${HISTORY_USAGE[1]}`);
  }
  if (values['as-of'] === undefined) throw new UsageError(`--as-of is required\nusage: ${HISTORY_USAGE[1]}`);
  const ctx = await open();
  const report = await openAccessReport(ctx.store, slug, {
    asOf: values['as-of'],
    role: values.role,
    group: values.group,
  });
  if (format === 'csv') {
    for await (const chunk of accessCsv(report.users)) io.stdout.write(chunk);
  } else if (format === 'json') {
    for await (const chunk of accessJson(report)) io.stdout.write(chunk);
  } else {
    // People read a table by name; JSON and CSV stream in id order instead.
    const users = (await collectAccess(report)).sort(
      (a, b) => byText(a.userName, b.userName) || byText(a.userId, b.userId),
    );
    const rows = users.map((u) => [
      u.userName,
      u.userId,
      u.roles.map(roleLabel).join(', '),
      u.groups.map((g) => g.displayName).join(', '),
    ]);
    const filters = [report.role && `role ${report.role}`, report.group && `group ${report.group}`].filter(Boolean);
    write(
      io.stdout,
      `Active users of tenant "${slug}" at ${report.asOf}${filters.length ? ` with ${filters.join(' and ')}` : ''}: ${users.length}`,
    );
    if (users.length > 0) write(io.stdout, formatTable(['USERNAME', 'ID', 'ROLES', 'GROUPS'], rows));
  }
  return EXIT.ok;
}

export function runHistoryCommand(args: readonly string[], io: CliIo, open: OpenContext): Promise<number> {
  return runHistory(args, io, open);
}

export function runAccessCommand(args: readonly string[], io: CliIo, open: OpenContext): Promise<number> {
  return runAccess(args, io, open);
}
