/**
 * The folded copy of the body (dialect.ts `FoldedBody`, migration 0009): filters on attributes
 * without a projected column compare a copy folded at write time, so they must answer exactly as
 * the memory evaluator does for characters whose case mapping is not ASCII's (É/é, ß, dotted
 * and dotless I, final sigma), for caseExact sub-attributes read from the original body, after
 * a PATCH, and for rows written without a copy (filled when the store opens). A tenant's scan
 * walks an index that starts with its tenant id.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CompiledQuery, sql } from 'kysely';
import { checkFilter } from '../../scim/filter/check.js';
import { parseFilter } from '../../scim/filter/parse.js';
import { GROUP_RESOURCE_TYPE } from '../../scim/schema/registry.js';
import { URN } from '../../scim/schema/urns.js';
import { createMemoryStore } from '../memory/store.js';
import { openStore } from '../open.js';
import type { ScimObject } from '../shapes.js';
import type { Store } from '../store.js';
import { BADGES, ids, insert, tenantRecord, USER_WITH_BADGES, userBody } from '../test-support/fixtures.js';
import { describePostgres, openPostgresTestStore } from '../test-support/postgres.js';
import { compileFilter } from './filter-sql.js';
import { foldStrings } from './folded-body.js';
import { RESOURCE_COLUMNS } from './resources.js';
import { openSqlStore } from './sql-store.js';
import { connect } from './sqlite/connect.js';
import { dialect as sqliteDialect } from './sqlite/dialect.js';
import { filterPagePlan } from './sqlite/test-support/filter-plan.js';
import { Slot } from './template.js';

/** Titles and names whose case mapping is not ASCII's. */
const WORDS = [
  'ÉMILE',
  'émile',
  'Straße',
  'STRASSE',
  'İstanbul',
  'istanbul',
  'ıSPARTA',
  'ΟΔΥΣΣΕΥΣ',
  'οδυσσευς',
  'Ωmega',
];

function body(i: number, word: string): ScimObject {
  return userBody(`user${i}@example.com`, {
    title: word,
    name: { familyName: `${word} ${i}`, givenName: word.toUpperCase() },
    emails: [
      { value: `${word}@Example.com`, type: i % 2 ? 'Work' : 'home', primary: i % 3 === 0 },
      { value: `other${i}@example.com`, type: 'other' },
    ],
    schemas: [URN.user, URN.enterpriseUser, BADGES],
    [URN.enterpriseUser]: { department: word },
    [BADGES]: { badges: [{ code: word, label: word }] },
  });
}

const FILTERS = [
  ...WORDS.flatMap((w) => [
    `title eq ${JSON.stringify(w)}`,
    `title co ${JSON.stringify(w.slice(1, 4))}`,
    `name.familyName sw ${JSON.stringify(w)}`,
    `emails.value ew ${JSON.stringify(`${w}@example.COM`)}`,
    `emails[type eq "work" and value co ${JSON.stringify(w)}]`,
    `${URN.enterpriseUser}:department eq ${JSON.stringify(w.toLowerCase())}`,
    `${BADGES}:badges[code eq ${JSON.stringify(w)}]`,
    `${BADGES}:badges[label eq ${JSON.stringify(w)}]`,
    `${BADGES}:badges.code co ${JSON.stringify(w.slice(0, 2))}`,
    `title gt ${JSON.stringify(w)}`,
    `not (title le ${JSON.stringify(w)})`,
  ]),
  'title pr',
  'name pr',
  'emails[primary eq true]',
  `${BADGES}:badges pr`,
  'title eq "ς"',
  'title ew "σ"',
  'title ew "ς"',
];

async function load(store: Store, tenantId: string): Promise<void> {
  await store.tenants.create(tenantRecord(tenantId));
  const tenant = store.forTenant(tenantId);
  for (const [i, word] of WORDS.entries()) await insert(tenant, 'User', `u${i}`, body(i, word));
}

/** Every filter's ids, sorted by title then by id, as `store` answers them. */
async function answers(store: Store, tenantId: string): Promise<Record<string, string[]>> {
  const found: Record<string, string[]> = {};
  for (const text of FILTERS) {
    const filter = checkFilter(parseFilter(text), USER_WITH_BADGES);
    const result = await store.forTenant(tenantId).query('User', {
      filter,
      resourceType: USER_WITH_BADGES,
      sortBy: { attribute: 'title' },
      startIndex: 1,
      count: 100,
    });
    found[text] = ids(result.resources);
  }
  return found;
}

function agreesWithMemory(name: string, open: () => Promise<Store>): void {
  describe(`folded comparisons on ${name} agree with the memory evaluator`, () => {
    let store: Store;
    const memory = createMemoryStore();
    before(async () => {
      store = await open();
      await load(store, 't1');
      await load(memory, 't1');
    });
    after(async () => {
      await store?.close();
      await memory.close();
    });

    it('on non-ASCII case mappings, caseExact sub-attributes and presence', async () => {
      const expected = await answers(memory, 't1');
      assert.ok(Object.values(expected).filter((found) => found.length > 0).length > FILTERS.length / 2);
      assert.deepEqual(await answers(store, 't1'), expected);
    });

    it('after a replace changed the values', async () => {
      const renamed = body(0, 'Ǆemal');
      await store
        .forTenant('t1')
        .transaction((tx) => tx.replaceResource('User', 'u0', renamed, '2024-02-01T00:00:00Z'));
      await memory
        .forTenant('t1')
        .transaction((tx) => tx.replaceResource('User', 'u0', renamed, '2024-02-01T00:00:00Z'));
      const filter = checkFilter(parseFilter('title eq "ǆEMAL" or title eq "ÉMILE"'), USER_WITH_BADGES);
      const query = { filter, startIndex: 1, count: 10 };
      assert.deepEqual(ids((await store.forTenant('t1').query('User', query)).resources), ['u0', 'u1']);
      assert.deepEqual(await answers(store, 't1'), await answers(memory, 't1'));
    });
  });
}

agreesWithMemory('SQLite', () => openStore('sqlite::memory:'));
describePostgres('PostgreSQL', (url) => agreesWithMemory('PostgreSQL', () => openPostgresTestStore(url)));

describe('foldStrings', () => {
  it('folds every string value, in arrays and objects, and nothing else', () => {
    assert.deepEqual(foldStrings({ A: 'ÉΣ', b: [1, true, null, 'İ', { C: 'ẞ' }] }), {
      A: 'éς',
      b: [1, true, null, 'i̇', { C: 'ß' }],
    });
  });
});

describe('the folded copy on SQLite', () => {
  let dir: string;
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'scimd-folded-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const open = (file: string) =>
    openSqlStore({
      db: connect(file),
      dialect: sqliteDialect,
      capabilities: { sharedAcrossProcesses: false, durable: true },
    });

  async function count(file: string, query: string): Promise<number> {
    const check = connect(file);
    try {
      const { rows } = await sql<{ n: number }>`${sql.raw(query)}`.execute(check);
      return Number(rows[0]?.n);
    } finally {
      await check.destroy();
    }
  }

  it('is written for resources that have none when the store opens', async () => {
    const file = join(dir, 'backfill.db');
    const first = await open(file);
    await load(first, 't1');
    await first.close();
    // As rows a tool wrote directly would be.
    const raw = connect(file);
    await sql`delete from resource_scan where id in ('u1', 'u4', 'u7')`.execute(raw);
    await raw.destroy();

    const reopened = await open(file);
    try {
      assert.equal(await count(file, 'select count(*) as n from resource_scan'), WORDS.length);
      const memory = createMemoryStore();
      await load(memory, 't1');
      assert.deepEqual(await answers(reopened, 't1'), await answers(memory, 't1'));
    } finally {
      await reopened.close();
    }
  });

  it('moves the copies of a database at 0009 into resource_scan, without the attributes read elsewhere', async () => {
    const file = join(dir, 'migrate.db');
    const first = await open(file);
    await load(first, 't1');
    await first.close();
    // The database as 0009-store-costs left it: copies in resources.body_fold (none yet for
    // rows written before 0009), no resource_scan.
    const raw = connect(file);
    for (const trigger of ['resources_scan_insert', 'resources_scan_update', 'resources_scan_delete']) {
      await sql`drop trigger ${sql.raw(trigger)}`.execute(raw);
    }
    // Dropping resource_scan drops 0012's triggers on it; 0012 runs again after 0011 (below).
    await sql`drop table resource_scan`.execute(raw);
    await sql`drop table resource_scan_elements`.execute(raw);
    await sql`alter table resources add column body_fold blob`.execute(raw);
    await sql`create index resources_unfolded on resources (tenant_id, id) where body_fold is null`.execute(raw);
    const { rows } = await sql<{ id: string; body: string }>`select id, body from resources`.execute(raw);
    for (const row of rows.filter((_, i) => i % 3 !== 0)) {
      const folded = JSON.stringify(foldStrings(JSON.parse(row.body)));
      await sql`update resources set body_fold = jsonb(${folded}) where id = ${row.id}`.execute(raw);
    }
    // 0011 and every later migration (they tolerate running again) are applied anew.
    await sql`delete from scimd_migrations where name >= '0011-scan-layout'`.execute(raw);
    await raw.destroy();

    const reopened = await open(file);
    try {
      assert.equal(await count(file, 'select count(*) as n from resource_scan'), WORDS.length);
      assert.equal(
        await count(file, "select count(*) as n from pragma_table_info('resources') where name = 'body_fold'"),
        0,
      );
      const check = connect(file);
      const copies = await sql<{ fold: string }>`select json(fold) as fold from resource_scan`.execute(check);
      await check.destroy();
      for (const copy of copies.rows) {
        assert.deepEqual(
          Object.keys(JSON.parse(copy.fold)).filter((key) => ['schemas', 'userName', 'active', 'id'].includes(key)),
          [],
        );
      }
      const memory = createMemoryStore();
      await load(memory, 't1');
      assert.deepEqual(await answers(reopened, 't1'), await answers(memory, 't1'));
    } finally {
      await reopened.close();
    }
  });

  it('is replaced with a new body, and goes with its resource and with its tenant', async () => {
    const file = join(dir, 'delete.db');
    const store = await open(file);
    try {
      await load(store, 't1');
      await load(store, 't2');
      await store
        .forTenant('t1')
        .transaction((tx) => tx.replaceResource('User', 'u3', body(3, 'Ǆemal'), '2024-02-01T00:00:00Z'));
      const check = connect(file);
      const { rows } = await sql<{ title: string }>`select fold ->> '$.title' as title from resource_scan
        where tenant_id = 't1' and resource_type = 'User' and id = 'u3'`.execute(check);
      await check.destroy();
      assert.deepEqual(rows, [{ title: 'ǆemal' }]);
      await store.forTenant('t1').transaction((tx) => tx.deleteResource('User', 'u2'));
      assert.equal(
        await count(file, "select count(*) as n from resource_scan where tenant_id = 't1'"),
        WORDS.length - 1,
      );
      await store.tenants.delete('t2');
      assert.equal(await count(file, "select count(*) as n from resource_scan where tenant_id = 't2'"), 0);
      assert.equal(await count(file, 'select count(*) as n from resource_scan'), WORDS.length - 1);
    } finally {
      await store.close();
    }
  });

  it('is scanned in the tenant’s own rows of resource_scan, never through other tenants’ rows', async () => {
    const file = join(dir, 'plan.db');
    const store = await open(file);
    const db = connect(file);
    try {
      await load(store, 't1');
      await load(store, 't2');
      for (const statistics of ['starting', 'analyzed']) {
        if (statistics === 'analyzed') await sql`analyze`.execute(db);
        const F = 'SEARCH f USING PRIMARY KEY (tenant_id=? AND resource_type=?)';
        const EL = 'SEARCH el USING PRIMARY KEY (tenant_id=? AND resource_type=? AND attribute=?)';
        for (const [text, expectedScans] of [
          ['title eq "x"', [F]],
          ['name.familyName co "x"', [F]],
          // A multi-valued attribute's elements are their own rows (0012-element-scan).
          ['emails[value co "x"]', [EL]],
          ['emails[type eq "work"].value sw "x"', [EL]],
          ['title eq "x" or userName sw "x"', [F]],
          ['title eq "x" or emails[value co "x"]', [F, EL]],
        ] as const) {
          const { details, scans: onScan } = await filterPagePlan(db, text);
          const context = `${statistics}: ${text}: ${details.join(' | ')}`;
          const outer = details.find((d) => /\br\b/.test(d) && /^(SCAN|SEARCH)/.test(d));
          assert.match(
            outer ?? '',
            /^SEARCH r USING (COVERING )?INDEX \w+ \(tenant_id=\? AND resource_type=\?/,
            context,
          );
          // The copy is read from the tenant's own rows of resource_scan, in one scan.
          const scans = details.filter((d) => /\b(f|el)\b/.test(d) && /^(SCAN|SEARCH)/.test(d));
          assert.deepEqual(scans, expectedScans, context);
          assert.ok(!details.some((d) => /^SCAN (r|f|el|resources|resource_scan\w*)\b/.test(d)), context);
          assert.ok(!details.some((d) => /scim_fold/.test(d)), context);
          assert.equal(!onScan, text.includes('userName'), context);
        }
      }
    } finally {
      await db.destroy();
      await store.close();
    }
  });
});

describe('index-bounded lookups on SQLite', () => {
  it('finds the groups of a member through the membership index, never by testing every group', async () => {
    const db = connect(':memory:');
    const store = await openSqlStore({
      db,
      dialect: sqliteDialect,
      capabilities: { sharedAcrossProcesses: false, durable: false },
    });
    try {
      for (const text of ['members[value eq "u1"]', 'members.value eq "u1"']) {
        const where = compileFilter(
          checkFilter(parseFilter(text), GROUP_RESOURCE_TYPE),
          GROUP_RESOURCE_TYPE,
          sqliteDialect,
        );
        const page = db
          .selectFrom('resources as r')
          .select(RESOURCE_COLUMNS)
          .where('r.tenant_id', '=', 't1')
          .where('r.resource_type', '=', 'Group')
          .where(where)
          .orderBy('r.created')
          .orderBy('r.id')
          .limit(100)
          .compile();
        const plan = await db.executeQuery<{ detail: string }>(
          CompiledQuery.raw(
            `explain query plan ${page.sql}`,
            page.parameters.map((p) => (p instanceof Slot ? 't1' : p)),
          ),
        );
        const details = plan.rows.map((row) => row.detail).join(' | ');
        assert.match(details, /SEARCH r USING (COVERING )?INDEX \w+ \(tenant_id=\? AND id=\?\)/, `${text}: ${details}`);
        assert.match(
          details,
          /SEARCH gm USING COVERING INDEX group_members_by_member \(tenant_id=\? AND member_id=\?\)/,
          details,
        );
        assert.doesNotMatch(details, /CORRELATED/, details);
      }
    } finally {
      await store.close();
    }
  });
});
