import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { StoredResource } from '../store/store.js';
import { changedAttributes, eventsForChange, memberEvents, snapshotOf } from './change-events.js';

const CTX = { time: '2026-01-15T10:00:00.000Z', requestId: 'req-7' };
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

function user(version: number, body: Record<string, unknown>): StoredResource {
  return {
    id: 'u1',
    resourceType: 'User',
    version,
    created: '2026-01-01T00:00:00.000Z',
    lastModified: `2026-01-0${version}T00:00:00.000Z`,
    body: { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'alice', ...body },
  };
}

function group(version: number, body: Record<string, unknown> = {}): StoredResource {
  return {
    id: 'g1',
    resourceType: 'Group',
    version,
    created: '2026-01-01T00:00:00.000Z',
    lastModified: '2026-01-02T00:00:00.000Z',
    body: { schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'], displayName: 'Sales', ...body },
  };
}

const summary = (events: ReturnType<typeof eventsForChange>) =>
  events.map((e) => [e.type, e.changedAttributes, e.member?.value ?? null]);

describe('snapshotOf', () => {
  it('is the body with id and meta, in representation order', () => {
    const snapshot = snapshotOf(user(3, { externalId: 'e-1', active: true }));
    assert.deepEqual(snapshot, {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      id: 'u1',
      externalId: 'e-1',
      userName: 'alice',
      active: true,
      meta: {
        resourceType: 'User',
        created: '2026-01-01T00:00:00.000Z',
        lastModified: '2026-01-03T00:00:00.000Z',
        version: 'W/"3"',
      },
    });
    assert.deepEqual(Object.keys(snapshot), ['schemas', 'id', 'externalId', 'userName', 'active', 'meta']);
  });
});

describe('changedAttributes', () => {
  it('names top-level and extension attributes that differ, sorted, ignoring key order and schemas', () => {
    const before = { schemas: ['a'], userName: 'x', name: { givenName: 'A', familyName: 'B' }, title: 'T' };
    const after = {
      schemas: ['a', ENTERPRISE],
      userName: 'x',
      name: { familyName: 'B', givenName: 'A' },
      [ENTERPRISE]: { department: 'Ops', manager: { value: 'm1' } },
    };
    assert.deepEqual(changedAttributes(before, after), ['title', `${ENTERPRISE}:department`, `${ENTERPRISE}:manager`]);
    assert.deepEqual(changedAttributes(after, after), []);
    assert.deepEqual(changedAttributes({ emails: [{ value: 'a' }] }, { emails: [{ value: 'b' }] }), ['emails']);
  });
});

describe('eventsForChange', () => {
  it('creates a user with the attributes it set', () => {
    const events = eventsForChange({ resourceType: 'User', after: user(1, { active: true }) }, CTX);
    assert.deepEqual(summary(events), [['user.created', ['active', 'userName'], null]]);
    assert.equal(events[0]!.time, CTX.time);
    assert.equal(events[0]!.requestId, 'req-7');
    assert.equal(events[0]!.resourceId, 'u1');
    assert.equal(events[0]!.snapshot['id'], 'u1');
  });

  it('splits a user update into updated, roles changed and deactivated', () => {
    const before = user(1, { active: true, title: 'A', roles: [{ value: 'admin' }] });
    const after = user(2, { active: false, title: 'B', roles: [{ value: 'reader' }] });
    assert.deepEqual(summary(eventsForChange({ resourceType: 'User', before, after }, CTX)), [
      ['user.updated', ['title'], null],
      ['user.roles_changed', ['roles'], null],
      ['user.deactivated', ['active'], null],
    ]);
  });

  it('reactivates when active goes from false to true or is removed; absent to true is an update', () => {
    const off = user(1, { active: false });
    assert.deepEqual(
      summary(eventsForChange({ resourceType: 'User', before: off, after: user(2, { active: true }) }, CTX)),
      [['user.reactivated', ['active'], null]],
    );
    assert.deepEqual(summary(eventsForChange({ resourceType: 'User', before: off, after: user(2, {}) }, CTX)), [
      ['user.reactivated', ['active'], null],
    ]);
    assert.deepEqual(
      summary(eventsForChange({ resourceType: 'User', before: user(1, {}), after: user(2, { active: true }) }, CTX)),
      [['user.updated', ['active'], null]],
    );
  });

  it('yields nothing for an update that changed nothing', () => {
    const same = user(1, { title: 'A' });
    assert.deepEqual(eventsForChange({ resourceType: 'User', before: same, after: { ...same, version: 2 } }, CTX), []);
    assert.deepEqual(
      eventsForChange(
        { resourceType: 'Group', before: group(1), after: group(2), members: { added: [], removed: [] } },
        CTX,
      ),
      [],
    );
  });

  it('deletes with the last state', () => {
    const events = eventsForChange({ resourceType: 'Group', before: group(4) }, CTX);
    assert.deepEqual(summary(events), [['group.deleted', [], null]]);
    assert.equal((events[0]!.snapshot['meta'] as { version: string }).version, 'W/"4"');
    assert.deepEqual(eventsForChange({ resourceType: 'Group' }, CTX), []);
  });

  it('emits one event per member added or removed, after the group update', () => {
    const members = {
      added: [
        { value: 'u1', type: 'User' as const },
        { value: 'g2', type: 'Group' as const },
      ],
      removed: [{ value: 'u3', type: 'User' as const }],
    };
    const events = eventsForChange(
      { resourceType: 'Group', before: group(1), after: group(2, { displayName: 'Sales EU' }), members },
      CTX,
    );
    assert.deepEqual(summary(events), [
      ['group.updated', ['displayName'], null],
      ['group.member_added', ['members'], 'u1'],
      ['group.member_added', ['members'], 'g2'],
      ['group.member_removed', ['members'], 'u3'],
    ]);
    assert.deepEqual(events[2]!.member, { value: 'g2', type: 'Group' });
    const created = eventsForChange({ resourceType: 'Group', after: group(1), members }, CTX);
    assert.deepEqual(
      summary(created).map(([type]) => type),
      ['group.created', 'group.member_added', 'group.member_added', 'group.member_removed'],
    );
  });

  it('memberEvents carries the group snapshot', () => {
    const [event] = memberEvents(group(5), { added: [], removed: [{ value: 'u1', type: 'User' }] }, CTX);
    assert.equal(event!.type, 'group.member_removed');
    assert.equal(event!.resourceId, 'g1');
    assert.equal((event!.snapshot['meta'] as { version: string }).version, 'W/"5"');
  });
});
