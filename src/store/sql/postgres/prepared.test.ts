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
import type { ScimError } from '../../../scim/errors.js';
import { openStore } from '../../open.js';
import type { Store } from '../../store.js';
import { T0, tenantRecord, userBody, userCreatedEvent } from '../../test-support/fixtures.js';
import {
  BEGIN_AND_LOCK,
  CARRIED_BY,
  createTestSchema,
  describePostgres,
  recordQueries,
  type SentQuery,
  type TestSchema,
  WITH_SAVEPOINT,
} from '../../test-support/postgres.js';
import { SAVEPOINT_TEXT } from '../group-commit.js';
import { templateTexts } from '../template.js';
import { outcomeOf, unansweredTexts } from '../unanswered.js';
import { BEGIN_TEXT, LOCK_TEXT, TENANT_LOCK_CLASS, tenantLockKey } from './lifecycle.js';
import { forgetHeld, PreparingClient } from './prepared.js';

const insertOf = (sent: readonly SentQuery[]) => sent.find((s) => /insert into "resources"/.test(s.text));

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
    // BEGIN and the tenant's lock are held and travel, unnamed, with the INSERT.
    assert.match(
      insertOf(second)?.text ?? '',
      /^begin \+ select scimd_lock_tenant\(\$1, \$2, \$3\) \+ savepoint unit_of_work \+ insert into "resources"/,
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

  it("sends a write's last statement unanswered and unnamed with preparedStatements: false", async () => {
    const store = await open({ preparedStatements: false });
    await store.tenants.create(tenantRecord('t4'));
    const create = (id: string, userName: string) =>
      store.forTenant('t4').transaction(async (tx) => {
        await tx.insertResource({ id, resourceType: 'User', body: userBody(userName), now: T0 });
        await tx.appendFinal([userCreatedEvent(id, userName)], undefined, undefined);
        return id;
      });
    const sent = await recordQueries(() => create('f1', 'frank'));
    // One message: BEGIN, the lock, the SAVEPOINT, the create with its event, the COMMIT.
    assert.equal(sent.length, 1);
    assert.equal(sent[0]!.name, undefined);
    assert.match(sent[0]!.text, /^begin \+ .* as "checked" from "allocated" \+ commit$/);
    await assert.rejects(create('f2', 'FRANK'), (error: unknown) => (error as ScimError).scimType === 'uniqueness');
    assert.deepEqual(
      (await store.forTenant('t4').query('User', { startIndex: 1, count: 10 })).resources.map((r) => r.id),
      ['f1'],
    );
    assert.deepEqual(
      (await store.events.list('t4', 0, 10)).events.map((e) => `${e.seq} ${e.resourceId}`),
      ['1 f1'],
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
    const parsed = () =>
      (client as unknown as { connection: { parsedStatements: Record<string, string> } }).connection.parsedStatements;

    before(async () => {
      client = new PreparingClient({ connectionString: schema.url });
      await client.connect();
      // Only a statement the connection has prepared carries held ones.
      for (const text of [SELECT, DIVIDE, ROLLBACK_TO]) {
        await query('begin');
        await query('savepoint unit_of_work');
        await query(text, text === ROLLBACK_TO ? [] : [1]).catch(() => undefined);
        await query('rollback');
      }
    });
    after(() => client?.end());
    beforeEach(async () => {
      await query('begin'); // held too: a first statement carries it
      await query('select 1');
    });
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

    it('carries it with a statement that is not a template, unnamed', async () => {
      const sent = await recordQueries(async () => {
        await query(SAVEPOINT_TEXT);
        assert.deepEqual((await query('select 2 as n')).rows, [{ n: 2 }]);
      });
      assert.deepEqual(texts(sent), [`${WITH_SAVEPOINT}select 2 as n`]);
      await query(ROLLBACK_TO);
    });

    it('sends it alone first before several statements in one text', async () => {
      const sent = await recordQueries(async () => {
        await query(SAVEPOINT_TEXT);
        await query('select 3 as n; select 4 as n');
      });
      assert.deepEqual(texts(sent), [SAVEPOINT_TEXT, 'select 3 as n; select 4 as n']);
      await query(ROLLBACK_TO);
    });

    it('carries it with a template the connection has not prepared, which it prepares', async () => {
      const NEW_TEMPLATE = 'select $1::int + 1 as n';
      templateTexts.note(NEW_TEMPLATE);
      const name = templateTexts.nameOf(NEW_TEMPLATE)!;
      const sent = await recordQueries(async () => {
        await query(SAVEPOINT_TEXT);
        assert.deepEqual((await query(NEW_TEMPLATE, [4])).rows, [{ n: 5 }]);
      });
      assert.deepEqual(texts(sent), [`${WITH_SAVEPOINT}${NEW_TEMPLATE}`]);
      assert.equal(parsed()[name], NEW_TEMPLATE);
      await query(ROLLBACK_TO);
      assert.deepEqual((await query(NEW_TEMPLATE, [5])).rows, [{ n: 6 }]);
    });

    it('records nothing as prepared when the parse of a template it carries fails', async () => {
      const BROKEN = 'select no_such_column + $1::int as n';
      templateTexts.note(BROKEN);
      const name = templateTexts.nameOf(BROKEN)!;
      for (let attempt = 0; attempt < 2; attempt++) {
        await query(SAVEPOINT_TEXT);
        // The same error both times: never "prepared statement … does not exist".
        await assert.rejects(query(BROKEN, [1]), /column "no_such_column" does not exist/);
        assert.equal(parsed()[name], undefined);
        await query('rollback');
        await query('begin');
        await query('select 1');
      }
    });

    describe("a unit's last statement, unanswered (unanswered.ts)", () => {
      const LAST = 'select 10 / $1::int as checked';
      templateTexts.note(LAST);
      unansweredTexts.note(LAST);
      const outcome = (result: pg.QueryResult) => outcomeOf(result.rows[0] as object);

      it('runs it answered on a connection that has not prepared it, which prepares it', async () => {
        const sent = await recordQueries(async () => {
          const result = await query(LAST, [2]);
          assert.deepEqual(result.rows, [{ checked: 5 }]);
          assert.equal(outcome(result), undefined);
        });
        assert.deepEqual(texts(sent), [LAST]);
        assert.equal(parsed()[templateTexts.nameOf(LAST)!], LAST);
      });

      it('then holds it, answering its outcome, and sends it by name in front of the next statement', async () => {
        const sent = await recordQueries(async () => {
          await query(SAVEPOINT_TEXT);
          const pending = outcome(await query(LAST, [5]));
          assert.ok(pending, 'held: an outcome, not rows');
          assert.deepEqual((await query(SELECT, [3])).rows, [{ n: 3 }]);
          await pending;
        });
        assert.deepEqual(texts(sent), [`${WITH_SAVEPOINT}${LAST}${CARRIED_BY}${SELECT}`]);
      });

      it('fails its outcome alone when it breaks: back to the savepoint, and the next statement runs again', async () => {
        await query(SAVEPOINT_TEXT);
        const pending = outcome(await query(LAST, [0]));
        const failed = assert.rejects(pending!, /division by zero/);
        const sent = await recordQueries(async () => {
          assert.deepEqual((await query(SELECT, [4])).rows, [{ n: 4 }]);
        });
        await failed;
        assert.deepEqual(texts(sent), [
          `${WITH_SAVEPOINT}${LAST}${CARRIED_BY}${SELECT}`,
          `${ROLLBACK_TO}${CARRIED_BY}${SELECT}`,
        ]);
        // The transaction goes on.
        assert.deepEqual((await query(SELECT, [5])).rows, [{ n: 5 }]);
      });

      it('settles each of several it carries: a failed one alone, the next run again, the statement with its own error', async () => {
        await query(SAVEPOINT_TEXT);
        const first = assert.rejects(outcome(await query(LAST, [0]))!, /division by zero/);
        const second = outcome(await query(LAST, [1]));
        // The first fails and is rolled back; the second runs again behind the ROLLBACK TO, and
        // the statement that carried them fails on its own.
        await assert.rejects(query(DIVIDE, [0]), /division by zero/);
        await first;
        await second;
      });

      it('fails its outcome when the connection goes back to the pool with it', async () => {
        const pending = outcome(await query(LAST, [1]));
        forgetHeld(client as unknown as pg.PoolClient);
        await assert.rejects(pending!, /released before the statement was sent/);
      });
    });

    it('carries BEGIN and the lock the same way, and a failing lock fails the statement with its error', async () => {
      await query('rollback');
      const sent = await recordQueries(async () => {
        await query(BEGIN_TEXT);
        await query(LOCK_TEXT, [TENANT_LOCK_CLASS, tenantLockKey('t1'), 't1']);
        assert.deepEqual((await query(SELECT, [8])).rows, [{ n: 8 }]);
      });
      assert.deepEqual(texts(sent), [`${BEGIN_AND_LOCK}${CARRIED_BY}${SELECT}`]);
      await query('rollback');
      await query(BEGIN_TEXT);
      await query(LOCK_TEXT, [TENANT_LOCK_CLASS, tenantLockKey('nobody'), 'nobody']);
      await assert.rejects(query(SELECT, [9]), (error: { code?: string }) => error.code === 'SC404');
      await query('rollback');
      await query('begin'); // for afterEach
    });
  });
});
