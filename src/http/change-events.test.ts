/**
 * SCIM writes and their change events, end to end through HTTP: each write appends its events
 * in its own unit of work (a failed write appends none), numbered per tenant without gaps.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { ChangeEvent } from '../store/events-port.js';
import { describeEachBackend } from '../store/test-support/backends.js';
import { ENTRA_USER, type Harness, startHarness } from './test-support/harness.js';

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

describeEachBackend('change events from SCIM writes', (backend) => {
  let h: Harness;
  let tenantId: string;
  let seen = 0;
  /** The events appended since the last call. */
  const fresh = async (): Promise<ChangeEvent[]> => {
    const page = await h.store.events.list(tenantId, seen, 1000);
    seen = page.lastSeq;
    return [...page.events];
  };
  const summary = (events: ChangeEvent[]) =>
    events.map((e) => [e.type, e.resourceType, e.changedAttributes.join(','), e.member?.value ?? null]);

  before(async () => {
    h = await startHarness({ backend });
    tenantId = (await h.store.tenants.getBySlug('acme'))!.id;
  });
  after(() => h.close());

  it('derives user and group events from creates, patches, puts and deletes', async () => {
    const user = await h.request('POST', '/t/acme/scim/v2/Users', ENTRA_USER, { 'x-request-id': 'req-create' });
    const userId = user.json<{ id: string }>().id;
    const created = await fresh();
    assert.deepEqual(summary(created), [['user.created', 'User', 'active,emails,externalId,userName', null]]);
    assert.deepEqual([created[0]!.seq, created[0]!.requestId, created[0]!.resourceId], [1, 'req-create', userId]);
    assert.equal(created[0]!.snapshot['userName'], 'jdoe@contoso.com');

    const patch = (ops: object[]) =>
      h.request('PATCH', `/t/acme/scim/v2/Users/${userId}`, { schemas: [PATCH_OP], Operations: ops });
    await patch([
      { op: 'Replace', path: 'active', value: 'False' },
      { op: 'replace', path: 'title', value: 'Engineer' },
    ]);
    assert.deepEqual(summary(await fresh()), [
      ['user.updated', 'User', 'title', null],
      ['user.deactivated', 'User', 'active', null],
    ]);
    await patch([{ op: 'replace', path: 'title', value: 'Engineer' }]);
    assert.deepEqual(await fresh(), [], 'a PATCH that changes nothing emits nothing');
    await h.request('PUT', `/t/acme/scim/v2/Users/${userId}`, { ...ENTRA_USER, active: true });
    assert.deepEqual(summary(await fresh()), [
      ['user.updated', 'User', 'title', null],
      ['user.reactivated', 'User', 'active', null],
    ]);

    const other = await h.request('POST', '/t/acme/scim/v2/Users', {
      ...ENTRA_USER,
      userName: 'b@contoso.com',
      externalId: 'b',
    });
    const otherId = other.json<{ id: string }>().id;
    await fresh();
    const group = await h.request('POST', '/t/acme/scim/v2/Groups', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
      displayName: 'Sales',
      members: [{ value: userId }, { value: otherId }],
    });
    const groupId = group.json<{ id: string }>().id;
    assert.deepEqual(summary(await fresh()), [
      ['group.created', 'Group', 'displayName', null],
      ['group.member_added', 'Group', 'members', userId],
      ['group.member_added', 'Group', 'members', otherId],
    ]);
    await h.request('PATCH', `/t/acme/scim/v2/Groups/${groupId}`, {
      schemas: [PATCH_OP],
      Operations: [
        { op: 'Remove', path: 'members', value: [{ value: otherId }] },
        { op: 'Replace', path: 'displayName', value: 'Sales EU' },
      ],
    });
    assert.deepEqual(summary(await fresh()), [
      ['group.updated', 'Group', 'displayName', null],
      ['group.member_removed', 'Group', 'members', otherId],
    ]);
    await h.request('PUT', `/t/acme/scim/v2/Groups/${groupId}`, {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
      displayName: 'Sales EU',
      members: [{ value: userId }, { value: otherId }],
    });
    assert.deepEqual(summary(await fresh()), [['group.member_added', 'Group', 'members', otherId]]);

    await h.request('DELETE', `/t/acme/scim/v2/Users/${userId}`);
    const deleted = await fresh();
    assert.deepEqual(summary(deleted), [
      ['group.member_removed', 'Group', 'members', userId],
      ['user.deleted', 'User', '', null],
    ]);
    assert.equal(deleted[1]!.snapshot['userName'], 'jdoe@contoso.com');
    await h.request('DELETE', `/t/acme/scim/v2/Groups/${groupId}`);
    assert.deepEqual(summary(await fresh()), [['group.deleted', 'Group', '', null]]);
  });

  it('a failed SCIM write emits nothing and leaves no gap', async () => {
    await fresh();
    const before = (await h.store.events.list(tenantId, 0, 0)).lastSeq;
    const clash = await h.request('POST', '/t/acme/scim/v2/Users', { ...ENTRA_USER, userName: 'dup@contoso.com' });
    assert.equal(clash.statusCode, 201);
    const again = await h.request('POST', '/t/acme/scim/v2/Users', { ...ENTRA_USER, userName: 'DUP@contoso.com' });
    assert.equal(again.statusCode, 409);
    const id = clash.json<{ id: string }>().id;
    const bad = await h.request('PATCH', `/t/acme/scim/v2/Users/${id}`, {
      schemas: [PATCH_OP],
      Operations: [
        { op: 'replace', path: 'title', value: 'First op applies in memory' },
        { op: 'remove', path: 'userName' },
      ],
    });
    assert.equal(bad.statusCode, 400);
    const events = await fresh();
    assert.deepEqual(
      events.map((e) => [e.seq, e.type]),
      [[before + 1, 'user.created']],
    );
  });

  it('numbers concurrent writes gap-free', async () => {
    await fresh();
    const start = (await h.store.events.list(tenantId, 0, 0)).lastSeq;
    const writes = Array.from({ length: 20 }, (_, i) =>
      h.request('POST', '/t/acme/scim/v2/Users', { ...ENTRA_USER, userName: `c${i}@contoso.com`, externalId: `c${i}` }),
    );
    assert.ok((await Promise.all(writes)).every((r) => r.statusCode === 201));
    const events = await fresh();
    assert.deepEqual(
      events.map((e) => e.seq),
      Array.from({ length: 20 }, (_, i) => start + i + 1),
    );
  });
});
