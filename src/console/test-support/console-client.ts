/**
 * A browser-like client for request-level console tests: keeps cookies (with their paths) like
 * a browser, reads the CSRF token from the last page's forms, submits urlencoded forms, and does
 * not follow redirects (tests assert them). Goes through `app.inject`: the whole HTTP stack.
 */
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';

interface Cookie {
  readonly value: string;
  readonly path: string;
}

export type Form = Record<string, string | readonly string[]>;

export class ConsoleClient {
  readonly #app: FastifyInstance;
  readonly #cookies = new Map<string, Cookie>();
  /** The CSRF token of the last HTML page that had a form. */
  csrf: string | undefined;

  constructor(app: FastifyInstance) {
    this.#app = app;
  }

  #cookieHeader(url: string): string | undefined {
    const path = url.split('?')[0]!;
    const pairs = [...this.#cookies]
      .filter(([, c]) => path === c.path || path.startsWith(c.path.endsWith('/') ? c.path : `${c.path}/`))
      .map(([name, c]) => `${name}=${c.value}`);
    return pairs.length > 0 ? pairs.join('; ') : undefined;
  }

  #remember(response: LightMyRequestResponse): void {
    for (const cookie of response.cookies as {
      name: string;
      value: string;
      path?: string;
      expires?: Date;
      maxAge?: number;
    }[]) {
      const gone =
        cookie.value === '' ||
        (cookie.expires !== undefined && cookie.expires.getTime() <= Date.now()) ||
        cookie.maxAge === 0;
      if (gone) this.#cookies.delete(cookie.name);
      else this.#cookies.set(cookie.name, { value: cookie.value, path: cookie.path ?? '/' });
    }
    const token = /name="_csrf" value="([^"]+)"/.exec(response.body)?.[1];
    if (token !== undefined) this.csrf = token;
  }

  cookie(name: string): string | undefined {
    return this.#cookies.get(name)?.value;
  }

  forget(name: string): void {
    this.#cookies.delete(name);
  }

  async get(url: string, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
    const cookie = this.#cookieHeader(url);
    const response = await this.#app.inject({
      method: 'GET',
      url,
      headers: { ...(cookie ? { cookie } : {}), ...headers },
    });
    this.#remember(response);
    return response;
  }

  /** Submits a form; `_csrf` is the last page's token unless the form sets it (or sets it to ''). */
  async post(url: string, form: Form = {}, headers: Record<string, string> = {}): Promise<LightMyRequestResponse> {
    const body = new URLSearchParams();
    const fields: Form = { ...(this.csrf !== undefined ? { _csrf: this.csrf } : {}), ...form };
    for (const [name, value] of Object.entries(fields)) {
      if (name === '_csrf' && value === '') continue;
      for (const v of typeof value === 'string' ? [value] : value) body.append(name, v);
    }
    const cookie = this.#cookieHeader(url);
    const response = await this.#app.inject({
      method: 'POST',
      url,
      payload: body.toString(),
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...(cookie ? { cookie } : {}), ...headers },
    });
    this.#remember(response);
    return response;
  }

  /** Signs in with an admin token; returns the sign-in POST's response. */
  async signIn(token: string): Promise<LightMyRequestResponse> {
    await this.get('/console/sign-in');
    return this.post('/console/sign-in', { token, next: '/console/tenants' });
  }
}

/** The text of an HTML page without tags and with entities decoded enough for assertions. */
export function pageText(html: string): string {
  return html
    .replace(/<script[\s\S]*?<\/script>/g, '')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/\s+/g, ' ')
    .trim();
}
