/**
 * Per-tenant group commit on PostgreSQL (group-commit.ts, issue #18.1): writes of one tenant
 * that queue up while its transaction is in flight share the next one (one BEGIN with the
 * tenant's lock, a SAVEPOINT per unit, each sent with a unit's first statement; one COMMIT;
 * a unit's last statement unanswered, sent with the next one), and every guarantee of a lone unit of work holds: a unit that fails fails alone
 * and leaves no trace, events keep their order without gaps, other tenants never wait, and a
 * small pool cannot deadlock.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { ScimError } from '../../../scim/errors.js';
import { openStore } from '../../open.js';
import type { Store, TenantWriter } from '../../store.js';
import { T0, tenantRecord, userBody, userCreatedEvent } from '../../test-support/fixtures.js';
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

/**
 * Creates a user and its event, as a SCIM create does: the event as the unit's last statement
 * (`appendFinal`), which may go unanswered; or, `answered`, with `appendEvents`.
 */
async function create(tx: TenantWriter, id: string, userName = id, answered = false): Promise<string> {
  await tx.insertResource({ id, resourceType: 'User', body: userBody(userName), now: T0 });
  const event = userCreatedEvent(id, userName);
  if (answered) await tx.appendEvents([event]);
  else await tx.appendFinal([event], undefined, undefined);
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

/** Held statements a message may carry in front of its own, by their kind. */
const HELD_KINDS: readonly [RegExp, string][] = [
  [new RegExp(`^${escapeRegExp(BEGIN_AND_LOCK + CARRIED_BY)}`), 'begin+lock'],
  [new RegExp(`^${escapeRegExp(WITH_SAVEPOINT)}`), 'savepoint'],
  [new RegExp(`^rollback to unit_of_work${escapeRegExp(CARRIED_BY)}`), 'rollback to'],
  // A unit's last statement, unanswered: a user written with its event.
  [
    new RegExp(
      `^with "written" as \\(insert into "resources".*? as "checked" from "allocated"${escapeRegExp(CARRIED_BY)}`,
    ),
    'last',
  ],
];

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** A message's statements by kind (its first words, or the table it writes), held ones first. */
function kind(text: string): string {
  for (const [pattern, name] of HELD_KINDS) {
    const match = pattern.exec(text);
    if (match) return `${name} + ${kind(text.slice(match[0].length))}`;
  }
  if (text === LOCK) return 'lock';
  // A resource written with its event (held-write.ts) leads the event's statement.
  if (/^with "written" as \(insert into "resources".* as "checked" from "allocated"$/.test(text)) return 'last';
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
    const batch = (names: string[], answered = false) =>
      Promise.all(names.map((id) => store.forTenant(tenant).transaction((tx) => create(tx, id, id, answered))));
    // The connection's first batch: the first unit's last statement runs answered, which
    // prepares it; from then on it travels unanswered with the next one, here the next unit's
    // first statement and the COMMIT.
    const first = ['a', 'b', 'c'];
    assert.deepEqual((await recordRoundTrips(() => batch(first))).map(kind), [
      'begin+lock + savepoint + last',
      'savepoint + last + savepoint + last + commit',
    ]);
    const names = ['d', 'e', 'f', 'g', 'h'];
    let results: string[] = [];
    const statements = await recordRoundTrips(async () => {
      results = await batch(names);
    });
    assert.deepEqual(results, names);
    // A batch of creates is one round trip: BEGIN with the lock, each unit's SAVEPOINT and its
    // last statement, the COMMIT (docs/postgres.md, "Round trips per request").
    assert.deepEqual(statements.map(kind), [
      `begin+lock + ${names.map(() => 'savepoint + last').join(' + ')} + commit`,
    ]);
    // Answered (`appendEvents`): one round trip per unit, each carrying its SAVEPOINT.
    const answered = ['i', 'j', 'k'];
    const unit = 'insert resources with its event';
    assert.deepEqual((await recordRoundTrips(() => batch(answered, true))).map(kind), [
      `begin+lock + savepoint + ${unit}`,
      `savepoint + ${unit}`,
      `savepoint + ${unit}`,
      'commit',
    ]);
    assert.deepEqual(
      await eventLog(store, tenant),
      [...first, ...names, ...answered].map((id, i) => `${i + 1} ${id}`),
    );
  });

  it('fails a unit whose unanswered last statement breaks uniqueness alone, and runs what travelled behind it', async () => {
    const store = await open({ poolSize: 1 });
    const tenant = await newTenant(store);
    await store.forTenant(tenant).transaction((tx) => create(tx, 'u0', 'zoe')); // prepares the statement
    let settled: PromiseSettledResult<string>[] = [];
    const statements = await recordRoundTrips(async () => {
      settled = await Promise.allSettled([
        store.forTenant(tenant).transaction((tx) => create(tx, 'u1', 'alice')),
        // Clashes with u1, a unit before it in the same message: fails there.
        store.forTenant(tenant).transaction((tx) => create(tx, 'u2', 'ALICE')),
        store.forTenant(tenant).transaction((tx) => create(tx, 'u3', 'bob')),
        // The last unit clashes too: it fails in the message of the COMMIT, which is sent again.
        store.forTenant(tenant).transaction((tx) => create(tx, 'u4', 'Bob')),
      ]);
    });
    assert.deepEqual(outcomes(settled), ['ok u1', '409 uniqueness', 'ok u3', '409 uniqueness']);
    assert.deepEqual(statements.map(kind), [
      'begin+lock + savepoint + last + savepoint + last + savepoint + last + savepoint + last + commit',
      // u2 failed: back to its savepoint, and what followed it again.
      'rollback to + savepoint + last + savepoint + last + commit',
      'rollback to + commit',
    ]);
    assert.deepEqual(await userIds(store, tenant), ['u0', 'u1', 'u3']);
    // The failed units' sequence numbers were rolled back with them: no gap.
    assert.deepEqual(await eventLog(store, tenant), ['1 u0', '2 u1', '3 u3']);
  });

  it('fails the first unit of a batch alone when its unanswered last statement breaks, and the next unit reads without it', async () => {
    const store = await open({ poolSize: 1 });
    const tenant = await newTenant(store);
    await store.forTenant(tenant).transaction((tx) => create(tx, 'u0', 'alice'));
    const settled = await Promise.allSettled([
      store.forTenant(tenant).transaction((tx) => create(tx, 'u1', 'Alice')),
      // Its first statement carries u1's last one, which fails: it runs again, after u1 is undone.
      store.forTenant(tenant).transaction(async (tx) => {
        const seen = await tx.getResource('User', 'u1');
        return seen === undefined ? create(tx, 'u2', 'bob') : 'saw u1';
      }),
    ]);
    assert.deepEqual(outcomes(settled), ['409 uniqueness', 'ok u2']);
    assert.deepEqual(await userIds(store, tenant), ['u0', 'u2']);
    assert.deepEqual(await eventLog(store, tenant), ['1 u0', '2 u2']);
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
    assert.equal(statements.filter((s) => s === 'commit' || s.endsWith(`${CARRIED_BY}commit`)).length, 3);
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
