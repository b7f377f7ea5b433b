import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { describeEachBackend } from '../store/test-support/backends.js';
import { ENTRA_USER, type Harness, startHarness } from './test-support/harness.js';

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

function patch(...operations: unknown[]) {
  return { schemas: [PATCH_OP], Operations: operations };
}

describeEachBackend('PATCH through HTTP', (backend) => {
  let h: Harness;
  let userId: string;
  let managerId: string;
  before(async () => {
    h = await startHarness({ backend });
    userId = (await h.request('POST', '/scim/v2/Users', ENTRA_USER)).json<{ id: string }>().id;
    managerId = (await h.request('POST', '/scim/v2/Users', { userName: 'boss@contoso.com' })).json<{ id: string }>().id;
  });
  after(() => h.close());

  it('Entra default dialect: capitalised ops, "False" strings, one op per attribute → 200 with the resource', async () => {
    const res = await h.request(
      'PATCH',
      `/scim/v2/Users/${userId}`,
      patch(
        { op: 'Replace', path: 'active', value: 'False' },
        { op: 'Replace', path: 'displayName', value: 'John Doe' },
        { op: 'Add', path: 'emails[type eq "work"].value', value: 'john@contoso.com' },
        { op: 'Add', path: `${ENTERPRISE}:manager`, value: managerId },
      ),
    );
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.equal(body.active, false);
    assert.equal(body.displayName, 'John Doe');
    assert.deepEqual(body.emails, [{ primary: true, type: 'work', value: 'john@contoso.com' }]);
    assert.deepEqual(body[ENTERPRISE], { manager: { value: managerId } });
    assert.equal(res.headers.etag, 'W/"2"');
  });

  it('aadOptscim062020 dialect: path-less replace with dotted and URN keys; the flag itself is ignored', async () => {
    const res = await h.request(
      'PATCH',
      `/scim/v2/Users/${userId}?aadOptscim062020`,
      patch({
        op: 'replace',
        value: { displayName: 'J. Doe', 'name.givenName': 'John', [`${ENTERPRISE}:employeeNumber`]: '7' },
      }),
    );
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json();
    assert.equal(body.displayName, 'J. Doe');
    assert.deepEqual(body.name, { givenName: 'John' });
    assert.equal((body[ENTERPRISE] as Record<string, unknown>).employeeNumber, '7');
  });

  it('a repeated PATCH changes nothing: same version', async () => {
    const ops = patch({ op: 'replace', path: 'title', value: 'Engineer' });
    const first = await h.request('PATCH', `/scim/v2/Users/${userId}`, ops);
    const second = await h.request('PATCH', `/scim/v2/Users/${userId}`, ops);
    assert.equal(first.statusCode, 200);
    assert.equal(second.headers.etag, first.headers.etag);
  });

  it('is atomic: one failing operation → 400 and the resource is byte-identical', async () => {
    const before = (await h.request('GET', `/scim/v2/Users/${userId}`)).body;
    const res = await h.request(
      'PATCH',
      `/scim/v2/Users/${userId}`,
      patch({ op: 'replace', path: 'title', value: 'Changed' }, { op: 'replace', path: 'id', value: 'x' }),
    );
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().scimType, 'mutability');
    assert.equal((await h.request('GET', `/scim/v2/Users/${userId}`)).body, before);
  });

  it('rejects malformed PATCH bodies with the right scimType', async () => {
    const cases: [unknown, number, string][] = [
      [{ Operations: [] }, 400, 'invalidSyntax'],
      [patch({ op: 'move', path: 'title', value: 'x' }), 400, 'invalidSyntax'],
      [patch({ op: 'remove' }), 400, 'noTarget'],
      [patch({ op: 'replace', path: 'name..givenName', value: 'x' }), 400, 'invalidPath'],
      [patch({ op: 'replace', path: 'emails[type eq]', value: 'x' }), 400, 'invalidFilter'],
      [patch({ op: 'replace', path: 'active', value: 'maybe' }), 400, 'invalidValue'],
      [patch({ op: 'remove', path: 'userName' }), 400, 'mutability'],
    ];
    for (const [body, status, scimType] of cases) {
      const res = await h.request('PATCH', `/scim/v2/Users/${userId}`, body);
      assert.equal(res.statusCode, status, JSON.stringify(body));
      assert.equal(res.json().scimType, scimType, `${JSON.stringify(body)} → ${res.body}`);
    }
  });

  it('a path naming an undeclared attribute is ignored by default (issue #13.4; reject mode: unknown-attributes.test.ts)', async () => {
    const res = await h.request(
      'PATCH',
      `/scim/v2/Users/${userId}`,
      patch({ op: 'replace', path: 'shoeSize', value: 1 }),
    );
    assert.equal(res.statusCode, 200, res.body);
    assert.equal(res.json().shoeSize, undefined);
  });

  it('adding one email twice in one value (other case, one primary) keeps one primary element', async () => {
    const res = await h.request(
      'PATCH',
      `/scim/v2/Users/${managerId}`,
      patch({ op: 'add', path: 'emails', value: [{ value: 'z@x.example', primary: true }, { value: 'Z@x.example' }] }),
    );
    assert.equal(res.statusCode, 200, res.body);
    assert.deepEqual(res.json().emails, [{ value: 'Z@x.example', primary: true }]);
  });

  it('If-Match on PATCH: stale → 412', async () => {
    const res = await h.request(
      'PATCH',
      `/scim/v2/Users/${userId}`,
      patch({ op: 'replace', path: 'title', value: 'Y' }),
      {
        'if-match': 'W/"1"',
      },
    );
    assert.equal(res.statusCode, 412);
  });

  it('unknown id → 404', async () => {
    const res = await h.request('PATCH', '/scim/v2/Users/nope', patch({ op: 'replace', path: 'title', value: 'Y' }));
    assert.equal(res.statusCode, 404);
  });

  it('groups: add members (many per request, re-adds succeed), legacy Remove with a value list removes only those, 204', async () => {
    const ids: string[] = [];
    for (const n of ['g1', 'g2', 'g3']) {
      ids.push((await h.request('POST', '/scim/v2/Users', { userName: `${n}@contoso.com` })).json<{ id: string }>().id);
    }
    const group = (await h.request('POST', '/scim/v2/Groups', { displayName: 'Engineering' })).json<{ id: string }>();
    const url = `/scim/v2/Groups/${group.id}`;
    const add = patch({ op: 'Add', path: 'members', value: ids.map((value) => ({ $ref: null, value })) });
    const added = await h.request('PATCH', url, add);
    assert.equal(added.statusCode, 204, added.body);
    assert.equal(added.body, '');
    assert.equal(added.headers.etag, 'W/"2"');
    assert.equal((await h.request('PATCH', url, add)).headers.etag, 'W/"2"');

    const removed = await h.request('PATCH', url, patch({ op: 'Remove', path: 'members', value: [{ value: ids[0] }] }));
    assert.equal(removed.statusCode, 204);
    const compliant = await h.request('PATCH', url, patch({ op: 'remove', path: `members[value eq "${ids[1]}"]` }));
    assert.equal(compliant.statusCode, 204);
    const members = (await h.request('GET', url)).json().members as { value: string }[];
    assert.deepEqual(
      members.map((m) => m.value),
      [ids[2]],
    );

    const unknown = await h.request('PATCH', url, patch({ op: 'add', path: 'members', value: [{ value: 'ghost' }] }));
    assert.equal(unknown.statusCode, 400);
    assert.equal(unknown.json().scimType, 'invalidValue');

    const withBody = await h.request(
      'PATCH',
      `${url}?excludedAttributes=members`,
      patch({ op: 'replace', path: 'displayName', value: 'Eng' }),
    );
    assert.equal(withBody.statusCode, 200);
    assert.equal(withBody.json().displayName, 'Eng');
    assert.equal(withBody.json().members, undefined);
  });

  it('Okta: path-less replace of active, and group rename echoing its own id', async () => {
    const res = await h.request(
      'PATCH',
      `/scim/v2/Users/${managerId}`,
      patch({ op: 'replace', value: { active: false } }),
    );
    assert.equal(res.statusCode, 200);
    assert.equal(res.json().active, false);
    const group = (await h.request('POST', '/scim/v2/Groups', { displayName: 'Okta Push' })).json<{ id: string }>();
    const rename = await h.request(
      'PATCH',
      `/scim/v2/Groups/${group.id}`,
      patch({ op: 'replace', value: { id: group.id, displayName: 'Okta Pushed' } }),
    );
    assert.equal(rename.statusCode, 204, rename.body);
    const foreignId = await h.request(
      'PATCH',
      `/scim/v2/Groups/${group.id}`,
      patch({ op: 'replace', value: { id: 'someone-else', displayName: 'X' } }),
    );
    assert.equal(foreignId.statusCode, 400);
    assert.equal(foreignId.json().scimType, 'mutability');
  });

  it('a rename onto a taken group name is 409 uniqueness', async () => {
    await h.request('POST', '/scim/v2/Groups', { displayName: 'Taken' });
    const g = (await h.request('POST', '/scim/v2/Groups', { displayName: 'Free' })).json<{ id: string }>();
    const res = await h.request(
      'PATCH',
      `/scim/v2/Groups/${g.id}`,
      patch({ op: 'replace', path: 'displayName', value: 'TAKEN' }),
    );
    assert.equal(res.statusCode, 409);
    assert.equal(res.json().scimType, 'uniqueness');
  });
});
