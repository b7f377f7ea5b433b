import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createMemoryStore } from '../store/memory/store.js';
import type { Store, TokenRecord } from '../store/store.js';
import { authenticateToken, bearerCredential } from './authenticate.js';
import { createTenant, issueToken, revokeToken, setTenantStatus } from './tenants.js';
import { generateToken } from './tokens.js';

const T0 = new Date('2024-05-01T12:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);

async function setUp(expiresIn?: string) {
  const store = createMemoryStore();
  await createTenant(store, { slug: 'acme', name: 'Acme' }, T0);
  await createTenant(store, { slug: 'globex' }, T0);
  const issued = await issueToken(store, 'acme', { expiresIn }, T0);
  return { store, ...issued };
}

describe('authenticateToken', () => {
  it('resolves a good token to its tenant and token', async () => {
    const { store, token, record, tenant } = await setUp();
    const result = await authenticateToken(store, token, at(1000));
    assert.equal(result.ok, true);
    assert.ok(result.ok);
    assert.deepEqual(result.tenant, tenant);
    assert.equal(result.token.id, record.id);
    assert.equal(result.token.hash, record.hash);
  });

  it('accepts the token on the matching tenant URL', async () => {
    const { store, token } = await setUp();
    assert.equal((await authenticateToken(store, token, T0, 'acme')).ok, true);
  });

  it('reports missing for undefined and empty', async () => {
    const { store } = await setUp();
    assert.deepEqual(await authenticateToken(store, undefined, T0), { ok: false, reason: 'missing' });
    assert.deepEqual(await authenticateToken(store, '', T0), { ok: false, reason: 'missing' });
  });

  it('reports malformed without a lookup', async () => {
    const { store, token } = await setUp();
    let lookups = 0;
    const counting: Store = {
      ...store,
      tokens: {
        ...store.tokens,
        findByHash: (h) => {
          lookups++;
          return store.tokens.findByHash(h);
        },
      },
    };
    for (const bad of ['x', `${token}x`, token.slice(1), `Basic ${token}`]) {
      assert.deepEqual(await authenticateToken(counting, bad, T0), { ok: false, reason: 'malformed' }, bad);
    }
    assert.equal(lookups, 0);
  });

  it('reports unknown for a well-formed token that was never issued', async () => {
    const { store } = await setUp();
    assert.deepEqual(await authenticateToken(store, generateToken().token, T0), { ok: false, reason: 'unknown' });
  });

  it('reports expired from the expiry instant on, not before', async () => {
    const { store, token } = await setUp('1h');
    assert.equal((await authenticateToken(store, token, at(3_600_000 - 1))).ok, true);
    assert.deepEqual(await authenticateToken(store, token, at(3_600_000)), { ok: false, reason: 'expired' });
    assert.deepEqual(await authenticateToken(store, token, at(3_600_001)), { ok: false, reason: 'expired' });
  });

  it('reports revoked (even when also expired)', async () => {
    const { store, token, record } = await setUp('1h');
    await revokeToken(store, 'acme', record.id, at(10));
    assert.deepEqual(await authenticateToken(store, token, at(20)), { ok: false, reason: 'revoked' });
    assert.deepEqual(await authenticateToken(store, token, at(7_200_000)), { ok: false, reason: 'revoked' });
  });

  it('reports tenant-disabled, and accepts again once enabled', async () => {
    const { store, token } = await setUp();
    await setTenantStatus(store, 'acme', 'disabled');
    assert.deepEqual(await authenticateToken(store, token, T0), { ok: false, reason: 'tenant-disabled' });
    assert.deepEqual(await authenticateToken(store, token, T0, 'acme'), { ok: false, reason: 'tenant-disabled' });
    await setTenantStatus(store, 'acme', 'active');
    assert.equal((await authenticateToken(store, token, T0)).ok, true);
  });

  it('reports wrong-tenant on another tenant URL, before revealing its status', async () => {
    const { store, token } = await setUp();
    assert.deepEqual(await authenticateToken(store, token, T0, 'globex'), { ok: false, reason: 'wrong-tenant' });
    assert.deepEqual(await authenticateToken(store, token, T0, 'nope'), { ok: false, reason: 'wrong-tenant' });
    await setTenantStatus(store, 'acme', 'disabled');
    assert.deepEqual(await authenticateToken(store, token, T0, 'globex'), { ok: false, reason: 'wrong-tenant' });
  });

  it('records last use on success only', async () => {
    const { store, token, record } = await setUp();
    const touched: [string, string][] = [];
    const spying: Store = {
      ...store,
      tokens: { ...store.tokens, touch: async (id, now) => void touched.push([id, now]) },
    };
    await authenticateToken(spying, token, at(5), 'globex');
    assert.deepEqual(touched, []);
    await authenticateToken(spying, token, at(5));
    assert.deepEqual(touched, [[record.id, '2024-05-01T12:00:00.005Z']]);

    await authenticateToken(store, token, at(5));
    const [stored] = await store.tokens.listForTenant(record.tenantId);
    assert.equal(stored?.lastUsedAt, '2024-05-01T12:00:00.005Z');
  });

  it('still succeeds when recording last use fails, and reports the failure', async () => {
    const { store, token } = await setUp();
    const failure = new Error('disk full');
    const failing: Store = {
      ...store,
      tokens: { ...store.tokens, touch: async () => Promise.reject(failure) },
    };
    const seen: unknown[] = [];
    assert.equal((await authenticateToken(failing, token, T0)).ok, true);
    assert.equal(
      (await authenticateToken(failing, token, T0, undefined, { onTouchError: (e) => seen.push(e) })).ok,
      true,
    );
    assert.deepEqual(seen, [failure]);
  });

  it('compares the stored hash itself, not just the lookup (timing-safe path)', async () => {
    const { store, token, record } = await setUp();
    const withHash = (hash: string): Store => ({
      ...store,
      tokens: { ...store.tokens, findByHash: async (): Promise<TokenRecord> => ({ ...record, hash }) },
    });
    const flipped = (record.hash[0] === 'a' ? 'b' : 'a') + record.hash.slice(1);
    assert.deepEqual(await authenticateToken(withHash(flipped), token, T0), { ok: false, reason: 'unknown' });
    assert.deepEqual(await authenticateToken(withHash(record.hash.slice(2)), token, T0), {
      ok: false,
      reason: 'unknown',
    });
    assert.deepEqual(await authenticateToken(withHash(record.hash.toUpperCase()), token, T0).then((r) => r.ok), true);
  });

  it('reports unknown when the token outlived its tenant row', async () => {
    const { store, token } = await setUp();
    const orphaned: Store = { ...store, tenants: { ...store.tenants, getById: async () => undefined } };
    assert.deepEqual(await authenticateToken(orphaned, token, T0), { ok: false, reason: 'unknown' });
  });
});

describe('bearerCredential', () => {
  it('extracts the credential of a Bearer header', () => {
    assert.equal(bearerCredential('Bearer scimd_x'), 'scimd_x');
    assert.equal(bearerCredential('bearer   scimd_x  '), 'scimd_x');
    assert.equal(bearerCredential('BEARER scimd_x'), 'scimd_x');
  });

  it('is undefined without a header and passes other schemes through (to be reported malformed)', () => {
    assert.equal(bearerCredential(undefined), undefined);
    assert.equal(bearerCredential('  '), undefined);
    assert.equal(bearerCredential('Basic dXNlcjpwYXNz'), 'Basic dXNlcjpwYXNz');
    assert.equal(bearerCredential('Bearer'), 'Bearer');
    assert.equal(bearerCredential('Bearer a b'), 'Bearer a b');
  });
});
