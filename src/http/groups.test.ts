import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { describeEachBackend } from '../store/test-support/backends.js';
import { type Harness, startHarness } from './test-support/harness.js';

describeEachBackend('Groups through HTTP', (backend) => {
  let h: Harness;
  const users: string[] = [];
  before(async () => {
    h = await startHarness({ backend });
    for (const name of ['ann', 'bob', 'cy']) {
      const res = await h.request('POST', '/scim/v2/Users', { userName: `${name}@contoso.com`, displayName: name });
      users.push(res.json<{ id: string }>().id);
    }
  });
  after(() => h.close());

  it('Entra creates an empty group with an extra schema URN; Test Connection probe on /Groups', async () => {
    const res = await h.request('POST', '/scim/v2/Groups', {
      schemas: [
        'urn:ietf:params:scim:schemas:core:2.0:Group',
        'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/2.0/Group',
      ],
      externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159',
      displayName: 'Group1DisplayName',
      meta: { resourceType: 'Group' },
    });
    assert.equal(res.statusCode, 201, res.body);
    const body = res.json<{ id: string }>();
    // An empty multi-valued attribute is unassigned (RFC 7643 §2.5): no `members` key at all.
    assert.deepEqual(Object.keys(body), ['schemas', 'id', 'externalId', 'displayName', 'meta']);
    const probe = await h.request(
      'GET',
      '/scim/v2/Groups?filter=displayName%20eq%20%22nope%22&excludedAttributes=members',
    );
    assert.equal(probe.statusCode, 200);
    assert.equal(probe.json().totalResults, 0);
  });

  it("creates a group with members, reads them back, and derives the users' groups", async () => {
    const res = await h.request('POST', '/scim/v2/Groups', {
      displayName: 'Sales',
      members: [{ value: users[0] }, { value: users[1], type: 'User' }],
    });
    assert.equal(res.statusCode, 201, res.body);
    const group = res.json<{ id: string; members: { value: string; type: string; display: string; $ref: string }[] }>();
    assert.deepEqual(
      group.members.map((m) => [m.value, m.type, m.display]),
      [
        [users[0], 'User', 'ann'],
        [users[1], 'User', 'bob'],
      ],
    );
    assert.equal(group.members[0]!.$ref, `https://scim.example.com/scim/v2/Users/${users[0]}`);
    const user = (await h.request('GET', `/scim/v2/Users/${users[0]}`)).json();
    assert.deepEqual(user.groups, [
      {
        value: group.id,
        $ref: `https://scim.example.com/scim/v2/Groups/${group.id}`,
        display: 'Sales',
        type: 'direct',
      },
    ]);
    const lean = (await h.request('GET', `/scim/v2/Groups/${group.id}?excludedAttributes=members`)).json();
    assert.equal(lean.members, undefined);
    assert.equal(lean.displayName, 'Sales');
  });

  it('group names are unique ignoring case: 409 uniqueness', async () => {
    const res = await h.request('POST', '/scim/v2/Groups', { displayName: 'SALES' });
    assert.equal(res.statusCode, 409);
    assert.equal(res.json().scimType, 'uniqueness');
  });

  it('finds groups by displayName ignoring case and by member', async () => {
    const q = async (filter: string) =>
      (
        await h.request('GET', `/scim/v2/Groups?filter=${encodeURIComponent(filter)}&excludedAttributes=members`)
      ).json();
    const byName = await q('displayName eq "sales"');
    assert.equal(byName.totalResults, 1);
    const byMember = await q(`members.value eq "${users[1]}"`);
    assert.equal(byMember.totalResults, 1);
  });

  it('rejects unknown, foreign and mistyped members with 400 invalidValue and creates nothing', async () => {
    const foreign = await h.request(
      'POST',
      '/scim/v2/Users',
      { userName: 'foreign@globex.example' },
      { authorization: `Bearer ${h.otherToken}` },
    );
    const foreignId = foreign.json<{ id: string }>().id;
    const cases: [unknown, RegExp][] = [
      [[{ value: 'no-such-id' }], /unknown resources: "no-such-id"/],
      [[{ value: foreignId }], new RegExp(`unknown resources: "${foreignId}"`)],
      [[{ value: users[2], type: 'Group' }], /is a User, not a Group/],
      [[{ display: 'no value' }], /members\[0\]\.value/],
    ];
    for (const [members, detail] of cases) {
      const res = await h.request('POST', '/scim/v2/Groups', { displayName: 'Bad members', members });
      assert.equal(res.statusCode, 400, res.body);
      assert.equal(res.json().scimType, 'invalidValue');
      assert.match(String(res.json().detail), detail);
    }
    const list = await h.request('GET', '/scim/v2/Groups?filter=displayName%20eq%20%22Bad%20members%22');
    assert.equal(list.json().totalResults, 0);
  });

  it('PUT with members replaces the membership; without members keeps it', async () => {
    const created = await h.request('POST', '/scim/v2/Groups', { displayName: 'Ops', members: [{ value: users[0] }] });
    const id = created.json<{ id: string }>().id;
    const put = await h.request('PUT', `/scim/v2/Groups/${id}`, { displayName: 'Ops', members: [{ value: users[2] }] });
    assert.equal(put.statusCode, 200, put.body);
    assert.deepEqual(
      (put.json().members as { value: string }[]).map((m) => m.value),
      [users[2]],
    );
    const rename = await h.request('PUT', `/scim/v2/Groups/${id}`, { displayName: 'Operations' });
    assert.deepEqual(
      (rename.json().members as { value: string }[]).map((m) => m.value),
      [users[2]],
    );
    assert.equal(rename.json().displayName, 'Operations');
  });

  it('nested groups are allowed; a group cannot contain itself', async () => {
    const parent = (await h.request('POST', '/scim/v2/Groups', { displayName: 'Parent' })).json<{ id: string }>();
    const child = await h.request('POST', '/scim/v2/Groups', { displayName: 'Child', members: [{ value: parent.id }] });
    assert.equal(child.statusCode, 201);
    assert.equal(child.json<{ members: { type: string }[] }>().members[0]!.type, 'Group');
    const self = await h.request('PUT', `/scim/v2/Groups/${parent.id}`, {
      displayName: 'Parent',
      members: [{ value: parent.id }],
    });
    assert.equal(self.statusCode, 400);
    assert.match(String(self.json().detail), /cannot be a member of itself/);
  });

  it('DELETE answers 204 then 404, and members of the deleted group lose it from groups', async () => {
    const g = (
      await h.request('POST', '/scim/v2/Groups', { displayName: 'Temp', members: [{ value: users[1] }] })
    ).json<{ id: string }>();
    assert.equal((await h.request('DELETE', `/scim/v2/Groups/${g.id}`)).statusCode, 204);
    assert.equal((await h.request('DELETE', `/scim/v2/Groups/${g.id}`)).statusCode, 404);
    const user = (await h.request('GET', `/scim/v2/Users/${users[1]}`)).json();
    assert.ok(!((user.groups as { value: string }[] | undefined) ?? []).some((x) => x.value === g.id));
  });

  it('User.groups is read-only: ignored on create', async () => {
    const res = await h.request('POST', '/scim/v2/Users', { userName: 'ro@contoso.com', groups: [{ value: 'x' }] });
    assert.equal(res.statusCode, 201);
    assert.equal(res.json().groups, undefined);
  });
});
