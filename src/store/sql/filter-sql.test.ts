/**
 * Golden tests of the filter → SQL compiler, one table with a column per dialect (issue #14.3,
 * the way Kysely checks each dialect's SQL): per filter, the exact SQL and parameters SQLite and
 * PostgreSQL get, then the same condition executed against a database of that dialect seeded
 * like the memory store, whose answer is the expected ids. SQLite always runs; PostgreSQL when
 * SCIMD_TEST_PG_URL is set (a failure with SCIMD_REQUIRE_PG=1).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Kysely, sql } from 'kysely';
import { parseFilter } from '../../scim/filter/parse.js';
import { resourceType } from '../../scim/schema/registry.js';
import type { ResourceTypeName } from '../../scim/schema/types.js';
import { URN } from '../../scim/schema/urns.js';
import { createMemoryStore } from '../memory/store.js';
import { openStore } from '../open.js';
import type { Store } from '../store.js';
import { checkedFilter, ids, tenantRecord } from '../test-support/fixtures.js';
import { createTestSchema, describePostgres } from '../test-support/postgres.js';
import { seedDirectory } from '../test-support/seed.js';
import { compileFilter } from './filter-sql.js';
import { migrateToLatest } from './migrations/migrate.js';
import { connect as connectPostgres } from './postgres/connect.js';
import { dialect as postgresDialect } from './postgres/dialect.js';
import { createSqlStore } from './sql-store.js';
import { connect as connectSqlite } from './sqlite/connect.js';
import { dialect as sqliteDialect } from './sqlite/dialect.js';
import type { Database } from './tables.js';
import { bind, Slot } from './template.js';

const MEMBERS =
  'exists (select 1 from group_members as gm inner join resources as m on m.tenant_id = gm.tenant_id and m.id = gm.member_id where gm.tenant_id = r.tenant_id and gm.group_id = r.id';
/** Group `members[value eq …]`: the member's groups, from the membership index (sources.ts). */
const MEMBER_OF = 'r.id in (select gm.group_id from group_members as gm where';
const TENANT = new Slot('tenant');
const GROUPS =
  'exists (select 1 from group_members as gm inner join resources as g on g.tenant_id = gm.tenant_id and g.id = gm.group_id where gm.tenant_id = r.tenant_id and gm.member_id = r.id';

// SQLite's spelling.
const SQ_EXT = `'$."${URN.enterpriseUser}"`;
const SQ_TITLE = "json_extract(f.fold, '$.title')";
const TYPE = new Slot('type');
/** A condition on the folded copy alone: a scan of the tenant's rows of `resource_scan`. */
const SCAN = (condition: string) =>
  `+r.id in (select f.id from resource_scan as f where f.tenant_id = ? and f.resource_type = ? and ${condition})`;
/** The ids some element of `attribute` of which satisfies `condition`: its rows of `resource_scan_elements`. */
const ELEMENTS = (attribute: string, condition: string) =>
  `select el.id from resource_scan_elements as el where el.tenant_id = ? and el.resource_type = ? and el.attribute = '${attribute}' and ${condition}`;
/** A condition on elements alone: a scan of the tenant's rows of `resource_scan_elements` for one attribute. */
const SOME = (attribute: string, condition: string) => `+r.id in (${ELEMENTS(attribute, condition)})`;

// PostgreSQL's spelling.
const PG_EXT = `r.body -> '${URN.enterpriseUser}'`;
/** `fold(x)`: ICU's Unicode lower case, compared in code point order. */
const fold = (x: string) => `lower((${x}) collate "und-x-icu") collate "C"`;
const text = (json: string, key: string) => `(${json} ->> '${key}') collate "C"`;
const PG_TITLE = fold(text('r.body', 'title'));
const EMAILS = "jsonb_array_elements(r.body -> 'emails') with ordinality as e(value, ord)";
const PRESENT = `.** ? (@.type() == "string" && @ != "" || @.type() == "number" || @.type() == "boolean")`;

/** The SQL a dialect compiles a filter to, and its parameters. */
type Expected = readonly [sql: string, parameters: readonly unknown[]];
type GoldenRow = readonly [type: ResourceTypeName, filter: string, sqlite: Expected, postgres: Expected];

const GOLDEN: readonly GoldenRow[] = [
  [
    'User',
    'userName eq "BJensen@Example.com"',
    ['r.unique_name_fold = ?', ['bjensen@example.com']],
    ['r.unique_name_fold = $1', ['bjensen@example.com']],
  ],
  [
    'User',
    'userName ne "carol"',
    ['(r.unique_name_fold = ?) is not true', ['carol']],
    ['(r.unique_name_fold = $1) is not true', ['carol']],
  ],
  [
    'User',
    'userName eq null',
    ["(r.unique_name_fold <> '') is not true", []],
    ["(r.unique_name_fold <> '') is not true", []],
  ],
  ['User', 'externalId eq "ext-1"', ['r.external_id = ?', ['ext-1']], ['r.external_id = $1', ['ext-1']]],
  ['User', 'id eq "u1"', ['r.id = ?', ['u1']], ['r.id = $1', ['u1']]],
  [
    'User',
    'displayName co "AR"',
    ['instr(r.display_name_fold, ?) > 0', ['ar']],
    ['strpos(r.display_name_fold, $1) > 0', ['ar']],
  ],
  [
    'User',
    'userName sw "DAVE_1"',
    ['instr(r.unique_name_fold, ?) = 1', ['dave_1']],
    ['starts_with(r.unique_name_fold, $1)', ['dave_1']],
  ],
  [
    'User',
    'title ew "Guide"',
    [SCAN(`substr(${SQ_TITLE}, length(${SQ_TITLE}) - length(?) + 1) = ?`), [TENANT, TYPE, 'guide', 'guide']],
    [`right(${PG_TITLE}, length($1)) = $2`, ['guide', 'guide']],
  ],
  [
    'User',
    'title lt "d"',
    [SCAN(`(${SQ_TITLE} <> '' and ${SQ_TITLE} < ?)`), [TENANT, TYPE, 'd']],
    [`(${PG_TITLE} <> '' and ${PG_TITLE} < $1)`, ['d']],
  ],
  [
    'User',
    'title pr',
    [SCAN("json_extract(f.fold, '$.title') <> ''"), [TENANT, TYPE]],
    [`${text('r.body', 'title')} <> ''`, []],
  ],
  ['User', 'active eq true', ['r.active = ?', [1]], ['r.active = $1', [true]]],
  ['User', 'not (active eq true)', ['(r.active = ?) is not true', [1]], ['(r.active = $1) is not true', [true]]],
  [
    'User',
    'name.givenName eq "Barbara"',
    [SCAN("json_extract(f.fold, '$.name.givenName') = ?"), [TENANT, TYPE, 'barbara']],
    [`${fold(text("r.body -> 'name'", 'givenName'))} = $1`, ['barbara']],
  ],
  [
    'User',
    'name pr',
    [
      SCAN("exists (select 1 from json_tree(f.fold, '$.name') as t where t.atom is not null and t.atom <> '')"),
      [TENANT, TYPE],
    ],
    [`r.body @? '$."name"${PRESENT}'`, []],
  ],
  [
    'User',
    'emails.value co "@WORK"',
    [SOME('emails', 'instr(el.value_fold, ?) > 0'), [TENANT, TYPE, '@work']],
    [`exists (select 1 from ${EMAILS} where strpos(${fold(text('e.value', 'value'))}, $1) > 0)`, ['@work']],
  ],
  [
    'User',
    'emails ne "b@work.com"',
    [`not (+r.id in (${ELEMENTS('emails', 'el.value_fold = ?')}))`, [TENANT, TYPE, 'b@work.com']],
    [`not exists (select 1 from ${EMAILS} where ${fold(text('e.value', 'value'))} = $1)`, ['b@work.com']],
  ],
  [
    'User',
    'emails[type eq "home" and primary eq true]',
    [SOME('emails', '(el.type_fold = ? and el.primary_flag = ?)'), [TENANT, TYPE, 'home', 1]],
    [
      `exists (select 1 from ${EMAILS} where (${fold(text('e.value', 'type'))} = $1 and case jsonb_typeof(e.value -> 'primary') when 'boolean' then (e.value -> 'primary')::boolean end = $2))`,
      ['home', true],
    ],
  ],
  [
    'User',
    'emails[not (type eq "work")]',
    [SOME('emails', '(el.type_fold = ?) is not true'), [TENANT, TYPE, 'work']],
    [`exists (select 1 from ${EMAILS} where (${fold(text('e.value', 'type'))} = $1) is not true)`, ['work']],
  ],
  [
    'User',
    `${URN.enterpriseUser}:department eq "SALES"`,
    [SCAN(`json_extract(f.fold, ${SQ_EXT}.department') = ?`), [TENANT, TYPE, 'sales']],
    [`${fold(text(PG_EXT, 'department'))} = $1`, ['sales']],
  ],
  [
    'User',
    'manager.value pr',
    [SCAN(`json_extract(f.fold, ${SQ_EXT}.manager.value') <> ''`), [TENANT, TYPE]],
    [`${text(`${PG_EXT} -> 'manager'`, 'value')} <> ''`, []],
  ],
  [
    'User',
    'meta.created gt "2024-01-01T01:00:02+01:00"',
    ['r.created > ?', ['2024-01-01T00:00:02.000Z']],
    ['r.created > $1', ['2024-01-01T00:00:02.000Z']],
  ],
  [
    'User',
    'meta.lastModified le "2024-01-01T00:00:01Z" or meta.version eq "W/\\"1\\""',
    [`(r.last_modified <= ? or 'W/"' || r.version || '"' = ?)`, ['2024-01-01T00:00:01.000Z', 'W/"1"']],
    [`(r.last_modified <= $1 or 'W/"' || r.version || '"' = $2)`, ['2024-01-01T00:00:01.000Z', 'W/"1"']],
  ],
  ['User', 'meta.location pr', ['false', []], ['false', []]],
  [
    'User',
    'groups.value eq "G1"',
    [`${GROUPS} and scim_fold(gm.group_id) = ?)`, ['g1']],
    [`${GROUPS} and ${fold('gm.group_id')} = $1)`, ['g1']],
  ],
  [
    'User',
    'groups[display sw "Adm"]',
    [`${GROUPS} and instr(scim_fold(coalesce(g.display, '')), ?) = 1)`, ['adm']],
    [`${GROUPS} and starts_with(${fold("coalesce(g.display, '')")}, $1))`, ['adm']],
  ],
  [
    'User',
    'title pr and (userName sw "b" or not (title co "guide"))',
    [
      `(${SCAN(`${SQ_TITLE} <> ''`)} and (instr(r.unique_name_fold, ?) = 1 or ${SCAN(`(instr(${SQ_TITLE}, ?) > 0) is not true`)}))`,
      [TENANT, TYPE, 'b', TENANT, TYPE, 'guide'],
    ],
    [
      `(${text('r.body', 'title')} <> '' and (starts_with(r.unique_name_fold, $1) or (strpos(${PG_TITLE}, $2) > 0) is not true))`,
      ['b', 'guide'],
    ],
  ],
  [
    'User',
    'nickName eq null and unknownAttr ne "x"',
    [SCAN("(json_extract(f.fold, '$.nickName') <> '') is not true"), [TENANT, TYPE]],
    [`(${text('r.body', 'nickName')} <> '') is not true`, []],
  ],
  ['Group', 'displayName eq "SALES"', ['r.display_name_fold = ?', ['sales']], ['r.display_name_fold = $1', ['sales']]],
  [
    'Group',
    'members.value eq "u3"',
    [`${MEMBER_OF} gm.tenant_id = ? and gm.member_id = ?)`, [TENANT, 'u3']],
    [`${MEMBER_OF} gm.tenant_id = $1 and gm.member_id = $2)`, [TENANT, 'u3']],
  ],
  [
    'Group',
    'members[value eq "u3"] or not (members.value ne "u1")',
    [
      `(${MEMBER_OF} gm.tenant_id = ? and gm.member_id = ?) or not not ${MEMBER_OF} gm.tenant_id = ? and gm.member_id = ?))`,
      [TENANT, 'u3', TENANT, 'u1'],
    ],
    [
      `(${MEMBER_OF} gm.tenant_id = $1 and gm.member_id = $2) or not not ${MEMBER_OF} gm.tenant_id = $3 and gm.member_id = $4))`,
      [TENANT, 'u3', TENANT, 'u1'],
    ],
  ],
  [
    'Group',
    'members[type eq "Group" and display co "SAL"]',
    [`${MEMBERS} and (scim_fold(gm.member_type) = ? and instr(scim_fold(m.display), ?) > 0))`, ['group', 'sal']],
    [`${MEMBERS} and (${fold('gm.member_type')} = $1 and strpos(${fold('m.display')}, $2) > 0))`, ['group', 'sal']],
  ],
  ['Group', 'members pr', [`${MEMBERS})`, []], [`${MEMBERS})`, []]],
];

/** A store seeded with two tenants' directories, like every database the table runs on. */
async function seed(store: Store): Promise<Store> {
  await store.tenants.create(tenantRecord('t1'));
  await store.tenants.create(tenantRecord('t2'));
  await seedDirectory(store.forTenant('t1'));
  await seedDirectory(store.forTenant('t2'));
  return store;
}

/** A seeded database of one dialect: Kysely on it for the compiled conditions, and its disposal. */
interface Seeded {
  readonly db: Kysely<Database>;
  close(): Promise<void>;
}

/** The table's checks on one dialect: `column` picks the expected SQL, `open` the seeded database. */
function checkGolden(column: 2 | 3, dialect: typeof sqliteDialect, open: () => Promise<Seeded>): void {
  let seeded: Seeded;
  let memory: Store;
  before(async () => {
    memory = await seed(createMemoryStore());
    seeded = await open();
  });
  after(() => seeded?.close());

  for (const row of GOLDEN) {
    const [type, text] = row;
    const [expectedSql, expectedParameters] = row[column];
    it(`${type}: ${text}`, async () => {
      const filter = checkedFilter(type, text);
      const condition = compileFilter(filter, resourceType(type), dialect);
      const compiled = sql`${condition}`.compile(seeded.db);
      assert.equal(compiled.sql, expectedSql);
      assert.deepEqual(compiled.parameters, expectedParameters);

      const query = seeded.db
        .selectFrom('resources as r')
        .select('r.id')
        .where('r.tenant_id', '=', 't1')
        .where('r.resource_type', '=', type)
        .where(condition)
        .orderBy('r.created')
        .orderBy('r.id')
        .compile();
      const { rows } = await seeded.db.executeQuery(bind(query, { tenant: 't1', type }));
      const oracle = await memory.forTenant('t1').query(type, { filter, startIndex: 1, count: 100 });
      assert.deepEqual(
        rows.map((r) => r.id),
        ids(oracle.resources),
      );
    });
  }
}

describe('filter → SQL (SQLite)', () => {
  checkGolden(2, sqliteDialect, async () => {
    const db = connectSqlite(':memory:');
    const store = createSqlStore({
      db,
      dialect: sqliteDialect,
      capabilities: { sharedAcrossProcesses: false, durable: false },
    });
    await migrateToLatest(db, sqliteDialect);
    await seed(store);
    return { db, close: () => store.close() };
  });
});

describePostgres('filter → SQL (PostgreSQL)', (url) => {
  checkGolden(3, postgresDialect, async () => {
    const schema = await createTestSchema(url);
    const store = await seed(await openStore(schema.url));
    const db = connectPostgres(schema.url);
    return {
      db,
      async close() {
        await db.destroy();
        await store.close();
        await schema.drop();
      },
    };
  });
});

describe('filter → SQL: the golden table', () => {
  it('has golden filters that match something and filters that match nothing', async () => {
    const memory = await seed(createMemoryStore());
    const counts = await Promise.all(
      GOLDEN.map(([type, text]) =>
        memory.forTenant('t1').query(type, { filter: checkedFilter(type, text), startIndex: 1, count: 0 }),
      ),
    );
    assert.ok(counts.some((c) => c.totalResults > 0));
    assert.ok(counts.filter((c) => c.totalResults > 0).length >= 10);
    assert.ok(counts.some((c) => c.totalResults === 0));
  });
});

describe('filter → SQL: shapes checkFilter rejects', () => {
  it('throws invalidFilter for "[...]" on a single-valued attribute and for nested "[...]"', () => {
    const type = resourceType('User');
    const name = { kind: 'valuePath', path: { attribute: 'name' }, filter: parseFilter('givenName eq "x"') } as const;
    assert.throws(() => compileFilter(name, type, sqliteDialect), { status: 400, scimType: 'invalidFilter' });
    const nested = { kind: 'valuePath', path: { attribute: 'emails' }, filter: name } as const;
    assert.throws(() => compileFilter(nested, type, sqliteDialect), { status: 400, scimType: 'invalidFilter' });
  });

  it('compiles "[...]" on an unknown attribute to false, as the evaluator answers', () => {
    const filter = parseFilter('nothing[value eq "x"]');
    assert.equal(
      sql`${compileFilter(filter, resourceType('User'), sqliteDialect)}`.compile(connectSqlite(':memory:')).sql,
      'false',
    );
  });
});
