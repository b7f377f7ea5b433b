/**
 * Okta's SCIM 2.0 provisioning replayed through the real HTTP stack with exact expected
 * responses (shared/reference/entra.md §11, Okta's SCIM 2.0 reference): lookup with
 * startIndex/count, POST with a password (never echoed) and `groups: []`, import paging, full
 * PUT, deactivation by PATCH, Group Push (create with members, rename with the echoed id,
 * membership PATCHes, PUT with members, unlink) — Okta never deletes users.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { type Harness, startHarness } from '../../src/http/test-support/harness.js';
import { describeEachBackend } from '../../src/store/test-support/backends.js';
import { CORE_GROUP, CORE_USER, emptyList, error, LIST, patchOp, Replayer } from './replay-support.js';

const ORIGIN = 'https://scim.example.com/t/acme/scim/v2';
const q = (filter: string) => encodeURIComponent(filter);

function meta(type: 'User' | 'Group', name: string, version: number) {
  return {
    resourceType: type,
    created: '<ts>',
    lastModified: '<ts>',
    location: `${ORIGIN}/${type}s/<${name}>`,
    version: `W/"${version}"`,
  };
}

/** What Okta POSTs to create a user. */
function oktaUser(login: string, given: string, family: string, externalId: string) {
  return {
    schemas: [CORE_USER],
    userName: login,
    name: { givenName: given, familyName: family },
    emails: [{ primary: true, value: login, type: 'work' }],
    displayName: `${given} ${family}`,
    locale: 'en-US',
    externalId,
    groups: [],
    password: '1mz050nq',
    active: true,
  };
}

function userBody(name: string, login: string, given: string, family: string, externalId: string, version: number) {
  return {
    schemas: [CORE_USER],
    id: `<${name}>`,
    externalId,
    userName: login,
    name: { givenName: given, familyName: family },
    emails: [{ primary: true, value: login, type: 'work' }],
    displayName: `${given} ${family}`,
    locale: 'en-US',
    active: true,
    meta: meta('User', name, version),
  };
}

const member = (name: string, display: string) => ({
  value: `<${name}>`,
  $ref: `${ORIGIN}/Users/<${name}>`,
  type: 'User',
  display,
});

describeEachBackend('Okta provisioning replayed through HTTP', (backend) => {
  let h: Harness;
  let r: Replayer;
  before(async () => {
    h = await startHarness({ backend });
    r = new Replayer(h, '/t/acme/scim/v2');
  });
  after(() => h.close());

  it('creates users after a lookup; the password is never echoed or stored', async () => {
    const people = [
      ['isaac', 'isaac.brock@okta.local', 'Isaac', 'Brock', '00ujl29u0le5T6Aj10h7'],
      ['ana', 'ana.ng@okta.local', 'Ana', 'Ng', '00ujl29u0le5T6Aj10h8'],
      ['raj', 'raj.patel@okta.local', 'Raj', 'Patel', '00ujl29u0le5T6Aj10h9'],
    ] as const;
    for (const [name, login, given, family, externalId] of people) {
      await r.expect(
        'GET',
        `/Users?filter=${q(`userName eq "${login}"`)}&startIndex=1&count=100`,
        undefined,
        200,
        emptyList(),
      );
      const res = await h.request('POST', r.url('/Users'), oktaUser(login, given, family, externalId));
      assert.equal(res.statusCode, 201, res.body);
      assert.ok(!res.body.includes('password') && !res.body.includes('1mz050nq'));
      r.name(name, res.json<{ id: string }>().id);
      assert.deepEqual(r.normalize(res.body), userBody(name, login, given, family, externalId, 1));
    }
    await r.expect(
      'GET',
      `/Users/${r.id('isaac')}`,
      undefined,
      200,
      userBody('isaac', 'isaac.brock@okta.local', 'Isaac', 'Brock', '00ujl29u0le5T6Aj10h7', 1),
    );
    await r.expect(
      'POST',
      '/Users',
      oktaUser('ISAAC.BROCK@okta.local', 'Isaac', 'Brock', 'x'),
      409,
      error(409, 'uniqueness', 'userName "ISAAC.BROCK@okta.local" is already taken'),
    );
  });

  it('imports page by startIndex and count with integer counts and a stable order', async () => {
    const page = async (startIndex: number) => {
      const res = await r.send('GET', `/Users?startIndex=${startIndex}&count=2`);
      assert.equal(res.status, 200);
      const body = res.body as {
        schemas: string[];
        totalResults: number;
        startIndex: number;
        itemsPerPage: number;
        Resources: { id: string }[];
      };
      return [body.schemas, body.totalResults, body.startIndex, body.itemsPerPage, body.Resources.map((u) => u.id)];
    };
    const first = await page(1);
    const second = await page(3);
    assert.deepEqual(
      [first.slice(0, 4), second.slice(0, 4)],
      [
        [[LIST], 3, 1, 2],
        [[LIST], 3, 3, 1],
      ],
    );
    const ids = [...(first[4] as string[]), ...(second[4] as string[])].sort();
    assert.deepEqual(ids, ['<ana>', '<isaac>', '<raj>']);
    assert.deepEqual(await page(1), first, 'the same page twice is the same');
  });

  it('updates a profile with GET + full PUT and deactivates with PATCH', async () => {
    const current = (await h.request('GET', r.url(`/Users/${r.id('isaac')}`))).json<Record<string, unknown>>();
    const put = {
      ...current,
      name: { givenName: 'Isaac', familyName: 'Brock-Smith' },
      displayName: 'Isaac Brock-Smith',
      groups: [],
      password: 'newpass1',
    };
    const replaced = {
      ...userBody('isaac', 'isaac.brock@okta.local', 'Isaac', 'Brock-Smith', '00ujl29u0le5T6Aj10h7', 2),
      displayName: 'Isaac Brock-Smith',
    };
    await r.expect('PUT', `/Users/${r.id('isaac')}`, put, 200, replaced);
    await r.expect('PATCH', `/Users/${r.id('isaac')}`, patchOp({ op: 'replace', value: { active: false } }), 200, {
      ...replaced,
      active: false,
      meta: meta('User', 'isaac', 3),
    });
    // The deactivated user is still found by Okta's lookup.
    const found = await r.send(
      'GET',
      `/Users?filter=${q('userName eq "isaac.brock@okta.local"')}&startIndex=1&count=100`,
    );
    assert.equal((found.body as { totalResults: number }).totalResults, 1);
    // A password sync changes nothing and echoes nothing.
    const sync = await r.send(
      'PATCH',
      `/Users/${r.id('isaac')}`,
      patchOp({ op: 'replace', value: { password: 'x9' } }),
    );
    assert.equal(sync.status, 200);
    assert.deepEqual(sync.body, { ...replaced, active: false, meta: meta('User', 'isaac', 3) });
  });

  it('pushes a group: create with members, rename, membership changes, PUT, unlink', async () => {
    const created = await h.request('POST', r.url('/Groups'), {
      schemas: [CORE_GROUP],
      displayName: 'Test SCIMv2',
      members: [{ value: r.id('isaac'), display: 'isaac.brock@okta.local' }],
    });
    assert.equal(created.statusCode, 201, created.body);
    r.name('group', created.json<{ id: string }>().id);
    assert.deepEqual(r.normalize(created.body), {
      schemas: [CORE_GROUP],
      id: '<group>',
      displayName: 'Test SCIMv2',
      members: [member('isaac', 'Isaac Brock-Smith')],
      meta: meta('Group', 'group', 1),
    });

    const rename = { op: 'replace', value: { id: r.id('group'), displayName: 'Test SCIMv2 Renamed' } };
    await r.expect('PATCH', `/Groups/${r.id('group')}`, patchOp(rename), 204, undefined);
    // Membership change, with the rename resent as Okta does.
    const change = patchOp(
      rename,
      { op: 'remove', path: `members[value eq "${r.id('isaac')}"]` },
      { op: 'add', path: 'members', value: [{ value: r.id('ana'), display: 'ana.ng@okta.local' }] },
    );
    await r.expect('PATCH', `/Groups/${r.id('group')}`, change, 204, undefined);
    await r.expect('PATCH', `/Groups/${r.id('group')}`, change, 204, undefined);
    await r.expect('GET', `/Groups/${r.id('group')}`, undefined, 200, {
      schemas: [CORE_GROUP],
      id: '<group>',
      displayName: 'Test SCIMv2 Renamed',
      members: [member('ana', 'Ana Ng')],
      meta: meta('Group', 'group', 3),
    });

    await r.expect(
      'PUT',
      `/Groups/${r.id('group')}`,
      {
        schemas: [CORE_GROUP],
        id: r.id('group'),
        displayName: 'Test SCIMv2 Renamed',
        members: [{ value: r.id('raj'), display: 'raj.patel@okta.local' }, { value: r.id('ana') }],
      },
      200,
      {
        schemas: [CORE_GROUP],
        id: '<group>',
        displayName: 'Test SCIMv2 Renamed',
        members: [member('raj', 'Raj Patel'), member('ana', 'Ana Ng')],
        meta: meta('Group', 'group', 4),
      },
    );
    const ana = (await r.send('GET', `/Users/${r.id('ana')}`)).body as { groups: unknown };
    assert.deepEqual(ana.groups, [
      { value: '<group>', $ref: `${ORIGIN}/Groups/<group>`, display: 'Test SCIMv2 Renamed', type: 'direct' },
    ]);

    await r.expect('DELETE', `/Groups/${r.id('group')}`, undefined, 204, undefined);
    await r.expect(
      'GET',
      `/Groups/${r.id('group')}`,
      undefined,
      404,
      error(404, undefined, 'Group "<group>" not found.'),
    );
    const after = (await r.send('GET', `/Users/${r.id('ana')}`)).body as Record<string, unknown>;
    assert.equal(after.groups, undefined, 'unlinking the group removed the membership, not the user');
  });

  it('answers 404 for an unknown user id', async () => {
    await r.expect(
      'GET',
      '/Users/00000000-0000-0000-0000-000000000000',
      undefined,
      404,
      error(404, undefined, 'User "00000000-0000-0000-0000-000000000000" not found.'),
    );
  });
});
