/**
 * Endpoint paths as Microsoft's SCIM reference collection spells them (issue #13.7): in any
 * letter case (its `Get empty Users` asks for `/users`), and `/ServiceConfiguration`, the
 * reference server's own name for `/ServiceProviderConfig`. docs/compat.md has both rows.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { describeEachBackend } from '../store/test-support/backends.js';
import { type Harness, startHarness } from './test-support/harness.js';

describeEachBackend('endpoint paths in any letter case, and /ServiceConfiguration', (backend) => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ backend });
    await h.request('POST', '/scim/v2/Users', { userName: 'case@x.example' });
  });
  after(() => h.close());

  for (const base of ['/scim/v2', '/t/acme/scim/v2']) {
    it(`lists and creates through lower- and upper-case endpoint names, on ${base}`, async () => {
      for (const users of ['users', 'USERS', 'uSeRs']) {
        const list = await h.request(
          'GET',
          `${base}/${users}?filter=${encodeURIComponent('userName eq "case@x.example"')}`,
        );
        assert.equal(list.statusCode, 200, list.body);
        assert.equal(list.json().totalResults, 1);
      }
      const created = await h.request('POST', `${base}/groups`, { displayName: `case${base.length}` });
      assert.equal(created.statusCode, 201, created.body);
      const id = String(created.json().id);
      const read = await h.request('GET', `${base}/GROUPS/${id}`);
      assert.equal(read.statusCode, 200, read.body);
      assert.equal(read.json().id, id);
      const schemas = await h.request('GET', `${base}/schemas`);
      assert.equal(schemas.statusCode, 200, schemas.body);
    });

    it(`serves the ServiceProviderConfig at /ServiceConfiguration too, on ${base}`, async () => {
      const standard = await h.request('GET', `${base}/ServiceProviderConfig`);
      for (const path of ['/ServiceConfiguration', '/serviceConfiguration']) {
        const alias = await h.request('GET', `${base}${path}`);
        assert.equal(alias.statusCode, 200, alias.body);
        assert.deepEqual(alias.json(), standard.json());
      }
      const post = await h.request('POST', `${base}/ServiceConfiguration`, {});
      assert.equal(post.statusCode, 405);
      assert.equal(post.headers.allow, 'GET');
    });
  }

  it('still needs the token: a lower-case path is no way around authentication', async () => {
    const res = await h.request('GET', '/t/acme/scim/v2/users', undefined, { authorization: `Bearer ${h.otherToken}` });
    assert.equal(res.statusCode, 401);
  });
});
