/**
 * Human output of the CLI: aligned tables and key/value blocks. Machine output is `--json`.
 */

/** Columns separated by two spaces, each as wide as its widest cell; no trailing spaces. */
export function formatTable(headers: readonly string[], rows: readonly (readonly string[])[]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n');
}

/** `  key   value` lines with the values aligned. */
export function formatFields(fields: readonly (readonly [string, string])[]): string {
  const width = Math.max(...fields.map(([key]) => key.length));
  return fields.map(([key, value]) => `  ${key.padEnd(width)}  ${value}`).join('\n');
}

/** A nullable timestamp for people: the ISO value, or `whenNull` (e.g. "never"). */
export function formatWhen(value: string | null, whenNull: string): string {
  return value ?? whenNull;
}
