/**
 * Contract: event endpoints, their per-tenant streams (claiming with leases, fencing, replay)
 * and dead letters.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ClaimRequest, EndpointRecord, StreamProgress } from '../events-port.js';
import { assertScimError, at, type OpenStore, withTenants } from '../test-support/fixtures.js';
import { changeEvent } from './events.contract.js';

export function endpointRecord(id: string, overrides: Partial<EndpointRecord> = {}): EndpointRecord {
  return {
    id,
    kind: 'webhook',
    name: null,
    tenantId: null,
    url: `http://127.0.0.1:9/${id}`,
    description: null,
    secrets: [{ secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', created: at(0), expiresAt: null }],
    enabled: true,
    created: at(0),
    ...overrides,
  };
}

const claim = (overrides: Partial<ClaimRequest> = {}): ClaimRequest => ({
  kind: 'webhook',
  now: at(100),
  owner: 'd1',
  leaseUntil: at(160),
  limit: 10,
  ...overrides,
});

const progress = (deliveredSeq: number, overrides: Partial<StreamProgress> = {}): StreamProgress => ({
  deliveredSeq,
  attempts: 0,
  nextAttemptAt: at(100),
  lastAttemptAt: at(100),
  lastError: null,
  lastStatus: 204,
  ...overrides,
});

export function endpointsContract(open: OpenStore): void {
  describe('event endpoints', () => {
    it('creates, lists, updates and deletes endpoints; consumer names are unique', async () => {
      await withTenants(open, async (_a, _b, store) => {
        const one = await store.endpoints.create(endpointRecord('e1', { created: at(2) }), 'latest');
        await store.endpoints.create(endpointRecord('e2', { kind: 'consumer', name: 'billing', url: null }), 'latest');
        assert.deepEqual(await store.endpoints.get('e1'), one);
        assert.equal((await store.endpoints.getByName('billing'))?.id, 'e2');
        assert.deepEqual(
          (await store.endpoints.list()).map((e) => e.id),
          ['e2', 'e1'],
        );
        await assertScimError(
          store.endpoints.create(endpointRecord('e3', { kind: 'consumer', name: 'billing', url: null }), 'latest'),
          409,
          undefined,
          'billing',
        );
        const secrets = [{ secret: 'whsec_AAAA', created: at(5), expiresAt: at(9) }];
        const updated = await store.endpoints.update('e1', { enabled: false, description: 'CRM', secrets });
        assert.deepEqual(updated, { ...one, enabled: false, description: 'CRM', secrets });
        assert.deepEqual(await store.endpoints.update('e1', {}), updated);
        assert.equal(await store.endpoints.update('nope', { enabled: true }), undefined);
        assert.equal(await store.endpoints.delete('e1'), true);
        assert.equal(await store.endpoints.delete('e1'), false);
        assert.equal(await store.endpoints.get('e1'), undefined);
      });
    });

    it('gives each tenant in scope a stream: at creation when it has events, else with its first event', async () => {
      await withTenants(open, async (a, b, store) => {
        await a.transaction((tx) => tx.appendEvents([changeEvent('1'), changeEvent('2')]));
        await store.endpoints.create(endpointRecord('all'), 'latest');
        await store.endpoints.create(endpointRecord('from-oldest'), 'oldest');
        await store.endpoints.create(endpointRecord('only-b', { tenantId: 'tenant-b' }), 'latest');
        const positions = async (id: string) =>
          (await store.endpoints.listStreams(id)).map((s) => [s.tenantId, s.deliveredSeq]);
        assert.deepEqual(await positions('all'), [['tenant-a', 2]]);
        assert.deepEqual(await positions('from-oldest'), [['tenant-a', 0]]);
        assert.deepEqual(await positions('only-b'), []);
        await b.transaction((tx) => tx.appendEvents([changeEvent('b1', at(7))]));
        await a.transaction((tx) => tx.appendEvents([changeEvent('3')]));
        assert.deepEqual(await positions('all'), [
          ['tenant-a', 2],
          ['tenant-b', 0],
        ]);
        const [stream] = await store.endpoints.listStreams('only-b');
        assert.deepEqual(stream, {
          id: 'only-b:tenant-b',
          endpointId: 'only-b',
          tenantId: 'tenant-b',
          deliveredSeq: 0,
          attempts: 0,
          nextAttemptAt: at(7),
          lastAttemptAt: null,
          lastError: null,
          lastStatus: null,
          leaseOwner: null,
          leaseUntil: null,
        });
        await store.tenants.delete('tenant-b');
        assert.equal(await store.endpoints.get('only-b'), undefined);
        assert.deepEqual(await positions('all'), [['tenant-a', 2]]);
      });
    });

    it('sums the undelivered events of enabled endpoints by kind (the backlog)', async () => {
      await withTenants(open, async (a, b, store) => {
        assert.deepEqual(await store.endpoints.backlog(), []);
        await a.transaction((tx) => tx.appendEvents([changeEvent('1'), changeEvent('2')]));
        await store.endpoints.create(endpointRecord('all'), 'oldest');
        await store.endpoints.create(endpointRecord('only-b', { tenantId: 'tenant-b' }), 'latest');
        await store.endpoints.create(endpointRecord('off', { enabled: false }), 'oldest');
        await store.endpoints.create(endpointRecord('app', { kind: 'consumer', name: 'app', url: null }), 'latest');
        assert.deepEqual(await store.endpoints.backlog(), [{ kind: 'webhook', events: 2, streams: 1 }]);
        await b.transaction((tx) => tx.appendEvents([changeEvent('b1'), changeEvent('b2'), changeEvent('b3')]));
        await a.transaction((tx) => tx.appendEvents([changeEvent('3')]));
        // webhooks: all@a 3, all@b 3, only-b@b 3; the disabled endpoint does not count.
        assert.deepEqual(await store.endpoints.backlog(), [
          { kind: 'consumer', events: 4, streams: 2 },
          { kind: 'webhook', events: 9, streams: 3 },
        ]);
        await store.endpoints.setStreamPosition('all', 'tenant-a', 3, at(100));
        await store.endpoints.setStreamPosition('app', 'tenant-b', 3, at(100));
        assert.deepEqual(await store.endpoints.backlog(), [
          { kind: 'consumer', events: 1, streams: 1 },
          { kind: 'webhook', events: 6, streams: 2 },
        ]);
      });
    });

    it('leases each due stream to one dispatcher, fences updates and frees expired leases', async () => {
      await withTenants(open, async (a, b, store) => {
        await store.endpoints.create(endpointRecord('e1'), 'latest');
        await store.endpoints.create(endpointRecord('c1', { kind: 'consumer', name: 'n', url: null }), 'latest');
        await a.transaction((tx) => tx.appendEvents([changeEvent('1', at(1))]));
        await b.transaction((tx) => tx.appendEvents([changeEvent('2', at(2))]));
        const first = await store.endpoints.claimStreams(claim({ limit: 1 }));
        assert.deepEqual(
          first.map((s) => [s.id, s.leaseOwner, s.leaseUntil]),
          [['e1:tenant-a', 'd1', at(160)]],
        );
        const second = await store.endpoints.claimStreams(claim({ owner: 'd2' }));
        assert.deepEqual(
          second.map((s) => s.id),
          ['e1:tenant-b'],
        );
        assert.deepEqual(await store.endpoints.claimStreams(claim({ owner: 'd3' })), []);
        const consumer = await store.endpoints.claimStreams(claim({ kind: 'consumer', endpointId: 'c1' }));
        assert.deepEqual(
          consumer.map((s) => s.id),
          ['c1:tenant-a', 'c1:tenant-b'],
        );
        assert.equal(await store.endpoints.updateStream('e1:tenant-a', 'd2', progress(1), true), false);
        assert.equal(await store.endpoints.updateStream('e1:tenant-a', 'd1', progress(1), true), true);
        // tenant-a is caught up; d2's lease on tenant-b has expired, so d1 may take it over.
        const takeover = await store.endpoints.claimStreams(claim({ owner: 'd1', now: at(170), leaseUntil: at(200) }));
        assert.deepEqual(
          takeover.map((s) => s.id),
          ['e1:tenant-b'],
        );
        assert.equal(await store.endpoints.updateStream('e1:tenant-b', 'd2', progress(1), false), false);
        const retry = progress(0, { attempts: 1, nextAttemptAt: at(300), lastError: 'HTTP 500', lastStatus: 500 });
        assert.equal(await store.endpoints.updateStream('e1:tenant-b', 'd1', retry, true), true);
        assert.deepEqual(await store.endpoints.claimStreams(claim({ now: at(250), leaseUntil: at(260) })), []);
        const due = await store.endpoints.claimStreams(claim({ owner: 'd4', now: at(300), leaseUntil: at(360) }));
        assert.deepEqual(
          due.map((s) => [s.id, s.attempts, s.lastError, s.lastStatus]),
          [['e1:tenant-b', 1, 'HTTP 500', 500]],
        );
        await store.endpoints.update('e1', { enabled: false });
        await a.transaction((tx) => tx.appendEvents([changeEvent('3', at(3))]));
        assert.deepEqual(await store.endpoints.claimStreams(claim({ now: at(1000), leaseUntil: at(1100) })), []);
      });
    });

    it('replays from a position, creating the stream when needed and fencing the old lease', async () => {
      await withTenants(open, async (a, _b, store) => {
        await a.transaction((tx) => tx.appendEvents([changeEvent('1'), changeEvent('2')]));
        await store.endpoints.create(endpointRecord('e1'), 'latest');
        await store.endpoints.create(endpointRecord('e2', { tenantId: 'tenant-b' }), 'latest');
        assert.deepEqual(await store.endpoints.claimStreams(claim()), []);
        await store.endpoints.setStreamPosition('e1', 'tenant-a', 1, at(90));
        assert.deepEqual(
          (await store.endpoints.claimStreams(claim())).map((s) => [s.id, s.deliveredSeq, s.leaseOwner]),
          [['e1:tenant-a', 1, 'd1']],
        );
        const replayed = await store.endpoints.setStreamPosition('e1', 'tenant-a', 0, at(120));
        assert.deepEqual(
          [replayed.deliveredSeq, replayed.attempts, replayed.nextAttemptAt, replayed.leaseOwner, replayed.leaseUntil],
          [0, 0, at(120), null, null],
        );
        assert.equal(await store.endpoints.updateStream('e1:tenant-a', 'd1', progress(2), true), false);
        assert.deepEqual(
          (await store.endpoints.claimStreams(claim({ owner: 'd2', now: at(130) }))).map((s) => [s.id, s.deliveredSeq]),
          [['e1:tenant-a', 0]],
        );
        const created = await store.endpoints.setStreamPosition('e2', 'tenant-b', 0, at(140));
        assert.equal(created.id, 'e2:tenant-b');
        assert.deepEqual(
          (await store.endpoints.listStreams('e2')).map((s) => s.id),
          ['e2:tenant-b'],
        );
      });
    });

    it('keeps dead letters, newest first, and redelivers them under a lease', async () => {
      await withTenants(open, async (a, _b, store) => {
        await store.endpoints.create(endpointRecord('e1'), 'latest');
        await a.transaction((tx) => tx.appendEvents([changeEvent('1'), changeEvent('2')]));
        const dead = (id: string, seq: number, deadAt: string) => ({
          id,
          endpointId: 'e1',
          tenantId: 'tenant-a',
          seq,
          attempts: 12,
          lastError: 'HTTP 503',
          lastStatus: 503,
          deadAt,
          state: 'dead' as const,
          nextAttemptAt: null,
          leaseOwner: null,
          leaseUntil: null,
        });
        await store.endpoints.insertDeadLetter(dead('d-1', 1, at(10)));
        await store.endpoints.insertDeadLetter(dead('d-2', 2, at(20)));
        const list = await store.endpoints.listDeadLetters('e1', { limit: 10 });
        assert.deepEqual(
          list.map((d) => d.id),
          ['d-2', 'd-1'],
        );
        assert.deepEqual(await store.endpoints.getDeadLetter('e1', 'd-1'), dead('d-1', 1, at(10)));
        assert.equal(await store.endpoints.getDeadLetter('other', 'd-1'), undefined);
        assert.deepEqual(await store.endpoints.listDeadLetters('e1', { tenantId: 'tenant-b', limit: 10 }), []);
        const retrying = await store.endpoints.redeliver('e1', 'd-1', at(30));
        assert.deepEqual(retrying, {
          ...dead('d-1', 1, at(10)),
          state: 'retrying',
          attempts: 0,
          nextAttemptAt: at(30),
        });
        assert.equal(await store.endpoints.redeliver('e1', 'nope', at(30)), undefined);
        assert.deepEqual(
          (await store.endpoints.listDeadLetters('e1', { state: 'retrying', limit: 10 })).map((d) => d.id),
          ['d-1'],
        );
        const claimed = await store.endpoints.claimDeadLetters(claim({ now: at(40) }));
        assert.deepEqual(
          claimed.map((d) => [d.id, d.leaseOwner]),
          [['d-1', 'd1']],
        );
        assert.deepEqual(await store.endpoints.claimDeadLetters(claim({ now: at(40), owner: 'd2' })), []);
        const outcome = {
          state: 'delivered' as const,
          attempts: 1,
          nextAttemptAt: null,
          lastError: null,
          lastStatus: 200,
        };
        assert.equal(await store.endpoints.updateDeadLetter('d-1', 'd2', outcome), false);
        assert.equal(await store.endpoints.updateDeadLetter('d-1', 'd1', outcome), true);
        assert.equal((await store.endpoints.getDeadLetter('e1', 'd-1'))?.state, 'delivered');
        assert.equal(await store.events.prune(at(15)), 0);
        assert.deepEqual(
          (await store.endpoints.listDeadLetters('e1', { limit: 10 })).map((d) => d.id),
          ['d-2'],
        );
      });
    });
  });
}
