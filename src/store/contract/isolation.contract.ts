/** Contract: tenant isolation and units of work (rollback, serialisation). */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  at,
  checkedFilter,
  groupBody,
  ids,
  insert,
  type OpenStore,
  T0,
  userBody,
  withTenants,
} from '../test-support/fixtures.js';

export function isolationContract(open: OpenStore): void {
  describe('tenant isolation', () => {
    it('never lets tenant B see or change what tenant A stores', async () => {
      await withTenants(open, async (a, b) => {
        await insert(a, 'User', 'u1', userBody('alice', { displayName: 'Alice' }));
        await insert(a, 'Group', 'g1', groupBody('Sales'));
        await a.transaction((tx) => tx.addMembers('g1', [{ value: 'u1', type: 'User' }]));

        assert.equal(await b.getResource('User', 'u1'), undefined);
        assert.equal((await b.query('User', { startIndex: 1, count: 10 })).totalResults, 0);
        const filter = checkedFilter('User', 'userName eq "alice"');
        assert.equal((await b.query('User', { filter, startIndex: 1, count: 10 })).totalResults, 0);
        assert.equal((await b.findTypes(['u1', 'g1'])).size, 0);
        assert.deepEqual(await b.listMembers('g1'), []);
        assert.deepEqual(await b.listGroupsOf('u1'), []);
        await b.transaction(async (tx) => {
          assert.equal(await tx.replaceResource('User', 'u1', userBody('mallory'), at(1)), undefined);
          assert.equal(await tx.touchResource('User', 'u1', at(1)), undefined);
          assert.equal(await tx.deleteResource('User', 'u1'), false);
          assert.equal(await tx.removeMembers('g1', ['u1']), 0);
          assert.equal(await tx.clearMembers('g1'), 0);
        });
        await assert.rejects(b.transaction((tx) => tx.addMembers('g1', [{ value: 'u1', type: 'User' }])));

        const stillThere = await a.getResource('User', 'u1');
        assert.equal(stillThere?.version, 1);
        assert.equal(stillThere?.body['userName'], 'alice');
        assert.deepEqual(await a.listMembers('g1'), [{ value: 'u1', type: 'User', display: 'Alice' }]);
      });
    });

    it('scopes ids and names per tenant', async () => {
      await withTenants(open, async (a, b) => {
        await insert(a, 'User', 'same-id', userBody('alice'));
        await insert(b, 'User', 'same-id', userBody('ALICE'));
        await insert(a, 'Group', 'g', groupBody('Sales'));
        await insert(b, 'Group', 'g', groupBody('sales'));
        await a.transaction((tx) => tx.addMembers('g', [{ value: 'same-id', type: 'User' }]));
        assert.equal((await a.getResource('User', 'same-id'))?.body['userName'], 'alice');
        assert.equal((await b.getResource('User', 'same-id'))?.body['userName'], 'ALICE');
        assert.deepEqual(await b.listMembers('g'), []);
        assert.deepEqual(await b.listGroupsOf('same-id'), []);
        assert.deepEqual(await a.listGroupsOf('same-id'), [{ value: 'g', display: 'Sales' }]);
      });
    });

    it('refuses a unit of work for a tenant that does not exist', async () => {
      await withTenants(open, async (_a, _b, store) => {
        const ghost = store.forTenant('ghost');
        await assert.rejects(
          ghost.transaction((tx) => tx.insertResource({ id: 'x', resourceType: 'User', body: userBody('x'), now: T0 })),
        );
        assert.equal(await ghost.getResource('User', 'x'), undefined);
      });
    });
  });

  describe('transactions', () => {
    it('returns what the unit of work returns', async () => {
      await withTenants(open, async (a) => {
        assert.equal(await a.transaction(async () => 42), 42);
      });
    });

    it('rolls back every write when the unit of work throws', async () => {
      await withTenants(open, async (a) => {
        await insert(a, 'User', 'u1', userBody('alice', { title: 'Before' }));
        await insert(a, 'Group', 'g1', groupBody('Sales'));
        await a.transaction((tx) => tx.addMembers('g1', [{ value: 'u1', type: 'User' }]));
        const boom = new Error('boom');
        await assert.rejects(
          a.transaction(async (tx) => {
            await tx.insertResource({ id: 'u2', resourceType: 'User', body: userBody('bob'), now: at(1) });
            await tx.replaceResource('User', 'u1', userBody('alice2', { title: 'After' }), at(1));
            await tx.addMembers('g1', [{ value: 'u2', type: 'User' }]);
            await tx.removeMembers('g1', ['u1']);
            await tx.touchResource('Group', 'g1', at(1));
            await tx.deleteResource('Group', 'g1');
            // Inside the unit of work its own writes are visible.
            assert.equal((await tx.getResource('User', 'u2'))?.body['userName'], 'bob');
            assert.equal(await tx.getResource('Group', 'g1'), undefined);
            const users = await tx.query('User', { startIndex: 1, count: 10 });
            assert.deepEqual(ids(users.resources), ['u1', 'u2']);
            assert.deepEqual(await tx.listGroupsOf('u1'), []);
            throw boom;
          }),
          (error) => error === boom,
        );
        assert.equal(await a.getResource('User', 'u2'), undefined);
        const u1 = await a.getResource('User', 'u1');
        assert.deepEqual([u1?.version, u1?.body['userName'], u1?.body['title']], [1, 'alice', 'Before']);
        assert.equal((await a.getResource('Group', 'g1'))?.version, 1);
        assert.deepEqual(await a.listMembers('g1'), [{ value: 'u1', type: 'User', display: 'alice' }]);
        assert.deepEqual(await a.listGroupsOf('u1'), [{ value: 'g1', display: 'Sales' }]);
        // Names taken and released inside the failed unit of work are as before.
        assert.equal((await insert(a, 'User', 'u3', userBody('BOB'))).id, 'u3');
        await assert.rejects(insert(a, 'User', 'u4', userBody('ALICE')));
        assert.equal((await a.query('User', { startIndex: 1, count: 0 })).totalResults, 2);
      });
    });

    it('serialises units of work: concurrent read-modify-write loses no update', async () => {
      await withTenants(open, async (a) => {
        await insert(a, 'User', 'u1', userBody('counter', { nickName: '0' }));
        const increment = (i: number) =>
          a.transaction(async (tx) => {
            const current = await tx.getResource('User', 'u1');
            const next = Number(current?.body['nickName']) + 1;
            await new Promise((resolve) => setTimeout(resolve, 1));
            return tx.replaceResource('User', 'u1', userBody('counter', { nickName: String(next) }), at(i));
          });
        await Promise.all(Array.from({ length: 10 }, (_, i) => increment(i + 1)));
        const final = await a.getResource('User', 'u1');
        assert.deepEqual([final?.body['nickName'], final?.version], ['10', 11]);
      });
    });
  });
}
