import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { describeEachBackend } from '../store/test-support/backends.js';
import { type Harness, startHarness } from './test-support/harness.js';

interface Page {
  totalResults: number;
  itemsPerPage: number;
  startIndex?: number;
  nextCursor?: string;
  Resources: Array<{ id: string; userName?: string; displayName?: string }>;
}

const BUDGET = 20_000;
const TITLE = 'x'.repeat(5000); // about 5.4 KB serialized: three users fit in the budget, four do not

describeEachBackend('list pages stop at a byte budget (issue #12.3)', (backend) => {
  let h: Harness;
  const userIds: string[] = [];
  const groupIds: string[] = [];
  before(async () => {
    h = await startHarness({ backend, config: { listMaxPageBytes: BUDGET } });
    for (let i = 0; i < 11; i++) {
      const res = await h.request('POST', '/scim/v2/Users', {
        userName: `u${String(i).padStart(2, '0')}@x.example`,
        title: TITLE,
      });
      userIds.push(res.json<{ id: string }>().id);
    }
    // One user alone is larger than the whole budget.
    const huge = await h.request('POST', '/scim/v2/Users', { userName: 'u99@x.example', title: 'y'.repeat(30_000) });
    userIds.push(huge.json<{ id: string }>().id);
    for (let i = 0; i < 4; i++) {
      const res = await h.request('POST', '/scim/v2/Groups', { displayName: `g${i}` });
      groupIds.push(res.json<{ id: string }>().id);
    }
  });
  after(() => h.close());

  const get = async (url: string) => {
    const res = await h.request('GET', url);
    assert.equal(res.statusCode, 200, res.body);
    return res.json<Page>();
  };

  /** Walks every page with index paging; returns the ids in order and the page sizes. */
  async function walkIndex(url: (startIndex: number) => Promise<Page>) {
    const ids: string[] = [];
    const sizes: number[] = [];
    let startIndex = 1;
    for (;;) {
      const page = await url(startIndex);
      assert.equal(page.startIndex, startIndex);
      assert.equal(page.itemsPerPage, page.Resources.length);
      if (page.itemsPerPage === 0) break;
      sizes.push(page.itemsPerPage);
      ids.push(...page.Resources.map((r) => r.id));
      startIndex += page.itemsPerPage;
      if (startIndex > page.totalResults) break;
    }
    return { ids, sizes };
  }

  async function walkCursor(url: (cursor: string) => Promise<Page>) {
    const ids: string[] = [];
    const sizes: number[] = [];
    let cursor = '';
    for (;;) {
      const page = await url(cursor);
      assert.equal(page.itemsPerPage, page.Resources.length);
      assert.ok(page.itemsPerPage >= 1, 'never an empty page while resources remain');
      sizes.push(page.itemsPerPage);
      ids.push(...page.Resources.map((r) => r.id));
      if (!page.nextCursor) break;
      cursor = page.nextCursor;
    }
    return { ids, sizes };
  }

  it('index paging returns fewer resources per page and continues exactly where a page stopped', async () => {
    const walk = await walkIndex((s) => get(`/scim/v2/Users?sortBy=userName&count=10&startIndex=${s}`));
    assert.deepEqual(walk.ids, userIds);
    assert.deepEqual(walk.sizes, [3, 3, 3, 2, 1]);
    const first = await get('/scim/v2/Users?sortBy=userName&count=10');
    assert.equal(first.totalResults, 12);
  });

  it('cursor paging returns fewer resources per page and a nextCursor that skips and repeats nothing', async () => {
    const walk = await walkCursor((c) => get(`/scim/v2/Users?sortBy=userName&count=10&cursor=${c}`));
    assert.deepEqual(walk.ids, userIds);
    assert.deepEqual(walk.sizes, [3, 3, 3, 2, 1]);
  });

  it('a resource larger than the budget still comes, alone on its page', async () => {
    const page = await get(`/scim/v2/Users?sortBy=userName&count=10&startIndex=12`);
    assert.deepEqual(
      page.Resources.map((r) => r.userName),
      ['u99@x.example'],
    );
  });

  it('the budget counts only what is returned: a projection fits more per page', async () => {
    const page = await get('/scim/v2/Users?sortBy=userName&count=20&attributes=userName');
    assert.equal(page.itemsPerPage, 12);
  });

  it('applies to .search and to the root search, across resource types, with both paging methods', async () => {
    const search = async (body: Record<string, unknown>) => {
      const res = await h.request('POST', '/scim/v2/.search', body);
      assert.equal(res.statusCode, 200, res.body);
      return res.json<Page>();
    };
    const byIndex = await walkIndex((s) => search({ sortBy: 'meta.created', count: 8, startIndex: s }));
    assert.deepEqual(byIndex.ids, [...userIds, ...groupIds]);
    assert.deepEqual(byIndex.sizes, [3, 3, 3, 2, 1, 4]);
    const byCursor = await walkCursor((c) => search({ sortBy: 'meta.created', count: 8, cursor: c }));
    assert.deepEqual(byCursor.ids, [...userIds, ...groupIds]);
    assert.deepEqual(byCursor.sizes, [3, 3, 3, 2, 1, 4]);
    const typed = await h.request('POST', '/scim/v2/Users/.search', { sortBy: 'userName', count: 10 });
    assert.equal(typed.json<Page>().itemsPerPage, 3);
  });
});
