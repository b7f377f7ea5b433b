/** Reading urlencoded form fields, and a form's refusal as its page shows it. */
import { isScimError } from '../scim/errors.js';

/** Reading urlencoded form fields: a field sent twice or missing reads as '' (never an array). */
export function formText(body: unknown, name: string): string {
  const value = (body as Record<string, unknown> | undefined)?.[name];
  return typeof value === 'string' ? value : '';
}

/** Every value of a field that may repeat (checkboxes). */
export function formList(body: unknown, name: string): string[] {
  const value = (body as Record<string, unknown> | undefined)?.[name];
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/**
 * What a page shows beside a form its use case refused (a client error other than 404, with the
 * use case's own message); anything else is rethrown for the error page.
 */
export function formRefusal(error: unknown, form: string): { status: number; formError: FormError } {
  if (!isScimError(error) || error.status >= 500 || error.status === 404) throw error;
  return { status: error.status, formError: { form, message: error.detail } };
}

export interface FormError {
  readonly form: string;
  readonly message: string;
}
