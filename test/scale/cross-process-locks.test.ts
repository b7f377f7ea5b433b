/**
 * Issue #18.4: on PostgreSQL, writes of different tenants never wait on each other across
 * processes, and writes of one tenant do. Two real `scimd serve` processes share one database;
 * a third connection plays a process in the middle of tenant A's write: it opens a transaction
 * and takes tenant A's write lock exactly as scimd's unit of work does (BEGIN, then
 * `pg_advisory_xact_lock(TENANT_LOCK_CLASS, tenantLockKey(A))`, src/store/sql/postgres/lifecycle.ts).
 * Meanwhile both processes complete creates for tenant B, and a create for tenant A through
 * either process waits until that transaction ends, then succeeds.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import pg from 'pg';
import { openStore } from '../../src/store/open.js';
import { TENANT_LOCK_CLASS, tenantLockKey } from '../../src/store/sql/postgres/lifecycle.js';
import { createTestSchema, describePostgres, type TestSchema } from '../../src/store/test-support/postgres.js';
import { createTenant, issueToken } from '../../src/tenancy/tenants.js';
import { type ServerProcess, startServerProcess, stopServerProcess } from '../support/server-process.js';

const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';

describePostgres('tenant write locks across scimd processes on PostgreSQL', (baseUrl) => {
  let schema: TestSchema;
  let one: ServerProcess | undefined;
  let two: ServerProcess | undefined;
  const tenants: Record<'a' | 'b', { id: string; token: string }> = {} as never;

  before(async () => {
    schema = await createTestSchema(baseUrl);
    const store = await openStore(schema.url, { poolSize: 1 });
    try {
      for (const slug of ['a', 'b'] as const) {
        const tenant = await createTenant(store, { slug: `tenant-${slug}`, name: slug }, new Date());
        tenants[slug] = { id: tenant.id, token: (await issueToken(store, tenant.slug, {}, new Date())).token };
      }
    } finally {
      await store.close();
    }
    [one, two] = await Promise.all([schema.url, schema.url].map((url) => startServerProcess(url)));
  });

  after(async () => {
    await Promise.all([stopServerProcess(one), stopServerProcess(two)]);
    await schema?.drop();
  });

  const create = async (server: ServerProcess | undefined, slug: 'a' | 'b', userName: string) => {
    const response = await fetch(`${server!.url}/scim/v2/Users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tenants[slug].token}`, 'content-type': 'application/scim+json' },
      body: JSON.stringify({ schemas: [USER], userName }),
    });
    return response.status;
  };

  it("completes tenant B's writes in both processes while tenant A's write lock is held, and makes A's wait", async () => {
    const holder = new pg.Client({ connectionString: schema.url });
    await holder.connect();
    try {
      await holder.query('begin');
      await holder.query('select pg_advisory_xact_lock($1, $2)', [TENANT_LOCK_CLASS, tenantLockKey(tenants.a.id)]);

      const finished: string[] = [];
      const waitingA = [
        create(one, 'a', 'a-one@example.com').then((status) => {
          finished.push('a through one');
          return status;
        }),
        create(two, 'a', 'a-two@example.com').then((status) => {
          finished.push('a through two');
          return status;
        }),
      ];
      // Tenant B is not held up by A's open transaction, in either process.
      assert.deepEqual(
        await Promise.all([create(one, 'b', 'b-one@example.com'), create(two, 'b', 'b-two@example.com')]),
        [201, 201],
      );
      // Ten more of B's writes after A's started waiting: they all complete while A's wait.
      for (let i = 0; i < 10; i++) assert.equal(await create(i % 2 === 0 ? one : two, 'b', `b${i}@example.com`), 201);
      assert.deepEqual(finished, [], "tenant A's creates waited for the transaction holding A's lock");

      await holder.query('commit');
      assert.deepEqual(await Promise.all(waitingA), [201, 201]);
    } finally {
      await holder.query('rollback').catch(() => undefined);
      await holder.end();
    }
  });
});
