/**
 * Golden tests of the filter → SQL compiler (SQLite): the exact SQL and parameters per filter,
 * then the same condition executed against a seeded database, with the memory store's answer
 * as the expected ids.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { parseFilter } from '../../scim/filter/parse.js';
import { resourceType } from '../../scim/schema/registry.js';
import type { ResourceTypeName } from '../../scim/schema/types.js';
import { URN } from '../../scim/schema/urns.js';
import { createMemoryStore } from '../memory/store.js';
import type { Store } from '../store.js';
import { checkedFilter, ids, tenantRecord } from '../test-support/fixtures.js';
import { seedDirectory } from '../test-support/seed.js';
import { compileFilter } from './filter-sql.js';
import { migrateToLatest } from './migrations/migrate.js';
import { createSqlStore } from './sql-store.js';
import { connect } from './sqlite/connect.js';
import { dialect } from './sqlite/dialect.js';

const EXT = `'$."${URN.enterpriseUser}"`;
const MEMBERS =
  'exists (select 1 from group_members as gm inner join resources as m on m.tenant_id = gm.tenant_id and m.id = gm.member_id where gm.tenant_id = r.tenant_id and gm.group_id = r.id';
const GROUPS =
  'exists (select 1 from group_members as gm inner join resources as g on g.tenant_id = gm.tenant_id and g.id = gm.group_id where gm.tenant_id = r.tenant_id and gm.member_id = r.id';
const TITLE = "scim_fold(json_extract(r.body, '$.title'))";

const GOLDEN: [ResourceTypeName, string, string, unknown[]][] = [
  ['User', 'userName eq "BJensen@Example.com"', 'r.unique_name_fold = ?', ['bjensen@example.com']],
  ['User', 'userName ne "carol"', '(r.unique_name_fold = ?) is not true', ['carol']],
  ['User', 'userName eq null', "(r.unique_name_fold <> '') is not true", []],
  ['User', 'externalId eq "ext-1"', 'r.external_id = ?', ['ext-1']],
  ['User', 'id eq "u1"', 'r.id = ?', ['u1']],
  ['User', 'displayName co "AR"', 'instr(r.display_name_fold, ?) > 0', ['ar']],
  ['User', 'userName sw "DAVE_1"', 'instr(r.unique_name_fold, ?) = 1', ['dave_1']],
  ['User', 'title ew "Guide"', `substr(${TITLE}, length(${TITLE}) - length(?) + 1) = ?`, ['guide', 'guide']],
  ['User', 'title lt "d"', `(${TITLE} <> '' and ${TITLE} < ?)`, ['d']],
  ['User', 'title pr', "json_extract(r.body, '$.title') <> ''", []],
  ['User', 'active eq true', 'r.active = ?', [1]],
  ['User', 'not (active eq true)', '(r.active = ?) is not true', [1]],
  ['User', 'name.givenName eq "Barbara"', "scim_fold(json_extract(r.body, '$.name.givenName')) = ?", ['barbara']],
  [
    'User',
    'name pr',
    "exists (select 1 from json_tree(r.body, '$.name') as t where t.atom is not null and t.atom <> '')",
    [],
  ],
  [
    'User',
    'emails.value co "@WORK"',
    "exists (select 1 from json_each(r.body, '$.emails') as e where instr(scim_fold(json_extract(e.value, '$.value')), ?) > 0)",
    ['@work'],
  ],
  [
    'User',
    'emails ne "b@work.com"',
    "not exists (select 1 from json_each(r.body, '$.emails') as e where scim_fold(json_extract(e.value, '$.value')) = ?)",
    ['b@work.com'],
  ],
  [
    'User',
    'emails[type eq "home" and primary eq true]',
    "exists (select 1 from json_each(r.body, '$.emails') as e where (scim_fold(json_extract(e.value, '$.type')) = ? and json_extract(e.value, '$.primary') = ?))",
    ['home', 1],
  ],
  [
    'User',
    'emails[not (type eq "work")]',
    "exists (select 1 from json_each(r.body, '$.emails') as e where (scim_fold(json_extract(e.value, '$.type')) = ?) is not true)",
    ['work'],
  ],
  [
    'User',
    `${URN.enterpriseUser}:department eq "SALES"`,
    `scim_fold(json_extract(r.body, ${EXT}.department')) = ?`,
    ['sales'],
  ],
  ['User', 'manager.value pr', `json_extract(r.body, ${EXT}.manager.value') <> ''`, []],
  ['User', 'meta.created gt "2024-01-01T01:00:02+01:00"', 'r.created > ?', ['2024-01-01T00:00:02.000Z']],
  [
    'User',
    'meta.lastModified le "2024-01-01T00:00:01Z" or meta.version eq "W/\\"1\\""',
    `(r.last_modified <= ? or 'W/"' || r.version || '"' = ?)`,
    ['2024-01-01T00:00:01.000Z', 'W/"1"'],
  ],
  ['User', 'meta.location pr', 'false', []],
  ['User', 'groups.value eq "G1"', `${GROUPS} and scim_fold(gm.group_id) = ?)`, ['g1']],
  ['User', 'groups[display sw "Adm"]', `${GROUPS} and instr(scim_fold(coalesce(g.display, '')), ?) = 1)`, ['adm']],
  [
    'User',
    'title pr and (userName sw "b" or not (title co "guide"))',
    `(json_extract(r.body, '$.title') <> '' and (instr(r.unique_name_fold, ?) = 1 or (instr(${TITLE}, ?) > 0) is not true))`,
    ['b', 'guide'],
  ],
  ['User', 'nickName eq null and unknownAttr ne "x"', "(json_extract(r.body, '$.nickName') <> '') is not true", []],
  ['Group', 'displayName eq "SALES"', 'r.display_name_fold = ?', ['sales']],
  ['Group', 'members.value eq "u3"', `${MEMBERS} and gm.member_id = ?)`, ['u3']],
  [
    'Group',
    'members[type eq "Group" and display co "SAL"]',
    `${MEMBERS} and (scim_fold(gm.member_type) = ? and instr(scim_fold(m.display), ?) > 0))`,
    ['group', 'sal'],
  ],
  ['Group', 'members pr', `${MEMBERS})`, []],
];

describe('filter → SQL (SQLite)', () => {
  const db = connect(':memory:');
  const sqlStore = createSqlStore({ db, dialect, capabilities: { sharedAcrossProcesses: false, durable: false } });
  let memory: Store;

  before(async () => {
    await migrateToLatest(db, dialect);
    memory = createMemoryStore();
    for (const store of [sqlStore, memory]) {
      await store.tenants.create(tenantRecord('t1'));
      await store.tenants.create(tenantRecord('t2'));
      await seedDirectory(store.forTenant('t1'));
      await seedDirectory(store.forTenant('t2'));
    }
  });
  after(() => sqlStore.close());

  for (const [type, text, expectedSql, expectedParameters] of GOLDEN) {
    it(`${type}: ${text}`, async () => {
      const filter = checkedFilter(type, text);
      const condition = compileFilter(filter, resourceType(type), dialect);
      const compiled = sql`${condition}`.compile(db);
      assert.equal(compiled.sql, expectedSql);
      assert.deepEqual(compiled.parameters, expectedParameters);

      const rows = await db
        .selectFrom('resources as r')
        .select('r.id')
        .where('r.tenant_id', '=', 't1')
        .where('r.resource_type', '=', type)
        .where(condition)
        .orderBy('r.created')
        .orderBy('r.id')
        .execute();
      const oracle = await memory.forTenant('t1').query(type, { filter, startIndex: 1, count: 100 });
      assert.deepEqual(
        rows.map((r) => r.id),
        ids(oracle.resources),
      );
    });
  }

  it('has at least one golden filter that matches something and one that matches nothing', async () => {
    const counts = await Promise.all(
      GOLDEN.map(([type, text]) =>
        memory.forTenant('t1').query(type, { filter: checkedFilter(type, text), startIndex: 1, count: 0 }),
      ),
    );
    assert.ok(counts.some((c) => c.totalResults > 0));
    assert.ok(counts.some((c) => c.totalResults === 0));
  });
});

describe('filter → SQL: shapes checkFilter rejects', () => {
  it('throws invalidFilter for "[...]" on a single-valued attribute and for nested "[...]"', () => {
    const type = resourceType('User');
    const name = { kind: 'valuePath', path: { attribute: 'name' }, filter: parseFilter('givenName eq "x"') } as const;
    assert.throws(() => compileFilter(name, type, dialect), { status: 400, scimType: 'invalidFilter' });
    const nested = { kind: 'valuePath', path: { attribute: 'emails' }, filter: name } as const;
    assert.throws(() => compileFilter(nested, type, dialect), { status: 400, scimType: 'invalidFilter' });
  });

  it('compiles "[...]" on an unknown attribute to false, as the evaluator answers', () => {
    const filter = parseFilter('nothing[value eq "x"]');
    assert.equal(
      sql`${compileFilter(filter, resourceType('User'), dialect)}`.compile(connect(':memory:')).sql,
      'false',
    );
  });
});
