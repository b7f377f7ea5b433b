import assert from 'node:assert/strict';
import { createHash, createHmac } from 'node:crypto';
import { after, before, it } from 'node:test';
import { describeEachBackend } from '../store/test-support/backends.js';
import { type Harness, scimError, startHarness } from './test-support/harness.js';

const b64url = (text: string) => Buffer.from(text).toString('base64url');

describeEachBackend('query and SearchRequest parameters (issue #12.2)', (backend) => {
  let h: Harness;
  before(async () => {
    h = await startHarness({ backend });
    for (const name of ['ann', 'bob', 'cid']) {
      await h.request('POST', '/scim/v2/Users', { userName: `${name}@x.example` });
    }
  });
  after(() => h.close());

  it('a repeated parameter is a 400 naming it, with the scimType that fits', async () => {
    const expected: Record<string, string> = {
      filter: 'invalidFilter',
      sortBy: 'invalidValue',
      sortOrder: 'invalidValue',
      attributes: 'invalidValue',
      excludedAttributes: 'invalidValue',
      startIndex: 'invalidValue',
      count: 'invalidValue',
      cursor: 'invalidCursor',
    };
    for (const [name, scimType] of Object.entries(expected)) {
      for (const base of ['/scim/v2/Users', '/t/acme/scim/v2/Groups', '/scim/v2/']) {
        const res = await h.request('GET', `${base}?${name}=a&${name}=b`);
        assert.deepEqual(
          res.json(),
          scimError(400, scimType, `The query parameter "${name}" is given 2 times; give it once.`),
          `${base} ${name}`,
        );
      }
    }
    const single = await h.request('GET', '/scim/v2/Users/whatever?attributes=a&attributes=b');
    assert.equal(single.json().scimType, 'invalidValue');
  });

  it('a startIndex beyond 2147483647 is a 400 invalidValue (issue #12.2); 2147483647 itself is an empty page', async () => {
    for (const startIndex of ['100000000000000000000', '9223372036854775808', '2147483648', '1e20']) {
      for (const url of [`/scim/v2/Users?startIndex=${startIndex}`, `/scim/v2/?startIndex=${startIndex}`]) {
        const res = await h.request('GET', url);
        assert.equal(res.statusCode, 400, res.body);
        assert.equal(res.json().scimType, 'invalidValue');
        assert.match(String(res.json().detail), /"startIndex" must be an integer from 1 to 2147483647/);
      }
    }
    for (const url of ['/scim/v2/Users/.search', '/scim/v2/.search']) {
      const res = await h.request('POST', url, { startIndex: 1e20 });
      assert.equal(res.statusCode, 400, res.body);
      assert.equal(res.json().scimType, 'invalidValue');
    }
    const last = await h.request('GET', '/scim/v2/Users?startIndex=2147483647');
    assert.equal(last.statusCode, 200, last.body);
    assert.equal(last.json().itemsPerPage, 0);
    assert.equal(last.json().totalResults, 3);
    assert.deepEqual(last.json().Resources, []);
  });

  it('a huge count is lowered to maxResults', async () => {
    const count = await h.request('GET', '/scim/v2/Users?count=100000000000000000000');
    assert.equal(count.statusCode, 200, count.body);
    assert.equal(count.json().itemsPerPage, 3);
    const search = await h.request('POST', '/scim/v2/Users/.search', { count: 1e20 });
    assert.equal(search.statusCode, 200, search.body);
    assert.equal(search.json().itemsPerPage, 3);
    const cursorCount = await h.request('GET', '/scim/v2/Users?cursor=&count=1e300');
    assert.equal(cursorCount.statusCode, 200, cursorCount.body);
  });

  it('a startIndex or count that is not an integer is a 400 invalidValue', async () => {
    for (const [name, value] of [
      ['startIndex', 'Infinity'],
      ['startIndex', '1.5'],
      ['count', 'NaN'],
      ['count', 'ten'],
    ] as const) {
      const res = await h.request('GET', `/scim/v2/Users?${name}=${value}`);
      assert.equal(res.statusCode, 400, `${name}=${value}`);
      assert.equal(res.json().scimType, 'invalidValue');
    }
  });

  it('a SearchRequest member of the wrong type is a 400, never ignored', async () => {
    const cases: Array<[Record<string, unknown>, string, string]> = [
      [{ filter: 42 }, 'invalidFilter', '"filter" must be a string, got number.'],
      [{ filter: { op: 'eq' } }, 'invalidFilter', '"filter" must be a string, got object.'],
      [{ filter: ['userName pr'] }, 'invalidFilter', '"filter" must be a string, got array.'],
      [{ sortBy: 1 }, 'invalidValue', '"sortBy" must be a string, got number.'],
      [{ sortOrder: true }, 'invalidValue', '"sortOrder" must be a string, got boolean.'],
      [{ startIndex: {} }, 'invalidValue', '"startIndex" must be an integer, got object.'],
      [{ count: [1] }, 'invalidValue', '"count" must be an integer, got array.'],
      [{ attributes: 5 }, 'invalidValue', '"attributes" must be a string or an array of strings, got number.'],
      [
        { excludedAttributes: ['a', 1] },
        'invalidValue',
        '"excludedAttributes" must be a string or an array of strings, got array.',
      ],
    ];
    for (const [body, scimType, detail] of cases) {
      for (const url of ['/scim/v2/Users/.search', '/scim/v2/.search']) {
        const res = await h.request('POST', url, body);
        assert.deepEqual(res.json(), scimError(400, scimType, detail), `${url} ${JSON.stringify(body)}`);
      }
    }
    const nulls = await h.request('POST', '/scim/v2/Users/.search', { filter: null, sortBy: null, count: null });
    assert.equal(nulls.statusCode, 200, 'null members count as absent');
  });

  it('a cursor with a valid signature but a payload of the wrong shape is 400 invalidCursor', async () => {
    const tenant = await h.store.tenants.getBySlug('acme');
    const key = `scimd-cursor-v1\u0000\u0000${tenant!.id}`;
    const sign = (payload: string) => {
      const body = b64url(payload);
      return `${body}.${createHmac('sha256', key).update(body).digest('base64url')}`;
    };
    const usersQuery = createHash('sha256')
      .update('User\u0000\u0000\u0000')
      .digest()
      .subarray(0, 16)
      .toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    const payloads = [
      `{"v":1,"q":"${usersQuery}","t":"x","s":{"k":null,"i":"a"}}`,
      `{"v":1,"q":"${usersQuery}","t":${now},"s":null}`,
      `{"v":1,"q":"${usersQuery}","t":${now},"s":{"k":{},"i":"a"}}`,
      'null',
      'not json',
      '42',
      '[]',
      '{"v":1}',
      '{"v":1,"q":5,"t":"x","s":{}}',
      '"text"',
    ];
    for (const payload of payloads) {
      for (const url of ['/scim/v2/Users', '/scim/v2']) {
        const res = await h.request('GET', `${url}?cursor=${sign(payload)}`);
        assert.equal(res.statusCode, 400, `${url} ${payload}: ${res.body}`);
        assert.equal(res.json().scimType, 'invalidCursor', payload);
      }
    }
  });
});
