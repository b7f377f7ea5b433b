/** Locating PATCH errors: the failing operation's index goes in front of the detail. */
import { ScimError } from '../errors.js';

/** Runs `fn`; a ScimError it throws is rethrown with `Operations[index]: ` before its detail. */
export function inOperation<T>(index: number, fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (!(error instanceof ScimError) || error.message.startsWith('Operations[')) throw error;
    throw new ScimError(error.status, `Operations[${index}]: ${error.message}`, {
      ...(error.scimType !== undefined ? { scimType: error.scimType } : {}),
      headers: error.headers,
      cause: error,
    });
  }
}
