import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseProjection } from '../scim/resource/project.js';
import { BUILT_IN_REGISTRY } from '../scim/schema/registry.js';
import type { ResourceQuery, TenantStore } from '../store/store.js';
import { openTestStore } from '../store/test-support/postgres.js';
import { createTenant } from '../tenancy/tenants.js';
import { newRequestNotes, type RequestContext } from './context.js';
import { fillPage, newPageBudget } from './page-fill.js';
import { createResource } from './resources.js';

const NOW = new Date('2026-01-15T10:00:00.000Z');
const silent = { info: () => undefined, warn: () => undefined, error: () => undefined, debug: () => undefined };

describe('fillPage', () => {
  it('counts totalResults once per page: later chunks only continue it', async () => {
    const store = await openTestStore('sqlite::memory:');
    try {
      const tenant = await createTenant(store, { slug: 'acme', name: 'Acme' }, NOW);
      const queries: ResourceQuery[] = [];
      const tenantStore = store.forTenant(tenant.id);
      const spied: TenantStore = Object.assign(Object.create(tenantStore) as TenantStore, {
        query: (typeName: Parameters<TenantStore['query']>[0], query: ResourceQuery) => {
          queries.push(query);
          return tenantStore.query(typeName, query);
        },
      });
      const ctx: RequestContext = {
        tenantId: tenant.id,
        store: spied,
        now: NOW,
        requestId: 'r1',
        log: silent,
        baseUrl: 'https://scim.example.com/scim/v2',
        registry: BUILT_IN_REGISTRY,
        maxResults: 200,
        notes: newRequestNotes(),
      };
      const type = BUILT_IN_REGISTRY.resourceType('User');
      const projection = parseProjection(type, undefined, undefined);
      for (let i = 0; i < 60; i++) await createResource(ctx, 'User', { userName: `u${i}@x.example` }, projection);
      queries.length = 0;
      const page = await fillPage(
        ctx,
        'User',
        { resourceType: type },
        { startIndex: 1 },
        60,
        newPageBudget(1024 * 1024),
        projection,
      );
      assert.equal(page.resources.length, 60);
      assert.equal(page.totalResults, 60);
      assert.ok(queries.length > 1, 'the page is read in more than one chunk');
      assert.deepEqual(
        queries.map((q) => q.countTotal),
        [undefined, ...queries.slice(1).map(() => false)],
      );
    } finally {
      await store.close();
    }
  });
});
