/**
 * Cursor paging (RFC 9865) and index paging through HTTP, per resource type and at the root.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { openStore } from '../store/open.js';
import { describeEachBackend } from '../store/test-support/backends.js';
import { createTenant, issueToken } from '../tenancy/tenants.js';
import { buildApp } from './app.js';
import { type Harness, NOW, scimError, startHarness, TEST_CONFIG } from './test-support/harness.js';

type Json = Record<string, unknown>;
type Page = {
  totalResults: number;
  itemsPerPage?: number;
  startIndex?: number;
  nextCursor?: string;
  Resources: Json[];
};

const SEARCH = 'urn:ietf:params:scim:api:messages:2.0:SearchRequest';

describeEachBackend('cursor paging (RFC 9865)', (backend) => {
  let h: Harness;
  const names = (page: Page) => page.Resources.map((r) => (r.userName ?? r.displayName) as string);
  const get = async (url: string, token?: string) => {
    const res = await h.request('GET', url, undefined, token ? { authorization: `Bearer ${token}` } : {});
    return { status: res.statusCode, page: res.json<Page>(), body: res.json() };
  };
  const createUser = async (userName: string) => {
    const res = await h.request('POST', '/scim/v2/Users', { userName, displayName: userName.toUpperCase() });
    assert.equal(res.statusCode, 201);
    return res.json().id as string;
  };

  before(async () => {
    h = await startHarness({ backend });
    for (const name of ['carol', 'alice', 'erin', 'bob', 'dave', 'frank', 'gina']) await createUser(name);
    for (const name of ['Admins', 'Sales']) await h.request('POST', '/scim/v2/Groups', { displayName: name });
  });
  after(() => h.close());

  it('pages with nextCursor until the last page, which has none', async () => {
    const first = await get('/scim/v2/Users?cursor&count=3&sortBy=userName');
    assert.equal(first.status, 200);
    assert.deepEqual(Object.keys(first.body), ['schemas', 'totalResults', 'itemsPerPage', 'nextCursor', 'Resources']);
    assert.deepEqual(
      [first.page.totalResults, first.page.itemsPerPage, names(first.page)],
      [7, 3, ['alice', 'bob', 'carol']],
    );
    assert.match(first.page.nextCursor!, /^[A-Za-z0-9._~-]+$/, 'RFC 3986 unreserved characters only');
    const second = await get(`/scim/v2/Users?cursor=${first.page.nextCursor}&count=3&sortBy=userName`);
    assert.deepEqual(names(second.page), ['dave', 'erin', 'frank']);
    const last = await get(`/scim/v2/Users?count=3&sortBy=userName&cursor=${second.page.nextCursor}`);
    assert.deepEqual([names(last.page), last.page.nextCursor, last.page.totalResults], [['gina'], undefined, 7]);
  });

  it('ends without an empty page when the last page is full, and counts 0 matches', async () => {
    const all = await get('/scim/v2/Users?cursor=&count=7');
    assert.deepEqual([all.page.Resources.length, all.page.nextCursor], [7, undefined]);
    const none = await get(`/scim/v2/Users?cursor=&filter=${encodeURIComponent('userName eq "nobody"')}`);
    assert.deepEqual(none.body, {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'],
      totalResults: 0,
      itemsPerPage: 0,
      Resources: [],
    });
  });

  it('neither repeats nor skips when resources are created and deleted between pages', async () => {
    const extra = await createUser('zack');
    const first = await get('/scim/v2/Users?cursor=&count=3&sortBy=displayName&sortOrder=descending');
    assert.deepEqual(names(first.page), ['zack', 'gina', 'frank']);
    await createUser('aaron'); // sorts after everything still to come (descending)
    await createUser('yves'); // sorts before the cursor: never seen in this walk
    const dave = (await get('/scim/v2/Users?filter=userName%20eq%20%22dave%22')).page.Resources[0]!.id as string;
    await h.request('DELETE', `/scim/v2/Users/${dave}`);
    await h.request('DELETE', `/scim/v2/Users/${extra}`); // already returned
    const seen = [...names(first.page)];
    let cursor = first.page.nextCursor;
    while (cursor) {
      const next = await get(`/scim/v2/Users?cursor=${cursor}&count=3&sortBy=displayName&sortOrder=descending`);
      seen.push(...names(next.page));
      cursor = next.page.nextCursor;
    }
    assert.deepEqual(seen, ['zack', 'gina', 'frank', 'erin', 'carol', 'bob', 'alice', 'aaron']);
    await h.request('POST', '/scim/v2/Users', { userName: 'dave', displayName: 'DAVE' });
  });

  it('takes the cursor in a SearchRequest body too', async () => {
    const body = {
      schemas: [SEARCH],
      filter: 'userName sw "a"',
      sortBy: 'userName',
      attributes: ['userName'],
      count: 1,
    };
    const first = await h.request('POST', '/scim/v2/Users/.search', { ...body, cursor: '' });
    assert.equal(first.statusCode, 200, first.body);
    const page = first.json<Page>();
    assert.deepEqual([names(page), Object.keys(page.Resources[0]!)], [['aaron'], ['schemas', 'id', 'userName']]);
    const second = (
      await h.request('POST', '/scim/v2/Users/.search', { ...body, cursor: page.nextCursor })
    ).json<Page>();
    assert.deepEqual([names(second), second.nextCursor], [['alice'], undefined]);
  });

  it('refuses foreign, altered and mismatched cursors with invalidCursor', async () => {
    const { page } = await get('/scim/v2/Users?cursor=&count=2&sortBy=userName');
    const cursor = page.nextCursor!;
    const other = await get(`/scim/v2/Users?cursor=${cursor}&count=2&sortBy=title`);
    assert.deepEqual(
      other.body,
      scimError(
        400,
        'invalidCursor',
        'The cursor belongs to a different query: keep filter, sortBy and sortOrder unchanged between pages, or request the first page again with an empty cursor.',
      ),
    );
    const groups = await get(`/scim/v2/Groups?cursor=${cursor}&count=2&sortBy=userName`);
    assert.equal(groups.body.scimType, 'invalidCursor');
    const foreign = await get(`/scim/v2/Users?cursor=${cursor}&count=2&sortBy=userName`, h.otherToken);
    const forged = await get(`/scim/v2/Users?cursor=${cursor.slice(1)}&count=2&sortBy=userName`);
    for (const res of [foreign, forged]) {
      assert.deepEqual(
        res.body,
        scimError(
          400,
          'invalidCursor',
          'The cursor is not one this server issued for this tenant; request the first page again with an empty cursor.',
        ),
      );
    }
    // count may change between pages; it is not part of the query.
    assert.equal((await get(`/scim/v2/Users?cursor=${cursor}&count=5&sortBy=userName`)).status, 200);
  });

  it('checks count and startIndex with a cursor; index paging stays the default', async () => {
    const both = await get('/scim/v2/Users?cursor=&startIndex=2');
    assert.deepEqual(
      both.body,
      scimError(
        400,
        'invalidValue',
        '"startIndex" and "cursor" cannot be used together: choose index or cursor paging.',
      ),
    );
    const zero = await get('/scim/v2/Users?cursor=&count=0');
    assert.deepEqual(
      zero.body,
      scimError(400, 'invalidValue', '"count" must be a positive integer with cursor paging, got 0.'),
    );
    const many = await get('/scim/v2/Users?cursor=&count=5000');
    assert.equal(many.page.itemsPerPage, 9, 'count is lowered to maxResults (50): all 9 users fit');
    const index = await get('/scim/v2/Users?count=2&startIndex=2&sortBy=userName');
    assert.deepEqual(Object.keys(index.body), ['schemas', 'totalResults', 'startIndex', 'itemsPerPage', 'Resources']);
    assert.deepEqual(names(index.page), ['alice', 'bob']);
  });
});

describeEachBackend('search at the root (RFC 7644 §3.4.3)', (backend) => {
  let h: Harness;
  const search = async (body: Json) => {
    const res = await h.request('POST', '/scim/v2/.search', { schemas: [SEARCH], ...body });
    return { status: res.statusCode, page: res.json<Page>(), body: res.json() };
  };
  const labels = (page: Page) =>
    page.Resources.map(
      (r) =>
        `${String((r.schemas as string[])[0])
          .split(':')
          .at(-1)}:${(r.userName ?? r.displayName) as string}`,
    );

  before(async () => {
    h = await startHarness({ backend });
    for (const name of ['uma', 'sam', 'xena'])
      await h.request('POST', '/scim/v2/Users', { userName: name, displayName: `x-${name}` });
    for (const name of ['x-team', 'ops', 'x-board']) await h.request('POST', '/scim/v2/Groups', { displayName: name });
  });
  after(() => h.close());

  it('returns Users then Groups, each in its own order; filters apply per type', async () => {
    const all = await search({ sortBy: 'displayName' });
    assert.equal(all.status, 200);
    assert.deepEqual(labels(all.page), [
      'User:sam',
      'User:uma',
      'User:xena',
      'Group:ops',
      'Group:x-board',
      'Group:x-team',
    ]);
    assert.equal(all.page.totalResults, 6);
    const x = await search({ filter: 'displayName sw "x-"', sortBy: 'displayName', sortOrder: 'descending' });
    assert.deepEqual(labels(x.page), ['User:xena', 'User:uma', 'User:sam', 'Group:x-team', 'Group:x-board']);
    const users = await search({ filter: 'userName pr' });
    assert.deepEqual(
      labels(users.page),
      ['User:uma', 'User:sam', 'User:xena'],
      'Groups have no userName: no match there',
    );
    const members = await search({ filter: 'members pr or userName eq "sam"' });
    assert.deepEqual(labels(members.page), ['User:sam']);
  });

  it('projects attributes per type and pages by index across the types', async () => {
    const page = await search({
      attributes: ['userName', 'displayName'],
      sortBy: 'displayName',
      startIndex: 3,
      count: 2,
    });
    assert.deepEqual([page.page.startIndex, page.page.itemsPerPage, page.page.totalResults], [3, 2, 6]);
    assert.deepEqual(
      page.page.Resources.map((r) => Object.keys(r)),
      [
        ['schemas', 'id', 'userName', 'displayName'],
        ['schemas', 'id', 'displayName'],
      ],
    );
    assert.deepEqual(labels(page.page), ['User:xena', 'Group:ops']);
    const beyond = await search({ sortBy: 'displayName', startIndex: 5, count: 10 });
    assert.deepEqual(labels(beyond.page), ['Group:x-board', 'Group:x-team']);
    const counted = await search({ count: 0 });
    assert.deepEqual([counted.page.totalResults, counted.page.Resources.length], [6, 0]);
  });

  it('pages by cursor across the types', async () => {
    for (const count of [1, 2, 3, 4, 6]) {
      const seen: string[] = [];
      let cursor: string | undefined = '';
      while (cursor !== undefined) {
        const { page } = await search({ sortBy: 'displayName', count, cursor });
        seen.push(...labels(page));
        assert.equal(page.totalResults, 6);
        cursor = page.nextCursor;
      }
      assert.deepEqual(
        seen,
        ['User:sam', 'User:uma', 'User:xena', 'Group:ops', 'Group:x-board', 'Group:x-team'],
        `count=${count}`,
      );
    }
  });

  it('answers GET at the root too, and refuses filters that misuse an attribute', async () => {
    const res = await h.request('GET', `/scim/v2?filter=${encodeURIComponent('displayName eq "ops"')}`);
    assert.equal(res.statusCode, 200);
    assert.deepEqual(labels(res.json<Page>()), ['Group:ops']);
    // Only Users have `name`, and comparing the complex attribute as a whole is an error there.
    const bad = await search({ filter: 'name eq "x"' });
    assert.deepEqual([bad.status, bad.body.scimType], [400, 'invalidFilter']);
    assert.match(String(bad.body.detail), /name/);
    const wrong = await h.request('PUT', '/scim/v2/.search', {});
    assert.deepEqual([wrong.statusCode, wrong.headers.allow], [405, 'POST']);
  });
});

describe('cursor expiry through HTTP', () => {
  it('answers expiredCursor after cursorTimeout', async () => {
    const store = await openStore('sqlite::memory:');
    await createTenant(store, { slug: 'acme' }, NOW);
    const { token } = await issueToken(store, 'acme', {}, NOW);
    let now = NOW;
    const app = await buildApp({ config: TEST_CONFIG, store, logger: false, clock: () => now });
    const get = async (url: string) =>
      (await app.inject({ method: 'GET', url, headers: { authorization: `Bearer ${token}` } })).json<Json>();
    try {
      for (const userName of ['a', 'b']) {
        await app.inject({
          method: 'POST',
          url: '/scim/v2/Users',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' },
          payload: JSON.stringify({ userName }),
        });
      }
      const cursor = (await get('/scim/v2/Users?cursor=&count=1')).nextCursor as string;
      now = new Date(NOW.getTime() + 3600_000);
      assert.equal(((await get(`/scim/v2/Users?cursor=${cursor}&count=1`)).Resources as Json[]).length, 1);
      now = new Date(NOW.getTime() + 3601_000);
      assert.deepEqual(
        await get(`/scim/v2/Users?cursor=${cursor}&count=1`),
        scimError(
          400,
          'expiredCursor',
          'The cursor expired: cursors are valid for 3600 seconds (cursorTimeout); request the first page again with an empty cursor.',
        ),
      );
    } finally {
      await app.close();
      await store.close();
    }
  });
});
