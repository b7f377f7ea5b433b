/**
 * What the console and the portal show when something goes wrong: a page in the same layout
 * with a plain status, title and detail. A refused form (bad input) says what to change; a
 * missing or stale CSRF token asks to reload; anything unexpected is logged and shown as a
 * generic 500 that echoes nothing.
 */
import type { FastifyBaseLogger, FastifyReply, FastifyRequest } from 'fastify';
import { isScimError } from '../scim/errors.js';
import { sendPage } from './render.js';

export interface PageError {
  readonly status: number;
  readonly title: string;
  readonly detail: string;
  /** Shown in the portal's frame (no console navigation). */
  readonly portal?: boolean;
}

const TITLES: Record<number, string> = {
  400: 'That did not work',
  403: 'This form has expired',
  404: 'Not found',
  409: 'That already exists',
  413: 'Too large',
};

export function toPageError(error: unknown, log: FastifyBaseLogger): PageError {
  if (isScimError(error) && error.status < 500) {
    return { status: error.status, title: TITLES[error.status] ?? 'That did not work', detail: error.detail };
  }
  const code = (error as { code?: unknown }).code;
  if (code === 'FST_CSRF_INVALID_TOKEN' || code === 'FST_CSRF_MISSING_SECRET') {
    return {
      status: 403,
      title: TITLES[403]!,
      detail: 'The form was older than your session or came from another page. Go back, reload the page and try again.',
    };
  }
  const status = (error as { statusCode?: unknown }).statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return { status, title: TITLES[status] ?? 'That did not work', detail: 'The request could not be understood.' };
  }
  log.error({ err: error }, 'console page failed');
  return {
    status: 500,
    title: 'Something went wrong',
    detail: 'The server could not complete this request; it has been logged.',
  };
}

export function sendErrorPage(request: FastifyRequest, reply: FastifyReply, error: PageError): FastifyReply {
  return sendPage(request, reply, 'error', { title: error.title, error, portal: error.portal === true }, error.status);
}
