/**
 * The as-of access report as CSV (RFC 4180) that opens cleanly in a spreadsheet: UTF-8 with a
 * byte order mark (so Excel reads it as UTF-8), CRLF line ends, every field quoted with inner
 * quotes doubled, and formula injection defused: a cell that starts with `=`, `+`, `-`, `@`, a
 * tab or a carriage return gets a leading apostrophe, so a spreadsheet shows it as text
 * instead of evaluating it (OWASP "CSV Injection"). Values are the IdP's, so never trusted.
 */
import type { AccessState } from '../store/history-port.js';

export const ACCESS_CSV_HEADERS = ['user_id', 'user_name', 'active', 'roles', 'group_ids', 'groups'] as const;

const BOM = '\uFEFF';
const FORMULA_START = /^[=+\-@\t\r]/;

/** One CSV field: defused, then quoted. */
export function csvField(value: string): string {
  const safe = FORMULA_START.test(value) ? `'${value}` : value;
  return `"${safe.replaceAll('"', '""')}"`;
}

function csvLine(cells: readonly string[]): string {
  return `${cells.map(csvField).join(',')}\r\n`;
}

/** A role as a cell shows it: `value`, with `(display)` and `[type]` when present. */
export function roleLabel(role: AccessState['roles'][number]): string {
  return [
    role.value,
    role.display === undefined ? '' : `(${role.display})`,
    role.type === undefined ? '' : `[${role.type}]`,
  ]
    .filter((part) => part !== '')
    .join(' ');
}

export function accessCsvRow(user: AccessState): string[] {
  return [
    user.userId,
    user.userName,
    user.active ? 'true' : 'false',
    user.roles.map(roleLabel).join('; '),
    user.groups.map((g) => g.id).join('; '),
    user.groups.map((g) => g.displayName).join('; '),
  ];
}

/** The CSV text, line by line (the first chunk carries the BOM and the header). */
export async function* accessCsv(users: AsyncIterable<AccessState>): AsyncGenerator<string> {
  yield BOM + csvLine(ACCESS_CSV_HEADERS);
  for await (const user of users) yield csvLine(accessCsvRow(user));
}
