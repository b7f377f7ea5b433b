/** Contract: resource writes, reads, versions and uniqueness ignoring case. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ScimError } from '../../scim/errors.js';
import type { NewChangeEvent } from '../events-port.js';
import {
  assertScimError,
  at,
  groupBody,
  insert,
  type OpenStore,
  T0,
  userBody,
  withTenants,
} from '../test-support/fixtures.js';

export function resourcesContract(open: OpenStore): void {
  describe('resources', () => {
    // On PostgreSQL a write waits for its event and goes in the event's statement (held-write.ts):
    // what it answers is predicted, and must be exactly what reads back.
    it('answers every write with the resource exactly as it reads back, with or without an event', async () => {
      await withTenants(open, async (a, _b, store) => {
        const event = (id: string, time: string): NewChangeEvent => ({
          type: 'user.updated',
          resourceType: 'User',
          resourceId: id,
          changedAttributes: ['title'],
          snapshot: { id },
          member: null,
          time,
          requestId: null,
        });
        const body = userBody('ann', { name: { givenName: 'Ann', familyName: 'Lee' }, emails: [{ value: 'a@x.com' }] });
        const created = await a.transaction(async (tx) => {
          const stored = await tx.insertResource({ id: 'u1', resourceType: 'User', body, now: at(1) });
          await tx.appendEvents([event('u1', at(1))]);
          return stored;
        });
        assert.deepEqual(await a.getResource('User', 'u1'), created);
        const replaced = await a.transaction(async (tx) => {
          await tx.getResource('User', 'u1');
          const stored = await tx.replaceResource('User', 'u1', { ...body, title: 'Boss' }, at(2));
          await tx.appendEvents([event('u1', at(2))]);
          return stored;
        });
        assert.equal(replaced?.version, 2);
        assert.deepEqual(await a.getResource('User', 'u1'), replaced);
        const touched = await a.transaction(async (tx) => {
          await tx.getResourceWithGroups('User', 'u1');
          const stored = await tx.touchResource('User', 'u1', at(3));
          await tx.appendEvents([event('u1', at(3))]);
          return stored;
        });
        assert.deepEqual([touched?.version, touched?.lastModified, touched?.body], [3, at(3), replaced?.body]);
        assert.deepEqual(await a.getResource('User', 'u1'), touched);
        // Without an event; an update of a row the unit did not read; a read after a write.
        const [written, read] = await a.transaction(async (tx) => {
          await tx.getResource('User', 'u1');
          await tx.replaceResource('User', 'u1', body, at(4));
          const again = await tx.replaceResource('User', 'u1', { ...body, title: 'x' }, at(5));
          return [again, await tx.getResource('User', 'u1')];
        });
        assert.equal(written?.version, 5);
        assert.deepEqual(written, read);
        const unread = await a.transaction((tx) => tx.replaceResource('User', 'u1', body, at(6)));
        assert.deepEqual(await a.getResource('User', 'u1'), unread);
        assert.equal(unread?.version, 6);
        // A clash surfaces as the same SCIM error, the event with it is not appended, nothing is written.
        const seen = (await store.events.list('tenant-a', 0, 100)).events.length;
        await assertScimError(
          a.transaction(async (tx) => {
            await tx.insertResource({ id: 'u2', resourceType: 'User', body: userBody('ANN'), now: at(7) });
            await tx.appendEvents([event('u2', at(7))]);
          }),
          409,
          'uniqueness',
          'userName',
        );
        assert.equal(await a.getResource('User', 'u2'), undefined);
        assert.equal((await store.events.list('tenant-a', 0, 100)).events.length, seen);
      });
    });

    it('inserts at version 1 and reads back the same body', async () => {
      await withTenants(open, async (a) => {
        const body = userBody('bjensen', {
          name: { givenName: 'Barbara' },
          emails: [{ value: 'b@x.com', primary: true }],
        });
        const stored = await insert(a, 'User', 'u1', body, '2024-01-01T00:00:00Z');
        const expected = { id: 'u1', resourceType: 'User', version: 1, created: T0, lastModified: T0, body };
        assert.deepEqual(stored, expected);
        assert.deepEqual(await a.getResource('User', 'u1'), expected);
        assert.equal(await a.getResource('Group', 'u1'), undefined);
        assert.equal(await a.getResource('User', 'missing'), undefined);
      });
    });

    it('hands out copies: mutating a returned body changes nothing stored', async () => {
      await withTenants(open, async (a) => {
        const stored = await insert(a, 'User', 'u1', userBody('bjensen', { title: 'Boss' }));
        (stored.body as Record<string, unknown>)['title'] = 'Changed';
        const read = await a.getResource('User', 'u1');
        (read!.body as Record<string, unknown>)['title'] = 'Changed again';
        assert.equal((await a.getResource('User', 'u1'))?.body['title'], 'Boss');
      });
    });

    it('replaces the body, bumping version and lastModified but not created', async () => {
      await withTenants(open, async (a) => {
        await insert(a, 'User', 'u1', userBody('bjensen', { title: 'Boss' }));
        const next = userBody('BJensen', { nickName: 'Babs' });
        const replaced = await a.transaction((tx) => tx.replaceResource('User', 'u1', next, at(60)));
        const expected = { id: 'u1', resourceType: 'User', version: 2, created: T0, lastModified: at(60), body: next };
        assert.deepEqual(replaced, expected);
        assert.deepEqual(await a.getResource('User', 'u1'), expected);
        assert.equal(await a.transaction((tx) => tx.replaceResource('User', 'missing', next, at(60))), undefined);
        assert.equal(await a.transaction((tx) => tx.replaceResource('Group', 'u1', next, at(60))), undefined);
      });
    });

    it('touches: version and lastModified move, the body stays', async () => {
      await withTenants(open, async (a) => {
        await insert(a, 'Group', 'g1', groupBody('Sales'));
        const touched = await a.transaction(async (tx) => {
          await tx.touchResource('Group', 'g1', at(1));
          return tx.touchResource('Group', 'g1', at(2));
        });
        assert.deepEqual(touched, {
          id: 'g1',
          resourceType: 'Group',
          version: 3,
          created: T0,
          lastModified: at(2),
          body: groupBody('Sales'),
        });
        assert.equal(await a.transaction((tx) => tx.touchResource('User', 'g1', at(3))), undefined);
      });
    });

    it('deletes once, and only with the right type', async () => {
      await withTenants(open, async (a) => {
        await insert(a, 'User', 'u1', userBody('bjensen'));
        assert.equal(await a.transaction((tx) => tx.deleteResource('Group', 'u1')), false);
        assert.equal(await a.transaction((tx) => tx.deleteResource('User', 'u1')), true);
        assert.equal(await a.transaction((tx) => tx.deleteResource('User', 'u1')), false);
        assert.equal(await a.getResource('User', 'u1'), undefined);
        // The userName is free again.
        assert.equal((await insert(a, 'User', 'u2', userBody('BJENSEN'))).id, 'u2');
      });
    });

    it('rejects a duplicate id with 409 conflict', async () => {
      await withTenants(open, async (a) => {
        await insert(a, 'User', 'u1', userBody('one'));
        await assertScimError(insert(a, 'Group', 'u1', groupBody('two')), 409, undefined, '"u1"');
      });
    });

    it('keeps userName unique ignoring case, Unicode included', async () => {
      await withTenants(open, async (a) => {
        await insert(a, 'User', 'u1', userBody('ÄLICE@Example.com'));
        await assertScimError(
          insert(a, 'User', 'u2', userBody('älice@example.COM')),
          409,
          'uniqueness',
          'userName "älice@example.COM" is already taken',
        );
        await insert(a, 'User', 'u3', userBody('ΣΊΣΥΦΟΣ'));
        await assertScimError(insert(a, 'User', 'u4', userBody('σίσυφος')), 409, 'uniqueness', 'userName');
        // displayName of users is not unique; a group may share a user's name.
        await insert(a, 'User', 'u5', userBody('x1', { displayName: 'Same' }));
        await insert(a, 'User', 'u6', userBody('x2', { displayName: 'same' }));
        await insert(a, 'Group', 'g1', groupBody('älice@example.com'));
        assert.equal((await a.query('User', { startIndex: 1, count: 0 })).totalResults, 4);
      });
    });

    it('keeps Group displayName unique ignoring case', async () => {
      await withTenants(open, async (a) => {
        await insert(a, 'Group', 'g1', groupBody('Straße'));
        await assertScimError(insert(a, 'Group', 'g2', groupBody('STRAßE')), 409, 'uniqueness', 'displayName "STRAßE"');
      });
    });

    it('checks uniqueness on replace, but lets a resource keep its own name in another case', async () => {
      await withTenants(open, async (a) => {
        await insert(a, 'User', 'u1', userBody('alice'));
        await insert(a, 'User', 'u2', userBody('bob'));
        await assertScimError(
          a.transaction((tx) => tx.replaceResource('User', 'u2', userBody('ALICE'), at(1))),
          409,
          'uniqueness',
          'userName "ALICE" is already taken',
        );
        assert.equal((await a.getResource('User', 'u2'))?.body['userName'], 'bob');
        const renamed = await a.transaction((tx) => tx.replaceResource('User', 'u1', userBody('Alice'), at(2)));
        assert.equal(renamed?.body['userName'], 'Alice');
        // The old name of a renamed resource is free.
        await a.transaction((tx) => tx.replaceResource('User', 'u2', userBody('carol'), at(3)));
        assert.equal((await insert(a, 'User', 'u3', userBody('BOB'))).id, 'u3');
      });
    });

    it('lets exactly one of 20 concurrent identical creates win', async () => {
      await withTenants(open, async (a) => {
        const attempts = Array.from({ length: 20 }, (_, i) => insert(a, 'User', `u${i}`, userBody('Race@x.com')));
        const settled = await Promise.allSettled(attempts);
        const won = settled.filter((s) => s.status === 'fulfilled');
        const lost = settled.filter((s): s is PromiseRejectedResult => s.status === 'rejected');
        assert.equal(won.length, 1);
        assert.equal(lost.length, 19);
        for (const { reason } of lost) {
          assert.ok(reason instanceof ScimError);
          assert.equal(reason.status, 409);
          assert.equal(reason.scimType, 'uniqueness');
        }
        assert.equal((await a.query('User', { startIndex: 1, count: 0 })).totalResults, 1);
      });
    });

    it('finds the types of existing ids in the tenant', async () => {
      await withTenants(open, async (a, b) => {
        await insert(a, 'User', 'u1', userBody('alice'));
        await insert(a, 'Group', 'g1', groupBody('G'));
        await insert(b, 'User', 'ub', userBody('bob'));
        const found = await a.findTypes(['u1', 'g1', 'ub', 'missing', 'u1']);
        assert.deepEqual([...found.entries()].sort(), [
          ['g1', 'Group'],
          ['u1', 'User'],
        ]);
        assert.equal((await a.findTypes([])).size, 0);
      });
    });

    it('lists the groups of a resource created in the same unit of work, before and after it joins one', async () => {
      // The SQL stores answer a new resource's groups without a query until a member is added.
      await withTenants(open, async (a) => {
        const seen = await a.transaction(async (tx) => {
          await tx.insertResource({ id: 'g1', resourceType: 'Group', body: groupBody('G1'), now: T0 });
          await tx.insertResource({ id: 'u1', resourceType: 'User', body: userBody('u1'), now: T0 });
          const before = await tx.listGroupsOfEach(['u1', 'g1']);
          await tx.addMembers('g1', [{ value: 'u1', type: 'User' }]);
          const after = await tx.listGroupsOf('u1');
          await tx.insertResource({ id: 'u2', resourceType: 'User', body: userBody('u2'), now: T0 });
          return { before: [...before.values()], after, alone: await tx.listGroupsOf('u2') };
        });
        assert.deepEqual(seen, { before: [[], []], after: [{ value: 'g1', display: 'G1' }], alone: [] });
        assert.deepEqual(await a.listGroupsOf('u1'), [{ value: 'g1', display: 'G1' }]);
      });
    });
  });
}
