/**
 * Differential property test: for generated users, group memberships, filters, sort orders and
 * pages, the SQLite and PostgreSQL stores return exactly what the memory store (the evaluator)
 * returns: the same totalResults and the same ids in the same order.
 * Users and User filters come from src/scim/filter/arbitraries.ts; memberships, group filters
 * and sort/page parameters are generated locally below.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { arbitraryUserFilter, arbitraryUsers, DATE_POOL } from '../../scim/filter/arbitraries.js';
import type { AttrPath, Filter } from '../../scim/filter/ast.js';
import { checkFilter } from '../../scim/filter/check.js';
import { parseAttrPath, parseFilter } from '../../scim/filter/parse.js';
import { printFilter } from '../../scim/filter/print.js';
import { GROUP_RESOURCE_TYPE, USER_RESOURCE_TYPE } from '../../scim/schema/registry.js';
import type { ResourceTypeName } from '../../scim/schema/types.js';
import { URN } from '../../scim/schema/urns.js';
import { createMemoryStore } from '../memory/store.js';
import { openStore } from '../open.js';
import type { MemberRef } from '../shapes.js';
import type { ResourceQuery, Store } from '../store.js';
import { groupBody, ids, tenantRecord } from '../test-support/fixtures.js';
import { describePostgres, openPostgresTestStore } from '../test-support/postgres.js';

const GROUP_NAMES = ['Sales', 'sales-EU', 'Admins', 'ÄÖÜ', 'x😀y', ''];
const USER_SORTS = [
  'userName',
  'displayName',
  'title',
  'externalId',
  'emails',
  'emails.type',
  'emails.primary',
  'name.givenName',
  'active',
  'meta.created',
  'meta.lastModified',
  `${URN.enterpriseUser}:department`,
  'groups.display',
  'groups.value',
  'noSuchAttribute',
];
const GROUP_SORTS = ['displayName', 'members.value', 'members.display', 'members.type', 'meta.created', 'id'];

interface Scenario {
  users: Record<string, unknown>[];
  created: string[];
  groups: { name: string; members: number[] }[];
  queries: { type: ResourceTypeName; query: ResourceQuery }[];
}

const groupText = fc.constantFrom('sales', 'ADM', 'ä', '😀', '', 'x', 'u1', 'g0');
/** Filters over `groups` (on Users) or over Group attributes, as text to parse and check. */
const userGroupFilter = fc.oneof(
  groupText.map((v) => `groups.display co ${JSON.stringify(v)}`),
  fc.constantFrom('g0', 'G1', 'g2').map((v) => `groups.value eq "${v}"`),
  groupText.map((v) => `groups[display sw ${JSON.stringify(v)} or value eq "g1"]`),
  fc.constant('groups pr'),
);
const groupFilter = fc.oneof(
  groupText.map((v) => `displayName sw ${JSON.stringify(v)}`),
  fc.constantFrom('u0', 'u1', 'u2', 'U1', 'g0').map((v) => `members.value eq "${v}"`),
  groupText.map((v) => `members[type eq "user" and display co ${JSON.stringify(v)}]`),
  fc.constantFrom('members pr', 'displayName eq ""', 'not (members.type eq "Group")'),
);

function checked(type: ResourceTypeName, filter: Filter | string): Filter {
  const ast = typeof filter === 'string' ? parseFilter(filter) : filter;
  return checkFilter(ast, type === 'User' ? USER_RESOURCE_TYPE : GROUP_RESOURCE_TYPE);
}

function queryOf(type: ResourceTypeName, filter: fc.Arbitrary<Filter | undefined>, sorts: string[]) {
  return fc
    .record({
      filter,
      sortBy: fc.option(fc.constantFrom(...sorts), { nil: undefined }),
      sortOrder: fc.option(fc.constantFrom('ascending' as const, 'descending' as const), { nil: undefined }),
      startIndex: fc.integer({ min: 1, max: 8 }),
      count: fc.integer({ min: 0, max: 8 }),
    })
    .map(({ sortBy, ...rest }) => ({
      type,
      query: { ...rest, ...(sortBy ? { sortBy: parseAttrPath(sortBy) as AttrPath } : {}) },
    }));
}

const userFilter: fc.Arbitrary<Filter | undefined> = fc.oneof(
  { weight: 6, arbitrary: arbitraryUserFilter().map((f) => checked('User', f)) },
  {
    weight: 2,
    arbitrary: fc
      .tuple(userGroupFilter, arbitraryUserFilter({ maxDepth: 2 }), fc.constantFrom('and', 'or'))
      .map(([g, f, op]) => checked('User', `${g} ${op} (${printFilter(f)})`)),
  },
  { weight: 1, arbitrary: fc.constant(undefined) },
);

const scenario: fc.Arbitrary<Scenario> = arbitraryUsers({ maxLength: 10 }).chain((users) =>
  fc.record({
    users: fc.constant(users),
    created: fc.array(fc.constantFrom(...DATE_POOL), { minLength: users.length, maxLength: users.length }),
    groups: fc.uniqueArray(
      fc.record({
        name: fc.constantFrom(...GROUP_NAMES),
        members: fc.uniqueArray(fc.nat({ max: Math.max(users.length - 1, 0) }), { maxLength: users.length }),
      }),
      { maxLength: 4, selector: (g) => g.name.toLowerCase() },
    ),
    queries: fc.array(
      fc.oneof(
        { weight: 4, arbitrary: queryOf('User', userFilter, USER_SORTS) },
        {
          weight: 1,
          arbitrary: queryOf(
            'Group',
            fc.option(
              groupFilter.map((f) => checked('Group', f)),
              { nil: undefined },
            ),
            GROUP_SORTS,
          ),
        },
      ),
      { minLength: 1, maxLength: 6 },
    ),
  }),
);

/** Writes the scenario into tenant `tenantId` of `store`; ids are chosen so id order ≠ insertion order. */
async function load(store: Store, tenantId: string, s: Scenario): Promise<void> {
  await store.tenants.create(tenantRecord(tenantId));
  const t = store.forTenant(tenantId);
  await t.transaction(async (tx) => {
    for (const [i, body] of s.users.entries()) {
      await tx.insertResource({ id: `u${(i * 7) % 10}${i}`, resourceType: 'User', body, now: s.created[i]! });
    }
    for (const [i, group] of s.groups.entries()) {
      await tx.insertResource({
        id: `g${i}`,
        resourceType: 'Group',
        body: groupBody(group.name),
        now: DATE_POOL[i % 2]!,
      });
      const members: MemberRef[] = group.members
        .filter((m) => m < s.users.length)
        .map((m) => ({ value: `u${(m * 7) % 10}${m}`, type: 'User' }));
      if (i > 0) members.push({ value: `g${i - 1}`, type: 'Group' });
      await tx.addMembers(`g${i}`, members);
    }
  });
}

/** Holds the store that `open` returns to the memory store's answers. */
function runDifferential(name: string, open: () => Promise<Store>): void {
  describe(`differential: memory evaluator vs ${name}`, () => {
    let sql: Store;
    const memory = createMemoryStore();
    after(async () => {
      await sql?.close();
      await memory.close();
    });

    it('returns the same totalResults and ids, in the same order', async () => {
      sql = await open();
      let run = 0;
      await fc.assert(
        fc.asyncProperty(scenario, async (s) => {
          const tenantId = `t${++run}`;
          await load(memory, tenantId, s);
          await load(sql, tenantId, s);
          for (const { type, query } of s.queries) {
            const expected = await memory.forTenant(tenantId).query(type, query);
            const actual = await sql.forTenant(tenantId).query(type, query);
            assert.deepEqual(
              { total: actual.totalResults, ids: ids(actual.resources) },
              { total: expected.totalResults, ids: ids(expected.resources) },
              `${type} ${query.filter ? printFilter(query.filter) : '(no filter)'} sortBy=${JSON.stringify(query.sortBy)} ${query.sortOrder ?? ''}`,
            );
          }
          await memory.tenants.delete(tenantId);
          await sql.tenants.delete(tenantId);
        }),
        { numRuns: 300 },
      );
    });
  });
}

runDifferential('SQLite', () => openStore('sqlite::memory:'));
// Unicode generators on PostgreSQL too: its fold (ICU) must agree with JavaScript's.
describePostgres('PostgreSQL', (url) => runDifferential('PostgreSQL', () => openPostgresTestStore(url)));
