import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { describeEachBackend } from '../store/test-support/backends.js';
import { type Harness, startHarness } from './test-support/harness.js';

describeEachBackend('a trailing slash after a collection is the collection (issue #13.2)', (backend) => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ backend });
    await h.request('POST', '/scim/v2/Users', { userName: 'slash@x.example' });
  });
  after(() => h.close());

  for (const base of ['/scim/v2', '/t/acme/scim/v2']) {
    it(`GET lists with the query and POST creates, on ${base}`, async () => {
      const filter = encodeURIComponent('userName eq "slash@x.example"');
      const list = await h.request('GET', `${base}/Users/?filter=${filter}`);
      assert.equal(list.statusCode, 200, list.body);
      assert.equal(list.json().totalResults, 1);
      const created = await h.request('POST', `${base}/Groups/`, { displayName: `g${base.length}` });
      assert.equal(created.statusCode, 201, created.body);
      const groups = await h.request('GET', `${base}/Groups/`);
      assert.equal(groups.statusCode, 200);
      assert.equal(groups.json().totalResults, 1 + (base === '/t/acme/scim/v2' ? 1 : 0));
      const search = await h.request('POST', `${base}/Users/.search/`, { filter: 'userName eq "slash@x.example"' });
      assert.equal(search.statusCode, 200, search.body);
      assert.equal(search.json().totalResults, 1);
      const rootSearch = await h.request('POST', `${base}/.search/`, {});
      assert.equal(rootSearch.statusCode, 200, rootSearch.body);
      for (const path of ['/Schemas/', '/ResourceTypes/', '/ServiceProviderConfig/']) {
        const res = await h.request('GET', `${base}${path}`);
        assert.equal(res.statusCode, 200, `${path}: ${res.body}`);
      }
      const bulk = await h.request('POST', `${base}/Bulk/`, {
        schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
        Operations: [],
      });
      assert.equal(bulk.statusCode, 200, bulk.body);
    });

    it(`answers 405 with Allow where the collection does, on ${base}`, async () => {
      for (const [method, path, allow] of [
        ['PUT', '/Users/', 'GET, POST'],
        ['DELETE', '/Groups/', 'GET, POST'],
        ['GET', '/Users/.search/', 'POST'],
        ['GET', '/Bulk/', 'POST'],
        ['POST', '/Schemas/', 'GET'],
      ] as const) {
        const res = await h.request(method, `${base}${path}`, method === 'GET' || method === 'DELETE' ? undefined : {});
        assert.equal(res.statusCode, 405, `${method} ${path}: ${res.body}`);
        assert.equal(res.headers.allow, allow);
      }
    });
  }
});
