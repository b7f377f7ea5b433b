/** /Bulk (RFC 7644 §3.7) through HTTP. */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { describeEachBackend } from '../store/test-support/backends.js';
import { type Harness, scimError, startHarness } from './test-support/harness.js';

type Json = Record<string, unknown>;
type Result = { location?: string; method: string; bulkId?: string; version?: string; status: string; response?: Json };

const BULK = 'urn:ietf:params:scim:api:messages:2.0:BulkRequest';
const BASE = 'https://scim.example.com/scim/v2';
const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

describeEachBackend('/Bulk', (backend) => {
  let h: Harness;
  const bulk = async (Operations: unknown[], extra: Json = {}) => {
    const res = await h.request('POST', '/scim/v2/Bulk', { schemas: [BULK], Operations, ...extra });
    return { status: res.statusCode, body: res.json(), results: (res.json().Operations ?? []) as Result[] };
  };
  const idOf = (location: string | undefined) => String(location).split('/').at(-1)!;
  const get = async (path: string) => (await h.request('GET', `/scim/v2${path}`)).json();

  before(async () => {
    h = await startHarness({ backend });
  });
  after(() => h.close());

  it('creates, references by bulkId (forward too), patches and deletes', async () => {
    const { status, body, results } = await bulk([
      {
        method: 'POST',
        path: '/Groups',
        bulkId: 'team',
        data: { displayName: 'Team', members: [{ value: 'bulkId:ann', type: 'User' }] },
      },
      { method: 'POST', path: '/Users', bulkId: 'ann', data: { userName: 'ann@x.example' } },
      { method: 'POST', path: '/Users', bulkId: 'bob', data: { userName: 'bob@x.example' } },
      {
        method: 'PATCH',
        path: '/Groups/bulkId:team',
        data: { schemas: [PATCH_OP], Operations: [{ op: 'add', path: 'members', value: [{ value: 'bulkId:bob' }] }] },
      },
      { method: 'PUT', path: '/Users/bulkId:bob', data: { userName: 'bob@x.example', title: 'Boss' } },
    ]);
    assert.equal(status, 200);
    assert.deepEqual(body.schemas, ['urn:ietf:params:scim:api:messages:2.0:BulkResponse']);
    const [team, ann, bob, patch, put] = results;
    assert.deepEqual(team, {
      location: `${BASE}/Groups/${idOf(team?.location)}`,
      method: 'POST',
      bulkId: 'team',
      version: 'W/"1"',
      status: '201',
    });
    assert.deepEqual(ann, {
      location: `${BASE}/Users/${idOf(ann?.location)}`,
      method: 'POST',
      bulkId: 'ann',
      version: 'W/"1"',
      status: '201',
    });
    assert.deepEqual(patch, { location: team!.location, method: 'PATCH', version: 'W/"2"', status: '200' });
    assert.deepEqual(put, { location: bob!.location, method: 'PUT', version: 'W/"2"', status: '200' });
    const group = await get(`/Groups/${idOf(team!.location)}`);
    assert.deepEqual(
      (group.members as Json[]).map((m) => m.value),
      [idOf(ann!.location), idOf(bob!.location)],
    );
    assert.equal((await get(`/Users/${idOf(bob!.location)}`)).title, 'Boss');

    const removed = await bulk([
      { method: 'DELETE', path: `/Users/${idOf(ann!.location)}` },
      { method: 'DELETE', path: `/Users/${idOf(ann!.location)}` },
    ]);
    assert.deepEqual(removed.results, [
      { location: ann!.location, method: 'DELETE', status: '204' },
      {
        location: ann!.location,
        method: 'DELETE',
        status: '404',
        response: scimError(404, undefined, `User "${idOf(ann!.location)}" not found.`),
      },
    ]);
  });

  it('runs operations independently: one failure changes nothing of its own and the rest still run', async () => {
    const { results } = await bulk([
      { method: 'POST', path: '/Users', bulkId: 'a', data: { userName: 'dup@x.example' } },
      { method: 'POST', path: '/Users', bulkId: 'b', data: { userName: 'DUP@x.example' } },
      {
        method: 'PATCH',
        path: '/Users/bulkId:a',
        version: 'W/"9"',
        data: { schemas: [PATCH_OP], Operations: [{ op: 'replace', path: 'title', value: 'x' }] },
      },
      { method: 'GET', path: '/Users' },
      { method: 'POST', path: '/Users', bulkId: 'c', data: { userName: 'c@x.example', active: 'maybe' } },
    ]);
    assert.deepEqual(
      results.map((r) => [r.method, r.bulkId, r.status, (r.response as Json | undefined)?.scimType]),
      [
        ['POST', 'a', '201', undefined],
        ['POST', 'b', '409', 'uniqueness'],
        ['PATCH', undefined, '412', undefined],
        ['GET', undefined, '400', 'invalidSyntax'],
        ['POST', 'c', '400', 'invalidValue'],
      ],
    );
    assert.equal(results[1]!.location, undefined, 'a failed POST has no location');
    assert.equal(
      (results[3]!.response as Json).detail,
      'Operations[3]: "method" must be one of POST, PUT, PATCH, DELETE; got "GET".',
    );
    assert.equal((await get('/Users?filter=userName%20eq%20%22c@x.example%22')).totalResults, 0);
  });

  it('stops after failOnErrors errors and lists only what ran', async () => {
    const { results } = await bulk(
      [
        { method: 'DELETE', path: '/Users/missing-1' },
        { method: 'POST', path: '/Users', bulkId: 'ok', data: { userName: 'ok@x.example' } },
        { method: 'DELETE', path: '/Users/missing-2' },
        { method: 'POST', path: '/Users', bulkId: 'never', data: { userName: 'never@x.example' } },
      ],
      { failOnErrors: 2 },
    );
    assert.deepEqual(
      results.map((r) => [r.bulkId ?? r.location, r.status]),
      [
        [`${BASE}/Users/missing-1`, '404'],
        ['ok', '201'],
        [`${BASE}/Users/missing-2`, '404'],
      ],
    );
    assert.equal((await get('/Users?filter=userName%20eq%20%22never@x.example%22')).totalResults, 0);
  });

  it('answers cycles, failed and undeclared references per operation', async () => {
    const group = (bulkId: string, member: string) => ({
      method: 'POST',
      path: '/Groups',
      bulkId,
      data: { displayName: `G-${bulkId}`, members: [{ value: `bulkId:${member}` }] },
    });
    const { results } = await bulk([
      group('x', 'y'),
      group('y', 'x'),
      { method: 'POST', path: '/Users', bulkId: 'bad', data: { userName: '' } },
      group('z', 'bad'),
      { method: 'DELETE', path: '/Users/bulkId:ghost' },
    ]);
    assert.deepEqual(
      results.map((r) => [r.bulkId, r.status, (r.response as Json).detail]),
      [
        ['x', '409', 'Operations[0]: its bulkId references form a cycle, so it cannot be ordered.'],
        ['y', '409', 'Operations[1]: its bulkId references form a cycle, so it cannot be ordered.'],
        ['bad', '400', (results[2]!.response as Json).detail],
        ['z', '409', 'bulkId "bad" has no resource: the POST that declares it failed.'],
        [undefined, '400', 'bulkId "ghost" is not declared by any POST in this request.'],
      ],
    );
    assert.equal((await get('/Groups?filter=displayName%20sw%20%22G-%22')).totalResults, 0);
  });

  it('refuses unreadable requests and enforces maxOperations and maxPayloadSize with 413', async () => {
    const noOps = await h.request('POST', '/scim/v2/Bulk', { schemas: [BULK] });
    assert.deepEqual(
      noOps.json(),
      scimError(400, 'invalidSyntax', 'A BulkRequest needs "Operations": an array of operations.'),
    );
    const tooMany = Array.from({ length: 1001 }, (_, i) => ({ method: 'DELETE', path: `/Users/u${i}` }));
    const many = await bulk(tooMany);
    assert.deepEqual(
      [many.status, many.body],
      [413, scimError(413, undefined, 'The bulk request has 1001 operations, more than maxOperations (1000).')],
    );
    const big = await bulk([
      { method: 'POST', path: '/Users', bulkId: 'big', data: { userName: 'big@x.example', title: 'x'.repeat(70_000) } },
    ]);
    assert.deepEqual(
      [big.status, big.body],
      [
        413,
        scimError(
          413,
          undefined,
          'The bulk request is larger than maxPayloadSize (65536 bytes); split it into smaller requests.',
        ),
      ],
    );
    const wrong = await h.request('GET', '/scim/v2/Bulk');
    assert.deepEqual([wrong.statusCode, wrong.headers.allow], [405, 'POST']);
  });

  it('keeps tenants apart: a bulk cannot reach another tenant', async () => {
    const mine = await bulk([{ method: 'POST', path: '/Users', bulkId: 'm', data: { userName: 'mine@x.example' } }]);
    const id = idOf(mine.results[0]!.location);
    const res = await h.request(
      'POST',
      '/scim/v2/Bulk',
      { schemas: [BULK], Operations: [{ method: 'DELETE', path: `/Users/${id}` }] },
      { authorization: `Bearer ${h.otherToken}` },
    );
    assert.equal((res.json().Operations as Result[])[0]!.status, '404');
    assert.equal((await get(`/Users/${id}`)).userName, 'mine@x.example');
  });
});
