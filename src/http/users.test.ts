import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { describeEachBackend } from '../store/test-support/backends.js';
import { ENTRA_USER, type Harness, scimError, startHarness } from './test-support/harness.js';

const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

describeEachBackend('Users through HTTP', (backend) => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ backend });
  });
  after(() => h.close());

  async function create(body: Record<string, unknown>) {
    const res = await h.request('POST', '/scim/v2/Users', body);
    assert.equal(res.statusCode, 201, res.body);
    return res.json<Record<string, unknown> & { id: string; meta: Record<string, string> }>();
  }

  it('POST creates the user: 201, Location, ETag, id, meta, client meta and empty roles ignored', async () => {
    const res = await h.request('POST', '/scim/v2/Users', ENTRA_USER);
    assert.equal(res.statusCode, 201);
    assert.match(String(res.headers['content-type']), /^application\/scim\+json/);
    const body = res.json<{ id: string; meta: Record<string, string> }>();
    assert.match(body.id, /^[0-9a-f-]{36}$/);
    const location = `https://scim.example.com/scim/v2/Users/${body.id}`;
    assert.equal(res.headers.location, location);
    assert.equal(res.headers.etag, 'W/"1"');
    assert.deepEqual(body, {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      id: body.id,
      externalId: 'jdoe',
      userName: 'jdoe@contoso.com',
      active: true,
      emails: [{ primary: true, type: 'work', value: 'jdoe@contoso.com' }],
      meta: {
        resourceType: 'User',
        created: body.meta.created,
        lastModified: body.meta.created,
        location,
        version: 'W/"1"',
      },
    });
    assert.ok(!Number.isNaN(Date.parse(String(body.meta.created))));
  });

  it('userName is unique ignoring case: 409 uniqueness, nothing created', async () => {
    const res = await h.request('POST', '/scim/v2/Users', { ...ENTRA_USER, userName: 'JDOE@Contoso.com' });
    assert.equal(res.statusCode, 409);
    const body = res.json();
    assert.equal(body.scimType, 'uniqueness');
    assert.equal(body.status, '409');
    assert.match(String(body.detail), /userName/);
    const list = await h.request('GET', '/scim/v2/Users?filter=userName%20eq%20%22jdoe@contoso.com%22');
    assert.equal(list.json().totalResults, 1);
  });

  it('finds users by userName ignoring case, by externalId exactly, by id, inactive ones too', async () => {
    const u = await create({
      userName: 'Kim.Lee@Contoso.com',
      externalId: 'KLee',
      active: false,
      displayName: 'Kim Lee',
    });
    const q = async (filter: string) => {
      const res = await h.request('GET', `/scim/v2/Users?filter=${encodeURIComponent(filter)}`);
      assert.equal(res.statusCode, 200, res.body);
      return (res.json().Resources as { id: string }[]).map((r) => r.id);
    };
    assert.deepEqual(await q('userName eq "kim.lee@contoso.com"'), [u.id]);
    assert.deepEqual(await q('USERNAME EQ "KIM.LEE@CONTOSO.COM"'), [u.id]);
    assert.deepEqual(await q('externalId eq "KLee"'), [u.id]);
    assert.deepEqual(await q('externalId eq "klee"'), []);
    assert.deepEqual(await q(`id eq "${u.id}"`), [u.id]);
    assert.deepEqual(await q('displayName eq "kim lee"'), [u.id]);
    assert.deepEqual(await q('userName eq "kim.lee@contoso.com" and active eq false'), [u.id]);
  });

  it('GET by id returns the stored values as sent; unknown id is a SCIM 404', async () => {
    const u = await create({
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User', ENTERPRISE],
      userName: 'ann@contoso.com',
      name: { givenName: 'Ann', familyName: 'Lee' },
      [ENTERPRISE]: { department: 'Sales', manager: { value: 'm-1' } },
    });
    const res = await h.request('GET', `/scim/v2/Users/${u.id}`);
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers.etag, 'W/"1"');
    const body = res.json();
    assert.deepEqual(body.schemas, ['urn:ietf:params:scim:schemas:core:2.0:User', ENTERPRISE]);
    assert.deepEqual(body.name, { givenName: 'Ann', familyName: 'Lee' });
    assert.deepEqual(body[ENTERPRISE], { department: 'Sales', manager: { value: 'm-1' } });

    const missing = await h.request('GET', '/scim/v2/Users/does-not-exist');
    assert.equal(missing.statusCode, 404);
    assert.deepEqual(missing.json(), scimError(404, undefined, 'User "does-not-exist" not found.'));
  });

  it('attributes and excludedAttributes shape the response; id and schemas always come back', async () => {
    const u = await create({
      userName: 'proj@contoso.com',
      displayName: 'P',
      name: { givenName: 'G', familyName: 'F' },
    });
    const only = await h.request('GET', `/scim/v2/Users/${u.id}?attributes=userName,name.givenName`);
    assert.deepEqual(only.json(), {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      id: u.id,
      userName: 'proj@contoso.com',
      name: { givenName: 'G' },
    });
    const without = await h.request('GET', `/scim/v2/Users/${u.id}?excludedAttributes=meta,name`);
    assert.deepEqual(without.json(), {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      id: u.id,
      userName: 'proj@contoso.com',
      displayName: 'P',
    });
    const both = await h.request('GET', `/scim/v2/Users/${u.id}?attributes=userName&excludedAttributes=name`);
    assert.equal(both.statusCode, 400);
    assert.equal(both.json().scimType, 'invalidValue');
  });

  it('PUT replaces every writable attribute, ignores id/meta, bumps the version', async () => {
    const u = await create({ userName: 'put@contoso.com', title: 'Dev', nickName: 'pp' });
    const res = await h.request('PUT', `/scim/v2/Users/${u.id}`, {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      id: 'attempted-override',
      meta: { version: 'W/"99"' },
      userName: 'put@contoso.com',
      title: 'Lead',
    });
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json<Record<string, unknown> & { meta: Record<string, string> }>();
    assert.equal(body.id, u.id);
    assert.equal(body.title, 'Lead');
    assert.equal(body.nickName, undefined);
    assert.equal(body.meta.version, 'W/"2"');
    assert.equal(res.headers.etag, 'W/"2"');
  });

  it('ignores undeclared attributes and sub-attributes by default (issue #13.4; reject mode: unknown-attributes.test.ts)', async () => {
    const u = await create({ userName: 'lenient@contoso.com' });
    for (const body of [
      { userName: 'lenient@contoso.com', shoeSize: 42 },
      { userName: 'lenient@contoso.com', name: { nickname: 'x' } },
    ]) {
      const res = await h.request('PUT', `/scim/v2/Users/${u.id}`, body);
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json().shoeSize, undefined);
      assert.equal(res.json().name, undefined);
    }
  });

  it('rejects bad bodies with a clear 400 and changes nothing', async () => {
    const u = await create({ userName: 'strict@contoso.com', title: 'Keep' });
    const before = (await h.request('GET', `/scim/v2/Users/${u.id}`)).body;
    const cases: [unknown, string, RegExp][] = [
      [{ userName: 'strict@contoso.com', active: 'yes' }, 'invalidValue', /active must be a boolean/],
      [{ title: 'No user name' }, 'invalidValue', /"userName" is required/],
      [
        {
          userName: 'strict@contoso.com',
          emails: [
            { value: 'a', primary: true },
            { value: 'b', primary: true },
          ],
        },
        'invalidValue',
        /at most one/,
      ],
      [[1, 2], 'invalidSyntax', /JSON object/],
    ];
    for (const [body, scimType, detail] of cases) {
      const res = await h.request('PUT', `/scim/v2/Users/${u.id}`, body);
      assert.equal(res.statusCode, 400, JSON.stringify(body));
      assert.equal(res.json().scimType, scimType, JSON.stringify(body));
      assert.match(String(res.json().detail), detail);
    }
    assert.equal((await h.request('GET', `/scim/v2/Users/${u.id}`)).body, before);
  });

  it('DELETE answers 204 then 404, and removes the user from its groups', async () => {
    const u = await create({ userName: 'gone@contoso.com' });
    const g = await h.request('POST', '/scim/v2/Groups', { displayName: 'Leavers', members: [{ value: u.id }] });
    const groupId = g.json<{ id: string }>().id;
    assert.equal((await h.request('DELETE', `/scim/v2/Users/${u.id}`)).statusCode, 204);
    const again = await h.request('DELETE', `/scim/v2/Users/${u.id}`);
    assert.equal(again.statusCode, 404);
    assert.equal(again.json().status, '404');
    const group = (await h.request('GET', `/scim/v2/Groups/${groupId}`)).json();
    assert.equal(group.members, undefined);
  });

  it('ETags: stale If-Match → 412 and nothing changes; If-None-Match → 304', async () => {
    const u = await create({ userName: 'etag@contoso.com' });
    const stale = await h.request(
      'PUT',
      `/scim/v2/Users/${u.id}`,
      { userName: 'etag2@contoso.com' },
      { 'if-match': 'W/"7"' },
    );
    assert.equal(stale.statusCode, 412);
    assert.equal(stale.json().status, '412');
    const fresh = await h.request(
      'PUT',
      `/scim/v2/Users/${u.id}`,
      { userName: 'etag2@contoso.com' },
      { 'if-match': 'W/"1"' },
    );
    assert.equal(fresh.statusCode, 200);
    const cached = await h.request('GET', `/scim/v2/Users/${u.id}`, undefined, { 'if-none-match': 'W/"2"' });
    assert.equal(cached.statusCode, 304);
    assert.equal(cached.body, '');
    const del = await h.request('DELETE', `/scim/v2/Users/${u.id}`, undefined, { 'if-match': 'W/"1"' });
    assert.equal(del.statusCode, 412);
  });

  it('pages with startIndex and count; totalResults counts all matches; count=0 gives only the total', async () => {
    for (let i = 0; i < 7; i++) await create({ userName: `page${i}@paging.example`, title: 'pager' });
    const page = async (start: number, count: number) =>
      (
        await h.request('GET', `/scim/v2/Users?filter=title%20eq%20%22pager%22&startIndex=${start}&count=${count}`)
      ).json();
    const first = await page(1, 3);
    assert.equal(first.totalResults, 7);
    assert.equal(first.itemsPerPage, 3);
    assert.equal(first.startIndex, 1);
    const seen = new Set<string>();
    for (const start of [1, 4, 7]) {
      for (const r of (await page(start, 3)).Resources as { userName: string }[]) seen.add(r.userName);
    }
    assert.equal(seen.size, 7);
    const zero = await page(1, 0);
    assert.deepEqual(zero.Resources, []);
    assert.equal(zero.totalResults, 7);
    const bad = await h.request('GET', '/scim/v2/Users?count=ten');
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().scimType, 'invalidValue');
  });

  it('clamps count to maxResults', async () => {
    const res = await h.request('GET', '/scim/v2/Users?count=100000');
    assert.ok((res.json().itemsPerPage as number) <= 50);
  });

  it('a malformed filter is 400 invalidFilter', async () => {
    const res = await h.request('GET', `/scim/v2/Users?filter=${encodeURIComponent('userName eq')}`);
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().scimType, 'invalidFilter');
  });

  it("never shows another tenant's users", async () => {
    const u = await create({ userName: 'private@acme.example' });
    const other = { authorization: `Bearer ${h.otherToken}` };
    assert.equal((await h.request('GET', `/scim/v2/Users/${u.id}`, undefined, other)).statusCode, 404);
    const list = await h.request(
      'GET',
      '/scim/v2/Users?filter=userName%20eq%20%22private@acme.example%22',
      undefined,
      other,
    );
    assert.equal(list.json().totalResults, 0);
    assert.equal((await h.request('DELETE', `/scim/v2/Users/${u.id}`, undefined, other)).statusCode, 404);
    assert.equal((await h.request('PUT', `/scim/v2/Users/${u.id}`, { userName: 'x' }, other)).statusCode, 404);
    assert.equal((await h.request('GET', `/scim/v2/Users/${u.id}`)).statusCode, 200);
    // The same userName is free in the other tenant.
    const mine = await h.request('POST', '/scim/v2/Users', { userName: 'private@acme.example' }, other);
    assert.equal(mine.statusCode, 201);
  });

  it('uses the /t/<slug>/ form in meta.location when the request did', async () => {
    const res = await h.request('POST', '/t/acme/scim/v2/Users', { userName: 'slugged@contoso.com' });
    const body = res.json<{ id: string; meta: { location: string } }>();
    assert.equal(body.meta.location, `https://scim.example.com/t/acme/scim/v2/Users/${body.id}`);
  });
});
