import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { Store } from '../store/store.js';
import { describeEachBackend } from '../store/test-support/backends.js';
import { DIRECTORY_PAGE_SIZE, getGroupDetail, getUserDetail, searchGroups, searchUsers } from './directory.js';
import { createTenant } from './tenants.js';

const NOW = '2026-01-15T10:00:00.000Z';
const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
/** A display name with the characters a SCIM filter string literal must escape. */
const TRICKY = 'Alice "Quote" Back\\slash';
const FILLERS = 26;

/** acme: alice, BOB, 26 fillers; groups Sales (alice) and Everyone (every user); globex: its own alice. */
async function seedDirectory(store: Store): Promise<void> {
  const acme = await createTenant(store, { slug: 'acme', name: 'Acme' }, new Date(NOW));
  const globex = await createTenant(store, { slug: 'globex', name: 'Globex' }, new Date(NOW));
  const user = (id: string, userName: string, extra: Record<string, unknown> = {}) => ({
    id,
    resourceType: 'User' as const,
    body: { schemas: [USER], userName, ...extra },
    now: NOW,
  });
  await store.forTenant(acme.id).transaction(async (tx) => {
    await tx.insertResource(user('u-alice', 'alice@acme.test', { displayName: TRICKY, roles: [{ value: 'Reader' }] }));
    await tx.insertResource(user('u-bob', 'BOB@acme.test', { displayName: 'Bobby Tables', active: false }));
    for (let i = 1; i <= FILLERS; i++)
      await tx.insertResource(user(`u-${i}`, `m${String(i).padStart(2, '0')}@acme.test`));
    for (const [id, displayName] of [
      ['g-sales', 'Sales'],
      ['g-all', 'Everyone'],
    ] as const) {
      await tx.insertResource({ id, resourceType: 'Group', body: { schemas: [GROUP], displayName }, now: NOW });
    }
    await tx.addMembers('g-sales', [{ value: 'u-alice', type: 'User' }]);
    const everyone = ['u-alice', 'u-bob', ...Array.from({ length: FILLERS }, (_, i) => `u-${i + 1}`)];
    await tx.addMembers(
      'g-all',
      everyone.map((value) => ({ value, type: 'User' as const })),
    );
  });
  await store.forTenant(globex.id).transaction(async (tx) => {
    await tx.insertResource(user('u-globex-alice', 'alice@globex.test'));
  });
}

describeEachBackend('directory (read-only browser)', (backend) => {
  let store: Store;

  before(async () => {
    store = await backend.openStore();
    await seedDirectory(store);
  });
  after(() => store.close());

  it('pages users sorted by userName, 25 at a time', async () => {
    const first = await searchUsers(store, 'acme', '');
    assert.equal(DIRECTORY_PAGE_SIZE, 25);
    assert.deepEqual([first.total, first.startIndex, first.items.length], [28, 1, 25]);
    assert.deepEqual(
      first.items.slice(0, 3).map((u) => u.userName),
      ['alice@acme.test', 'BOB@acme.test', 'm01@acme.test'],
    );
    const second = await searchUsers(store, 'acme', '  ', 26);
    assert.deepEqual(
      second.items.map((u) => u.userName),
      ['m24@acme.test', 'm25@acme.test', 'm26@acme.test'],
    );
    assert.equal((await searchUsers(store, 'acme', '', 0)).startIndex, 1, 'a start below 1 reads as 1');
  });

  it('matches userName or displayName, ignoring case, within the tenant only', async () => {
    const alice = await searchUsers(store, 'acme', 'ALICE@');
    assert.deepEqual(
      alice.items.map((u) => u.id),
      ['u-alice'],
    );
    assert.deepEqual(alice.items[0], {
      id: 'u-alice',
      userName: 'alice@acme.test',
      displayName: TRICKY,
      active: true,
      roles: ['Reader'],
      lastModified: NOW,
    });
    const bob = await searchUsers(store, 'acme', 'bobby tab');
    assert.deepEqual(
      bob.items.map((u) => [u.userName, u.active]),
      [['BOB@acme.test', false]],
    );
    assert.equal((await searchUsers(store, 'globex', 'alice')).items[0]!.id, 'u-globex-alice');
    assert.equal((await searchUsers(store, 'acme', 'nobody')).total, 0);
  });

  it('takes quotes and backslashes in the search text literally', async () => {
    for (const q of ['"Quote"', 'Back\\slash', '"', '\\']) {
      const page = await searchUsers(store, 'acme', q);
      assert.deepEqual(
        page.items.map((u) => u.id),
        ['u-alice'],
        q,
      );
    }
    for (const q of ['") or userName pr or (userName eq "', 'x" or userName pr']) {
      assert.equal((await searchUsers(store, 'acme', q)).total, 0, q);
    }
    await assert.rejects(searchUsers(store, 'acme', 'x'.repeat(201)), {
      status: 400,
      detail: 'search text must be at most 200 characters',
    });
  });

  it('searches groups by displayName ignoring case', async () => {
    const all = await searchGroups(store, 'acme', '');
    assert.deepEqual(
      all.items.map((g) => g.displayName),
      ['Everyone', 'Sales'],
    );
    const sales = await searchGroups(store, 'acme', 'sAL');
    assert.deepEqual(sales, {
      total: 1,
      startIndex: 1,
      items: [{ id: 'g-sales', displayName: 'Sales', lastModified: sales.items[0]!.lastModified }],
    });
    assert.equal((await searchGroups(store, 'globex', 'sales')).total, 0);
  });

  it('shows a user with its groups, and refuses one of another tenant', async () => {
    const alice = await getUserDetail(store, 'acme', 'u-alice');
    assert.deepEqual(
      alice.groups.map((g) => g.display),
      ['Everyone', 'Sales'],
    );
    assert.equal(alice.created, NOW);
    assert.equal(alice.attributes['userName'], 'alice@acme.test');
    await assert.rejects(getUserDetail(store, 'acme', 'u-globex-alice'), {
      status: 404,
      detail: 'user "u-globex-alice" not found in tenant "acme"',
    });
    await assert.rejects(getUserDetail(store, 'nope', 'u-alice'), { status: 404 });
  });

  it("pages a group's members", async () => {
    const first = await getGroupDetail(store, 'acme', 'g-all');
    assert.deepEqual([first.members.total, first.members.startIndex, first.members.items.length], [28, 1, 25]);
    assert.deepEqual(first.members.items[0], { value: 'u-alice', type: 'User', display: TRICKY });
    const rest = await getGroupDetail(store, 'acme', 'g-all', 26);
    assert.deepEqual(
      rest.members.items.map((m) => m.value),
      ['u-24', 'u-25', 'u-26'],
    );
    assert.equal((await getGroupDetail(store, 'acme', 'g-all', 100)).members.items.length, 0);
    await assert.rejects(getGroupDetail(store, 'globex', 'g-all'), { status: 404 });
  });
});
