/**
 * Server-rendered pages: Eta templates from `web/views`, escaping every `<%= %>` by default.
 * Every page gets the CSRF token for its forms, who is signed in, and where the assets are.
 */
import { Eta } from 'eta';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { escapeHtml, renderTextHtml } from '../guide/html.js';
import { ASSETS_PREFIX, VIEWS_DIR } from './paths.js';

const eta = new Eta({ views: VIEWS_DIR, cache: true, autoEscape: true });

/** What every page needs besides its own data. */
export interface PageData {
  readonly title: string;
  /** Which navigation entry is current (console pages only). */
  readonly section?: string;
  readonly [key: string]: unknown;
}

/**
 * A `<time>` element for an ISO instant, written in UTC (pages are rendered on the server);
 * console.js rewrites it in the reader's time zone. '—' for none.
 */
export function when(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return escapeHtml(iso);
  const text = `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  return `<time datetime="${escapeHtml(date.toISOString())}" data-local>${text}</time>`;
}

/** Renders a template (a partial or a fragment sent over Server-Sent Events) to a string. */
export function renderTemplate(view: string, data: Record<string, unknown>): string {
  return eta.render(`./${view}`, { assets: ASSETS_PREFIX, when, text: renderTextHtml, ...data });
}

/** Sends a whole page. Pages are never cached: they may show a secret once. */
export function sendPage(
  request: FastifyRequest,
  reply: FastifyReply,
  view: string,
  data: PageData,
  status = 200,
): FastifyReply {
  const session = request.session as { who?: string; bootstrap?: boolean } | undefined;
  const html = renderTemplate(view, {
    csrfToken: reply.generateCsrf(),
    who: session?.bootstrap ? undefined : session?.who,
    ...data,
  });
  return reply.code(status).type('text/html; charset=utf-8').header('Cache-Control', 'no-store').send(html);
}
