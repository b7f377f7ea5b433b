/**
 * Per-tenant group commit on PostgreSQL (group-commit.ts, issue #18.1): writes of one tenant
 * that queue up while its transaction is in flight share the next one (one BEGIN with the
 * tenant's lock, a SAVEPOINT per unit but the first, each sent with a unit's first statement;
 * one COMMIT), and every guarantee of a lone unit of work holds: a unit that fails fails alone
 * and leaves no trace, events keep their order without gaps, other tenants never wait, and a
 * small pool cannot deadlock.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { ScimError } from '../../../scim/errors.js';
import type { NewChangeEvent } from '../../events-port.js';
import { openStore } from '../../open.js';
import type { Store, TenantWriter } from '../../store.js';
import { T0, tenantRecord, userBody } from '../../test-support/fixtures.js';
import {
  BEGIN_AND_LOCK,
  CARRIED_BY,
  createTestSchema,
  describePostgres,
  recordQueries,
  type TestSchema,
  WITH_SAVEPOINT,
} from '../../test-support/postgres.js';
import { MAX_UNITS_PER_COMMIT } from '../group-commit.js';

/** Creates a user and its event, as a SCIM create does. */
async function create(tx: TenantWriter, id: string, userName = id): Promise<string> {
  await tx.insertResource({ id, resourceType: 'User', body: userBody(userName), now: T0 });
  const event: NewChangeEvent = {
    type: 'user.created',
    resourceType: 'User',
    resourceId: id,
    changedAttributes: [],
    snapshot: userBody(userName),
    member: null,
    time: T0,
    requestId: null,
  };
  await tx.appendEvents([event]);
  return id;
}

/** Each settled outcome as `ok <value>` or the rejection's SCIM status and type, or its message. */
function outcomes(settled: readonly PromiseSettledResult<unknown>[]): string[] {
  return settled.map((o) => {
    if (o.status === 'fulfilled') return `ok ${String(o.value)}`;
    const error = o.reason as unknown;
    return error instanceof ScimError ? `${error.status} ${error.scimType}` : String(error);
  });
}

/**
 * The statements of the tenant-locked transactions `fn` runs, from BEGIN with the lock to COMMIT
 * or ROLLBACK on each connection, each on one line. Any other transaction is background work of
 * the store (the history projector's start-up pass over the tenants of earlier tests has its
 * own). BEGIN and the lock travel with the unit's first statement, or alone on a connection
 * that has not prepared them yet.
 */
async function recordRoundTrips(fn: () => Promise<unknown>): Promise<string[]> {
  const locked = new Set<unknown>();
  const begun = new Set<unknown>();
  const kept: string[] = [];
  for (const { text, client } of await recordQueries(fn)) {
    const flat = text.replace(/\s+/g, ' ').trim();
    if (flat === 'begin') begun.add(client);
    else if (begun.delete(client) && flat === LOCK) kept.push('begin');
    if (flat.startsWith(BEGIN_AND_LOCK) || (flat === LOCK && !locked.has(client))) locked.add(client);
    if (!locked.has(client)) continue;
    kept.push(flat);
    if (/^(commit|rollback)$/.test(flat)) locked.delete(client);
  }
  return kept;
}

const LOCK = 'select scimd_lock_tenant($1, $2, $3)';

/** A statement's kind: its first words, or the table it writes; held statements it carries first. */
function kind(text: string): string {
  if (text.startsWith(`${BEGIN_AND_LOCK}${CARRIED_BY}`)) {
    return `begin+lock + ${kind(text.slice(BEGIN_AND_LOCK.length + CARRIED_BY.length))}`;
  }
  if (text.startsWith(WITH_SAVEPOINT)) return `savepoint + ${kind(text.slice(WITH_SAVEPOINT.length))}`;
  if (text === LOCK) return 'lock';
  // A resource written with its event (held-write.ts) leads the event's statement.
  if (/^with "written" as \(insert into "resources".*"allocated" as \(insert into "event_sequences"/.test(text)) {
    return 'insert resources with its event';
  }
  const written = /^(?:with "allocated" as \()?insert into "(\w+)"/.exec(text);
  return written ? `insert ${written[1]}` : text;
}

describePostgres('PostgreSQL group commit per tenant', (url) => {
  let schema: TestSchema;
  const opened: Store[] = [];
  const open = async (options = {}) => {
    const store = await openStore(schema.url, options);
    opened.push(store);
    return store;
  };
  let tenantCount = 0;
  /** A new tenant of `store`, so that each test starts from empty tables and sequence. */
  async function newTenant(store: Store): Promise<string> {
    const id = `t${++tenantCount}`;
    await store.tenants.create(tenantRecord(id));
    return id;
  }
  const userIds = async (store: Store, tenant: string) =>
    (await store.forTenant(tenant).query('User', { startIndex: 1, count: 100 })).resources.map((r) => r.id).sort();
  const eventLog = async (store: Store, tenant: string) =>
    (await store.events.list(tenant, 0, 100)).events.map((e) => `${e.seq} ${e.resourceId}`);

  before(async () => {
    schema = await createTestSchema(url);
  });
  after(async () => {
    await Promise.all(opened.map((s) => s.close()));
    await schema?.drop();
  });

  it('runs writes that queue up together in one transaction: one BEGIN and lock, one COMMIT', async () => {
    const store = await open({ poolSize: 1 });
    const tenant = await newTenant(store);
    const batch = (names: string[]) =>
      Promise.all(names.map((id) => store.forTenant(tenant).transaction((tx) => create(tx, id))));
    const unit = 'insert resources with its event';
    // The connection's first batch: the same shape (a statement it has not prepared yet is
    // parsed first in the same message).
    const first = ['a', 'b', 'c'];
    assert.deepEqual((await recordRoundTrips(() => batch(first))).map(kind), [
      `begin+lock + ${unit}`,
      `savepoint + ${unit}`,
      `savepoint + ${unit}`,
      'commit',
    ]);
    const names = ['d', 'e', 'f', 'g', 'h'];
    let results: string[] = [];
    const statements = await recordRoundTrips(async () => {
      results = await batch(names);
    });
    assert.deepEqual(results, names);
    // Per batch: BEGIN with the lock, carried by the first unit's first statement, and COMMIT;
    // per unit: its own statements, the first of them carrying a SAVEPOINT for each unit but the
    // first, in one round trip (docs/postgres.md, "Round trips per request").
    assert.deepEqual(statements.map(kind), [
      `begin+lock + ${unit}`,
      ...names.slice(1).map(() => `savepoint + ${unit}`),
      'commit',
    ]);
    assert.deepEqual(
      await eventLog(store, tenant),
      [...first, ...names].map((id, i) => `${i + 1} ${id}`),
    );
  });

  it('fails a unit that breaks uniqueness mid-batch alone, and keeps nothing of it', async () => {
    const store = await open();
    const tenant = await newTenant(store);
    const settled = await Promise.allSettled([
      store.forTenant(tenant).transaction((tx) => create(tx, 'u1', 'alice')),
      store.forTenant(tenant).transaction(async (tx) => {
        // Writes a user and its event, then a second user whose userName is taken.
        await create(tx, 'u2', 'bob');
        return create(tx, 'u3', 'ALICE');
      }),
      store.forTenant(tenant).transaction((tx) => create(tx, 'u4', 'carol')),
    ]);
    assert.deepEqual(outcomes(settled), ['ok u1', '409 uniqueness', 'ok u4']);
    assert.deepEqual(await userIds(store, tenant), ['u1', 'u4']);
    // The failed unit's sequence number was rolled back with it: no gap.
    assert.deepEqual(await eventLog(store, tenant), ['1 u1', '2 u4']);
  });

  it('fails the first unit of a batch alone, and runs the units queued behind it', async () => {
    const store = await open();
    const tenant = await newTenant(store);
    await store.forTenant(tenant).transaction((tx) => create(tx, 'u1', 'alice'));
    const settled = await Promise.allSettled([
      store.forTenant(tenant).transaction((tx) => create(tx, 'u2', 'Alice')),
      store.forTenant(tenant).transaction((tx) => create(tx, 'u3', 'bob')),
      store.forTenant(tenant).transaction((tx) => create(tx, 'u4', 'bob')),
      store.forTenant(tenant).transaction((tx) => create(tx, 'u5', 'carol')),
    ]);
    assert.deepEqual(outcomes(settled), ['409 uniqueness', 'ok u3', '409 uniqueness', 'ok u5']);
    assert.deepEqual(await userIds(store, tenant), ['u1', 'u3', 'u5']);
    assert.deepEqual(await eventLog(store, tenant), ['1 u1', '2 u3', '3 u5']);
  });

  it(`keeps the order of events over batches of at most ${MAX_UNITS_PER_COMMIT} units`, async () => {
    const store = await open();
    const tenant = await newTenant(store);
    const ids = Array.from({ length: 2 * MAX_UNITS_PER_COMMIT + 3 }, (_, i) => `u${String(i).padStart(2, '0')}`);
    let statements: string[] = [];
    const created = await (async () => {
      let out: string[] = [];
      statements = await recordRoundTrips(async () => {
        out = await Promise.all(ids.map((id) => store.forTenant(tenant).transaction((tx) => create(tx, id))));
      });
      return out;
    })();
    assert.deepEqual(created, ids);
    assert.equal(statements.filter((s) => s.startsWith('begin')).length, 3);
    assert.equal(statements.filter((s) => s === 'commit').length, 3);
    assert.deepEqual(
      await eventLog(store, tenant),
      ids.map((id, i) => `${i + 1} ${id}`),
    );
  });

  it("runs two tenants' batches in parallel: one tenant's open transaction holds up only its own writes", async () => {
    const store = await open();
    const [slow, quick] = [await newTenant(store), await newTenant(store)];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const order: string[] = [];
    const held = store.forTenant(slow).transaction(async (tx) => {
      await create(tx, 's1');
      await gate;
      order.push('s1 done');
    });
    // Queued behind s1's transaction: it joins the next batch of its tenant.
    const behind = store.forTenant(slow).transaction(async (tx) => {
      order.push('s2 runs');
      return create(tx, 's2');
    });
    await Promise.all(['q1', 'q2', 'q3'].map((id) => store.forTenant(quick).transaction((tx) => create(tx, id))));
    order.push('other tenant committed');
    release();
    await Promise.all([held, behind]);
    assert.deepEqual(order, ['other tenant committed', 's1 done', 's2 runs']);
    assert.deepEqual(await userIds(store, slow), ['s1', 's2']);
    assert.deepEqual(await userIds(store, quick), ['q1', 'q2', 'q3']);
  });

  it('completes every write when more tenants write at once than the pool has connections', async () => {
    const store = await open({ poolSize: 1 });
    const tenants = [await newTenant(store), await newTenant(store), await newTenant(store), await newTenant(store)];
    const writes = tenants.flatMap((tenant) =>
      [1, 2, 3].map((i) => store.forTenant(tenant).transaction((tx) => create(tx, `${tenant}-u${i}`))),
    );
    assert.equal((await Promise.all(writes)).length, 12);
    for (const tenant of tenants) {
      assert.deepEqual(await eventLog(store, tenant), [`1 ${tenant}-u1`, `2 ${tenant}-u2`, `3 ${tenant}-u3`]);
    }
  });

  it('fails every queued write of a tenant that does not exist, and nothing else', async () => {
    const store = await open();
    const tenant = await newTenant(store);
    const settled = await Promise.allSettled([
      store.forTenant('no-such-tenant').transaction((tx) => create(tx, 'x1')),
      store.forTenant('no-such-tenant').transaction((tx) => create(tx, 'x2')),
      store.forTenant(tenant).transaction((tx) => create(tx, 'u1')),
    ]);
    assert.deepEqual(outcomes(settled), [
      'Error: tenant "no-such-tenant" does not exist',
      'Error: tenant "no-such-tenant" does not exist',
      'ok u1',
    ]);
  });
});
