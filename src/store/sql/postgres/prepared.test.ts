/**
 * Named prepared statements (prepared.ts): the statement templates of a request run named, so a
 * connection parses and plans each once; everything else runs unnamed; a schema change by a
 * migration does not break a connection that prepared statements before it; and
 * `preparedStatements: false` (SCIMD_DATABASE_PREPARED_STATEMENTS=off) names nothing.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import pg from 'pg';
import { openStore } from '../../open.js';
import type { Store } from '../../store.js';
import { T0, tenantRecord, userBody } from '../../test-support/fixtures.js';
import {
  createTestSchema,
  describePostgres,
  recordQueries,
  type SentQuery,
  type TestSchema,
} from '../../test-support/postgres.js';

const insertOf = (sent: readonly SentQuery[]) => sent.find((s) => /^insert into "resources"/.test(s.text));

describePostgres('PostgreSQL named prepared statements', (url) => {
  let schema: TestSchema;
  const opened: Store[] = [];
  const open = async (options = {}) => {
    const store = await openStore(schema.url, { poolSize: 1, ...options });
    opened.push(store);
    return store;
  };
  let users = 0;
  const createUser = (store: Store, tenant: string) => {
    const id = `u${++users}`;
    return store
      .forTenant(tenant)
      .transaction((tx) => tx.insertResource({ id, resourceType: 'User', body: userBody(id), now: T0 }));
  };

  before(async () => {
    schema = await createTestSchema(url);
  });
  after(async () => {
    await Promise.all(opened.map((s) => s.close()));
    await schema?.drop();
  });

  it('sends the statements of templates under one name each, and others unnamed', async () => {
    const store = await open();
    await store.tenants.create(tenantRecord('t1'));
    const first = await recordQueries(() => createUser(store, 't1'));
    const second = await recordQueries(() => createUser(store, 't1'));
    const name = insertOf(first)?.name;
    assert.match(name ?? '', /^scimd_\d+$/);
    assert.equal(insertOf(second)?.name, name);
    // BEGIN with the tenant's lock is two statements in one text, which cannot be prepared.
    assert.deepEqual(
      first.filter((s) => /^begin/i.test(s.text)).map((s) => s.name),
      [undefined],
    );
    const stored = await store.forTenant('t1').getResource('User', `u${users}`);
    assert.equal(stored?.body['userName'], `u${users}`);
  });

  it('keeps working when a migration changes a table after the statements were prepared', async () => {
    const store = await open();
    await store.tenants.create(tenantRecord('t2'));
    await createUser(store, 't2');
    const admin = new pg.Client({ connectionString: schema.url });
    await admin.connect();
    try {
      await admin.query('alter table resources add column later_column text');
    } finally {
      await admin.end();
    }
    const after = await recordQueries(() => createUser(store, 't2'));
    assert.match(insertOf(after)?.name ?? '', /^scimd_\d+$/);
    const page = await store.forTenant('t2').query('User', { startIndex: 1, count: 10 });
    assert.equal(page.resources.length, 2);
  });

  it('names nothing with preparedStatements: false', async () => {
    const store = await open({ preparedStatements: false });
    await store.tenants.create(tenantRecord('t3'));
    const sent = await recordQueries(() => createUser(store, 't3'));
    assert.ok(insertOf(sent), 'the create sent its INSERT');
    assert.deepEqual(
      sent.filter((s) => s.name !== undefined),
      [],
    );
  });
});
