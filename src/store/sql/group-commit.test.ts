import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { setImmediate as turn } from 'node:timers/promises';
import { type Kysely, sql } from 'kysely';
import { createGroupCommit, type GroupCommit, MAX_UNITS_PER_COMMIT } from './group-commit.js';
import { connect, MEMORY } from './sqlite/connect.js';
import type { Database } from './tables.js';

/** Tables of their own: the group commit does not care what its units write. */
type Test = Kysely<Record<'parent' | 'child', { id: string; parent?: string }>>;

let db: Kysely<Database>;
let begins: number;
let group: GroupCommit<void>;

const insert = (conn: Kysely<Database>, table: 'parent' | 'child', id: string, parent?: string) =>
  (conn as unknown as Test)
    .insertInto(table)
    .values(parent === undefined ? { id } : { id, parent })
    .execute();
const ids = async (table: 'parent' | 'child') =>
  (await (db as unknown as Test).selectFrom(table).select('id').orderBy('id').execute()).map((r) => r.id);

describe('group commit', () => {
  beforeEach(async () => {
    db = connect(MEMORY);
    await sql`create table parent (id text primary key)`.execute(db);
    // Checked at COMMIT, not at the INSERT: a way to make one COMMIT fail.
    await sql`create table child (id text primary key, parent text references parent (id) deferrable initially deferred)`.execute(
      db,
    );
    begins = 0;
    group = createGroupCommit(
      db,
      async (conn) => {
        begins++;
        await sql`begin immediate`.execute(conn);
      },
      { releaseEachUnit: true },
    );
  });

  it('runs units that queue up together in one transaction, and each gets its own result', async () => {
    const results = await Promise.all(
      ['a', 'b', 'c', 'd', 'e'].map((id) =>
        group.run('', async (conn) => {
          await insert(conn, 'parent', id);
          return id;
        }),
      ),
    );
    assert.deepEqual(results, ['a', 'b', 'c', 'd', 'e']);
    assert.deepEqual(await ids('parent'), ['a', 'b', 'c', 'd', 'e']);
    assert.equal(begins, 1);
  });

  it('waits one turn of the event loop for units of requests still on their way', async () => {
    const first = group.run('', (conn) => insert(conn, 'parent', 'a'));
    // Queued from an I/O-like callback, after the first unit has run: it still joins the batch.
    const second = new Promise((resolve, reject) => {
      setImmediate(() => group.run('', (conn) => insert(conn, 'parent', 'b')).then(resolve, reject));
    });
    await Promise.all([first, second]);
    assert.deepEqual(await ids('parent'), ['a', 'b']);
    assert.equal(begins, 1);
  });

  it('rolls back only the unit that throws, which gets its own error', async () => {
    const outcomes = await Promise.allSettled([
      group.run('', (conn) => insert(conn, 'parent', 'a')),
      group.run('', async (conn) => {
        await insert(conn, 'parent', 'b');
        throw new Error('unit b fails');
      }),
      group.run('', (conn) => insert(conn, 'parent', 'a')), // a duplicate key: SQLite refuses it
      group.run('', (conn) => insert(conn, 'parent', 'c')),
    ]);
    assert.deepEqual(
      outcomes.map((o) => o.status),
      ['fulfilled', 'rejected', 'rejected', 'fulfilled'],
    );
    assert.match(String((outcomes[1] as PromiseRejectedResult).reason), /unit b fails/);
    assert.match(String((outcomes[2] as PromiseRejectedResult).reason), /UNIQUE constraint failed/);
    assert.deepEqual(await ids('parent'), ['a', 'c']);
    assert.equal(begins, 1);
  });

  it('rolls back the first unit of a batch with the whole transaction, and runs those queued behind it', async () => {
    await group.run('', (conn) => insert(conn, 'parent', 'a'));
    begins = 0;
    const outcomes = await Promise.allSettled([
      group.run('', async (conn) => {
        await insert(conn, 'parent', 'b');
        throw new Error('unit b fails');
      }),
      group.run('', (conn) => insert(conn, 'parent', 'c')),
      group.run('', (conn) => insert(conn, 'parent', 'a')), // a duplicate key, after a savepoint
      group.run('', (conn) => insert(conn, 'parent', 'd')),
    ]);
    assert.deepEqual(
      outcomes.map((o) => o.status),
      ['rejected', 'fulfilled', 'rejected', 'fulfilled'],
    );
    assert.match(String((outcomes[0] as PromiseRejectedResult).reason), /unit b fails/);
    assert.deepEqual(await ids('parent'), ['a', 'c', 'd']);
    // The first unit had the transaction to itself (no savepoint); the others took the next one.
    assert.equal(begins, 2);
  });

  it('answers no unit before the COMMIT, and fails them all when it fails', async () => {
    const outcomes = await Promise.allSettled([
      group.run('', (conn) => insert(conn, 'parent', 'p1')),
      group.run('', (conn) => insert(conn, 'child', 'orphan', 'no-such-parent')),
    ]);
    assert.deepEqual(
      outcomes.map((o) => o.status),
      ['rejected', 'rejected'],
    );
    for (const o of outcomes)
      assert.match(String((o as PromiseRejectedResult).reason), /FOREIGN KEY constraint failed/);
    assert.deepEqual([await ids('parent'), await ids('child')], [[], []]);
    // The connection is usable again, outside any transaction.
    await group.run('', (conn) => insert(conn, 'parent', 'p2'));
    assert.deepEqual(await ids('parent'), ['p2']);
  });

  it('lets no other statement see a batch before its COMMIT', async () => {
    let resume: () => void = () => undefined;
    const paused = new Promise<void>((resolve) => {
      resume = resolve;
    });
    const unit = group.run('', async (conn) => {
      await insert(conn, 'parent', 'a');
      await paused;
    });
    await turn();
    let seen: string[] | undefined;
    const read = ids('parent').then((found) => {
      seen = found;
    });
    for (let i = 0; i < 5; i++) await turn();
    assert.equal(seen, undefined, 'the read waits for the batch');
    resume();
    await Promise.all([unit, read]);
    assert.deepEqual(seen, ['a'], 'and then sees it committed');
  });

  it(`puts at most ${MAX_UNITS_PER_COMMIT} units in one transaction`, async () => {
    const n = 2 * MAX_UNITS_PER_COMMIT + 1;
    await Promise.all(Array.from({ length: n }, (_, i) => group.run('', (conn) => insert(conn, 'parent', `p${i}`))));
    assert.equal((await ids('parent')).length, n);
    assert.equal(begins, 3);
  });

  it('fails the units waiting when no transaction can be begun, and goes on with later ones', async () => {
    let refuse = true;
    const flaky = createGroupCommit(
      db,
      async (conn) => {
        if (refuse) throw new Error('SQLITE_BUSY: database is locked');
        await sql`begin immediate`.execute(conn);
      },
      { releaseEachUnit: true },
    );
    const outcomes = await Promise.allSettled([
      flaky.run('', (conn) => insert(conn, 'parent', 'a')),
      flaky.run('', (conn) => insert(conn, 'parent', 'b')),
    ]);
    assert.deepEqual(
      outcomes.map((o) => o.status),
      ['rejected', 'rejected'],
    );
    refuse = false;
    await flaky.run('', (conn) => insert(conn, 'parent', 'c'));
    assert.deepEqual(await ids('parent'), ['c']);
  });

  it('fails what is queued, rather than leaving it waiting, when there is no connection', async () => {
    await db.destroy();
    await assert.rejects(
      group.run('', async () => 1),
      /destroyed|closed|not open/i,
    );
  });
});
