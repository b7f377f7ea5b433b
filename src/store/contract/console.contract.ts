/** Contract: the console half of the store (console-port.ts) and TokenRepository.setExpiry. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { AdminCredentialRecord, SetupLinkEvent, SetupLinkRecord } from '../console-port.js';
import { assertScimError, at, type OpenStore, tenantRecord, tokenRecord, withStore } from '../test-support/fixtures.js';

function link(id: string, tenantId: string, overrides: Partial<SetupLinkRecord> = {}): SetupLinkRecord {
  return {
    id,
    tenantId,
    hash: `hash-${id}`,
    hint: '…ab12',
    created: at(0),
    createdBy: 'cli',
    expiresAt: at(86_400),
    revokedAt: null,
    ...overrides,
  };
}

function event(id: string, linkId: string, tenantId: string, seconds: number): SetupLinkEvent {
  return {
    id,
    linkId,
    tenantId,
    time: at(seconds),
    kind: 'opened',
    tokenId: null,
    clientAddress: '203.0.113.9',
    userAgent: 'Mozilla/5.0',
  };
}

function credential(id: string, overrides: Partial<AdminCredentialRecord> = {}): AdminCredentialRecord {
  return {
    id,
    label: `Credential ${id}`,
    hash: `hash-${id}`,
    hint: 'scimd_admin_…ab12',
    created: at(0),
    revokedAt: null,
    lastUsedAt: null,
    ...overrides,
  };
}

export function consoleContract(open: OpenStore): void {
  describe('setup links', () => {
    it('inserts, finds by hash, lists newest first, refuses a taken hash', async () => {
      await withStore(open, async (store) => {
        await store.tenants.create(tenantRecord('t1'));
        await store.tenants.create(tenantRecord('t2'));
        const links = store.console.setupLinks;
        const first = await links.insert(link('l1', 't1', { created: '2024-01-01T00:00:00Z' }));
        assert.deepEqual(first, link('l1', 't1'));
        await links.insert(link('l2', 't1', { created: at(60) }));
        await links.insert(link('l3', 't2', { created: at(120) }));
        assert.deepEqual(await links.findByHash('hash-l1'), first);
        assert.equal(await links.findByHash('hash-nope'), undefined);
        assert.deepEqual(
          (await links.listForTenant('t1')).map((l) => l.id),
          ['l2', 'l1'],
        );
        assert.deepEqual(await links.listForTenant('nope'), []);
        await assertScimError(links.insert(link('l4', 't1', { hash: 'hash-l1' })), 409, undefined, 'hash');
      });
    });

    it('revokes idempotently, keeping the first time, and only within the tenant', async () => {
      await withStore(open, async (store) => {
        await store.tenants.create(tenantRecord('t1'));
        await store.tenants.create(tenantRecord('t2'));
        const links = store.console.setupLinks;
        await links.insert(link('l1', 't1'));
        assert.equal(await links.revoke('t2', 'l1', at(10)), undefined);
        assert.equal((await links.findByHash('hash-l1'))?.revokedAt, null);
        assert.equal((await links.revoke('t1', 'l1', at(10)))?.revokedAt, at(10));
        assert.equal((await links.revoke('t1', 'l1', at(20)))?.revokedAt, at(10));
        assert.equal(await links.revoke('t1', 'nope', at(20)), undefined);
      });
    });

    it('lists events newest first, by link, up to the limit, within the tenant', async () => {
      await withStore(open, async (store) => {
        await store.tenants.create(tenantRecord('t1'));
        await store.tenants.create(tenantRecord('t2'));
        const links = store.console.setupLinks;
        await links.insert(link('l1', 't1'));
        await links.insert(link('l2', 't1'));
        await links.insert(link('l3', 't2'));
        await links.recordEvent(event('e1', 'l1', 't1', 10));
        await links.recordEvent({ ...event('e2', 'l2', 't1', 20), kind: 'token_generated', tokenId: 'tok1' });
        await links.recordEvent(event('e3', 'l1', 't1', 30));
        await links.recordEvent(event('e0', 'l1', 't1', 30));
        await links.recordEvent(event('e4', 'l3', 't2', 40));
        const all = await links.listEvents('t1', { limit: 10 });
        assert.deepEqual(
          all.map((e) => e.id),
          ['e3', 'e0', 'e2', 'e1'],
        );
        assert.deepEqual(all[2], {
          id: 'e2',
          linkId: 'l2',
          tenantId: 't1',
          time: at(20),
          kind: 'token_generated',
          tokenId: 'tok1',
          clientAddress: '203.0.113.9',
          userAgent: 'Mozilla/5.0',
        });
        assert.deepEqual(
          (await links.listEvents('t1', { linkId: 'l1', limit: 2 })).map((e) => e.id),
          ['e3', 'e0'],
        );
        assert.deepEqual(await links.listEvents('t2', { linkId: 'l1', limit: 10 }), []);
        // An event naming another tenant's link is refused.
        await assert.rejects(links.recordEvent(event('e5', 'l3', 't1', 50)));
        assert.equal((await links.listEvents('t1', { limit: 10 })).length, 4);
      });
    });

    it('disappear with their tenant, events included', async () => {
      await withStore(open, async (store) => {
        await store.tenants.create(tenantRecord('t1'));
        await store.tenants.create(tenantRecord('t2'));
        const links = store.console.setupLinks;
        await links.insert(link('l1', 't1'));
        await links.insert(link('l2', 't2'));
        await links.recordEvent(event('e1', 'l1', 't1', 10));
        await links.recordEvent(event('e2', 'l2', 't2', 10));
        assert.equal(await store.tenants.delete('t1'), true);
        assert.equal(await links.findByHash('hash-l1'), undefined);
        assert.deepEqual(await links.listForTenant('t1'), []);
        assert.deepEqual(await links.listEvents('t1', { limit: 10 }), []);
        assert.deepEqual(
          (await links.listEvents('t2', { limit: 10 })).map((e) => e.id),
          ['e2'],
        );
        // The id is free again once the tenant is gone.
        await store.tenants.create(tenantRecord('t1'));
        await links.insert(link('l1', 't1'));
      });
    });
  });

  describe('admin credentials', () => {
    it('inserts, finds, lists oldest first, revokes idempotently, touches coarsely', async () => {
      await withStore(open, async (store) => {
        const credentials = store.console.adminCredentials;
        const second = await credentials.insert(credential('c2', { created: at(60) }));
        const first = await credentials.insert(credential('c1', { created: '2024-01-01T00:00:00Z' }));
        assert.deepEqual(first, credential('c1'));
        assert.deepEqual(await credentials.findByHash('hash-c2'), second);
        assert.equal(await credentials.findByHash('nope'), undefined);
        assert.deepEqual(
          (await credentials.list()).map((c) => c.id),
          ['c1', 'c2'],
        );
        await assertScimError(credentials.insert(credential('c3', { hash: 'hash-c1' })), 409, undefined, 'hash');
        assert.equal((await credentials.revoke('c1', at(100)))?.revokedAt, at(100));
        assert.equal((await credentials.revoke('c1', at(200)))?.revokedAt, at(100));
        assert.equal(await credentials.revoke('nope', at(200)), undefined);
        await credentials.touch('c2', at(300));
        assert.equal((await credentials.findByHash('hash-c2'))?.lastUsedAt, at(300));
        await credentials.touch('c2', at(310));
        assert.equal((await credentials.findByHash('hash-c2'))?.lastUsedAt, at(300));
        await credentials.touch('c2', at(400));
        assert.equal((await credentials.findByHash('hash-c2'))?.lastUsedAt, at(400));
        await credentials.touch('nope', at(400));
      });
    });
  });

  describe('console sessions', () => {
    it('gets, replaces, deletes, expires and prunes', async () => {
      await withStore(open, async (store) => {
        const sessions = store.console.sessions;
        const s1 = { idHash: 'h1', data: '{"a":1}', expiresAt: at(100) };
        await sessions.set(s1);
        assert.deepEqual(await sessions.get('h1', at(0)), s1);
        assert.equal(await sessions.get('nope', at(0)), undefined);
        await sessions.set({ ...s1, data: '{"a":2}', expiresAt: '2024-01-01T00:03:20Z' });
        assert.deepEqual(await sessions.get('h1', at(150)), { idHash: 'h1', data: '{"a":2}', expiresAt: at(200) });
        assert.equal(await sessions.get('h1', at(200)), undefined, 'gone at its expiry');
        await sessions.set({ idHash: 'h2', data: '{}', expiresAt: at(50) });
        await sessions.set({ idHash: 'h3', data: '{}', expiresAt: at(500) });
        assert.equal(await sessions.prune(at(200)), 2);
        assert.equal(await sessions.prune(at(200)), 0);
        assert.deepEqual(await sessions.get('h3', at(200)), { idHash: 'h3', data: '{}', expiresAt: at(500) });
        await sessions.delete('h3');
        await sessions.delete('h3');
        assert.equal(await sessions.get('h3', at(200)), undefined);
      });
    });
  });

  describe('settings', () => {
    it('stores the first value and returns it ever after', async () => {
      await withStore(open, async (store) => {
        const settings = store.console.settings;
        assert.equal(await settings.getOrCreate('k', () => 'first'), 'first');
        let called = false;
        const again = await settings.getOrCreate('k', () => {
          called = true;
          return 'second';
        });
        assert.equal(again, 'first');
        assert.equal(called, false);
        const racing = await Promise.all([1, 2, 3].map((n) => settings.getOrCreate('race', () => `v${n}`)));
        assert.equal(new Set(racing).size, 1);
      });
    });
  });

  describe('token setExpiry', () => {
    it('only ever brings the expiry forward, leaves revoked tokens, stays in the tenant', async () => {
      await withStore(open, async (store) => {
        await store.tenants.create(tenantRecord('t1'));
        await store.tenants.create(tenantRecord('t2'));
        await store.tokens.insert(tokenRecord('k1', 't1'));
        await store.tokens.insert(tokenRecord('k2', 't1', { revokedAt: at(5) }));
        assert.equal(await store.tokens.setExpiry('t2', 'k1', at(100)), undefined);
        assert.equal((await store.tokens.findByHash('hash-k1'))?.expiresAt, null);
        assert.equal((await store.tokens.setExpiry('t1', 'k1', '2024-01-01T00:01:40Z'))?.expiresAt, at(100));
        assert.equal((await store.tokens.setExpiry('t1', 'k1', at(200)))?.expiresAt, at(100), 'keeps the earlier');
        assert.equal((await store.tokens.setExpiry('t1', 'k1', at(50)))?.expiresAt, at(50));
        assert.equal((await store.tokens.findByHash('hash-k1'))?.expiresAt, at(50));
        assert.deepEqual(
          await store.tokens.setExpiry('t1', 'k2', at(10)),
          tokenRecord('k2', 't1', { revokedAt: at(5) }),
        );
        assert.equal(await store.tokens.setExpiry('t1', 'nope', at(10)), undefined);
      });
    });
  });
}
