import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler } from 'kysely';
import { connect, MEMORY } from './sqlite/connect.js';
import type { Database } from './tables.js';
import { bind, RowSlot, rowSlots, Slot, template, templateFamily, templateTexts } from './template.js';

const db = connect(MEMORY);
after(() => db.destroy());

const tenantName = template<'id', { name: string }>((k, slot) =>
  k.selectFrom('tenants').select('name').where('id', '=', slot('id')),
);

/** A Kysely that compiles PostgreSQL and answers every statement with no rows. */
function postgresCompiler(): Kysely<Database> {
  return new Kysely<Database>({
    dialect: {
      createAdapter: () => new PostgresAdapter(),
      createDriver: () => new DummyDriver(),
      createIntrospector: (k) => new PostgresIntrospector(k),
      createQueryCompiler: () => new PostgresQueryCompiler(),
    },
  });
}

describe('statement templates', () => {
  it('runs one compiled statement with the values of each call', async () => {
    await db.schema.createTable('tenants').addColumn('id', 'text').addColumn('name', 'text').execute();
    await db
      .insertInto('tenants')
      .values([
        { id: 'a', name: 'Alpha' },
        { id: 'b', name: 'Beta' },
      ] as never)
      .execute();
    assert.deepEqual(await tenantName.execute(db, { id: 'a' }), [{ name: 'Alpha' }]);
    assert.deepEqual(await tenantName.first(db, { id: 'b' }), { name: 'Beta' });
    assert.equal(await tenantName.first(db, { id: 'c' }), undefined);
    // The same statement on a connection derived from db (as inside a unit of work).
    const viaConnection = await db.connection().execute((conn) => tenantName.first(conn, { id: 'a' }));
    assert.deepEqual(viaConnection, { name: 'Alpha' });
  });

  it('counts the rows a statement changed', async () => {
    const rename = template<'id' | 'name', never>((k, slot) =>
      k
        .updateTable('tenants')
        .set({ name: slot('name') })
        .where('id', '=', slot('id')),
    );
    assert.equal(await rename.changes(db, { id: 'a', name: 'Alef' }), 1);
    assert.equal(await rename.changes(db, { id: 'zz', name: 'Nobody' }), 0);
    assert.deepEqual(await tenantName.first(db, { id: 'a' }), { name: 'Alef' });
  });

  it('refuses to run with a value missing rather than binding NULL', async () => {
    await assert.rejects(() => tenantName.first(db, {} as { id: string }), /no value for slot "id"/);
  });

  it('binds slots by name wherever they occur and leaves other parameters alone', () => {
    const compiled = {
      query: {} as never,
      queryId: { queryId: 'q' },
      sql: 'select ? , ?, ?',
      parameters: [new Slot('b'), 7, new Slot('a')],
    };
    assert.deepEqual(bind(compiled, { a: 'A', b: null }).parameters, [null, 7, 'A']);
    assert.equal(compiled.parameters[0] instanceof Slot, true, 'the template itself is untouched');
  });

  it("binds a multi-row statement's slots from the rows by position, or by name without them", async () => {
    const compiled = {
      query: {} as never,
      queryId: { queryId: 'q' },
      sql: 'values (?, ?, ?), (?, ?, ?)',
      parameters: [
        new RowSlot('id', 0),
        new Slot('tenant'),
        new RowSlot('name', 0),
        new RowSlot('id', 1),
        3,
        new RowSlot('name', 1),
      ],
    };
    const rows = [
      { id: 'x', name: 'Ex' },
      { id: 'y', name: null },
    ];
    const expected = ['x', 'T', 'Ex', 'y', 3, null];
    assert.deepEqual(bind(compiled, { tenant: 'T' }, rows).parameters, expected);
    const byName = { tenant: 'T', id0: 'x', name0: 'Ex', id1: 'y', name1: null };
    assert.deepEqual(bind(compiled, byName).parameters, expected);
    assert.throws(() => bind(compiled, { tenant: 'T' }, [{ id: 'x', name: 'Ex' }]), /no value for slot "id1"/);

    const insertTenants = templateFamily<number, never, never>((n, k) =>
      k.insertInto('tenants').values(rowSlots(['id', 'name'], n)),
    );
    assert.equal(
      await insertTenants(2).changes(db, {}, [
        { id: 'r1', name: 'Row 1' },
        { id: 'r2', name: 'Row 2' },
      ]),
      2,
    );
    assert.deepEqual(await tenantName.first(db, { id: 'r2' }), { name: 'Row 2' });
  });

  it('compiles separately for each dialect', async () => {
    const pg = postgresCompiler();
    const seen: string[] = [];
    const spy = template<'id', unknown>((k, slot) => {
      const q = k.selectFrom('tenants').select('name').where('id', '=', slot('id'));
      seen.push(q.compile().sql);
      return q;
    });
    await spy.first(db, { id: 'a' });
    assert.equal(await spy.first(pg, { id: 'a' }), undefined);
    await spy.first(db, { id: 'b' });
    assert.deepEqual(seen, [
      'select "name" from "tenants" where "id" = ?',
      'select "name" from "tenants" where "id" = $1',
    ]);
  });

  it('builds one template per shape in a family', async () => {
    const built: number[] = [];
    const firstN = templateFamily<number, 'from', { id: string }>((n, k, slot) => {
      built.push(n);
      return k.selectFrom('tenants').select('id').where('id', '>=', slot('from')).orderBy('id').limit(n);
    });
    assert.deepEqual(await firstN(1).execute(db, { from: 'a' }), [{ id: 'a' }]);
    assert.deepEqual(await firstN(2).execute(db, { from: 'a' }), [{ id: 'a' }, { id: 'b' }]);
    assert.deepEqual(await firstN(1).execute(db, { from: 'b' }), [{ id: 'b' }]);
    assert.deepEqual(built, [1, 2]);
  });
});

describe('template texts (named prepared statements on PostgreSQL)', () => {
  it('names each template text once, and leaves out texts returning whole rows', () => {
    const text = `select "name" from "tenants" where "id" = $1 /* ${Math.random()} */`;
    templateTexts.note(text);
    const name = templateTexts.nameOf(text);
    assert.match(name ?? '', /^scimd_\d+$/);
    templateTexts.note(text);
    assert.equal(templateTexts.nameOf(text), name);
    for (const whole of [
      'select * from "tenants" where "id" = $1',
      'select "tenants".* from "tenants"',
      'update "tenants" set "name" = $1 returning *',
    ]) {
      templateTexts.note(whole);
      assert.equal(templateTexts.nameOf(whole), undefined, whole);
    }
    assert.equal(templateTexts.nameOf('select 1'), undefined);
  });

  it('names the text a template compiles, for each dialect', async () => {
    await tenantName.execute(db, { id: 'a' });
    const compiled = db.selectFrom('tenants').select('name').where('id', '=', 'x').compile();
    assert.match(templateTexts.nameOf(compiled.sql) ?? '', /^scimd_\d+$/);
    const pg = postgresCompiler();
    await tenantName.execute(pg, { id: 'a' });
    const pgText = pg.selectFrom('tenants').select('name').where('id', '=', 'x').compile().sql;
    assert.notEqual(pgText, compiled.sql);
    assert.match(templateTexts.nameOf(pgText) ?? '', /^scimd_\d+$/);
  });
});
