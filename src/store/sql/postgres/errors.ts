/** What node-postgres's errors mean to the store. */
import type { ErrorMapping } from '../dialect.js';
import { UNIQUE_CONSTRAINTS, type UniqueConstraintName } from '../tables.js';

/** Maps SQLSTATE 23505 (unique_violation) to the constraint's name, which pg reports. */
function uniqueViolation(error: unknown): UniqueConstraintName | undefined {
  const { code, constraint } = (error ?? {}) as { code?: unknown; constraint?: unknown };
  if (code !== '23505' || typeof constraint !== 'string') return undefined;
  return Object.hasOwn(UNIQUE_CONSTRAINTS, constraint) ? (constraint as UniqueConstraintName) : undefined;
}

export const errors: ErrorMapping = { uniqueViolation };
