/**
 * Golden tests of the filter → SQL compiler (PostgreSQL): the exact SQL and parameters per
 * filter, then the same condition executed against a seeded PostgreSQL schema, with the memory
 * store's answer as the expected ids. The SQLite twin is filter-sql.test.ts.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { type Kysely, sql } from 'kysely';
import { resourceType } from '../../scim/schema/registry.js';
import type { ResourceTypeName } from '../../scim/schema/types.js';
import { URN } from '../../scim/schema/urns.js';
import { createMemoryStore } from '../memory/store.js';
import { openStore } from '../open.js';
import type { Store } from '../store.js';
import { checkedFilter, ids, tenantRecord } from '../test-support/fixtures.js';
import { createTestSchema, describePostgres, type TestSchema } from '../test-support/postgres.js';
import { seedDirectory } from '../test-support/seed.js';
import { compileFilter } from './filter-sql.js';
import { connect } from './postgres/connect.js';
import { dialect } from './postgres/dialect.js';
import type { Database } from './tables.js';

const EXT = `r.body -> '${URN.enterpriseUser}'`;
const MEMBERS =
  'exists (select 1 from group_members as gm inner join resources as m on m.tenant_id = gm.tenant_id and m.id = gm.member_id where gm.tenant_id = r.tenant_id and gm.group_id = r.id';
const GROUPS =
  'exists (select 1 from group_members as gm inner join resources as g on g.tenant_id = gm.tenant_id and g.id = gm.group_id where gm.tenant_id = r.tenant_id and gm.member_id = r.id';
/** `fold(x)`: ICU's Unicode lower case, compared in code point order. */
const fold = (x: string) => `lower((${x}) collate "und-x-icu") collate "C"`;
const text = (json: string, key: string) => `(${json} ->> '${key}') collate "C"`;
const TITLE = fold(text('r.body', 'title'));
const EMAILS = "jsonb_array_elements(r.body -> 'emails') with ordinality as e(value, ord)";
const PRESENT = `.** ? (@.type() == "string" && @ != "" || @.type() == "number" || @.type() == "boolean")`;

const GOLDEN: [ResourceTypeName, string, string, unknown[]][] = [
  ['User', 'userName eq "BJensen@Example.com"', 'r.unique_name_fold = $1', ['bjensen@example.com']],
  ['User', 'userName ne "carol"', '(r.unique_name_fold = $1) is not true', ['carol']],
  ['User', 'userName eq null', "(r.unique_name_fold <> '') is not true", []],
  ['User', 'externalId eq "ext-1"', 'r.external_id = $1', ['ext-1']],
  ['User', 'id eq "u1"', 'r.id = $1', ['u1']],
  ['User', 'displayName co "AR"', 'strpos(r.display_name_fold, $1) > 0', ['ar']],
  ['User', 'userName sw "DAVE_1"', 'starts_with(r.unique_name_fold, $1)', ['dave_1']],
  ['User', 'title ew "Guide"', `right(${TITLE}, length($1)) = $2`, ['guide', 'guide']],
  ['User', 'title lt "d"', `(${TITLE} <> '' and ${TITLE} < $1)`, ['d']],
  ['User', 'title pr', `${text('r.body', 'title')} <> ''`, []],
  ['User', 'active eq true', 'r.active = $1', [true]],
  ['User', 'not (active eq true)', '(r.active = $1) is not true', [true]],
  ['User', 'name.givenName eq "Barbara"', `${fold(text("r.body -> 'name'", 'givenName'))} = $1`, ['barbara']],
  ['User', 'name pr', `r.body @? '$."name"${PRESENT}'`, []],
  [
    'User',
    'emails.value co "@WORK"',
    `exists (select 1 from ${EMAILS} where strpos(${fold(text('e.value', 'value'))}, $1) > 0)`,
    ['@work'],
  ],
  [
    'User',
    'emails ne "b@work.com"',
    `not exists (select 1 from ${EMAILS} where ${fold(text('e.value', 'value'))} = $1)`,
    ['b@work.com'],
  ],
  [
    'User',
    'emails[type eq "home" and primary eq true]',
    `exists (select 1 from ${EMAILS} where (${fold(text('e.value', 'type'))} = $1 and case jsonb_typeof(e.value -> 'primary') when 'boolean' then (e.value -> 'primary')::boolean end = $2))`,
    ['home', true],
  ],
  [
    'User',
    'emails[not (type eq "work")]',
    `exists (select 1 from ${EMAILS} where (${fold(text('e.value', 'type'))} = $1) is not true)`,
    ['work'],
  ],
  ['User', `${URN.enterpriseUser}:department eq "SALES"`, `${fold(text(EXT, 'department'))} = $1`, ['sales']],
  ['User', 'manager.value pr', `${text(`${EXT} -> 'manager'`, 'value')} <> ''`, []],
  ['User', 'meta.created gt "2024-01-01T01:00:02+01:00"', 'r.created > $1', ['2024-01-01T00:00:02.000Z']],
  [
    'User',
    'meta.lastModified le "2024-01-01T00:00:01Z" or meta.version eq "W/\\"1\\""',
    `(r.last_modified <= $1 or 'W/"' || r.version || '"' = $2)`,
    ['2024-01-01T00:00:01.000Z', 'W/"1"'],
  ],
  ['User', 'meta.location pr', 'false', []],
  ['User', 'groups.value eq "G1"', `${GROUPS} and ${fold('gm.group_id')} = $1)`, ['g1']],
  ['User', 'groups[display sw "Adm"]', `${GROUPS} and starts_with(${fold("coalesce(g.display, '')")}, $1))`, ['adm']],
  [
    'User',
    'title pr and (userName sw "b" or not (title co "guide"))',
    `(${text('r.body', 'title')} <> '' and (starts_with(r.unique_name_fold, $1) or (strpos(${TITLE}, $2) > 0) is not true))`,
    ['b', 'guide'],
  ],
  ['User', 'nickName eq null and unknownAttr ne "x"', `(${text('r.body', 'nickName')} <> '') is not true`, []],
  ['Group', 'displayName eq "SALES"', 'r.display_name_fold = $1', ['sales']],
  ['Group', 'members.value eq "u3"', `${MEMBERS} and gm.member_id = $1)`, ['u3']],
  [
    'Group',
    'members[type eq "Group" and display co "SAL"]',
    `${MEMBERS} and (${fold('gm.member_type')} = $1 and strpos(${fold('m.display')}, $2) > 0))`,
    ['group', 'sal'],
  ],
  ['Group', 'members pr', `${MEMBERS})`, []],
];

describePostgres('filter → SQL (PostgreSQL)', (url) => {
  let schema: TestSchema;
  let db: Kysely<Database>;
  let store: Store;
  const memory = createMemoryStore();

  before(async () => {
    schema = await createTestSchema(url);
    store = await openStore(schema.url);
    db = connect(schema.url);
    for (const s of [store, memory]) {
      await s.tenants.create(tenantRecord('t1'));
      await s.tenants.create(tenantRecord('t2'));
      await seedDirectory(s.forTenant('t1'));
      await seedDirectory(s.forTenant('t2'));
    }
  });
  after(async () => {
    await db?.destroy();
    await store?.close();
    await schema?.drop();
  });

  for (const [type, filterText, expectedSql, expectedParameters] of GOLDEN) {
    it(`${type}: ${filterText}`, async () => {
      const filter = checkedFilter(type, filterText);
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

  it('has golden filters that match something and filters that match nothing', async () => {
    const counts = await Promise.all(
      GOLDEN.map(([type, filterText]) =>
        memory.forTenant('t1').query(type, { filter: checkedFilter(type, filterText), startIndex: 1, count: 0 }),
      ),
    );
    assert.ok(counts.filter((c) => c.totalResults > 0).length >= 10);
    assert.ok(counts.some((c) => c.totalResults === 0));
  });
});
