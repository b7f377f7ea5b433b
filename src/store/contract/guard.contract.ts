/**
 * Contract: the deprovision guard's storage (guard-port.ts): the window of deprovisioned users
 * and its denominator, the record and the delivery hold it sets (seen by appends, event reads
 * and stream claims), first-wins captures, decisions, rollback and tenant isolation.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { NewChangeEvent } from '../events-port.js';
import type { GuardRecord } from '../guard-port.js';
import { at, insert, type OpenStore, userBody, withTenants } from '../test-support/fixtures.js';

function event(type: string, id: string, time = at(0)): NewChangeEvent {
  return {
    type,
    resourceType: 'User',
    resourceId: id,
    changedAttributes: [],
    snapshot: { id },
    member: null,
    time,
    requestId: null,
  };
}

function record(tenantId: string, overrides: Partial<GuardRecord> = {}): GuardRecord {
  return {
    tenantId,
    overrides: {},
    state: 'armed',
    since: at(0),
    heldSeq: null,
    countFrom: null,
    trippedAt: null,
    tripDeprovisioned: null,
    tripBase: null,
    ...overrides,
  };
}

export function guardContract(open: OpenStore): void {
  describe('deprovision guard', () => {
    it('counts each user once in the window, and the denominator from active users', async () => {
      await withTenants(open, async (a, b) => {
        for (let i = 1; i <= 5; i++) await insert(a, 'User', `u${i}`, userBody(`u${i}`));
        await insert(a, 'User', 'off', userBody('off', { active: false }));
        await insert(b, 'User', 'b1', userBody('b1'));
        await a.transaction(async (tx) => {
          assert.equal(tx.guard.deliveryHold(), undefined, 'nothing appended yet');
          await tx.guard.noteDeprovision('u1', at(10));
          await tx.guard.noteDeprovision('u1', at(20)); // the latest time wins, one row
          await tx.guard.noteDeprovision('gone', at(30)); // a deleted user
          await tx.guard.noteDeprovision('u2', at(5));
        });
        await b.transaction((tx) => tx.guard.noteDeprovision('b1', at(10)));
        await a.transaction(async (tx) => {
          assert.equal(await tx.guard.countDeprovisions(at(0)), 3);
          assert.equal(await tx.guard.countDeprovisions(at(5)), 2, 'since is exclusive');
          assert.equal(await tx.guard.countDeprovisions(at(20)), 1);
          // Active users not in the window (u3, u4, u5; u2 is out of it since 5) plus the window.
          assert.equal(await tx.guard.countBase(at(5)), 4 + 2);
          assert.equal(await tx.guard.countBase(at(0)), 3 + 3);
          await tx.guard.forgetDeprovisions(at(10));
          assert.equal(await tx.guard.countDeprovisions(at(0)), 2);
        });
        await b.transaction(async (tx) => assert.equal(await tx.guard.countDeprovisions(at(0)), 1));
      });
    });

    it('sets the delivery hold with the record: appends, event pages and stream claims see it', async () => {
      await withTenants(open, async (a, b, store) => {
        await store.endpoints.create(
          {
            id: 'hook',
            kind: 'webhook',
            name: null,
            tenantId: null,
            url: 'https://example.com/hook',
            description: null,
            secrets: [],
            enabled: true,
            created: at(0),
          },
          'oldest',
        );
        await a.transaction(async (tx) => {
          await tx.appendEvents([event('user.deactivated', 'u1')]);
          assert.equal(tx.guard.deliveryHold(), null);
          const [tripped] = await tx.appendEvents([event('tenant.guard_tripped', 'tenant-a')]);
          await tx.guard.write(record('tenant-a', { state: 'tripped', heldSeq: tripped!.seq, trippedAt: at(1) }));
          await tx.appendEvents([event('user.deactivated', 'u2')]);
          assert.equal(tx.guard.deliveryHold(), 2);
        });
        await b.transaction((tx) => tx.appendEvents([event('user.created', 'b1')]));
        const page = await store.events.list('tenant-a', 0, 10);
        assert.deepEqual([page.lastSeq, page.heldSeq, page.events.length], [3, 2, 3], 'the page itself is not cut');
        assert.equal((await store.events.list('tenant-b', 0, 10)).heldSeq, null);
        assert.deepEqual(
          await store.guard.get('tenant-a'),
          record('tenant-a', { state: 'tripped', heldSeq: 2, trippedAt: at(1) }),
        );
        assert.equal(await store.guard.get('tenant-b'), undefined);
        assert.deepEqual(
          (await store.guard.list()).map((r) => r.tenantId),
          ['tenant-a'],
        );

        const claim = (owner: string) =>
          store.endpoints.claimStreams({ kind: 'webhook', now: at(100), owner, leaseUntil: at(200), limit: 10 });
        const claimed = await claim('d1');
        assert.deepEqual(claimed.map((s) => s.tenantId).sort(), ['tenant-a', 'tenant-b']);
        const streamA = claimed.find((s) => s.tenantId === 'tenant-a')!;
        const done = { attempts: 0, nextAttemptAt: at(100), lastAttemptAt: at(100), lastError: null, lastStatus: 204 };
        await store.endpoints.updateStream(streamA.id, 'd1', { deliveredSeq: 2, ...done }, true);
        await store.endpoints.updateStream(
          claimed.find((s) => s.tenantId === 'tenant-b')!.id,
          'd1',
          { deliveredSeq: 1, ...done },
          true,
        );
        assert.deepEqual(await claim('d2'), [], 'a stream at its hold is not due');

        await a.transaction(async (tx) => {
          await tx.appendEvents([event('tenant.guard_released', 'tenant-a')]);
          assert.equal(tx.guard.deliveryHold(), 2, 'the append reads the hold before this unit lifts it');
          await tx.guard.write(record('tenant-a', { state: 'released', countFrom: at(50) }));
        });
        assert.equal((await store.events.list('tenant-a', 0, 0)).heldSeq, null);
        assert.deepEqual(
          (await claim('d3')).map((s) => s.tenantId),
          ['tenant-a'],
        );
      });
    });

    it('keeps the first capture of a resource, lists decisions newest first, and rolls back with the unit', async () => {
      await withTenants(open, async (a, b, store) => {
        await a.transaction(async (tx) => {
          await tx.guard.capture([
            { resourceType: 'User', resourceId: 'u2', seq: 5, before: { existed: true, active: true, roles: ['x'] } },
            { resourceType: 'Group', resourceId: 'g1', seq: 4, before: { existed: false } },
          ]);
          await tx.guard.capture([{ resourceType: 'User', resourceId: 'u2', seq: 9, before: { existed: false } }]);
          await tx.guard.recordDecision({
            id: 'd1',
            tenantId: 'tenant-a',
            time: at(1),
            action: 'trip',
            actor: 'guard',
            detail: { n: 1 },
          });
          await tx.guard.recordDecision({
            id: 'd2',
            tenantId: 'tenant-a',
            time: at(2),
            action: 'release',
            actor: 'cli:ops',
            detail: {},
          });
        });
        assert.deepEqual(await store.guard.captures('tenant-a'), [
          { resourceType: 'Group', resourceId: 'g1', seq: 4, before: { existed: false } },
          { resourceType: 'User', resourceId: 'u2', seq: 5, before: { existed: true, active: true, roles: ['x'] } },
        ]);
        assert.deepEqual(await store.guard.captures('tenant-b'), []);
        assert.deepEqual(
          (await store.guard.decisions('tenant-a', 10)).map((d) => [d.id, d.action, d.actor, d.detail]),
          [
            ['d2', 'release', 'cli:ops', {}],
            ['d1', 'trip', 'guard', { n: 1 }],
          ],
        );
        assert.equal((await store.guard.decisions('tenant-a', 1)).length, 1);
        assert.deepEqual(await store.guard.decisions('tenant-b', 10), []);

        await assert.rejects(
          a.transaction(async (tx) => {
            await tx.appendEvents([event('tenant.guard_tripped', 'tenant-a')]);
            await tx.guard.write(record('tenant-a', { state: 'tripped', heldSeq: 1 }));
            await tx.guard.clearCaptures();
            await tx.guard.noteDeprovision('u9', at(3));
            throw new Error('boom');
          }),
          /boom/,
        );
        assert.equal(await store.guard.get('tenant-a'), undefined);
        assert.equal((await store.events.list('tenant-a', 0, 0)).heldSeq, null);
        assert.equal((await store.guard.captures('tenant-a')).length, 2);
        await a.transaction(async (tx) => assert.equal(await tx.guard.countDeprovisions(at(0)), 0));
        await b.transaction(async (tx) => {
          await tx.guard.clearCaptures();
        });
        assert.equal((await store.guard.captures('tenant-a')).length, 2, 'another tenant cannot clear them');

        await store.tenants.delete('tenant-a');
        assert.deepEqual(await store.guard.captures('tenant-a'), []);
        assert.deepEqual(await store.guard.decisions('tenant-a', 10), []);
      });
    });
  });
}
