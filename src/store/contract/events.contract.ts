/**
 * Contract: the transactional outbox. Events commit with their unit of work or not at all,
 * sequence numbers are per tenant, consecutive and gap-free even under concurrent writers,
 * membership changes are journaled net, and retention never removes an undelivered event.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { NewChangeEvent } from '../events-port.js';
import type { Store, TenantStore } from '../store.js';
import { at, groupBody, insert, type OpenStore, T0, userBody, withTenants } from '../test-support/fixtures.js';

export function changeEvent(resourceId: string, time = T0, overrides: Partial<NewChangeEvent> = {}): NewChangeEvent {
  return {
    type: 'user.updated',
    resourceType: 'User',
    resourceId,
    changedAttributes: ['displayName'],
    snapshot: { id: resourceId, userName: `user-${resourceId}` },
    member: null,
    time,
    requestId: 'req-1',
    ...overrides,
  };
}

async function seqs(store: Store, tenantId: string): Promise<number[]> {
  return (await store.events.list(tenantId, 0, 1000)).events.map((e) => e.seq);
}

export function eventsContract(open: OpenStore): void {
  describe('outbox', () => {
    it('numbers events per tenant from 1, consecutively, and reads them back intact', async () => {
      await withTenants(open, async (a, b, store) => {
        const member = { value: 'u9', type: 'User' as const };
        const first = await a.transaction((tx) =>
          tx.appendEvents([
            changeEvent('u1'),
            changeEvent('g1', at(1), {
              type: 'group.member_added',
              resourceType: 'Group',
              changedAttributes: ['members'],
              snapshot: { id: 'g1', displayName: 'Sales', meta: { version: 'W/"2"' } },
              member,
              requestId: null,
            }),
          ]),
        );
        assert.deepEqual(
          first.map((e) => [e.tenantId, e.seq]),
          [
            ['tenant-a', 1],
            ['tenant-a', 2],
          ],
        );
        await b.transaction((tx) => tx.appendEvents([changeEvent('x1')]));
        await a.transaction((tx) => tx.appendEvents([changeEvent('u2', at(2))]));
        assert.deepEqual(await a.transaction((tx) => tx.appendEvents([])), []);
        const page = await store.events.list('tenant-a', 0, 10);
        assert.equal(page.lastSeq, 3);
        assert.equal(page.prunedThrough, 0);
        assert.deepEqual(page.events[1], {
          tenantId: 'tenant-a',
          seq: 2,
          type: 'group.member_added',
          resourceType: 'Group',
          resourceId: 'g1',
          changedAttributes: ['members'],
          snapshot: { id: 'g1', displayName: 'Sales', meta: { version: 'W/"2"' } },
          member,
          time: at(1),
          requestId: null,
        });
        assert.deepEqual(
          page.events.map((e) => [e.seq, e.resourceId]),
          [
            [1, 'u1'],
            [2, 'g1'],
            [3, 'u2'],
          ],
        );
        assert.deepEqual(
          (await store.events.list('tenant-b', 0, 10)).events.map((e) => e.seq),
          [1],
        );
      });
    });

    it('pages with after and limit, and reports an empty tenant as lastSeq 0', async () => {
      await withTenants(open, async (a, b, store) => {
        await a.transaction((tx) => tx.appendEvents(['1', '2', '3', '4', '5'].map((id) => changeEvent(id))));
        const page = await store.events.list('tenant-a', 2, 2);
        assert.deepEqual(
          page.events.map((e) => e.seq),
          [3, 4],
        );
        assert.equal(page.lastSeq, 5);
        assert.deepEqual((await store.events.list('tenant-a', 5, 10)).events, []);
        assert.deepEqual((await store.events.list('tenant-a', 0, 0)).events, []);
        assert.deepEqual(await store.events.list(b.tenantId, 0, 10), {
          events: [],
          lastSeq: 0,
          prunedThrough: 0,
          heldSeq: null,
        });
      });
    });

    it('a unit of work that fails after appending leaves no event and no used number', async () => {
      await withTenants(open, async (a, _b, store) => {
        await assert.rejects(
          a.transaction(async (tx) => {
            await tx.insertResource({ id: 'u1', resourceType: 'User', body: userBody('alice'), now: T0 });
            await tx.appendEvents([changeEvent('u1')]);
            throw new Error('boom');
          }),
          /boom/,
        );
        assert.deepEqual(await store.events.list('tenant-a', 0, 10), {
          events: [],
          lastSeq: 0,
          prunedThrough: 0,
          heldSeq: null,
        });
        assert.equal(await a.getResource('User', 'u1'), undefined);
        const next = await a.transaction((tx) => tx.appendEvents([changeEvent('u2')]));
        assert.equal(next[0]!.seq, 1);
      });
    });

    it('stays gap-free and in commit order under concurrent writers', async () => {
      await withTenants(open, async (a, b, store) => {
        const writers = Array.from({ length: 12 }, (_, i) => {
          const tenant = i % 3 === 0 ? b : a;
          return tenant.transaction(async (tx) => {
            const one = await tx.appendEvents([changeEvent(`w${i}-1`)]);
            await new Promise((resolve) => setTimeout(resolve, (i * 7) % 5));
            const two = await tx.appendEvents([changeEvent(`w${i}-2`), changeEvent(`w${i}-3`)]);
            return [...one, ...two].map((e) => e.seq);
          });
        });
        const numbers = await Promise.all(writers);
        for (const list of numbers) assert.deepEqual(list, [list[0]!, list[0]! + 1, list[0]! + 2]);
        assert.deepEqual(
          await seqs(store, a.tenantId),
          Array.from({ length: 24 }, (_, i) => i + 1),
        );
        assert.deepEqual(
          await seqs(store, b.tenantId),
          Array.from({ length: 12 }, (_, i) => i + 1),
        );
        const events = (await store.events.list('tenant-a', 0, 100)).events;
        for (let i = 0; i < events.length; i += 3) {
          const writer = events[i]!.resourceId.split('-')[0];
          assert.deepEqual(
            events.slice(i, i + 3).map((e) => e.resourceId),
            [`${writer}-1`, `${writer}-2`, `${writer}-3`],
          );
        }
      });
    });
  });

  describe('membership journal', () => {
    async function seed(t: TenantStore): Promise<void> {
      for (const id of ['u1', 'u2', 'u3']) await insert(t, 'User', id, userBody(id));
      await insert(t, 'Group', 'g1', groupBody('Sales'));
      await insert(t, 'Group', 'g2', groupBody('Ops'));
      await t.transaction((tx) => tx.addMembers('g1', [{ value: 'u1', type: 'User' }]));
    }

    it('reports the members actually added and removed, net, once', async () => {
      await withTenants(open, async (a) => {
        await seed(a);
        const changes = await a.transaction(async (tx) => {
          await tx.addMembers('g1', [
            { value: 'u1', type: 'User' },
            { value: 'u2', type: 'User' },
            { value: 'g2', type: 'Group' },
          ]);
          await tx.removeMembers('g1', ['u3', 'g2', 'u1']);
          const first = tx.takeMemberChanges('g1');
          const again = tx.takeMemberChanges('g1');
          return { first, again, other: tx.takeMemberChanges('g2') };
        });
        assert.deepEqual(changes.first, {
          added: [{ value: 'u2', type: 'User' }],
          removed: [{ value: 'u1', type: 'User' }],
        });
        assert.deepEqual(changes.again, { added: [], removed: [] });
        assert.deepEqual(changes.other, { added: [], removed: [] });
      });
    });

    it('sees a replace (clear, then add) as the difference only', async () => {
      await withTenants(open, async (a) => {
        await seed(a);
        await a.transaction((tx) => tx.addMembers('g1', [{ value: 'u2', type: 'User' }]));
        const changes = await a.transaction(async (tx) => {
          await tx.clearMembers('g1');
          await tx.addMembers('g1', [
            { value: 'u2', type: 'User' },
            { value: 'u3', type: 'User' },
          ]);
          return tx.takeMemberChanges('g1');
        });
        assert.deepEqual(changes, { added: [{ value: 'u3', type: 'User' }], removed: [{ value: 'u1', type: 'User' }] });
      });
    });
  });

  describe('event retention', () => {
    it('removes old events, keeps what an enabled endpoint has not passed, and says how far it went', async () => {
      await withTenants(open, async (a, b, store) => {
        await a.transaction((tx) => tx.appendEvents([changeEvent('1', at(0)), changeEvent('2', at(10))]));
        await store.endpoints.create(
          {
            id: 'ep1',
            kind: 'webhook',
            name: null,
            tenantId: 'tenant-a',
            url: 'http://127.0.0.1:1/hook',
            description: null,
            secrets: [],
            enabled: true,
            created: at(11),
          },
          'oldest',
        );
        await a.transaction((tx) => tx.appendEvents([changeEvent('3', at(20)), changeEvent('4', at(30))]));
        await b.transaction((tx) => tx.appendEvents([changeEvent('b1', at(0))]));
        assert.equal(await store.events.prune(at(25)), 1);
        assert.deepEqual(
          (await store.events.list('tenant-a', 0, 10)).events.map((e) => e.seq),
          [1, 2, 3, 4],
        );
        const [stream] = await store.endpoints.listStreams('ep1');
        const claimed = await store.endpoints.claimStreams({
          kind: 'webhook',
          now: at(40),
          owner: 'd1',
          leaseUntil: at(100),
          limit: 5,
        });
        assert.equal(claimed.length, 1);
        const progress = {
          deliveredSeq: 2,
          attempts: 0,
          nextAttemptAt: at(40),
          lastAttemptAt: at(40),
          lastError: null,
          lastStatus: 200,
        };
        assert.equal(await store.endpoints.updateStream(stream!.id, 'd1', progress, true), true);
        assert.equal(await store.events.prune(at(25)), 2);
        const page = await store.events.list('tenant-a', 0, 10);
        assert.deepEqual(
          page.events.map((e) => e.seq),
          [3, 4],
        );
        assert.equal(page.prunedThrough, 2);
        assert.equal((await store.events.list('tenant-b', 0, 10)).prunedThrough, 1);
        await store.endpoints.update('ep1', { enabled: false });
        assert.equal(await store.events.prune(at(31)), 2);
        assert.deepEqual(await store.events.list('tenant-a', 0, 10), {
          events: [],
          lastSeq: 4,
          prunedThrough: 4,
          heldSeq: null,
        });
        const next = await a.transaction((tx) => tx.appendEvents([changeEvent('5', at(50))]));
        assert.equal(next[0]!.seq, 5);
      });
    });

    it('deleting a tenant deletes its events, and a new tenant starts at 1', async () => {
      await withTenants(open, async (a, _b, store) => {
        await a.transaction((tx) => tx.appendEvents([changeEvent('1')]));
        await store.tenants.delete('tenant-a');
        assert.deepEqual(await store.events.list('tenant-a', 0, 10), {
          events: [],
          lastSeq: 0,
          prunedThrough: 0,
          heldSeq: null,
        });
      });
    });
  });
}
