/**
 * Issue #18.3: what one scimd process keeps per tenant or per token must not grow with the number
 * of tenants. 10,000 tenants (and more tokens) are driven through a SQLite store: the statements
 * SQLite prepares stay the same few (the tenant is a bound value, never part of the SQL text),
 * the tenant handles keep nothing per tenant, and the "token last used" memory is dropped past its
 * bound instead of growing. docs/benchmarks.md ("What grows with tenants") lists every such structure.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import Database from 'better-sqlite3';
import { parseFilter } from '../../src/scim/filter/parse.js';
import type { StatementKind, StoreObserver } from '../../src/store/observer-port.js';
import { openStore } from '../../src/store/open.js';
import { MAX_TOUCHED_TOKENS } from '../../src/store/sql/tokens.js';
import { MAX_PENDING_TOUCHES } from '../../src/store/sql/touch-batch.js';
import type { Store } from '../../src/store/store.js';
import { tenantRecord, tokenRecord, userBody } from '../../src/store/test-support/fixtures.js';

const TENANTS = 10_000;
const NOW = '2026-01-15T10:00:00.000Z';

describe('per-tenant state of one process with 10,000 tenants (SQLite)', () => {
  const prepared: string[] = [];
  const statements: StatementKind[] = [];
  const originalPrepare = Database.prototype.prepare;
  let store: Store;

  before(async () => {
    // Every statement SQLite compiles (the store's statement cache calls this only on a miss).
    Database.prototype.prepare = function (this: Database.Database, source: string) {
      prepared.push(source);
      return originalPrepare.call(this, source);
    } as typeof originalPrepare;
    const observer: StoreObserver = { statement: (kind) => statements.push(kind) };
    // In memory: the same connection and statement cache as a file, without 100,000 fsyncs.
    store = await openStore('sqlite::memory:', { observer });
  });

  after(async () => {
    Database.prototype.prepare = originalPrepare;
    await store?.close();
  });

  it('prepares the same statements for 10,000 tenants as for one', async () => {
    const serve = async (t: number) => {
      // What a create and a lookup of tenant t read and write, by the store's own paths.
      const token = await store.tokens.findByHash(`hash-token-${t}`);
      assert.equal(token?.tenantId, `tenant-${t}`);
      assert.equal((await store.tenants.getById(token.tenantId))?.slug, `tenant-${t}`);
      const tenant = store.forTenant(token.tenantId);
      await tenant.transaction((tx) =>
        tx.insertResource({ id: `user-${t}`, resourceType: 'User', body: userBody(`u${t}@example.com`), now: NOW }),
      );
      const found = await tenant.query('User', {
        filter: parseFilter(`userName eq "u${t}@example.com"`),
        startIndex: 1,
        count: 10,
      });
      assert.equal(found.resources.length, 1);
    };
    for (let t = 0; t < TENANTS; t++) {
      await store.tenants.create(tenantRecord(`tenant-${t}`));
      await store.tokens.insert(tokenRecord(`token-${t}`, `tenant-${t}`));
    }
    await serve(0);
    const forOne = new Set(prepared).size;
    for (let t = 1; t < TENANTS; t++) await serve(t);
    const forAll = new Set(prepared);
    assert.ok(forAll.size <= forOne + 2, `${forAll.size} statements for 10,000 tenants, ${forOne} for the first`);
    assert.equal(prepared.length, forAll.size, 'each statement compiled once: none evicted and compiled again');
    for (const source of forAll) assert.doesNotMatch(source, /tenant-\d/, 'no tenant id in any SQL text');
  });

  it('keeps nothing per tenant for its handles: each holds its id, the methods are shared', () => {
    const handles = Array.from({ length: TENANTS }, (_, t) => store.forTenant(`tenant-${t}`));
    const [first, last] = [handles[0]!, handles.at(-1)!];
    assert.notEqual(store.forTenant('tenant-0'), first, 'no handle is kept: each call makes one');
    assert.equal(last.tenantId, `tenant-${TENANTS - 1}`);
    // The same function objects for every tenant: no closure is made per tenant.
    for (const method of ['getResource', 'query', 'listMembers', 'listGroupsOfEach', 'transaction'] as const) {
      assert.equal(first[method], last[method], `${method} is shared`);
    }
    // Own properties: the store's connection and dialect, the tenant id and what the store shares.
    assert.deepEqual(Object.keys(first).sort(), ['db', 'dialect', 'shared', 'tenantId']);
  });

  it(`remembers when at most ${MAX_TOUCHED_TOKENS.toLocaleString('en-US')} tokens were last used`, async () => {
    const updates = () => statements.filter((kind) => kind === 'update').length;
    // Uses are written in batches (touch-batch.ts); listing a tenant's tokens writes what waits.
    const flush = () => store.tokens.listForTenant('no-such-tenant');
    const batches = Math.ceil(MAX_TOUCHED_TOKENS / MAX_PENDING_TOUCHES);
    const start = updates();
    await store.tokens.touch('token-0', NOW);
    await store.tokens.touch('token-0', NOW);
    await flush();
    await store.tokens.touch('token-0', NOW);
    await flush();
    assert.equal(updates() - start, 1, 'a token touched again within the minute is remembered: written once');
    for (let t = 1; t <= MAX_TOUCHED_TOKENS; t++) await store.tokens.touch(`other-token-${t}`, NOW);
    await flush();
    assert.equal(updates() - start, 1 + batches, 'one statement per batch of MAX_PENDING_TOUCHES');
    await store.tokens.touch('token-0', NOW);
    await flush();
    assert.equal(updates() - start, 2 + batches, 'forgotten past the bound: due (a conditional UPDATE) again');
    await store.tokens.touch(`other-token-${MAX_TOUCHED_TOKENS}`, NOW);
    await flush();
    assert.equal(updates() - start, 2 + batches, 'the most recent are still remembered');
  });
});
