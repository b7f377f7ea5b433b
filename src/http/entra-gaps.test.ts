/**
 * Issue #13 items 1, 3 and 5 through HTTP: Entra's filtered manager removal, a value filter in
 * `attributes`/`excludedAttributes` (Microsoft's reference collection) and the empty
 * `Operations` array of Microsoft's SCIM Validator.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { describeEachBackend } from '../store/test-support/backends.js';
import { ENTRA_USER, type Harness, scimError, startHarness } from './test-support/harness.js';

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const ENTERPRISE = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User';

function patch(...operations: unknown[]) {
  return { schemas: [PATCH_OP], Operations: operations };
}

describeEachBackend('Entra and Microsoft tool gaps (issue #13)', (backend) => {
  let h: Harness;
  let tenantId: string;
  let managerId: string;
  let seen = 0;
  const freshEvents = async () => {
    const page = await h.store.events.list(tenantId, seen, 1000);
    seen = page.lastSeq;
    return page.events;
  };
  const newUser = async (userName: string, extra: Record<string, unknown> = {}) => {
    const res = await h.request('POST', '/scim/v2/Users', { ...ENTRA_USER, userName, externalId: userName, ...extra });
    assert.equal(res.statusCode, 201, res.body);
    return res.json<{ id: string }>().id;
  };

  before(async () => {
    h = await startHarness({ backend });
    tenantId = (await h.store.tenants.getBySlug('acme'))!.id;
    managerId = await newUser('boss@contoso.com');
  });
  after(() => h.close());

  describe('#13.1 remove manager[value eq "<id>"]', () => {
    for (const [form, path] of [
      ['URN-qualified', (id: string) => `${ENTERPRISE}:manager[value eq "${id}"]`],
      ['short', (id: string) => `manager[value eq "${id}"]`],
    ] as const) {
      it(`${form} path: clears the manager when the filter matches`, async () => {
        const id = await newUser(`m-${form}@contoso.com`, { [ENTERPRISE]: { manager: { value: managerId } } });
        const res = await h.request('PATCH', `/scim/v2/Users/${id}`, patch({ op: 'remove', path: path(managerId) }));
        assert.equal(res.statusCode, 200, res.body);
        assert.equal(res.json()[ENTERPRISE], undefined);
        assert.equal(res.headers.etag, 'W/"2"');
      });

      it(`${form} path: changes nothing when the filter does not match`, async () => {
        const id = await newUser(`n-${form}@contoso.com`, { [ENTERPRISE]: { manager: { value: managerId } } });
        await freshEvents();
        const res = await h.request(
          'PATCH',
          `/scim/v2/Users/${id}`,
          patch({ op: 'remove', path: path('someone-else') }),
        );
        assert.equal(res.statusCode, 200, res.body);
        assert.deepEqual(res.json()[ENTERPRISE], { manager: { value: managerId } });
        assert.equal(res.headers.etag, 'W/"1"');
        assert.deepEqual(await freshEvents(), []);
      });
    }

    it('a filter on a single-valued complex attribute is still refused for add and replace', async () => {
      const id = await newUser('r@contoso.com');
      const res = await h.request(
        'PATCH',
        `/scim/v2/Users/${id}`,
        patch({ op: 'replace', path: `manager[value eq "${managerId}"]`, value: { value: managerId } }),
      );
      assert.equal(res.statusCode, 400);
      assert.equal(res.json().scimType, 'invalidPath');
    });

    it('a filter on a sub-attribute that does not exist is invalidFilter', async () => {
      const id = await newUser('f@contoso.com', { [ENTERPRISE]: { manager: { value: managerId } } });
      const res = await h.request(
        'PATCH',
        `/scim/v2/Users/${id}`,
        patch({ op: 'remove', path: 'manager[nope eq "x"]' }),
      );
      assert.equal(res.statusCode, 400);
      assert.equal(res.json().scimType, 'invalidFilter');
    });
  });

  describe('#13.3 value filters in attributes / excludedAttributes', () => {
    let id: string;
    before(async () => {
      id = await newUser('multi@contoso.com', {
        emails: [
          { type: 'work', value: 'w@contoso.com', primary: true },
          { type: 'home', value: 'h@example.com' },
        ],
      });
    });

    it('attributes=emails[type eq "work"] returns only the matching emails, plus id and schemas', async () => {
      const res = await h.request(
        'GET',
        `/scim/v2/Users/${id}?attributes=${encodeURIComponent('emails[type eq "work"]')}`,
      );
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(res.json(), {
        schemas: ENTRA_USER.schemas.slice(0, 1),
        id,
        emails: [{ type: 'work', value: 'w@contoso.com', primary: true }],
      });
    });

    it('attributes=emails[value eq "…"] on the list endpoint', async () => {
      const query = `filter=${encodeURIComponent(`userName eq "multi@contoso.com"`)}&attributes=${encodeURIComponent('emails[value eq "h@example.com"]')}`;
      const res = await h.request('GET', `/scim/v2/Users?${query}`);
      assert.equal(res.statusCode, 200, res.body);
      const [user] = res.json<{ Resources: Record<string, unknown>[] }>().Resources;
      assert.deepEqual(user!.emails, [{ type: 'home', value: 'h@example.com' }]);
      assert.equal(user!.userName, undefined);
    });

    it('attributes=emails[type eq "work"].value returns only that sub-attribute of the matching emails', async () => {
      const res = await h.request(
        'GET',
        `/scim/v2/Users/${id}?attributes=${encodeURIComponent('emails[type eq "work"].value')}`,
      );
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(res.json().emails, [{ value: 'w@contoso.com' }]);
    });

    it('no matching value leaves the attribute out', async () => {
      const res = await h.request(
        'GET',
        `/scim/v2/Users/${id}?attributes=${encodeURIComponent('emails[type eq "other"]')}`,
      );
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json().emails, undefined);
    });

    it('excludedAttributes=emails[type eq "home"] drops only the matching emails', async () => {
      const res = await h.request(
        'GET',
        `/scim/v2/Users/${id}?excludedAttributes=${encodeURIComponent('emails[type eq "home"]')}`,
      );
      assert.equal(res.statusCode, 200, res.body);
      const body = res.json();
      assert.deepEqual(body.emails, [{ type: 'work', value: 'w@contoso.com', primary: true }]);
      assert.equal(body.userName, 'multi@contoso.com');
    });

    it('a bad filter inside the brackets is 400 invalidFilter', async () => {
      const res = await h.request(
        'GET',
        `/scim/v2/Users/${id}?attributes=${encodeURIComponent('emails[type zz "w"]')}`,
      );
      assert.equal(res.statusCode, 400, res.body);
      assert.equal(res.json().scimType, 'invalidFilter');
    });
  });

  describe('#13.5 PATCH with an empty Operations array', () => {
    it('users: 200 with the resource, same version, no event', async () => {
      const id = await newUser('empty@contoso.com');
      await freshEvents();
      const res = await h.request('PATCH', `/scim/v2/Users/${id}`, patch());
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(res.json().id, id);
      assert.equal(res.json().userName, 'empty@contoso.com');
      assert.equal(res.headers.etag, 'W/"1"');
      assert.deepEqual(await freshEvents(), []);
    });

    it('groups: 204, same version, no event', async () => {
      const group = await h.request('POST', '/scim/v2/Groups', { displayName: 'Empty ops' });
      const gid = group.json<{ id: string }>().id;
      await freshEvents();
      const res = await h.request('PATCH', `/scim/v2/Groups/${gid}`, patch());
      assert.equal(res.statusCode, 204, res.body);
      const after = await h.request('GET', `/scim/v2/Groups/${gid}`);
      assert.equal(after.headers.etag, 'W/"1"');
      assert.deepEqual(await freshEvents(), []);
    });

    it('a missing or non-array Operations is still 400 invalidSyntax', async () => {
      const id = await newUser('noops@contoso.com');
      const res = await h.request('PATCH', `/scim/v2/Users/${id}`, { schemas: [PATCH_OP] });
      assert.deepEqual(res.json(), scimError(400, 'invalidSyntax', '"Operations" must be an array of operations.'));
    });
  });
});
