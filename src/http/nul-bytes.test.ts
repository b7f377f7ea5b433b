import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { describeEachBackend } from '../store/test-support/backends.js';
import { type Harness, scimError, startHarness } from './test-support/harness.js';

describeEachBackend('NUL bytes never reach the database (issue #12.1)', (backend) => {
  let h: Harness;
  let groupId: string;
  before(async () => {
    h = await startHarness({ backend });
    const group = await h.request('POST', '/scim/v2/Groups', { displayName: 'nul-group' });
    groupId = group.json<{ id: string }>().id;
  });
  after(() => h.close());

  it('an id containing NUL is a 404 like any unknown id, on both URL forms and for every method', async () => {
    for (const url of ['/scim/v2/Users/%00', '/t/acme/scim/v2/Users/a%00b', '/scim/v2/Groups/%00']) {
      for (const method of ['GET', 'PUT', 'PATCH', 'DELETE']) {
        const body = method === 'PUT' || method === 'PATCH' ? {} : undefined;
        const res = await h.request(method, url, body);
        assert.equal(res.statusCode, 404, `${method} ${url}: ${res.body}`);
        assert.deepEqual(res.json(), scimError(404, undefined, 'No resource has an id containing the NUL character.'));
      }
    }
  });

  it('a tenant slug containing NUL is the same 401 as any unknown tenant', async () => {
    const res = await h.request('GET', '/t/ac%00me/scim/v2/Users');
    assert.equal(res.statusCode, 401, res.body);
  });

  it('without a token a NUL path is still the plain 401', async () => {
    const res = await h.request('GET', '/t/acme/scim/v2/Users/%00', undefined, { authorization: '' });
    assert.equal(res.statusCode, 401, res.body);
  });

  it('a NUL in a group member value is a 400 invalidValue and changes nothing', async () => {
    const patch = await h.request('PATCH', `/scim/v2/Groups/${groupId}`, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'],
      Operations: [{ op: 'add', path: 'members', value: [{ value: '\u0000' }] }],
    });
    assert.equal(patch.statusCode, 400, patch.body);
    assert.deepEqual(
      patch.json(),
      scimError(400, 'invalidValue', 'Operations[0].value[0].value must not contain the NUL character (\\u0000).'),
    );
    const create = await h.request('POST', '/scim/v2/Groups', { displayName: 'g2', members: [{ value: 'a\u0000' }] });
    assert.equal(create.statusCode, 400, create.body);
    assert.equal(create.json().scimType, 'invalidValue');
    const group = await h.request('GET', `/scim/v2/Groups/${groupId}`);
    assert.equal(group.json().meta && (group.json().meta as { version: string }).version, 'W/"1"');
  });

  it('a NUL in a query parameter is a 400 naming the parameter', async () => {
    const attrs = await h.request('GET', '/scim/v2/Users?attributes=userName%00');
    assert.deepEqual(
      attrs.json(),
      scimError(400, 'invalidValue', 'The query parameter "attributes" must not contain the NUL character.'),
    );
    const sort = await h.request('GET', '/scim/v2/Users?sortBy=%00');
    assert.equal(sort.statusCode, 400);
    assert.equal(sort.json().scimType, 'invalidValue');
    const filter = await h.request('GET', '/scim/v2/Users?filter=userName%20eq%20%22%00%22');
    assert.equal(filter.statusCode, 400);
    assert.equal(filter.json().scimType, 'invalidFilter');
    const cursor = await h.request('GET', '/scim/v2/Users?cursor=%00');
    assert.equal(cursor.statusCode, 400);
    assert.equal(cursor.json().scimType, 'invalidCursor');
    const unknown = await h.request('GET', '/scim/v2/Users?x%00=1');
    assert.equal(unknown.statusCode, 400);
  });

  it('a NUL in a request header is a 400', async () => {
    const res = await h.request('GET', '/scim/v2/Users', undefined, { 'if-none-match': 'W/"1\u0000"' });
    assert.deepEqual(
      res.json(),
      scimError(400, undefined, 'The request header "if-none-match" must not contain the NUL character.'),
    );
  });
});
