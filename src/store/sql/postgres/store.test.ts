/**
 * The PostgreSQL store: the shared contract suite, then what only PostgreSQL has — migrations
 * under an advisory lock, per-tenant write serialisation across connection pools (as across
 * processes), code point collation of every text column, Unicode case folding identical to
 * JavaScript's, and the pool size.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { type Kysely, sql } from 'kysely';
import pg from 'pg';
import { openStore } from '../../open.js';
import { runStoreContract } from '../../store.contract.js';
import type { Store } from '../../store.js';
import { tenantRecord, userBody } from '../../test-support/fixtures.js';
import {
  createTestSchema,
  describePostgres,
  recycledPostgresStores,
  type TestSchema,
  withSearchPath,
} from '../../test-support/postgres.js';
import { servesOneConnection } from '../dialect.js';
import { listMigrations, migrateToLatest } from '../migrations/migrate.js';
import type { Database } from '../tables.js';
import { connect, redactUrl } from './connect.js';
import { dialect } from './dialect.js';
import { presentLeavesPath } from './fragments.js';
import { MIGRATION_LOCK_KEY, TENANT_LOCK_CLASS, tenantLockKey } from './lifecycle.js';

const ALL = Object.keys(listMigrations(dialect)).sort();

/**
 * Code points whose lower case JavaScript (Node 20's ICU, Unicode 17) knows but PostgreSQL 15's
 * ICU (Unicode 15) does not: letters encoded in Unicode 16 and 17. docs/postgres.md lists them.
 */
const NEWER_THAN_SERVER_ICU: readonly (readonly [number, number])[] = [
  [0x1c89, 0x1c89],
  [0xa7cb, 0xa7cc],
  [0xa7ce, 0xa7ce],
  [0xa7d2, 0xa7d2],
  [0xa7d4, 0xa7d4],
  [0xa7da, 0xa7da],
  [0xa7dc, 0xa7dc],
  [0x10d50, 0x10d65],
  [0x16ea0, 0x16eb8],
];

/** Runs `fn` with a plain client on `url` (a second "process"). */
async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves once `condition()` holds, polling; fails after 10 s (a loaded machine is slow, never wrong). */
async function until(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (const started = Date.now(); !(await condition()); await sleep(20)) {
    if (Date.now() - started > 10_000) assert.fail(`timed out waiting until ${what}`);
  }
}

describePostgres('PostgreSQL store', (url) => {
  const stores = recycledPostgresStores(url);
  after(() => stores.dispose());
  runStoreContract('PostgreSQL', () => stores.open());

  it('declares itself durable and shared across processes', async () => {
    const store = await stores.open();
    assert.deepEqual(store.capabilities, { sharedAcrossProcesses: true, durable: true });
    await store.ping();
    await store.close();
  });

  it("pools connections, as Kysely's adapter says (so each unit of work has its own transaction)", async () => {
    const db = connect(url);
    assert.equal(servesOneConnection(db), false);
    await db.destroy();
  });
});

describePostgres('PostgreSQL migrations', (url) => {
  it('three processes starting together on a fresh schema migrate it exactly once', async () => {
    const schema = await createTestSchema(url);
    const dbs = [connect(schema.url), connect(schema.url), connect(schema.url)];
    try {
      const applied = await Promise.all(dbs.map((db) => migrateToLatest(db, dialect)));
      assert.deepEqual(applied.map((names) => names.length).sort(), [0, 0, ALL.length]);
      assert.deepEqual(
        applied.find((names) => names.length > 0),
        ALL,
      );
      const rows = await sql<{ name: string }>`select name from scimd_migrations order by name`.execute(dbs[0]!);
      assert.deepEqual(
        rows.rows.map((r) => r.name),
        ALL,
      );
      const stores = await Promise.all([openStore(schema.url), openStore(schema.url), openStore(schema.url)]);
      await Promise.all(stores.map((s) => s.close()));
    } finally {
      await Promise.all(dbs.map((db) => db.destroy()));
      await schema.drop();
    }
  });

  it('waits for the migration lock another process holds', async () => {
    const schema = await createTestSchema(url);
    const db = connect(schema.url);
    try {
      await withClient(url, async (other) => {
        await other.query('select pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
        let done = false;
        const migrating = migrateToLatest(db, dialect).then((names) => {
          done = true;
          return names;
        });
        await sleep(300);
        assert.equal(done, false, 'migrated while another process held the lock');
        await other.query('select pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
        assert.deepEqual(await migrating, ALL);
      });
    } finally {
      await db.destroy();
      await schema.drop();
    }
  });

  it('keeps its tables in the schema search_path names, even where another schema has them', async () => {
    const first = await createTestSchema(url);
    const second = await createTestSchema(url);
    try {
      await (await openStore(first.url)).close();
      const store = await openStore(second.url);
      await store.tenants.create(tenantRecord('t1'));
      await store.close();
      const tenants = await withClient(url, (c) => c.query(`select id from ${second.schema}.tenants`));
      assert.deepEqual(tenants.rows, [{ id: 't1' }]);
      assert.equal((await withClient(url, (c) => c.query(`select id from ${first.schema}.tenants`))).rowCount, 0);
    } finally {
      await first.drop();
      await second.drop();
    }
  });

  it('refuses a search_path without an existing schema, saying so', async () => {
    await assert.rejects(openStore(withSearchPath(url, 'scimd_no_such_schema')), {
      message: /no schema to create scimd's tables in: search_path \(scimd_no_such_schema\) names no existing schema/,
    });
  });
});

describePostgres('PostgreSQL text and case', (url) => {
  let schema: TestSchema;
  let db: Kysely<Database>;
  before(async () => {
    schema = await createTestSchema(url);
    await (await openStore(schema.url)).close();
    db = connect(schema.url);
  });
  after(async () => {
    await db?.destroy();
    await schema?.drop();
  });

  it('creates every text column with collation "C" (code point order)', async () => {
    const columns = await sql<{ column: string; collation: string | null }>`
      select table_name || '.' || column_name as column, collation_name as collation
      from information_schema.columns
      where table_schema = current_schema() and data_type = 'text'`.execute(db);
    assert.ok(columns.rows.length >= 20, `only ${columns.rows.length} text columns`);
    assert.deepEqual(
      columns.rows.filter((c) => c.collation !== 'C'),
      [],
    );
  });

  it('folds every code point as JavaScript does, but for letters newer than the server ICU', async () => {
    const result = await sql<{ cp: number; lower: string }>`
      select cp, ${dialect.fragments.fold(sql`chr(cp)`)} as lower from generate_series(1, 1114111) as cp
      where cp not between 55296 and 57343 and ${dialect.fragments.fold(sql`chr(cp)`)} <> chr(cp)`.execute(db);
    const database = new Map(result.rows.map((row) => [row.cp, row.lower]));
    const differing: number[] = [];
    for (let cp = 1; cp <= 0x10ffff; cp++) {
      if (cp >= 0xd800 && cp <= 0xdfff) continue;
      const char = String.fromCodePoint(cp);
      if ((database.get(cp) ?? char) !== char.toLowerCase()) differing.push(cp);
    }
    const documented = (cp: number) => NEWER_THAN_SERVER_ICU.some(([from, to]) => cp >= from && cp <= to);
    assert.deepEqual(
      differing.filter((cp) => !documented(cp)).map((cp) => cp.toString(16)),
      [],
    );
    assert.ok(database.size > 1400, `only ${database.size} code points change when folded`);
  });

  it('folds context-dependent and expanding case mappings as JavaScript does', async () => {
    const words = [
      'ΌΣΟΣ',
      'ΣΑΣ ΣΑΣ.',
      'AΣB',
      'Σ',
      'ὈΔΥΣΣΕΎΣ',
      'İstanbul',
      'STRAẞE',
      'ǅemal',
      'ПРИВЕТ',
      'x😀Y',
      'ΑΣ\u0301Β',
    ];
    for (const word of words) {
      const result = await sql<{ f: string }>`select ${dialect.fragments.fold(sql.val(word))} as f`.execute(db);
      assert.equal(result.rows[0]?.f, word.toLowerCase(), word);
    }
  });

  it('orders text from JSON in code point order whatever the database collation', async () => {
    const words = ['b', 'B', 'a', 'é', 'f', '_x', 'Z', '😀', 'ä'];
    const result = await sql<{ w: string }>`
      select ${dialect.fragments.jsonScalar(sql`w`, [], 'string')} as w
      from jsonb_array_elements(${JSON.stringify(words)}::jsonb) as w order by 1`.execute(db);
    const codePointOrder = [...words].sort((x, y) => (x < y ? -1 : 1));
    assert.deepEqual(
      result.rows.map((r) => r.w),
      codePointOrder,
    );
  });
});

describePostgres('PostgreSQL tenant write serialisation and pool', (url) => {
  let schema: TestSchema;
  const opened: Store[] = [];
  const open = async (options = {}, target?: string) => {
    const store = await openStore(target ?? schema.url, options);
    opened.push(store);
    return store;
  };
  before(async () => {
    schema = await createTestSchema(url);
    const store = await open();
    for (const id of ['t1', 't2', 't3', 't4', 't5', 't6']) await store.tenants.create(tenantRecord(id));
  });
  after(async () => {
    await Promise.all(opened.map((s) => s.close()));
    await schema?.drop();
  });

  it('makes a second process wait for the tenant, not for other tenants', async () => {
    const [one, two] = [await open(), await open()];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const events: string[] = [];
    const first = one.forTenant('t1').transaction(async (tx) => {
      // The unit's first statement takes the lock (BEGIN and the lock travel with it).
      await tx.getResource('User', 'u1');
      events.push('first started');
      await tx.insertResource({ id: 'u1', resourceType: 'User', body: userBody('one'), now: '2024-01-01T00:00:00Z' });
      await gate;
      events.push('first commits');
    });
    await until(() => events.includes('first started'), 'the first transaction holds the lock');
    // The second unit's JavaScript may start; its first statement waits for the lock.
    const sameTenant = two.forTenant('t1').transaction(async (tx) => {
      const read = await tx.getResource('User', 'u1');
      events.push('second read');
      return read?.body['userName'];
    });
    const otherTenant = two.forTenant('t2').transaction(async () => {
      events.push('other tenant ran');
    });
    await otherTenant;
    await sleep(200); // the second transaction of t1 had time to read, and must not have
    assert.deepEqual(events, ['first started', 'other tenant ran']);
    release();
    await first;
    assert.equal(await sameTenant, 'one', 'the waiting transaction sees the committed row');
    assert.deepEqual(events, ['first started', 'other tenant ran', 'first commits', 'second read']);
  });

  it('uses at most SCIMD_DATABASE_POOL_SIZE connections', async () => {
    const name = `scimd_pool_${process.pid}`;
    const target = new URL(schema.url);
    target.searchParams.set('application_name', name);
    const store = await open({ poolSize: 2 }, target.href);
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    // Five tenants' transactions, each holding its connection until the gate opens.
    const running = ['t2', 't3', 't4', 't5', 't6'].map((t) =>
      store.forTenant(t).transaction(async (tx) => {
        await tx.findTypes(['x']);
        await gate;
      }),
    );
    const count = async () => {
      const result = await withClient(url, (c) =>
        c.query('select count(*)::int as n from pg_stat_activity where application_name = $1', [name]),
      );
      return result.rows[0].n as number;
    };
    await until(async () => (await count()) >= 2, 'two transactions hold connections');
    await sleep(200); // the other three had time to open more, and must not have
    const connections = await count();
    release();
    await Promise.all(running);
    assert.equal(connections, 2);
  });

  it('returns a connection whose tenant lock timed out to the pool outside any transaction', async () => {
    const timeout = new URL(schema.url);
    timeout.searchParams.set('options', `${timeout.searchParams.get('options')} -c lock_timeout=100`);
    const store = await open({ poolSize: 1 }, timeout.href);
    await withClient(schema.url, async (other) => {
      await other.query('select pg_advisory_lock($1, $2)', [TENANT_LOCK_CLASS, tenantLockKey('t3')]);
      await assert.rejects(
        store.forTenant('t3').transaction(async () => undefined),
        (error: { code?: string }) => error.code === '55P03',
      );
      await other.query('select pg_advisory_unlock($1, $2)', [TENANT_LOCK_CLASS, tenantLockKey('t3')]);
    });
    // The pool's only connection must be usable again.
    const inserted = await store
      .forTenant('t4')
      .transaction((tx) =>
        tx.insertResource({ id: 'u9', resourceType: 'User', body: userBody('nine'), now: '2024-01-01T00:00:00Z' }),
      );
    assert.equal(inserted.version, 1);
  });
});

describePostgres('PostgreSQL helpers', () => {
  it('derives the same tenant lock key in every process and version', () => {
    assert.equal(tenantLockKey('tenant-a'), tenantLockKey('tenant-a'));
    assert.equal(tenantLockKey('00000000-0000-0000-0000-000000000000'), 314128252);
    assert.notEqual(tenantLockKey('tenant-a'), tenantLockKey('tenant-b'));
  });

  it('maps unique_violation to the named constraint, and nothing else', () => {
    const violation = (constraint: string, code = '23505') => dialect.errors.uniqueViolation({ code, constraint });
    assert.equal(violation('resources_unique_name'), 'resources_unique_name');
    assert.equal(violation('tenants_slug'), 'tenants_slug');
    assert.equal(violation('some_other_index'), undefined);
    assert.equal(violation('resources_unique_name', '23503'), undefined);
    assert.equal(dialect.errors.uniqueViolation(new Error('boom')), undefined);
  });

  it('hides passwords and builds search_path and jsonpath texts', () => {
    assert.equal(redactUrl('postgres://scimd:s3cr@t@db:5432/scimd'), 'postgres://scimd:***@db:5432/scimd');
    assert.equal(redactUrl('postgresql://scimd@db/scimd'), 'postgresql://scimd@db/scimd');
    assert.equal(
      withSearchPath('postgres://u@h/db?options=-c%20statement_timeout%3D5000', 'scimd'),
      'postgres://u@h/db?options=-c+statement_timeout%3D5000+-c+search_path%3Dscimd',
    );
    assert.equal(
      presentLeavesPath(['urn:x:User', 'manager']),
      '$."urn:x:User"."manager".** ? (@.type() == "string" && @ != "" || @.type() == "number" || @.type() == "boolean")',
    );
  });
});
