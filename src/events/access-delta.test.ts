import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { roleKey, rolesOf } from '../store/history-port.js';
import type { StoredResource } from '../store/store.js';
import { accessDeltaForChange, accessDeltaForDeletion, isEmptyDelta } from './access-delta.js';
import { changedAttributes, eventsForChange } from './change-events.js';

const CTX = { time: '2026-01-01T00:00:00.000Z', requestId: 'req-1', seq: 7 };
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

function user(body: Record<string, unknown>, id = 'u1'): StoredResource {
  return { id, resourceType: 'User', version: 1, created: CTX.time, lastModified: CTX.time, body };
}
function group(displayName: string, id = 'g1'): StoredResource {
  return { id, resourceType: 'Group', version: 1, created: CTX.time, lastModified: CTX.time, body: { displayName } };
}

describe('access delta', () => {
  it('a creation: the user span with name and active, its attributes, and a grant per role', () => {
    const delta = accessDeltaForChange(
      {
        after: user({
          schemas: ['x'],
          userName: 'Ann',
          active: false,
          title: 'CTO',
          roles: [{ value: 'A', primary: true }],
        }),
      },
      undefined,
      CTX,
    );
    assert.deepEqual(delta, {
      ...CTX,
      close: [],
      rows: [
        {
          userId: 'u1',
          kind: 'created',
          userName: 'Ann',
          detail: { active: false, attributes: { userName: 'Ann', active: false, title: 'CTO' } },
          span: { kind: 'user', key: '', nameFold: 'ann', active: false },
        },
        {
          userId: 'u1',
          kind: 'role_granted',
          userName: 'Ann',
          detail: { value: 'A' },
          span: { kind: 'role', key: roleKey({ value: 'A' }), nameFold: 'a' },
        },
      ],
    });
  });

  it('an update: changed attributes with new values, active flips and role changes, nothing else', () => {
    const before = user({
      userName: 'ann',
      active: true,
      title: 'a',
      [ENTERPRISE]: { department: 'x' },
      roles: [{ value: 'A' }, { value: 'B' }],
    });
    const after = user({
      userName: 'ann',
      active: false,
      title: 'b',
      [ENTERPRISE]: {},
      roles: [{ value: 'B' }, { value: 'C', display: 'See' }],
    });
    const delta = accessDeltaForChange({ before, after }, undefined, CTX);
    assert.deepEqual(
      delta.rows.map((r) => [r.kind, r.detail, r.span?.kind ?? null]),
      [
        ['updated', { changes: { title: 'b', [`${ENTERPRISE}:department`]: null } }, null],
        ['deactivated', {}, 'user'],
        ['role_removed', { value: 'A' }, null],
        ['role_granted', { value: 'C', display: 'See' }, 'role'],
      ],
    );
    assert.deepEqual(delta.close, [
      { userId: 'u1', kind: 'user', key: '' },
      { userId: 'u1', kind: 'role', key: roleKey({ value: 'A' }) },
    ]);
    assert.ok(isEmptyDelta(accessDeltaForChange({ before, after: before }, undefined, CTX)));
  });

  it('a rename starts a new user span on the updated row; "active" absent counts as active', () => {
    const delta = accessDeltaForChange(
      { before: user({ userName: 'ann' }), after: user({ userName: 'Anne', active: true }) },
      undefined,
      CTX,
    );
    assert.deepEqual(delta.close, [{ userId: 'u1', kind: 'user', key: '' }]);
    assert.deepEqual(delta.rows, [
      {
        userId: 'u1',
        kind: 'updated',
        userName: 'Anne',
        detail: { changes: { userName: 'Anne' } },
        span: { kind: 'user', key: '', nameFold: 'anne', active: true },
      },
    ]);
  });

  it("a group's member changes: users join or leave with the group's name; nested groups are ignored", () => {
    const delta = accessDeltaForChange(
      { before: group('Old'), after: group('Sales') },
      {
        added: [
          { value: 'u1', type: 'User' },
          { value: 'g2', type: 'Group' },
        ],
        removed: [{ value: 'u2', type: 'User' }],
      },
      CTX,
    );
    assert.deepEqual(delta.close, [{ userId: 'u2', kind: 'group', key: 'g1' }]);
    assert.deepEqual(
      delta.rows.map((r) => [r.userId, r.kind, r.detail, r.span?.nameFold ?? null]),
      [
        ['u2', 'group_left', { id: 'g1', displayName: 'Sales' }, null],
        ['u1', 'group_joined', { id: 'g1', displayName: 'Sales' }, 'sales'],
      ],
    );
    assert.ok(
      isEmptyDelta(accessDeltaForChange({ before: group('A'), after: group('B') }, { added: [], removed: [] }, CTX)),
    );
  });

  it('deletions: a user leaves its groups and every span ends; a group hands its members to the store', () => {
    const deleted = accessDeltaForDeletion(user({ userName: 'ann' }), [group('Sales')], CTX);
    assert.deepEqual(deleted.close, [{ userId: 'u1' }]);
    assert.deepEqual(
      deleted.rows.map((r) => [r.kind, r.userName]),
      [
        ['group_left', 'ann'],
        ['deleted', 'ann'],
      ],
    );
    assert.deepEqual(accessDeltaForDeletion(group('Sales'), [], CTX), {
      ...CTX,
      groupDeleted: { id: 'g1', displayName: 'Sales' },
      close: [],
      rows: [],
    });
  });

  // The SQL store keeps a write's delta in the write's first change event (history-projector.ts):
  // a delta without an event would have nothing to ride on.
  it('every change with something to record also has a change event', () => {
    const role = fc.record(
      { value: fc.constantFrom('A', 'B'), type: fc.constantFrom('t', undefined), primary: fc.boolean() },
      { requiredKeys: ['value'] },
    );
    const body = fc.record(
      {
        userName: fc.constantFrom('ann', 'Ann', 'bob'),
        active: fc.constantFrom(true, false, undefined),
        title: fc.constantFrom('x', 'y', undefined),
        roles: fc.array(role, { maxLength: 3 }),
        [ENTERPRISE]: fc.record({ department: fc.constantFrom('d', 'e') }),
      },
      { requiredKeys: ['userName'] },
    );
    const refs = fc.array(
      fc.record({ value: fc.constantFrom('u1', 'u2', 'g2'), type: fc.constantFrom('User' as const, 'Group' as const) }),
      { maxLength: 3 },
    );
    fc.assert(
      fc.property(
        fc.option(body, { nil: undefined }),
        body,
        refs,
        refs,
        fc.constantFrom('User' as const, 'Group' as const),
        (before, after, added, removed, type) => {
          const as = (b: Record<string, unknown>): StoredResource => ({ ...user(b), resourceType: type });
          const change = { before: before === undefined ? undefined : as(before), after: as(after) };
          const members = type === 'Group' ? { added, removed } : undefined;
          const delta = accessDeltaForChange(change, members, CTX);
          const events = eventsForChange({ resourceType: type, ...change, members }, CTX);
          // The outbox derives an update's changed attributes once for both: the same answers.
          const changed = change.before && changedAttributes(change.before.body, change.after.body);
          assert.deepEqual(accessDeltaForChange({ ...change, changed }, members, CTX), delta);
          assert.deepEqual(eventsForChange({ resourceType: type, ...change, members, changed }, CTX), events);
          return isEmptyDelta(delta) || events.length > 0;
        },
      ),
      { numRuns: 2000 },
    );
    for (const deleted of [user({ userName: 'ann' }), group('Sales')]) {
      const events = eventsForChange({ resourceType: deleted.resourceType, before: deleted }, CTX);
      assert.ok(!isEmptyDelta(accessDeltaForDeletion(deleted, [], CTX)) && events.length === 1);
    }
  });

  it('reads roles leniently: no primary, duplicates once, entries without a string value skipped', () => {
    assert.deepEqual(
      rolesOf({
        roles: [{ value: 'A', primary: true }, { value: 'A' }, { display: 'x' }, 'B', { value: 'A', type: 't' }],
      }),
      [{ value: 'A' }, { value: 'A', type: 't' }],
    );
    assert.deepEqual(rolesOf({ roles: 'nope' }), []);
  });
});
