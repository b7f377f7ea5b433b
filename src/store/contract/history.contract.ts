/**
 * Contract: the access history (history-port.ts). Deltas are written through
 * `TenantWriter.appendAccessHistory` inside units of work, as the service does, and read back
 * as timelines and as-of answers.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type AccessDelta, type NewAccessRow, type RoleGrant, roleKey } from '../history-port.js';
import type { TenantStore } from '../store.js';
import { at, type OpenStore, withTenants } from '../test-support/fixtures.js';

let seq = 0;
function delta(t: number, parts: Partial<AccessDelta>): AccessDelta {
  return { time: at(t), requestId: `req-${t}`, seq: ++seq, close: [], rows: [], ...parts };
}

const created = (userId: string, userName: string, active = true): NewAccessRow => ({
  userId,
  kind: 'created',
  userName,
  detail: { active, attributes: { userName } },
  span: { kind: 'user', key: '', nameFold: userName.toLowerCase(), active },
});
const flip = (userId: string, userName: string, active: boolean): NewAccessRow => ({
  userId,
  kind: active ? 'activated' : 'deactivated',
  userName,
  detail: {},
  span: { kind: 'user', key: '', nameFold: userName.toLowerCase(), active },
});
const grant = (userId: string, role: RoleGrant): NewAccessRow => ({
  userId,
  kind: 'role_granted',
  userName: null,
  detail: { ...role },
  span: { kind: 'role', key: roleKey(role), nameFold: role.value.toLowerCase() },
});
const join = (userId: string, id: string, displayName: string): NewAccessRow => ({
  userId,
  kind: 'group_joined',
  userName: null,
  detail: { id, displayName },
  span: { kind: 'group', key: id, nameFold: displayName.toLowerCase() },
});

async function write(tenant: TenantStore, d: AccessDelta): Promise<void> {
  await tenant.transaction((tx) => tx.appendAccessHistory(d));
}

const ADMIN: RoleGrant = { value: 'Admin', display: 'Administrator' };
const READER: RoleGrant = { value: 'Reader' };

export function historyContract(open: OpenStore): void {
  describe('access history', () => {
    it('answers who had which role and group at each moment, and keeps the timeline', async () => {
      await withTenants(open, async (a, b, store) => {
        await write(a, delta(10, { rows: [created('u1', 'Ann'), grant('u1', ADMIN), grant('u1', READER)] }));
        await write(a, delta(20, { rows: [created('u2', 'bob')] }));
        await write(a, delta(30, { rows: [join('u1', 'g1', 'Sales'), join('u2', 'g1', 'Sales')] }));
        await write(
          a,
          delta(40, {
            close: [{ userId: 'u1', kind: 'role', key: roleKey(ADMIN) }],
            rows: [{ userId: 'u1', kind: 'role_removed', userName: 'Ann', detail: { ...ADMIN } }],
          }),
        );
        await write(
          a,
          delta(50, { close: [{ userId: 'u2', kind: 'user', key: '' }], rows: [flip('u2', 'bob', false)] }),
        );
        await write(a, delta(60, { groupDeleted: { id: 'g1', displayName: 'Sales' } }));
        await write(
          a,
          delta(70, {
            close: [{ userId: 'u1' }],
            rows: [{ userId: 'u1', kind: 'deleted', userName: 'Ann', detail: {} }],
          }),
        );
        await write(b, delta(15, { rows: [created('x1', 'Ann'), grant('x1', ADMIN)] }));

        const asOf = (t: number, more = {}) => store.history.accessAt('tenant-a', { asOf: at(t), limit: 100, ...more });
        assert.deepEqual(await asOf(5), []);
        assert.deepEqual(await asOf(10), [
          { userId: 'u1', userName: 'Ann', active: true, roles: [ADMIN, READER], groups: [] },
        ]);
        const sales = { id: 'g1', displayName: 'Sales' };
        assert.deepEqual(await asOf(35), [
          { userId: 'u1', userName: 'Ann', active: true, roles: [ADMIN, READER], groups: [sales] },
          { userId: 'u2', userName: 'bob', active: true, roles: [], groups: [sales] },
        ]);
        assert.deepEqual(
          (await asOf(40)).map((s) => s.roles),
          [[READER], []],
        );
        assert.deepEqual(
          (await asOf(50)).map((s) => s.userId),
          ['u1'],
        );
        assert.deepEqual(
          (await asOf(50, { includeInactive: true })).map((s) => [s.userId, s.active]),
          [
            ['u1', true],
            ['u2', false],
          ],
        );
        assert.deepEqual(
          (await asOf(60, { includeInactive: true })).map((s) => s.groups),
          [[], []],
        );
        assert.deepEqual(
          (await asOf(70, { includeInactive: true })).map((s) => s.userId),
          ['u2'],
        );
        // Filters and keyset paging.
        assert.deepEqual(
          (await asOf(35, { role: 'admin' })).map((s) => s.userId),
          ['u1'],
        );
        assert.deepEqual(
          (await asOf(35, { group: 'g1' })).map((s) => s.userId),
          ['u1', 'u2'],
        );
        assert.deepEqual(
          (await asOf(35, { group: 'SALES', role: 'Reader' })).map((s) => s.userId),
          ['u1'],
        );
        assert.deepEqual(
          (await asOf(35, { group: 'nope' })).map((s) => s.userId),
          [],
        );
        assert.deepEqual(
          (await asOf(35, { limit: 1 })).map((s) => s.userId),
          ['u1'],
        );
        assert.deepEqual(
          (await asOf(35, { afterUserId: 'u1' })).map((s) => s.userId),
          ['u2'],
        );

        const timeline = await store.history.timeline('tenant-a', 'u1');
        assert.deepEqual(
          timeline.map((e) => [e.time, e.requestId, e.kind]),
          [
            [at(10), 'req-10', 'created'],
            [at(10), 'req-10', 'role_granted'],
            [at(10), 'req-10', 'role_granted'],
            [at(30), 'req-30', 'group_joined'],
            [at(40), 'req-40', 'role_removed'],
            [at(60), 'req-60', 'group_left'],
            [at(70), 'req-70', 'deleted'],
          ],
        );
        assert.deepEqual(timeline[5]!.detail, sales);
        assert.deepEqual(timeline[1]!.detail, ADMIN);
        assert.deepEqual(await store.history.findUserIds('tenant-a', 'ANN'), ['u1']);
        assert.deepEqual(await store.history.findUserIds('tenant-b', 'ann'), ['x1']);
        assert.deepEqual(await store.history.findUserIds('tenant-a', 'nobody'), []);
        // Nothing of one tenant is visible from the other.
        assert.deepEqual(await store.history.timeline('tenant-b', 'u1'), []);
        assert.deepEqual(
          (await store.history.accessAt('tenant-b', { asOf: at(35), limit: 10 })).map((s) => s.userId),
          ['x1'],
        );
      });
    });

    it('a span ended and started again in one write stays open; one ended at T is gone at T', async () => {
      await withTenants(open, async (a, _b, store) => {
        await write(a, delta(10, { rows: [created('u1', 'ann')] }));
        await write(
          a,
          delta(10, { close: [{ userId: 'u1', kind: 'user', key: '' }], rows: [flip('u1', 'ann', false)] }),
        );
        await write(
          a,
          delta(20, { close: [{ userId: 'u1', kind: 'user', key: '' }], rows: [flip('u1', 'Ann2', true)] }),
        );
        const asOf = (t: number) =>
          store.history.accessAt('tenant-a', { asOf: at(t), limit: 10, includeInactive: true });
        assert.deepEqual(
          (await asOf(10)).map((s) => [s.userName, s.active]),
          [['ann', false]],
        );
        assert.deepEqual(
          (await asOf(20)).map((s) => [s.userName, s.active]),
          [['Ann2', true]],
        );
        assert.deepEqual(await store.history.findUserIds('tenant-a', 'ann2'), ['u1']);
        assert.deepEqual(await store.history.findUserIds('tenant-a', 'ann'), ['u1']);
      });
    });

    it('records nothing when the unit of work fails', async () => {
      await withTenants(open, async (a, _b, store) => {
        await assert.rejects(
          a.transaction(async (tx) => {
            await tx.appendAccessHistory(delta(10, { rows: [created('u1', 'ann')] }));
            throw new Error('boom');
          }),
          /boom/,
        );
        assert.deepEqual(await store.history.timeline('tenant-a', 'u1'), []);
        assert.deepEqual(await store.history.accessAt('tenant-a', { asOf: at(10), limit: 10 }), []);
      });
    });

    it('prunes old rows but keeps spans still open or ended inside the window; a deleted tenant leaves none', async () => {
      await withTenants(open, async (a, b, store) => {
        await write(a, delta(10, { rows: [created('u1', 'ann'), grant('u1', ADMIN), grant('u1', READER)] }));
        await write(
          a,
          delta(20, {
            close: [{ userId: 'u1', kind: 'role', key: roleKey(ADMIN) }],
            rows: [{ userId: 'u1', kind: 'role_removed', userName: 'ann', detail: { ...ADMIN } }],
          }),
        );
        await write(
          a,
          delta(40, {
            close: [{ userId: 'u1', kind: 'role', key: roleKey(READER) }],
            rows: [{ userId: 'u1', kind: 'role_removed', userName: 'ann', detail: { ...READER } }],
          }),
        );
        await write(b, delta(10, { rows: [created('x1', 'ann')] }));
        // Before 30: the Admin grant (ended at 20) and its removal go; the open user span, the
        // Reader grant (ended at 40, inside the window) and its removal stay.
        assert.equal(await store.history.prune(at(30)), 2);
        assert.deepEqual(
          (await store.history.timeline('tenant-a', 'u1')).map((e) => [e.kind, e.detail['value'] ?? null]),
          [
            ['created', null],
            ['role_granted', 'Reader'],
            ['role_removed', 'Reader'],
          ],
        );
        assert.deepEqual((await store.history.accessAt('tenant-a', { asOf: at(35), limit: 10 }))[0]!.roles, [READER]);
        assert.equal(await store.history.prune(at(30)), 0);
        assert.equal(await store.tenants.delete('tenant-a'), true);
        await store.tenants.create({ id: 'tenant-a', slug: 'a', name: 'A', status: 'active', created: at(0) });
        assert.deepEqual(await store.history.timeline('tenant-a', 'u1'), []);
        assert.equal((await store.history.timeline('tenant-b', 'x1')).length, 1);
      });
    });
  });
}
