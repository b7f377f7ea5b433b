import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { describeEachBackend } from '../store/test-support/backends.js';
import { MAX_JSON_DEPTH, scanJsonText } from './body-guard.js';
import { type Harness, scimError, startHarness } from './test-support/harness.js';

const nested = (depth: number, inner = '1') => `${'['.repeat(depth)}${inner}${']'.repeat(depth)}`;

describe('the body scan (depth and NUL in one iterative pass)', () => {
  it('counts only brackets outside strings and sees escaped and raw NULs', () => {
    assert.equal(scanJsonText(nested(MAX_JSON_DEPTH)), undefined);
    assert.equal(scanJsonText(nested(MAX_JSON_DEPTH + 1)), 'depth');
    assert.equal(scanJsonText(`["${'['.repeat(500)}"]`), undefined);
    assert.equal(scanJsonText('{"a":"x\\u0000"}'), 'nul');
    assert.equal(scanJsonText('{"a\\u0000":1}'), 'nul');
    assert.equal(scanJsonText('{"a":"\\\\u0000"}'), undefined, 'an escaped backslash followed by u0000 is text');
    assert.equal(scanJsonText('{"a":"\\"[[["}'), undefined);
    assert.equal(scanJsonText('{"a":"\u0000"}'), 'nul');
    assert.equal(scanJsonText(nested(200_000)), 'depth');
  });
});

describeEachBackend('deep JSON bodies through HTTP (issue #12.4)', (backend) => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ backend, config: { maxBodyBytes: 1024 * 1024 } });
  });
  after(() => h.close());

  const tooDeep = scimError(400, 'invalidSyntax', 'The request body nests objects and arrays deeper than 64 levels.');

  it('refuses a body nested deeper than 64 levels with 400 invalidSyntax, however deep', async () => {
    for (const depth of [MAX_JSON_DEPTH + 1, 20_000, 300_000]) {
      const body = `{"userName":"deep@x.example","x":${nested(depth - 1)}}`;
      const res = await h.request('POST', '/scim/v2/Users', body);
      assert.equal(res.statusCode, 400, `${depth}: ${res.body}`);
      assert.deepEqual(res.json(), tooDeep);
    }
    const patch = await h.request(
      'PATCH',
      '/scim/v2/Users/whatever',
      `{"Operations":[{"op":"add","path":"title","value":${nested(20_000)}}]}`,
    );
    assert.deepEqual(patch.json(), tooDeep);
    const bulk = await h.request('POST', '/scim/v2/Bulk', `{"Operations":${nested(20_000)}}`);
    assert.deepEqual(bulk.json(), tooDeep);
    const list = await h.request('GET', '/scim/v2/Users?filter=userName%20eq%20%22deep@x.example%22');
    assert.equal(list.json().totalResults, 0);
  });

  it('lets a body exactly 64 levels deep through to validation', async () => {
    const body = `{"userName":"deep64@x.example","x":${nested(MAX_JSON_DEPTH - 2, '{}')}}`;
    const res = await h.request('POST', '/scim/v2/Users', body);
    assert.notDeepEqual(res.json(), tooDeep);
    assert.notEqual(res.statusCode, 500);
  });

  it('names where the NUL is, as validation does', async () => {
    const res = await h.request('POST', '/scim/v2/Users', '{"userName":"n@x.example","emails":[{"value":"a\\u0000"}]}');
    assert.deepEqual(
      res.json(),
      scimError(400, 'invalidValue', 'emails[0].value must not contain the NUL character (\\u0000).'),
    );
  });
});
