/**
 * Replays an IdP's request sequence through the real HTTP stack (the harness: Fastify app on a
 * fresh store) and normalises what comes back so whole bodies can be compared exactly: server
 * ids become `<name>` once named, ISO timestamps become `<ts>`.
 */
import assert from 'node:assert/strict';
import type { Harness } from '../../src/http/test-support/harness.js';

export const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const LIST = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';
export const CORE_USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const CORE_GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

const ISO = /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z/g;

export interface Reply {
  readonly status: number;
  /** Normalised JSON body, or undefined when the body is empty. */
  readonly body: unknown;
  readonly etag: string | undefined;
  readonly contentType: string | undefined;
}

export function patchOp(...operations: unknown[]) {
  return { schemas: [PATCH_OP], Operations: operations };
}

export function emptyList() {
  return { schemas: [LIST], totalResults: 0, startIndex: 1, itemsPerPage: 0, Resources: [] };
}

export function error(status: number, scimType: string | undefined, detail: string) {
  return { schemas: [ERROR], status: String(status), ...(scimType ? { scimType } : {}), detail };
}

export class Replayer {
  private readonly names = new Map<string, string>();

  /** `base` e.g. `/t/acme/scim/v2`; `query` is appended to every URL (e.g. `aadOptscim062020`). */
  constructor(
    readonly harness: Harness,
    readonly base: string,
    readonly query = '',
  ) {}

  /** The id named `name` (set by `name`). */
  id(name: string): string {
    const id = this.names.get(name);
    assert.ok(id, `no id named ${name}`);
    return id;
  }

  /** Names the server id `id` as `<name>` in normalised bodies. */
  name(name: string, id: string): string {
    this.names.set(name, id);
    return id;
  }

  url(path: string): string {
    const separator = path.includes('?') ? '&' : '?';
    return `${this.base}${path}${this.query ? `${separator}${this.query}` : ''}`;
  }

  normalize(text: string): unknown {
    let out = text.replace(ISO, '<ts>');
    // Longest first, so no id is a prefix of another's replacement.
    const entries = [...this.names.entries()].sort((a, b) => b[1].length - a[1].length);
    for (const [name, id] of entries) out = out.replaceAll(id, `<${name}>`);
    return JSON.parse(out);
  }

  async send(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<Reply> {
    const res = await this.harness.request(method, this.url(path), body, headers);
    return {
      status: res.statusCode,
      body: res.body === '' ? undefined : this.normalize(res.body),
      etag: res.headers.etag === undefined ? undefined : String(res.headers.etag),
      contentType: res.headers['content-type'] === undefined ? undefined : String(res.headers['content-type']),
    };
  }

  /** Sends and asserts the exact status and normalised body. Returns the raw parsed body. */
  async expect(
    method: string,
    path: string,
    body: unknown,
    status: number,
    expected: unknown,
    headers?: Record<string, string>,
  ): Promise<Record<string, unknown>> {
    const res = await this.harness.request(method, this.url(path), body, headers);
    const label = `${method} ${path}`;
    assert.equal(res.statusCode, status, `${label}: ${res.body}`);
    if (expected === undefined) assert.equal(res.body, '', label);
    else {
      assert.match(String(res.headers['content-type']), /^application\/scim\+json/, label);
      assert.deepEqual(this.normalize(res.body), expected, label);
    }
    return res.body === '' ? {} : (JSON.parse(res.body) as Record<string, unknown>);
  }

  /**
   * Every User and Group, normalised and ordered by name: the stored state to compare between
   * runs (the default list order breaks ties in `created` by id, which differs between runs).
   */
  async snapshot(): Promise<unknown> {
    const key = (r: Record<string, unknown>) => String(r.userName ?? r.displayName);
    const list = async (path: string) => {
      const { body } = await this.send('GET', path);
      const resources = (body as { Resources: Record<string, unknown>[] }).Resources;
      return resources.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
    };
    return { users: await list('/Users?count=1000'), groups: await list('/Groups?count=1000') };
  }
}
