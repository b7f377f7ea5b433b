/** Contract: group memberships, their displays, and cleanup when either side is deleted. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { TenantStore } from '../store.js';
import { at, groupBody, insert, type OpenStore, userBody, withTenants } from '../test-support/fixtures.js';

/** Users u1 (displayName Barbara), u2 (no displayName), groups g1 "Sales", g2 "admins", g3 "Zeta". */
async function seed(t: TenantStore): Promise<void> {
  await insert(t, 'User', 'u1', userBody('bjensen', { displayName: 'Barbara' }));
  await insert(t, 'User', 'u2', userBody('jsmith'));
  await insert(t, 'Group', 'g1', groupBody('Sales'));
  await insert(t, 'Group', 'g2', groupBody('admins'));
  await insert(t, 'Group', 'g3', groupBody('Zeta'));
}

export function membersContract(open: OpenStore): void {
  describe('members', () => {
    it('adds only new members, in insertion order, with displays joined in', async () => {
      await withTenants(open, async (a) => {
        await seed(a);
        const added = await a.transaction((tx) =>
          tx.addMembers('g1', [
            { value: 'u2', type: 'User' },
            { value: 'g2', type: 'Group' },
            { value: 'u2', type: 'User' },
          ]),
        );
        assert.equal(added, 2);
        assert.equal(
          await a.transaction((tx) =>
            tx.addMembers('g1', [
              { value: 'g2', type: 'Group' },
              { value: 'u1', type: 'User' },
            ]),
          ),
          1,
        );
        assert.equal(await a.transaction((tx) => tx.addMembers('g1', [])), 0);
        assert.deepEqual(await a.listMembers('g1'), [
          { value: 'u2', type: 'User', display: 'jsmith' },
          { value: 'g2', type: 'Group', display: 'admins' },
          { value: 'u1', type: 'User', display: 'Barbara' },
        ]);
        assert.deepEqual(await a.listMembers('g3'), []);
      });
    });

    it('shows the current display after a rename', async () => {
      await withTenants(open, async (a) => {
        await seed(a);
        await a.transaction((tx) => tx.addMembers('g1', [{ value: 'u1', type: 'User' }]));
        await a.transaction((tx) =>
          tx.replaceResource('User', 'u1', userBody('bjensen', { displayName: 'Babs' }), at(1)),
        );
        assert.deepEqual(await a.listMembers('g1'), [{ value: 'u1', type: 'User', display: 'Babs' }]);
      });
    });

    it('removes given members and clears all, counting what went', async () => {
      await withTenants(open, async (a) => {
        await seed(a);
        const all = [
          { value: 'u1', type: 'User' },
          { value: 'u2', type: 'User' },
          { value: 'g2', type: 'Group' },
        ] as const;
        await a.transaction((tx) => tx.addMembers('g1', all));
        assert.equal(await a.transaction((tx) => tx.removeMembers('g1', ['u1', 'missing', 'u1'])), 1);
        assert.equal(await a.transaction((tx) => tx.removeMembers('g1', ['u1'])), 0);
        assert.deepEqual(
          (await a.listMembers('g1')).map((m) => m.value),
          ['u2', 'g2'],
        );
        assert.equal(await a.transaction((tx) => tx.clearMembers('g1')), 2);
        assert.equal(await a.transaction((tx) => tx.clearMembers('g1')), 0);
        assert.deepEqual(await a.listMembers('g1'), []);
        // Re-adding after removal appends at the end.
        await a.transaction((tx) => tx.addMembers('g1', all));
        await a.transaction((tx) => tx.removeMembers('g1', ['u1']));
        await a.transaction((tx) => tx.addMembers('g1', [{ value: 'u1', type: 'User' }]));
        assert.deepEqual(
          (await a.listMembers('g1')).map((m) => m.value),
          ['u2', 'g2', 'u1'],
        );
      });
    });

    it('lists the direct groups of a member by display, in code point order, then id', async () => {
      await withTenants(open, async (a) => {
        await seed(a);
        await insert(a, 'Group', 'g0', groupBody('Zeta2'));
        for (const g of ['g3', 'g1', 'g2', 'g0']) {
          await a.transaction((tx) => tx.addMembers(g, [{ value: 'u1', type: 'User' }]));
        }
        await a.transaction((tx) => tx.addMembers('g2', [{ value: 'g1', type: 'Group' }]));
        assert.deepEqual(await a.listGroupsOf('u1'), [
          { value: 'g1', display: 'Sales' },
          { value: 'g3', display: 'Zeta' },
          { value: 'g0', display: 'Zeta2' },
          { value: 'g2', display: 'admins' },
        ]);
        assert.deepEqual(await a.listGroupsOf('g1'), [{ value: 'g2', display: 'admins' }]);
        assert.deepEqual(await a.listGroupsOf('u2'), []);
        // The same for several members at once, each in its own order; unknown ids map to [].
        const each = await a.listGroupsOfEach(['u2', 'g1', 'u1', 'nobody', 'u1']);
        assert.deepEqual([...each.keys()], ['u2', 'g1', 'u1', 'nobody']);
        assert.deepEqual(each.get('u1'), await a.listGroupsOf('u1'));
        assert.deepEqual(each.get('g1'), [{ value: 'g2', display: 'admins' }]);
        assert.deepEqual(each.get('u2'), []);
        assert.deepEqual(each.get('nobody'), []);
        assert.deepEqual(await a.listGroupsOfEach([]), new Map());
      });
    });

    it('reads a resource with its groups as getResource and listGroupsOf do, in and out of a unit of work', async () => {
      await withTenants(open, async (a, b) => {
        await seed(a);
        await insert(b, 'User', 'u1', userBody('other'));
        await insert(a, 'Group', 'g4', { ...groupBody('x'), displayName: undefined });
        for (const g of ['g3', 'g1', 'g2', 'g4']) {
          await a.transaction((tx) => tx.addMembers(g, [{ value: 'u1', type: 'User' }]));
        }
        await a.transaction((tx) => tx.addMembers('g2', [{ value: 'g1', type: 'Group' }]));
        for (const [type, id] of [
          ['User', 'u1'],
          ['User', 'u2'],
          ['Group', 'g1'],
        ] as const) {
          const expected = { resource: await a.getResource(type, id), groups: await a.listGroupsOf(id) };
          assert.deepEqual(await a.getResourceWithGroups(type, id), expected);
          assert.deepEqual(await a.transaction((tx) => tx.getResourceWithGroups(type, id)), expected);
        }
        assert.deepEqual((await a.getResourceWithGroups('User', 'u1'))?.groups, [
          { value: 'g4', display: '' },
          { value: 'g1', display: 'Sales' },
          { value: 'g3', display: 'Zeta' },
          { value: 'g2', display: 'admins' },
        ]);
        assert.equal(await a.getResourceWithGroups('Group', 'u1'), undefined);
        assert.equal(await a.getResourceWithGroups('User', 'nobody'), undefined);
        // Tenant b's u1 has no groups; tenant a's memberships are not its own.
        assert.deepEqual((await b.getResourceWithGroups('User', 'u1'))?.groups, []);
        // A page asked for with its groups: where the store reads them with it, they are the same.
        for (const type of ['User', 'Group'] as const) {
          const page = await a.query(type, { startIndex: 1, count: 10, withGroups: true });
          if (page.groups === undefined) continue;
          assert.deepEqual(
            [...page.groups.keys()],
            page.resources.map((r) => r.id),
          );
          for (const r of page.resources) assert.deepEqual(page.groups.get(r.id), await a.listGroupsOf(r.id));
        }
      });
    });

    it('drops memberships both ways when a resource is deleted', async () => {
      await withTenants(open, async (a) => {
        await seed(a);
        await a.transaction(async (tx) => {
          await tx.addMembers('g1', [
            { value: 'u1', type: 'User' },
            { value: 'g2', type: 'Group' },
          ]);
          await tx.addMembers('g2', [{ value: 'u1', type: 'User' }]);
        });
        await a.transaction((tx) => tx.deleteResource('User', 'u1'));
        assert.deepEqual(await a.listMembers('g1'), [{ value: 'g2', type: 'Group', display: 'admins' }]);
        assert.deepEqual(await a.listMembers('g2'), []);
        await a.transaction((tx) => tx.deleteResource('Group', 'g2'));
        assert.deepEqual(await a.listMembers('g1'), []);
        await a.transaction((tx) => tx.deleteResource('Group', 'g1'));
        assert.deepEqual(await a.listGroupsOf('u2'), []);
        // Re-creating an id does not resurrect memberships.
        await insert(a, 'Group', 'g1', groupBody('Sales again'));
        assert.deepEqual(await a.listMembers('g1'), []);
      });
    });

    it('rejects members that do not exist, adding none of the batch', async () => {
      await withTenants(open, async (a) => {
        await seed(a);
        await assert.rejects(
          a.transaction((tx) =>
            tx.addMembers('g1', [
              { value: 'u1', type: 'User' },
              { value: 'ghost', type: 'User' },
            ]),
          ),
        );
        assert.deepEqual(await a.listMembers('g1'), []);
        await assert.rejects(a.transaction((tx) => tx.addMembers('no-group', [{ value: 'u1', type: 'User' }])));
        assert.deepEqual(await a.listGroupsOf('u1'), []);
      });
    });
  });
}
