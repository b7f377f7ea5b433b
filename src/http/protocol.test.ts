import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { describeEachBackend } from '../store/test-support/backends.js';
import { type Harness, scimError, startHarness } from './test-support/harness.js';

describeEachBackend('protocol basics through HTTP', (backend) => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ backend });
  });
  after(() => h.close());

  it('accepts application/json and application/scim+json with parameters; answers application/scim+json', async () => {
    for (const type of ['application/json', 'application/scim+json; charset=utf-8', 'application/json;charset=UTF-8']) {
      const res = await h.request(
        'POST',
        '/scim/v2/Users',
        { userName: `ct-${type.length}@x.example` },
        { 'content-type': type },
      );
      assert.equal(res.statusCode, 201, `${type}: ${res.body}`);
      assert.equal(res.headers['content-type'], 'application/scim+json; charset=utf-8');
    }
  });

  it('other media types are 415', async () => {
    const res = await h.request('POST', '/scim/v2/Users', 'userName=x', {
      'content-type': 'application/x-www-form-urlencoded',
    });
    assert.equal(res.statusCode, 415);
    assert.equal(res.json().status, '415');
  });

  it('malformed JSON is 400 invalidSyntax', async () => {
    const res = await h.request('POST', '/scim/v2/Users', '{"userName": ');
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().scimType, 'invalidSyntax');
    assert.match(String(res.json().detail), /not valid JSON/);
  });

  it('NUL characters are refused with a 400, in bodies and in filters (no database stores them)', async () => {
    const body = await h.request('POST', '/scim/v2/Users', { userName: 'nul\u0000@x.example' });
    assert.equal(body.statusCode, 400);
    assert.equal(body.json().scimType, 'invalidValue');
    assert.match(String(body.json().detail), /userName must not contain the NUL character/);
    const filter = await h.request('GET', `/scim/v2/Users?filter=${encodeURIComponent('userName eq "a\\u0000b"')}`);
    assert.equal(filter.statusCode, 400);
    assert.equal(filter.json().scimType, 'invalidFilter');
    assert.match(String(filter.json().detail), /NUL character .* at column 13/);
  });

  it('unpaired UTF-16 surrogates are refused with a 400 (they cannot be stored as UTF-8)', async () => {
    const body = await h.request('POST', '/scim/v2/Users', '{"userName":"s@x.example","title":"a\\ud800b"}');
    assert.equal(body.statusCode, 400, body.body);
    assert.equal(body.json().scimType, 'invalidValue');
    assert.match(String(body.json().detail), /title contains an unpaired UTF-16 surrogate/);
    const filter = await h.request('GET', `/scim/v2/Users?filter=${encodeURIComponent('title eq "x\\udfffy"')}`);
    assert.equal(filter.statusCode, 400);
    assert.equal(filter.json().scimType, 'invalidFilter');
  });

  it('an empty body is 400 invalidSyntax', async () => {
    const res = await h.request('POST', '/scim/v2/Users', '');
    assert.equal(res.statusCode, 400);
    assert.equal(res.json().scimType, 'invalidSyntax');
  });

  it('an oversize body is 413 and creates nothing', async () => {
    const res = await h.request('POST', '/scim/v2/Users', { userName: 'big@x.example', title: 'x'.repeat(70 * 1024) });
    assert.equal(res.statusCode, 413);
    assert.deepEqual(
      res.json(),
      scimError(413, undefined, 'The request body is larger than the server accepts (SCIMD_MAX_BODY_BYTES).'),
    );
    const list = await h.request('GET', '/scim/v2/Users?filter=userName%20eq%20%22big@x.example%22');
    assert.equal(list.json().totalResults, 0);
  });

  it('unknown routes are a SCIM 404; wrong methods a SCIM 405 with Allow', async () => {
    const unknown = await h.request('GET', '/scim/v2/Widgets');
    assert.equal(unknown.statusCode, 404);
    assert.deepEqual(unknown.json(), scimError(404, undefined, 'No such endpoint: GET /scim/v2/Widgets.'));
    const wrong = await h.request('DELETE', '/scim/v2/Users');
    assert.equal(wrong.statusCode, 405);
    assert.equal(wrong.headers.allow, 'GET, POST');
    assert.equal(wrong.json().status, '405');
    const wrongItem = await h.request('POST', '/scim/v2/Users/abc', {});
    assert.equal(wrongItem.statusCode, 405);
    assert.equal(wrongItem.headers.allow, 'GET, PUT, PATCH, DELETE');
  });

  it('ServiceProviderConfig tells the truth', async () => {
    const res = await h.request('GET', '/scim/v2/ServiceProviderConfig');
    assert.equal(res.statusCode, 200);
    const body = res.json();
    assert.deepEqual(body.schemas, ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig']);
    assert.deepEqual(body.patch, { supported: true });
    assert.deepEqual(body.filter, { supported: true, maxResults: 50 });
    assert.deepEqual(body.etag, { supported: true });
    assert.deepEqual(body.sort, { supported: true });
    assert.deepEqual(body.changePassword, { supported: false });
    // RFC 7644 §3.7.4: the limits /Bulk enforces (maxPayloadSize is the harness's body limit).
    assert.deepEqual(body.bulk, { supported: true, maxOperations: 1000, maxPayloadSize: 64 * 1024 });
    // RFC 9865 §4: both paging methods, index by default, pages up to filter.maxResults.
    assert.deepEqual(body.pagination, {
      cursor: true,
      index: true,
      defaultPaginationMethod: 'index',
      defaultPageSize: 50,
      maxPageSize: 50,
      cursorTimeout: 3600,
    });
    assert.equal((body.authenticationSchemes as { type: string }[])[0]!.type, 'oauthbearertoken');
  });

  it('ResourceTypes and Schemas are generated from the declarations', async () => {
    const types = (await h.request('GET', '/scim/v2/ResourceTypes')).json();
    assert.equal(types.totalResults, 2);
    const user = (await h.request('GET', '/scim/v2/ResourceTypes/User')).json();
    assert.equal(user.endpoint, '/Users');
    assert.deepEqual(user.schemaExtensions, [
      { schema: 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User', required: false },
    ]);
    const schemas = (await h.request('GET', '/scim/v2/Schemas')).json();
    assert.deepEqual(
      (schemas.Resources as { id: string }[]).map((s) => s.id),
      [
        'urn:ietf:params:scim:schemas:core:2.0:User',
        'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User',
        'urn:ietf:params:scim:schemas:core:2.0:Group',
      ],
    );
    const userSchema = (await h.request('GET', '/scim/v2/Schemas/urn:ietf:params:scim:schemas:core:2.0:User')).json();
    const userName = (userSchema.attributes as Record<string, unknown>[]).find((a) => a.name === 'userName');
    assert.deepEqual([userName?.required, userName?.caseExact, userName?.uniqueness], [true, false, 'server']);
    assert.equal((await h.request('GET', '/scim/v2/Schemas/urn:nope')).statusCode, 404);
    assert.equal((await h.request('GET', '/scim/v2/ResourceTypes/Widget')).statusCode, 404);
  });

  it('/.search per resource type takes a SearchRequest body', async () => {
    await h.request('POST', '/scim/v2/Users', { userName: 'searched@x.example', title: 'needle' });
    const res = await h.request('POST', '/scim/v2/Users/.search', {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:SearchRequest'],
      filter: 'title eq "needle"',
      attributes: ['userName'],
      startIndex: 1,
      count: 10,
    });
    assert.equal(res.statusCode, 200, res.body);
    const body = res.json<{ totalResults: number; Resources: Record<string, unknown>[] }>();
    assert.equal(body.totalResults, 1);
    assert.deepEqual(Object.keys(body.Resources[0]!), ['schemas', 'id', 'userName']);
  });

  it('health and readiness', async () => {
    const health = await h.app.inject({ method: 'GET', url: '/healthz' });
    assert.deepEqual([health.statusCode, health.json()], [200, { status: 'ok' }]);
    const ready = await h.app.inject({ method: 'GET', url: '/readyz' });
    assert.deepEqual([ready.statusCode, ready.json()], [200, { status: 'ready' }]);
  });

  it('echoes a safe X-Request-Id and mints one otherwise', async () => {
    const given = await h.request('GET', '/scim/v2/ServiceProviderConfig', undefined, { 'x-request-id': 'abc-123' });
    assert.equal(given.headers['x-request-id'], 'abc-123');
    const minted = await h.request('GET', '/scim/v2/ServiceProviderConfig', undefined, { 'x-request-id': 'bad id!' });
    assert.match(String(minted.headers['x-request-id']), /^[0-9a-f-]{36}$/);
  });
});
