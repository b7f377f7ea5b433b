/**
 * Named prepared statements (prepared.ts): the statement templates of a request run named, so a
 * connection parses and plans each once; everything else runs unnamed; a schema change by a
 * migration does not break a connection that prepared statements before it;
 * `preparedStatements: false` (SCIMD_DATABASE_PREPARED_STATEMENTS=off) names nothing; and a
 * unit's SAVEPOINT travels with the next prepared statement, with the same effects as alone.
 */
import assert from 'node:assert/strict';
import { after, afterEach, before, beforeEach, describe, it } from 'node:test';
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
  WITH_SAVEPOINT,
} from '../../test-support/postgres.js';
import { SAVEPOINT_TEXT } from '../group-commit.js';
import { templateTexts } from '../template.js';
import { PreparingClient } from './prepared.js';

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

  describe('a SAVEPOINT held for the next statement', () => {
    // The texts as templates compile them (template.ts names them).
    const SELECT = 'select $1::int as n';
    const DIVIDE = 'select 1 / $1::int as n';
    const ROLLBACK_TO = 'rollback to unit_of_work';
    for (const text of [SAVEPOINT_TEXT, SELECT, DIVIDE, ROLLBACK_TO]) templateTexts.note(text);
    let client: PreparingClient;
    const query = (text: string, values: unknown[] = []) =>
      client.query(text, values) as Promise<pg.QueryResult<{ n: number }>>;
    const texts = (sent: readonly SentQuery[]) => sent.map((s) => s.text);

    before(async () => {
      client = new PreparingClient({ connectionString: schema.url });
      await client.connect();
      // The connection prepares the SAVEPOINT the first time, sent alone.
      await query('begin');
      assert.deepEqual(texts(await recordQueries(() => query(SAVEPOINT_TEXT))), [SAVEPOINT_TEXT]);
      await query('rollback');
      for (const text of [SELECT, DIVIDE, ROLLBACK_TO]) {
        await query('begin');
        await query(text, text === ROLLBACK_TO ? [] : [1]).catch(() => undefined);
        await query('rollback');
      }
    });
    after(() => client?.end());
    beforeEach(() => query('begin'));
    afterEach(() => query('rollback'));

    it('answers at once and sends it in front of the next prepared statement, in one round trip', async () => {
      const sent = await recordQueries(async () => {
        const held = await query(SAVEPOINT_TEXT);
        assert.equal(held.command, 'SAVEPOINT');
        const result = await query(SELECT, [7]);
        assert.deepEqual(result.rows, [{ n: 7 }]);
        assert.equal(result.command, 'SELECT');
      });
      assert.deepEqual(texts(sent), [`${WITH_SAVEPOINT}${SELECT}`]);
      // The SAVEPOINT exists on the server: rolling back to it works.
      await query(ROLLBACK_TO);
    });

    it('fails the statement alone when it breaks: the SAVEPOINT ran, and rolling back to it recovers', async () => {
      await query(SAVEPOINT_TEXT);
      await assert.rejects(query(DIVIDE, [0]), /division by zero/);
      await query(ROLLBACK_TO);
      assert.deepEqual((await query(SELECT, [1])).rows, [{ n: 1 }]);
    });

    it("fails with the SAVEPOINT's error, running nothing, in a transaction already aborted", async () => {
      await assert.rejects(query(DIVIDE, [0]), /division by zero/);
      await query(SAVEPOINT_TEXT);
      await assert.rejects(query(SELECT, [1]), /current transaction is aborted/);
    });

    it('sends it alone first when the next statement is not a template', async () => {
      const sent = await recordQueries(async () => {
        await query(SAVEPOINT_TEXT);
        assert.deepEqual((await query('select 2 as n')).rows, [{ n: 2 }]);
      });
      assert.deepEqual(texts(sent), [SAVEPOINT_TEXT, 'select 2 as n']);
      await query(ROLLBACK_TO);
    });
  });
});
