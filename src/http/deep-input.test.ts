/**
 * Issue #12.2 through HTTP: a body with an array nested 20,000 deep used to overflow the stack in
 * the Entra normaliser (500). Whatever layer refuses it (the parser's depth limit or the
 * validator), the answer is a SCIM 400 and nothing is stored.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { describeEachBackend } from '../store/test-support/backends.js';
import { type Harness, startHarness } from './test-support/harness.js';

const DEEP = `${'['.repeat(20_000)}"x"${']'.repeat(20_000)}`;
const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';

describeEachBackend('20,000-deep JSON through HTTP (issue #12.2)', (backend) => {
  let h: Harness;
  let userId: string;
  before(async () => {
    h = await startHarness({ backend });
    userId = (await h.request('POST', '/scim/v2/Users', { userName: 'deep@contoso.com' })).json<{ id: string }>().id;
  });
  after(() => h.close());

  for (const [what, method, url, body] of [
    ['POST /Users', 'POST', '/scim/v2/Users', `{"userName":"u","active":${DEEP}}`],
    ['PUT /Users', 'PUT', '', `{"userName":"deep@contoso.com","roles":${DEEP}}`],
    [
      'PATCH /Users (Entra op names)',
      'PATCH',
      '',
      `{"schemas":["urn:ietf:params:scim:api:messages:2.0:PatchOp"],"Operations":[{"op":"Replace","path":"active","value":${DEEP}}]}`,
    ],
  ] as const) {
    it(`${what}: 400 with a SCIM error`, async () => {
      const res = await h.request(method, url || `/scim/v2/Users/${userId}`, body);
      assert.equal(res.statusCode, 400, res.body);
      assert.deepEqual(res.json().schemas, [ERROR]);
    });
  }

  it('Bulk: a deep "data" fails that operation with 400', async () => {
    const res = await h.request(
      'POST',
      '/scim/v2/Bulk',
      `{"schemas":["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],"Operations":[{"method":"POST","path":"/Users","bulkId":"a","data":{"userName":"b","title":${DEEP}}}]}`,
    );
    assert.ok(res.statusCode === 200 || res.statusCode === 400, res.body);
    const text = res.body;
    assert.ok(text.includes('"status":"400"'), text);
    const list = await h.request('GET', '/scim/v2/Users?filter=userName%20eq%20%22b%22');
    assert.equal(list.json().totalResults, 0);
  });
});
