/**
 * Two real `scimd serve` processes on one PostgreSQL database (a fresh schema): they start
 * together (migrating once, under the migration lock), serve one tenant consistently — a write
 * through one is read through the other at once — and serialise that tenant's writes between
 * them: racing creates and If-Match updates split across both processes still yield exactly one
 * winner.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { openStore } from '../src/store/open.js';
import { listMigrations } from '../src/store/sql/migrations/migrate.js';
import { dialect } from '../src/store/sql/postgres/dialect.js';
import { createTestSchema, describePostgres, type TestSchema } from '../src/store/test-support/postgres.js';
import { createTenant, issueToken } from '../src/tenancy/tenants.js';
import { type ServerProcess, startServerProcess, stopServerProcess } from './support/server-process.js';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

describePostgres('two scimd processes on one PostgreSQL database', (baseUrl) => {
  let schema: TestSchema;
  let a: ServerProcess | undefined;
  let b: ServerProcess | undefined;
  let token: string;

  before(async () => {
    schema = await createTestSchema(baseUrl);
    [a, b] = await Promise.all(
      [schema.url, schema.url].map((url) => startServerProcess(url, { SCIMD_DATABASE_POOL_SIZE: '4' })),
    );
    const store = await openStore(schema.url, { poolSize: 1 });
    try {
      await createTenant(store, { slug: 'acme', name: 'Acme' }, new Date());
      token = (await issueToken(store, 'acme', {}, new Date())).token;
    } finally {
      await store.close();
    }
  });

  after(async () => {
    await Promise.all([stopServerProcess(a), stopServerProcess(b)]);
    await schema?.drop();
  });

  const send = async (
    server: ServerProcess | undefined,
    method: string,
    path: string,
    body?: unknown,
    ifMatch?: string,
  ) => {
    const response = await fetch(`${server!.url}/scim/v2${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { 'content-type': 'application/scim+json' }),
        ...(ifMatch === undefined ? {} : { 'if-match': ifMatch }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return {
      status: response.status,
      etag: response.headers.get('etag'),
      body: (text === '' ? {} : JSON.parse(text)) as Record<string, unknown>,
    };
  };

  it('both started on a fresh database and migrated it once', async () => {
    const store = await openStore(schema.url, { poolSize: 1 });
    await store.close();
    const { inspectDatabase } = await import('../src/store/open.js');
    const inspection = await inspectDatabase(schema.url, { poolSize: 1 });
    assert.deepEqual(inspection.sql?.migrations, {
      applied: Object.keys(listMigrations(dialect)).sort(),
      pending: [],
      unknown: [],
    });
  });

  it('reads through one process what the other just wrote', async () => {
    const created = await send(a, 'POST', '/Users', { schemas: [USER], userName: 'shared@example.com' });
    assert.equal(created.status, 201);
    const id = String(created.body.id);
    const read = await send(b, 'GET', `/Users/${id}`);
    assert.equal(read.status, 200);
    assert.deepEqual(read.body, created.body);

    const patched = await send(
      b,
      'PATCH',
      `/Users/${id}`,
      { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'displayName', value: 'Shared' }] },
      'W/"1"',
    );
    assert.equal(patched.status, 200);
    const again = await send(a, 'GET', `/Users/${id}`);
    assert.equal(again.etag, 'W/"2"');
    assert.equal(again.body.displayName, 'Shared');

    assert.equal((await send(a, 'DELETE', `/Users/${id}`)).status, 204);
    assert.equal((await send(b, 'GET', `/Users/${id}`)).status, 404);
  });

  it('serialises the tenant across processes: one winner among racing creates and If-Match updates', async () => {
    const creates = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        send(i % 2 === 0 ? a : b, 'POST', '/Users', { schemas: [USER], userName: 'both@example.com' }),
      ),
    );
    assert.deepEqual(creates.map((r) => r.status).sort(), [201, ...Array(19).fill(409)]);
    const id = String(creates.find((r) => r.status === 201)!.body.id);

    const updates = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        send(
          i % 2 === 0 ? a : b,
          'PATCH',
          `/Users/${id}`,
          { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'title', value: `t${i}` }] },
          'W/"1"',
        ),
      ),
    );
    assert.deepEqual(updates.map((r) => r.status).sort(), [200, ...Array(19).fill(412)]);
    const final = await send(b, 'GET', `/Users/${id}`);
    assert.equal(final.etag, 'W/"2"');
    assert.equal(final.body.title, updates.find((r) => r.status === 200)!.body.title);
  });

  it('both stop cleanly on SIGTERM', async () => {
    const [codeA, codeB] = await Promise.all([stopServerProcess(a), stopServerProcess(b)]);
    assert.deepEqual([codeA, codeB], [0, 0], `${a?.stderr()}\n${b?.stderr()}`);
  });
});
