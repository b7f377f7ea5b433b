/** What better-sqlite3's errors mean to the store. */
import type { ErrorMapping } from '../dialect.js';
import { UNIQUE_CONSTRAINTS, type UniqueConstraintName } from '../tables.js';

/** Maps better-sqlite3's "UNIQUE constraint failed: t.a, t.b" to the constraint's name. */
function uniqueViolation(error: unknown): UniqueConstraintName | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  if (code !== 'SQLITE_CONSTRAINT_UNIQUE' && code !== 'SQLITE_CONSTRAINT_PRIMARYKEY') return undefined;
  const match = /constraint failed: (.*)$/.exec(String((error as Error).message));
  if (!match) return undefined;
  const failed = match[1]!.split(',').map((s) => s.trim());
  for (const [name, c] of Object.entries(UNIQUE_CONSTRAINTS)) {
    const expected = c.columns.map((column) => `${c.table}.${column}`);
    if (expected.length === failed.length && expected.every((e, i) => e === failed[i])) {
      return name as UniqueConstraintName;
    }
  }
  return undefined;
}

export const errors: ErrorMapping = { uniqueViolation };
