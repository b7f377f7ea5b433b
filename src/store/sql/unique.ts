/** Turns unique-constraint violations into the SCIM errors the port promises. */
import type { ScimError } from '../../scim/errors.js';
import type { SqlDialect } from './dialect.js';
import type { UniqueConstraintName } from './tables.js';

/**
 * Runs `write`; when it violates one of the constraints in `errors`, throws that error instead
 * (the database error becomes its cause). Anything else is rethrown unchanged.
 */
export async function mapUniqueViolations<T>(
  dialect: SqlDialect,
  errors: Partial<Record<UniqueConstraintName, () => ScimError>>,
  write: () => Promise<T>,
): Promise<T> {
  try {
    return await write();
  } catch (error) {
    throw uniqueViolationAs(dialect, errors, error);
  }
}

/** `error` as `mapUniqueViolations` would throw it. */
export function uniqueViolationAs(
  dialect: SqlDialect,
  errors: Partial<Record<UniqueConstraintName, () => ScimError>>,
  error: unknown,
): unknown {
  const name = dialect.errors.uniqueViolation(error);
  const build = name === undefined ? undefined : errors[name];
  if (!build) return error;
  const mapped = build();
  (mapped as { cause?: unknown }).cause = error;
  return mapped;
}
