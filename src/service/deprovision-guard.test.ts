/**
 * The deprovision guard end to end (docs/guard.md): SCIM writes through HTTP trip it exactly at
 * the threshold, with the minimum and a sliding window on a fixed clock; while it holds, the
 * dispatcher (webhooks and consumers) and the cursor feed stop right after
 * `tenant.guard_tripped`, and after a release everyone sees the same gapless sequence. The
 * identity provider's answers never change.
 */
import assert from 'node:assert/strict';
import { afterEach, it } from 'node:test';
import { createDispatcher } from '../events/dispatcher.js';
import type { EventJson } from '../events/event-json.js';
import { createWebhook, manualClock } from '../events/test-support/outbox.js';
import { type Harness, startHarness } from '../http/test-support/harness.js';
import type { Backend } from '../store/test-support/backends.js';
import { describeEachBackend } from '../store/test-support/backends.js';
import { readChangeFeed } from './change-feed.js';
import { configureGuard, readGuard, releaseGuard, resetGuard, summariseHeld } from './guard.js';

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';
const ACTOR = { actor: 'cli:test', now: new Date('2026-01-15T10:00:00.000Z') };

let h: Harness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

async function start(backend: Backend, clock = manualClock(), config = {}) {
  h = await startHarness({ backend, clock, config });
  const tenantId = (await h.store.tenants.getBySlug('acme'))!.id;
  return { h, clock, tenantId };
}

async function createUsers(harness: Harness, count: number, from = 0): Promise<string[]> {
  const ids: string[] = [];
  for (let i = from; i < from + count; i++) {
    const res = await harness.request('POST', '/t/acme/scim/v2/Users', {
      schemas: [USER_SCHEMA],
      userName: `user${i}@example.com`,
      active: true,
      roles: [{ value: 'member' }],
    });
    assert.equal(res.statusCode, 201, res.body);
    ids.push(res.json<{ id: string }>().id);
  }
  return ids;
}

const patchUser = (harness: Harness, id: string, ops: object[]) =>
  harness.request('PATCH', `/t/acme/scim/v2/Users/${id}`, { schemas: [PATCH_OP], Operations: ops });
const deactivate = (harness: Harness, id: string) =>
  patchUser(harness, id, [{ op: 'replace', path: 'active', value: false }]);

async function eventTypes(harness: Harness, tenantId: string): Promise<string[]> {
  const page = await harness.store.events.list(tenantId, 0, 10_000);
  return page.events.map((e) => e.type);
}

describeEachBackend('deprovision guard: threshold', (backend) => {
  it('trips at the first deprovision past 10 % of 250 active users, not one user below', async () => {
    const { h, tenantId } = await start(backend);
    const ids = await createUsers(h, 250);
    // A user deactivated and then deleted counts once.
    assert.equal((await deactivate(h, ids[0]!)).statusCode, 200);
    assert.equal((await h.request('DELETE', `/t/acme/scim/v2/Users/${ids[0]}`)).statusCode, 204);
    // Stripped of every role, still active: a deprovision too.
    assert.equal((await patchUser(h, ids[1]!, [{ op: 'remove', path: 'roles' }])).statusCode, 200);
    for (const id of ids.slice(2, 25)) assert.equal((await deactivate(h, id)).statusCode, 200);
    assert.equal((await readGuard(h.store, 'acme')).state, 'armed', '25 of 250 is 10 %: not more');
    assert.ok(!(await eventTypes(h, tenantId)).includes('tenant.guard_tripped'));

    await deactivate(h, ids[25]!);
    const guard = await readGuard(h.store, 'acme');
    assert.equal(guard.state, 'tripped');
    assert.deepEqual(guard.lastTrip, { at: guard.since, deprovisioned: 26, activeUsers: 250 });
    const types = await eventTypes(h, tenantId);
    assert.deepEqual(types.slice(-2), ['tenant.guard_tripped', 'user.deactivated'], 'the guard event comes first');
    assert.equal(guard.heldFrom, String(types.length - 1));
    assert.equal(guard.heldEvents, 1);
    assert.deepEqual(
      guard.decisions.map((d) => [d.action, d.actor, d.detail['deprovisioned']]),
      [['trip', 'guard', 26]],
    );
  });

  it('needs at least 20 users however small the tenant', async () => {
    const { h } = await start(backend);
    const ids = await createUsers(h, 100);
    for (const id of ids.slice(0, 19)) await deactivate(h, id);
    assert.equal((await readGuard(h.store, 'acme')).state, 'armed', '19 is 19 % but below the minimum');
    await h.request('DELETE', `/t/acme/scim/v2/Users/${ids[19]}`);
    assert.equal((await readGuard(h.store, 'acme')).state, 'tripped');
  });

  it('counts a sliding window on the clock, and per-tenant settings override the global ones', async () => {
    const { h, clock } = await start(backend);
    const ids = await createUsers(h, 100);
    for (const id of ids.slice(0, 10)) await deactivate(h, id);
    clock.advance(30 * 60_000);
    for (const id of ids.slice(10, 19)) await deactivate(h, id);
    clock.advance(31 * 60_000); // the first 10 leave the window: 9 remain
    for (const id of ids.slice(19, 29)) await deactivate(h, id);
    assert.equal((await readGuard(h.store, 'acme')).state, 'armed', '19 in the last hour');
    await deactivate(h, ids[29]!);
    assert.equal((await readGuard(h.store, 'acme')).state, 'tripped', '20 in the last hour');

    clock.advance(1);
    await releaseGuard(h.store, 'acme', { actor: 'cli:test', now: clock() });
    await configureGuard(h.store, 'acme', { minimum: 3, percent: 2 }, ACTOR);
    clock.advance(1);
    await deactivate(h, ids[30]!);
    await deactivate(h, ids[31]!);
    assert.equal((await readGuard(h.store, 'acme')).state, 'released', 'the release restarted the window');
    await deactivate(h, ids[32]!);
    assert.equal((await readGuard(h.store, 'acme')).state, 'tripped', '3 of 70 is more than 2 %');
  });

  it('does nothing when turned off globally, unless a tenant turns it on', async () => {
    const { h } = await start(backend, manualClock(), { guardEnabled: false });
    const ids = await createUsers(h, 30);
    for (const id of ids.slice(0, 25)) await deactivate(h, id);
    assert.equal((await readGuard(h.store, 'acme')).state, 'armed');
    assert.equal((await readGuard(h.store, 'acme')).settings.enabled, true, 'readGuard without config: defaults');
    // Deprovisions are not counted while it is off: turning it on starts an empty window.
    await configureGuard(h.store, 'acme', { enabled: true, minimum: 2 }, ACTOR);
    await h.request('DELETE', `/t/acme/scim/v2/Users/${ids[25]}`);
    assert.equal((await readGuard(h.store, 'acme')).state, 'armed');
    await h.request('DELETE', `/t/acme/scim/v2/Users/${ids[26]}`);
    assert.equal((await readGuard(h.store, 'acme')).state, 'tripped', '2 of 5 active');
  });
});

describeEachBackend('deprovision guard: hold and release', (backend) => {
  it('holds webhooks, consumers and the feed after the guard event, then delivers everything in order', async () => {
    const { h, clock, tenantId } = await start(backend);
    const operator = await createWebhook(h.store, 'https://operator.example/hook');
    const tenantHook = await createWebhook(h.store, 'https://app.example/hook', { tenantId });
    const consumer = await h.store.endpoints.create(
      {
        id: 'c-billing',
        kind: 'consumer',
        name: 'billing',
        tenantId: null,
        url: null,
        description: null,
        secrets: [],
        enabled: true,
        created: clock().toISOString(),
      },
      'oldest',
    );
    const seen = new Map<string, string[]>();
    const deliver = async (endpoint: { id: string }, event: EventJson) => {
      const list = seen.get(endpoint.id) ?? [];
      list.push(`${event.tenant.slug}:${event.seq}:${event.type}`);
      seen.set(endpoint.id, list);
      return { ok: true, status: 204, error: null };
    };
    const webhooks = createDispatcher({ store: h.store, kind: 'webhook', deliver, clock });
    const consumers = createDispatcher({ store: h.store, kind: 'consumer', deliver, clock });
    const drainAll = async () => {
      while ((await webhooks.runOnce()) + (await consumers.runOnce()) > 0) clock.advance(1);
    };

    await configureGuard(h.store, 'acme', { minimum: 3, percent: 10 }, ACTOR);
    const ids = await createUsers(h, 20);
    await deactivate(h, ids[0]!);
    await deactivate(h, ids[1]!);
    await deactivate(h, ids[2]!); // trips: 3 of 20 is 15 %
    await deactivate(h, ids[3]!); // held
    await patchUser(h, ids[0]!, [{ op: 'replace', path: 'active', value: true }]); // held
    await createUsers(h, 1, 100); // held
    const globex = await h.request(
      'POST',
      '/t/globex/scim/v2/Users',
      { schemas: [USER_SCHEMA], userName: 'g@x.com' },
      {
        authorization: `Bearer ${h.otherToken}`,
      },
    );
    assert.equal(globex.statusCode, 201);

    await drainAll();
    const guardSeq = Number((await readGuard(h.store, 'acme')).heldFrom);
    const upToGuard = (list: string[] | undefined) => (list ?? []).filter((s) => s.startsWith('acme:'));
    for (const endpoint of [operator.id, tenantHook.id, consumer.id]) {
      const acme = upToGuard(seen.get(endpoint));
      assert.equal(acme.length, guardSeq, `${endpoint} got everything up to the guard event`);
      assert.equal(acme.at(-1), `acme:${guardSeq}:tenant.guard_tripped`);
    }
    assert.ok(seen.get(operator.id)!.includes('globex:1:user.created'), 'other tenants go on');

    // No busy loop: a held stream is not claimed at all.
    const claim = await h.store.endpoints.claimStreams({
      kind: 'webhook',
      now: clock().toISOString(),
      owner: 'probe',
      leaseUntil: new Date(clock().getTime() + 60_000).toISOString(),
      limit: 10,
    });
    assert.deepEqual(claim, []);
    assert.equal(await webhooks.runOnce(), 0);

    // The feed stops at the guard event too, and says it is caught up there.
    const feed = await readChangeFeed(h.store, 'acme', { after: '0', limit: 1000 });
    assert.equal(feed.events.length, guardSeq);
    assert.equal(feed.latestCursor, String(guardSeq));
    const afterGuard = await readChangeFeed(h.store, 'acme', { after: String(guardSeq) });
    assert.deepEqual(afterGuard.events, []);

    // Recording goes on while held; the release appends tenant.guard_released after everything.
    const released = await releaseGuard(h.store, 'acme', { actor: 'cli:ops', now: clock() });
    assert.equal(released.state, 'released');
    await drainAll();
    const all = (await h.store.events.list(tenantId, 0, 10_000)).events.map((e) => `acme:${e.seq}:${e.type}`);
    assert.equal(all.at(-1)?.endsWith('tenant.guard_released'), true);
    assert.deepEqual(
      all.map((s) => Number(s.split(':')[1])),
      all.map((_, i) => i + 1),
      'gapless',
    );
    for (const endpoint of [operator.id, tenantHook.id, consumer.id]) {
      assert.deepEqual(upToGuard(seen.get(endpoint)), all, `${endpoint} saw the whole sequence once, in order`);
    }
    const fullFeed = await readChangeFeed(h.store, 'acme', { after: '0', limit: 1000 });
    assert.deepEqual(
      fullFeed.events.map((e) => `acme:${e.seq}:${e.type}`),
      all,
    );
    const decisions = (await readGuard(h.store, 'acme')).decisions.map((d) => [d.action, d.actor]);
    assert.deepEqual(decisions[0], ['release', 'cli:ops']);
    assert.ok(decisions.some(([action, actor]) => action === 'trip' && actor === 'guard'));
  });

  it('summarises what is held as net effects per user', async () => {
    const { h } = await start(backend);
    await configureGuard(h.store, 'acme', { minimum: 2, percent: 5 }, ACTOR);
    const ids = await createUsers(h, 10);
    await deactivate(h, ids[0]!);
    await deactivate(h, ids[1]!); // trips
    await h.request('DELETE', `/t/acme/scim/v2/Users/${ids[2]}`);
    await patchUser(h, ids[3]!, [{ op: 'remove', path: 'roles' }]);
    await patchUser(h, ids[4]!, [{ op: 'replace', path: 'title', value: 'Boss' }]);
    const [created] = await createUsers(h, 1, 50);
    const group = await h.request('POST', '/t/acme/scim/v2/Groups', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
      displayName: 'Temps',
    });
    await h.request('DELETE', `/t/acme/scim/v2/Groups/${group.json<{ id: string }>().id}`);

    const summary = await summariseHeld(h.store, 'acme');
    const byId = new Map(summary.changes.map((c) => [c.id, c.effects]));
    assert.deepEqual(byId.get(ids[1]!), ['deactivated'], 'the tripping change is held');
    assert.equal(byId.has(ids[0]!), false, 'changes before the trip were delivered');
    assert.deepEqual(byId.get(ids[2]!), ['deleted']);
    assert.deepEqual(byId.get(ids[3]!), ['roles_removed']);
    assert.deepEqual(byId.get(ids[4]!), ['updated']);
    assert.deepEqual(byId.get(created!), ['created']);
    assert.deepEqual(byId.get(group.json<{ id: string }>().id), ['no_change'], 'created and deleted');
    assert.deepEqual(summary.counts, {
      deactivated: 1,
      deleted: 1,
      roles_removed: 1,
      updated: 1,
      created: 1,
      no_change: 1,
    });

    // Reactivating the tripping user too: it nets to nothing.
    await patchUser(h, ids[1]!, [{ op: 'replace', path: 'active', value: true }]);
    const again = await summariseHeld(h.store, 'acme');
    assert.deepEqual(new Map(again.changes.map((c) => [c.id, c.effects])).get(ids[1]!), ['no_change']);
  });

  it('refuses a reset while holding and a release when not', async () => {
    const { h, clock } = await start(backend);
    await assert.rejects(releaseGuard(h.store, 'acme', ACTOR), { status: 409 });
    const reset = await resetGuard(h.store, 'acme', ACTOR);
    assert.equal(reset.state, 'armed');
    await configureGuard(h.store, 'acme', { minimum: 1, percent: 1 }, ACTOR);
    clock.advance(1);
    const [id] = await createUsers(h, 1);
    await deactivate(h, id!);
    assert.equal((await readGuard(h.store, 'acme')).state, 'tripped');
    await assert.rejects(resetGuard(h.store, 'acme', ACTOR), { status: 409 });
    assert.equal((await readGuard(h.store, 'acme')).state, 'tripped');
  });
});

describeEachBackend('deprovision guard: the identity provider sees no difference', (backend) => {
  /** Runs one provisioning cycle; returns every answer with the ids it created replaced by their order. */
  async function cycle(config: object): Promise<{ answers: string[]; tripped: boolean }> {
    const { h: harness } = await start(backend, manualClock(), config);
    const answers: string[] = [];
    const ids: string[] = [];
    let n = 0;
    const send = async (method: string, url: string, body?: unknown) => {
      const res = await harness.request(method, url, body, { 'x-request-id': `req-${++n}` });
      const created = method === 'POST' ? res.json<{ id?: string }>().id : undefined;
      if (created) ids.push(created);
      let text = JSON.stringify({
        status: res.statusCode,
        type: res.headers['content-type'],
        etag: res.headers['etag'],
        location: res.headers['location'],
        body: res.body,
      });
      ids.forEach((id, i) => {
        text = text.replaceAll(id, `<id ${i}>`);
      });
      answers.push(text);
      return res;
    };
    for (let i = 0; i < 12; i++) {
      await send('POST', '/t/acme/scim/v2/Users', {
        schemas: [USER_SCHEMA],
        userName: `u${i}@x.com`,
        roles: [{ value: 'r' }],
      });
    }
    const group = ids.length;
    await send('POST', '/t/acme/scim/v2/Groups', {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
      displayName: 'All',
      members: ids.slice(0, 6).map((value) => ({ value })),
    });
    for (const id of ids.slice(0, 4)) {
      await send('PATCH', `/t/acme/scim/v2/Users/${id}`, {
        schemas: [PATCH_OP],
        Operations: [{ op: 'replace', path: 'active', value: false }],
      });
    }
    await send('DELETE', `/t/acme/scim/v2/Users/${ids[4]}`);
    await send('PATCH', `/t/acme/scim/v2/Users/${ids[5]}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'remove', path: 'roles' }],
    });
    await send('PATCH', `/t/acme/scim/v2/Groups/${ids[group]}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'remove', path: `members[value eq "${ids[5]}"]` }],
    });
    await send('PUT', `/t/acme/scim/v2/Users/${ids[0]}`, {
      schemas: [USER_SCHEMA],
      userName: 'u0@x.com',
      active: true,
    });
    await send('GET', `/t/acme/scim/v2/Users/${ids[1]}`);
    await send('GET', '/t/acme/scim/v2/Users?filter=active%20eq%20false&sortBy=userName');
    await send('GET', `/t/acme/scim/v2/Groups/${ids[group]}`);
    await send('POST', '/t/acme/scim/v2/Bulk', {
      schemas: ['urn:ietf:params:scim:api:messages:2.0:BulkRequest'],
      Operations: ids.slice(6, 9).map((id) => ({ method: 'DELETE', path: `/Users/${id}` })),
    });
    const tripped = (await readGuard(harness.store, 'acme')).state === 'tripped';
    await harness.close();
    h = undefined;
    return { answers, tripped };
  }

  it('answers byte for byte the same with the guard tripped as with it off', async () => {
    const off = await cycle({ guardEnabled: false });
    const on = await cycle({ guardEnabled: true, guardMinimum: 3, guardPercent: 10 });
    assert.equal(off.tripped, false);
    assert.equal(on.tripped, true);
    assert.equal(on.answers.length, off.answers.length);
    for (const [i, answer] of on.answers.entries()) assert.equal(answer, off.answers[i], `answer ${i + 1}`);
  });
});

describeEachBackend('deprovision guard: statements it costs', (backend) => {
  /**
   * Statements a create, a title change, a deactivation and a deletion each ran, with the guard
   * as configured. The provisioning log writes in the background every 200 ms, which can land
   * inside a measured request: each kind is measured three times and the fewest kept.
   */
  async function statementsPerKind(config: object): Promise<number[]> {
    let count = 0;
    const observer = { statement: () => void count++ };
    const harness = await startHarness({ backend, clock: manualClock(), config, observer });
    try {
      const fewest = new Map<string, number>();
      const measure = async (kind: string, method: string, url: string, body?: unknown) => {
        count = 0;
        const res = await harness.request(method, url, body);
        assert.ok(res.statusCode < 300, res.body);
        fewest.set(kind, Math.min(fewest.get(kind) ?? Number.POSITIVE_INFINITY, count));
        return res;
      };
      const ids: string[] = [];
      for (let i = 0; i < 9; i++) {
        const res = await measure('create', 'POST', '/t/acme/scim/v2/Users', {
          schemas: [USER_SCHEMA],
          userName: `s${i}@x.com`,
        });
        ids.push(res.json<{ id: string }>().id);
      }
      for (let i = 0; i < 3; i++) {
        await measure('update', 'PATCH', `/t/acme/scim/v2/Users/${ids[i]}`, {
          schemas: [PATCH_OP],
          Operations: [{ op: 'replace', path: 'title', value: `Boss ${i}` }],
        });
        await measure('deactivate', 'PATCH', `/t/acme/scim/v2/Users/${ids[3 + i]}`, {
          schemas: [PATCH_OP],
          Operations: [{ op: 'replace', path: 'active', value: false }],
        });
        await measure('delete', 'DELETE', `/t/acme/scim/v2/Users/${ids[6 + i]}`);
      }
      return ['create', 'update', 'deactivate', 'delete'].map((kind) => fewest.get(kind)!);
    } finally {
      await harness.close();
    }
  }

  it('costs nothing on writes that are not deprovisions, and two statements more on a deprovision below the minimum', async () => {
    const off = await statementsPerKind({ guardEnabled: false });
    const on = await statementsPerKind({ guardEnabled: true });
    assert.deepEqual(on.slice(0, 2), off.slice(0, 2), 'creates and a title change: no extra statement');
    // Off globally, a deprovision reads the tenant's guard (it may be on for this tenant) and
    // stops; on, it also notes the user and counts the window (below the minimum: no denominator).
    assert.deepEqual(
      on.slice(2).map((n, i) => n - off[2 + i]!),
      [2, 2],
    );
  });
});

describeEachBackend('deprovision guard: concurrent writers', (backend) => {
  it('trips once when many deprovisions of a tenant arrive at once', async () => {
    const { h, tenantId } = await start(backend);
    const ids = await createUsers(h, 60);
    await configureGuard(h.store, 'acme', { minimum: 5, percent: 5 }, ACTOR);
    const answers = await Promise.all(ids.slice(0, 30).map((id) => deactivate(h, id)));
    assert.deepEqual(new Set(answers.map((r) => r.statusCode)), new Set([200]));
    const types = await eventTypes(h, tenantId);
    assert.equal(types.filter((t) => t === 'tenant.guard_tripped').length, 1);
    assert.equal(types.filter((t) => t === 'user.deactivated').length, 30, 'every change recorded');
    const guard = await readGuard(h.store, 'acme');
    assert.equal(guard.state, 'tripped');
    assert.equal(guard.decisions.filter((d) => d.action === 'trip').length, 1);
    assert.equal(types[Number(guard.heldFrom) - 1], 'tenant.guard_tripped');
  });
});
