/**
 * Differential property test for keyset paging (`ResourceQuery.after`, RFC 9865 cursors): for
 * generated users, memberships, filters, sort orders and page sizes, paging through a query
 * page by page — with users inserted and deleted between pages — gives the same pages in the
 * memory store (the oracle) and in SQLite, and on both:
 * - without changes, the pages concatenate to exactly the full sorted result;
 * - with changes, no resource is returned twice and no resource that matched before the first
 *   page and still exists after the last is skipped.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import fc from 'fast-check';
import { arbitraryUserFilter, arbitraryUsers, DATE_POOL } from '../../scim/filter/arbitraries.js';
import type { Filter } from '../../scim/filter/ast.js';
import { checkFilter } from '../../scim/filter/check.js';
import { parseAttrPath, parseFilter } from '../../scim/filter/parse.js';
import { printFilter } from '../../scim/filter/print.js';
import { GROUP_RESOURCE_TYPE, USER_RESOURCE_TYPE } from '../../scim/schema/registry.js';
import type { ResourceTypeName } from '../../scim/schema/types.js';
import { URN } from '../../scim/schema/urns.js';
import { createMemoryStore } from '../memory/store.js';
import { openStore } from '../open.js';
import type { KeysetPosition, ResourceQuery, Store } from '../store.js';
import { groupBody, ids, tenantRecord } from '../test-support/fixtures.js';

const USER_SORTS = [
  'userName',
  'displayName',
  'title',
  'emails',
  'emails.type',
  'emails.primary',
  'name.givenName',
  'active',
  'meta.created',
  `${URN.enterpriseUser}:department`,
  'groups.display',
  'noSuchAttribute',
];
const GROUP_SORTS = ['displayName', 'members.value', 'members.display', 'meta.created', 'id'];
const GROUP_NAMES = ['Sales', 'sales-EU', 'Admins', 'ÄÖÜ', ''];

/** A change between two pages: insert the next pending user, or delete the n-th current one. */
type Change = { kind: 'insert' } | { kind: 'delete'; pick: number };

interface Scenario {
  users: Record<string, unknown>[];
  /** How many of `users` exist before the first page; the rest are inserted by changes. */
  initial: number;
  created: string[];
  groups: { name: string; members: number[] }[];
  type: ResourceTypeName;
  filter: Filter | undefined;
  sortBy: string | undefined;
  descending: boolean;
  pageSize: number;
  changes: Change[];
}

const userId = (i: number) => `u${(i * 7) % 10}${i}`;

const scenario: fc.Arbitrary<Scenario> = arbitraryUsers({ maxLength: 14 }).chain((users) =>
  fc.record({
    users: fc.constant(users),
    initial: fc.nat({ max: users.length }),
    created: fc.array(fc.constantFrom(...DATE_POOL), { minLength: users.length, maxLength: users.length }),
    groups: fc.uniqueArray(
      fc.record({ name: fc.constantFrom(...GROUP_NAMES), members: fc.uniqueArray(fc.nat({ max: 13 })) }),
      { maxLength: 3, selector: (g) => g.name.toLowerCase() },
    ),
    type: fc.constantFrom<ResourceTypeName>('User', 'User', 'User', 'Group'),
    filter: fc.option(arbitraryUserFilter({ maxDepth: 3 }), { nil: undefined, freq: 3 }),
    sortBy: fc.option(fc.constantFrom(...USER_SORTS, ...GROUP_SORTS), { nil: undefined }),
    descending: fc.boolean(),
    pageSize: fc.integer({ min: 1, max: 4 }),
    changes: fc.array(
      fc.oneof(
        fc.constant<Change>({ kind: 'insert' }),
        fc.nat().map((pick): Change => ({ kind: 'delete', pick })),
      ),
      { maxLength: 8 },
    ),
  }),
);

/** The query of a scenario; sortBy names of the other type simply sort by nothing known. */
function queryOf(s: Scenario): Omit<ResourceQuery, 'startIndex' | 'count'> {
  const type = s.type === 'User' ? USER_RESOURCE_TYPE : GROUP_RESOURCE_TYPE;
  const filter = s.type === 'User' ? s.filter : s.filter && parseFilter('displayName pr or members pr');
  return {
    ...(filter ? { filter: checkFilter(filter, type) } : {}),
    ...(s.sortBy ? { sortBy: parseAttrPath(s.sortBy) } : {}),
    sortOrder: s.descending ? 'descending' : 'ascending',
  };
}

async function load(store: Store, tenantId: string, s: Scenario): Promise<void> {
  await store.tenants.create(tenantRecord(tenantId));
  await store.forTenant(tenantId).transaction(async (tx) => {
    for (let i = 0; i < s.initial; i++) {
      await tx.insertResource({ id: userId(i), resourceType: 'User', body: s.users[i]!, now: s.created[i]! });
    }
    for (const [g, group] of s.groups.entries()) {
      await tx.insertResource({ id: `g${g}`, resourceType: 'Group', body: groupBody(group.name), now: DATE_POOL[g]! });
      const members = group.members
        .filter((m) => m < s.initial)
        .map((m) => ({ value: userId(m), type: 'User' as const }));
      await tx.addMembers(`g${g}`, members);
    }
  });
}

/** Applies change `c` to both stores; returns the next pending user index. */
async function apply(stores: Store[], tenantId: string, s: Scenario, c: Change, next: number): Promise<number> {
  const existing = ids((await stores[0]!.forTenant(tenantId).query('User', { startIndex: 1, count: 100 })).resources);
  for (const store of stores) {
    await store.forTenant(tenantId).transaction(async (tx) => {
      if (c.kind === 'insert' && next < s.users.length) {
        await tx.insertResource({
          id: userId(next),
          resourceType: 'User',
          body: s.users[next]!,
          now: s.created[next]!,
        });
      } else if (c.kind === 'delete' && existing.length > 0) {
        await tx.deleteResource('User', existing[c.pick % existing.length]!);
      }
    });
  }
  return c.kind === 'insert' ? Math.min(next + 1, s.users.length) : next;
}

/** Pages through the scenario's query on every store in lock step, applying one change after each page. */
async function pageThrough(stores: Store[], tenantId: string, s: Scenario, withChanges: boolean): Promise<string[]> {
  const query = queryOf(s);
  const seen: string[] = [];
  let position: KeysetPosition[] = [];
  let next = s.initial;
  for (let page = 0; page < 100; page++) {
    const results = await Promise.all(
      stores.map((store, i) =>
        store.forTenant(tenantId).query(s.type, {
          ...query,
          ...(position[i] ? { after: position[i] } : {}),
          startIndex: 1,
          count: s.pageSize + 1,
          withPositions: true,
        }),
      ),
    );
    const pages = results.map((r) => ids(r.resources).slice(0, s.pageSize));
    for (const other of pages.slice(1)) assert.deepEqual(other, pages[0], `page ${page}`);
    seen.push(...pages[0]!);
    if (results[0]!.resources.length <= s.pageSize) return seen;
    position = results.map((r) => r.positions![s.pageSize - 1]!);
    const change = s.changes[page];
    // Group sort keys and filters depend on members, which deleting a user changes; only User
    // queries get changes.
    if (withChanges && change && s.type === 'User') next = await apply(stores, tenantId, s, change, next);
  }
  assert.fail('paging did not end');
}

async function allIds(store: Store, tenantId: string, s: Scenario): Promise<string[]> {
  return ids((await store.forTenant(tenantId).query(s.type, { ...queryOf(s), startIndex: 1, count: 1000 })).resources);
}

function describeScenario(s: Scenario): string {
  const q = queryOf(s);
  return `${s.type} ${q.filter ? printFilter(q.filter) : '(no filter)'} sortBy=${s.sortBy} ${q.sortOrder} size=${s.pageSize}`;
}

describe('keyset paging: memory evaluator vs SQLite', () => {
  let sqlite: Store;
  const memory = createMemoryStore();
  after(async () => {
    await sqlite?.close();
    await memory.close();
  });

  it('pages concatenate to the full sorted result, identically in both stores', async () => {
    sqlite = await openStore('sqlite::memory:');
    let run = 0;
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const tenantId = `k${++run}`;
        for (const store of [memory, sqlite]) await load(store, tenantId, s);
        const paged = await pageThrough([memory, sqlite], tenantId, s, false);
        assert.deepEqual(paged, await allIds(memory, tenantId, s), describeScenario(s));
        assert.deepEqual(paged, await allIds(sqlite, tenantId, s), describeScenario(s));
        for (const store of [memory, sqlite]) await store.tenants.delete(tenantId);
      }),
      { numRuns: 150 },
    );
  });

  it('with inserts and deletes between pages: no repeats, no surviving resource skipped', async () => {
    let run = 0;
    await fc.assert(
      fc.asyncProperty(scenario, async (s) => {
        const tenantId = `m${++run}`;
        for (const store of [memory, sqlite]) await load(store, tenantId, s);
        const before = await allIds(memory, tenantId, s);
        const paged = await pageThrough([memory, sqlite], tenantId, s, true);
        const afterwards = new Set(await allIds(memory, tenantId, s));
        assert.equal(new Set(paged).size, paged.length, `repeated: ${paged} (${describeScenario(s)})`);
        const skipped = before.filter((id) => afterwards.has(id) && !paged.includes(id));
        assert.deepEqual(skipped, [], describeScenario(s));
        for (const store of [memory, sqlite]) await store.tenants.delete(tenantId);
      }),
      { numRuns: 150 },
    );
  });
});
