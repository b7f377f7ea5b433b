import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Fastify, { type FastifyBaseLogger } from 'fastify';
import type { RequestLogEntry } from '../store/events-port.js';
import type { Store } from '../store/store.js';
import { describeEachBackend } from '../store/test-support/backends.js';
import { createProvisioningLog, timeOrderedId } from './provisioning-log.js';
import { ENTRA_USER, type Harness, startHarness } from './test-support/harness.js';

const ENTRA_UA = 'Microsoft Azure AD SCIM provisioning 1.0.0';

/** Waits for the batched writer, then returns acme's entries, oldest first. */
async function entries(h: Harness, count: number): Promise<RequestLogEntry[]> {
  const acme = (await h.store.tenants.getBySlug('acme'))!;
  for (let i = 0; i < 200; i++) {
    const list = await h.store.requestLog.list(acme.id, { limit: 1000 });
    if (list.length >= count) return [...list].reverse();
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  assert.fail(`expected ${count} provisioning log entries`);
}

/** A store whose every provisioning-log append fails with `message`; `calls()` counts them. */
function storeFailingToAppend(message: string): { store: Store; calls: () => number } {
  let calls = 0;
  const store = {
    tenants: { getBySlug: async () => ({ id: 'tenant-1' }) },
    requestLog: {
      append: async () => {
        calls++;
        throw new Error(message);
      },
    },
  } as unknown as Store;
  return { store, calls: () => calls };
}

describeEachBackend('provisioning log', (backend) => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ backend, config: { logMaxBodyBytes: 4096 } });
  });
  after(() => h.close());

  it('records each SCIM request with status, resource, IdP and redacted bodies', async () => {
    const created = await h.request(
      'POST',
      '/t/acme/scim/v2/Users',
      { ...ENTRA_USER, password: 'Hunter2!secret' },
      { 'user-agent': ENTRA_UA, 'x-request-id': 'req-create-1' },
    );
    assert.equal(created.statusCode, 201);
    const id = created.json<{ id: string }>().id;
    const patched = await h.request(
      'PATCH',
      `/t/acme/scim/v2/Users/${id}`,
      {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
        Operations: [
          { op: 'Replace', path: 'password', value: 'N3wPassw0rd!' },
          { op: 'replace', path: 'displayName', value: 'Jane' },
        ],
      },
      { 'user-agent': 'Okta SCIM Client 1.0.0' },
    );
    assert.equal(patched.statusCode, 200);
    const clash = await h.request('POST', '/scim/v2/Users', ENTRA_USER, { 'user-agent': ENTRA_UA });
    assert.equal(clash.statusCode, 409);

    const all = await entries(h, 3);
    const create = all.find((e) => e.status === 201);
    const patch = all.find((e) => e.method === 'PATCH');
    const conflict = all.find((e) => e.status === 409);
    assert.deepEqual(
      [create!.method, create!.path, create!.status, create!.scimType, create!.resourceType, create!.resourceId],
      ['POST', '/t/acme/scim/v2/Users', 201, null, 'User', id],
    );
    assert.deepEqual([create!.idp, create!.userAgent, create!.requestId], ['entra', ENTRA_UA, 'req-create-1']);
    assert.equal(JSON.parse(create!.requestBody!).password, '[redacted]');
    assert.equal(JSON.parse(create!.responseBody!).id, id);
    assert.ok(create!.latencyMs >= 0 && Number.isInteger(create!.latencyMs));
    assert.deepEqual([patch!.method, patch!.status, patch!.resourceId, patch!.idp], ['PATCH', 200, id, 'okta']);
    assert.deepEqual(
      JSON.parse(patch!.requestBody!).Operations.map((o: { value: unknown }) => o.value),
      ['[redacted]', 'Jane'],
    );
    assert.deepEqual([conflict!.path, conflict!.status, conflict!.scimType], ['/scim/v2/Users', 409, 'uniqueness']);
  });

  it("records refused requests on a tenant's URL, never a token or password anywhere", async () => {
    const wrongToken = `scimd_${'Z'.repeat(43)}`;
    const before = (await entries(h, 3)).length;
    const refused = await h.request(
      'GET',
      `/t/acme/scim/v2/Users?filter=userName%20eq%20%22${wrongToken}%22`,
      undefined,
      {
        authorization: `Bearer ${wrongToken}`,
      },
    );
    assert.equal(refused.statusCode, 401);
    const anonymous = await h.request('GET', '/scim/v2/Users', undefined, { authorization: '' });
    assert.equal(anonymous.statusCode, 401);
    await h.request('GET', '/t/acme/scim/v2/Users', undefined, { authorization: `Bearer ${h.token}` });
    const all = await entries(h, before + 2);
    const denied = all.find((e) => e.status === 401)!;
    assert.equal(denied.path, '/t/acme/scim/v2/Users?filter=userName%20eq%20%22[redacted]%22');
    assert.equal(all.filter((e) => e.status === 401).length, 1, 'a request without a tenant is not recorded');
    const stored = JSON.stringify(all);
    for (const secret of [h.token, wrongToken, 'Hunter2!secret', 'N3wPassw0rd!', 'Bearer']) {
      assert.ok(!stored.includes(secret), `the log must not contain ${secret}`);
    }
  });

  it('cuts bodies to SCIMD_LOG_MAX_BODY_BYTES', async () => {
    const small = await startHarness({ backend, config: { logMaxBodyBytes: 40 } });
    try {
      await small.request('POST', '/t/acme/scim/v2/Users', ENTRA_USER);
      const [entry] = await entries(small, 1);
      assert.match(entry!.requestBody!, /^.{1,40}…\[truncated \d+ bytes\]$/);
    } finally {
      await small.close();
    }
  });

  it("stores scimd's responses exactly as they were sent", async () => {
    const before = (await entries(h, 0)).length;
    const list = await h.request(
      'GET',
      '/t/acme/scim/v2/Users?filter=userName%20eq%20%22jdoe%40contoso.com%22',
      undefined,
      {
        'x-request-id': 'sent-list',
      },
    );
    const id = list.json<{ Resources: { id: string }[] }>().Resources[0]!.id;
    const user = await h.request('GET', `/t/acme/scim/v2/Users/${id}`, undefined, { 'x-request-id': 'sent-user' });
    assert.deepEqual([list.statusCode, user.statusCode], [200, 200]);
    assert.match(user.body, /"version":"W\/\\"\d+\\""/, 'a rendered resource holds escaped quotes');
    const recorded = new Map((await entries(h, before + 2)).map((e) => [e.requestId, e]));
    assert.equal(recorded.get('sent-list')!.responseBody, list.body);
    assert.equal(recorded.get('sent-user')!.responseBody, user.body);
  });

  it('tells each route its resource type, and each User-Agent its identity provider, however many there are', async () => {
    const before = (await entries(h, 0)).length;
    const group = await h.request('POST', '/t/acme/scim/v2/Groups', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
      displayName: 'Sales',
    });
    assert.equal(group.statusCode, 201);
    const urls = ['/t/acme/scim/v2/Users', '/t/acme/scim/v2/Groups', '/t/acme/scim/v2/ServiceProviderConfig'];
    const agent = (i: number) =>
      [`Okta SCIM Client ${i}`, `Azure AD SCIM ${i}`, `curl/${i} scimd_${'Q'.repeat(43)}`][i % 3]!;
    for (let i = 0; i < 130; i++) {
      await h.request('GET', urls[i % 3]!, undefined, { 'user-agent': agent(i), 'x-request-id': `agent-${i}` });
    }
    const recorded = new Map((await entries(h, before + 131)).map((e) => [e.requestId, e]));
    for (let i = 0; i < 130; i++) {
      const entry = recorded.get(`agent-${i}`)!;
      assert.equal(entry.resourceType, ['User', 'Group', null][i % 3]);
      assert.equal(entry.idp, ['okta', 'entra', null][i % 3]);
      assert.equal(entry.userAgent, i % 3 === 2 ? `curl/${i} [redacted]` : agent(i));
    }
  });
});

describe('provisioning log failures', () => {
  function capture() {
    const errors: string[] = [];
    const log = { error: (_detail: unknown, message: string) => errors.push(message) } as unknown as FastifyBaseLogger;
    return { errors, log };
  }

  it('logs a request it cannot record, and answers it all the same', async () => {
    const lines: string[] = [];
    const app = Fastify({ logger: { level: 'error', stream: { write: (line: string) => lines.push(line) } } });
    const { log } = capture();
    const appended: RequestLogEntry[] = [];
    const store = {
      tenants: { getBySlug: async () => ({ id: 'tenant-1' }) },
      requestLog: { append: async (batch: RequestLogEntry[]) => void appended.push(...batch) },
    } as unknown as Store;
    const provisioningLog = createProvisioningLog(store, { maxBodyBytes: 1000 }, log);
    await app.register(async (scope) => {
      provisioningLog.register(scope, (request) => {
        if (request.url.startsWith('/boom')) throw new Error('no slug');
        return 'acme';
      });
      scope.get('/ok', async () => ({ ok: true }));
      scope.get('/boom', async () => ({ ok: 'still' }));
    });
    const boom = await app.inject({ method: 'GET', url: '/boom' });
    const ok = await app.inject({ method: 'GET', url: '/ok' });
    assert.deepEqual([boom.statusCode, boom.json(), ok.statusCode], [200, { ok: 'still' }, 200]);
    await provisioningLog.close();
    assert.deepEqual(
      appended.map((e) => [e.path, e.tenantId, e.responseBody]),
      [['/ok', 'tenant-1', '{"ok":true}']],
    );
    assert.ok(lines.some((line) => line.includes('could not record the request in the provisioning log')));
    await app.close();
  });

  it('logs a batch it cannot write, and goes on', async () => {
    const app = Fastify();
    const { errors, log } = capture();
    const { store, calls } = storeFailingToAppend('disk full');
    const provisioningLog = createProvisioningLog(store, { maxBodyBytes: 1000, maxBatch: 1 }, log);
    await app.register(async (scope) => {
      provisioningLog.register(scope, () => 'acme');
      scope.get('/ok', async () => ({ ok: true }));
    });
    for (let i = 0; i < 2; i++) assert.equal((await app.inject({ method: 'GET', url: '/ok' })).statusCode, 200);
    await provisioningLog.close();
    assert.equal(calls(), 2);
    assert.deepEqual(errors, ['could not write the provisioning log', 'could not write the provisioning log']);
    await app.close();
  });
});

describe('provisioning log entry ids', () => {
  it('are UUIDv7: the millisecond first, so later entries sort after earlier ones', () => {
    const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;
    const t = Date.parse('2026-01-15T10:00:00.000Z');
    const ids = [t, t, t + 1, t + 1000, t + 86_400_000].map((ms) => timeOrderedId(ms));
    for (const id of ids) assert.match(id, UUID_V7);
    assert.equal(ids[0]!.replace(/-/g, '').slice(0, 12), t.toString(16).padStart(12, '0'));
    assert.notEqual(ids[0], ids[1], 'the same millisecond still gives distinct ids');
    for (let i = 2; i < ids.length; i++) assert.ok(ids[i]! > ids[i - 1]!, `${ids[i]} sorts after ${ids[i - 1]}`);
  });
});

describe('provisioning log: one entry never drops another (#12.1, #12.5)', () => {
  function recordingLog() {
    const lines: { level: string; detail: Record<string, unknown>; message: string }[] = [];
    const at =
      (level: string) =>
      (detail: Record<string, unknown>, message: string): void =>
        void lines.push({ level, detail, message });
    const log = { error: at('error'), warn: at('warn'), info: at('info') } as unknown as FastifyBaseLogger;
    return { lines, log };
  }

  it('writes the entries of a failed batch one by one, losing only the one that fails alone', async () => {
    const app = Fastify();
    const { lines, log } = recordingLog();
    const stored: RequestLogEntry[] = [];
    let calls = 0;
    const store = {
      tenants: { getBySlug: async () => ({ id: 'tenant-1' }) },
      requestLog: {
        append: async (batch: RequestLogEntry[]) => {
          calls++;
          // As PostgreSQL does with a NUL in text, the backend refuses any batch holding /bad.
          if (batch.some((e) => e.path.startsWith('/bad'))) throw new Error('invalid byte sequence');
          stored.push(...batch);
        },
      },
    } as unknown as Store;
    const provisioningLog = createProvisioningLog(store, { maxBodyBytes: 1000, maxBatch: 1000 }, log);
    await app.register(async (scope) => {
      provisioningLog.register(scope, () => 'acme');
      scope.get('/ok', async () => ({ ok: true }));
      scope.get('/bad', async () => ({ ok: false }));
    });
    for (const url of ['/ok', '/bad', '/ok']) assert.equal((await app.inject({ method: 'GET', url })).statusCode, 200);
    await provisioningLog.close();
    assert.deepEqual(
      stored.map((e) => e.path),
      ['/ok', '/ok'],
    );
    assert.equal(calls, 4);
    assert.deepEqual(
      lines.map((l) => [l.level, l.message]),
      [
        ['warn', 'provisioning log batch failed; writing its entries one by one'],
        ['error', 'could not write the provisioning log'],
      ],
    );
    assert.ok(!stored.some((e) => e.requestId === lines[1]!.detail['requestId']), 'the error names the lost entry');
    await app.close();
  });

  it('gives up on a failed batch once its first entries fail alone too: the database is down', async () => {
    const app = Fastify();
    const { lines, log } = recordingLog();
    const { store, calls } = storeFailingToAppend('connection refused');
    const provisioningLog = createProvisioningLog(store, { maxBodyBytes: 1000, maxBatch: 1000 }, log);
    await app.register(async (scope) => {
      provisioningLog.register(scope, () => 'acme');
      scope.get('/ok', async () => ({ ok: true }));
    });
    for (let i = 0; i < 10; i++) assert.equal((await app.inject({ method: 'GET', url: '/ok' })).statusCode, 200);
    await provisioningLog.close();
    assert.equal(calls(), 1 + 3);
    assert.deepEqual(
      lines.map((l) => [l.level, l.message, l.detail['entries']]),
      [
        ['warn', 'provisioning log batch failed; writing its entries one by one', 10],
        ['error', 'could not write the provisioning log', undefined],
        ['error', 'could not write the provisioning log', undefined],
        ['error', 'could not write the provisioning log', undefined],
        ['error', 'could not write the provisioning log', 7],
      ],
    );
    await app.close();
  });

  it('records at most so many unauthenticated requests per tenant and minute, and counts the rest', async () => {
    const app = Fastify();
    const { lines, log } = recordingLog();
    const stored: RequestLogEntry[] = [];
    let now = Date.parse('2026-01-15T10:00:00.000Z');
    const store = {
      tenants: { getBySlug: async (slug: string) => ({ id: `tenant-${slug}` }) },
      requestLog: { append: async (batch: RequestLogEntry[]) => void stored.push(...batch) },
    } as unknown as Store;
    const provisioningLog = createProvisioningLog(
      store,
      { maxBodyBytes: 1000, maxUnauthenticatedPerMinute: 3, clock: () => new Date(now) },
      log,
    );
    await app.register(async (scope) => {
      scope.decorateRequest('scimContext', null);
      scope.addHook('onRequest', async (request) => {
        // Requests with ?auth are authenticated; the others were refused.
        if (request.url.includes('auth')) {
          request.scimContext = { tenantId: 'tenant-a', notes: { ignoredAttributes: new Set() } } as never;
        }
      });
      provisioningLog.register(scope, (request) => (request.params as { slug: string }).slug);
      scope.get('/:slug', async () => ({ ok: true }));
    });
    const send = async (url: string) =>
      assert.equal(
        (await app.inject({ method: 'GET', url, headers: { 'user-agent': 'Azure AD SCIM provisioning' } })).statusCode,
        200,
      );
    for (let i = 0; i < 5; i++) await send('/a');
    await send('/b');
    await send('/a?auth');
    await provisioningLog.flush();
    now += 60_000;
    await send('/a');
    await provisioningLog.close();
    const summary = stored.map((e) => [e.tenantId, e.authenticated, e.idp]);
    assert.deepEqual(summary, [
      ['tenant-a', false, null],
      ['tenant-a', false, null],
      ['tenant-a', false, null],
      ['tenant-b', false, null],
      ['tenant-a', true, 'entra'],
      ['tenant-a', false, null],
    ]);
    assert.deepEqual(
      lines.map((l) => [l.level, l.detail['tenantId'], l.detail['notRecorded'], l.message]),
      [
        [
          'warn',
          'tenant-a',
          2,
          'unauthenticated requests not recorded in the provisioning log (at most 3 a minute per tenant)',
        ],
      ],
    );
    await app.close();
  });

  it('records the ignored attributes of the request context, redacted and sorted (#13.4)', async () => {
    const app = Fastify();
    const { log } = recordingLog();
    const stored: RequestLogEntry[] = [];
    const store = {
      tenants: { getBySlug: async () => undefined },
      requestLog: { append: async (batch: RequestLogEntry[]) => void stored.push(...batch) },
    } as unknown as Store;
    const provisioningLog = createProvisioningLog(store, { maxBodyBytes: 1000 }, log);
    await app.register(async (scope) => {
      scope.decorateRequest('scimContext', null);
      scope.addHook('onRequest', async (request) => {
        const ignored = new Set(['urn:example:custom:2.0:User:badge', 'adreses', `scimd_${'Q'.repeat(43)}`]);
        request.scimContext = { tenantId: 'tenant-a', notes: { ignoredAttributes: ignored } } as never;
      });
      provisioningLog.register(scope, () => undefined);
      scope.get('/x', async () => ({ ok: true }));
    });
    await app.inject({ method: 'GET', url: '/x' });
    await provisioningLog.close();
    assert.deepEqual(stored[0]!.ignoredAttributes, ['adreses', '[redacted]', 'urn:example:custom:2.0:User:badge']);
    await app.close();
  });
});
