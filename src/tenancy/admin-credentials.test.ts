import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, it } from 'node:test';
import { isScimError } from '../scim/errors.js';
import type { Store } from '../store/store.js';
import { describeEachBackend } from '../store/test-support/backends.js';
import {
  createAdminCredential,
  listAdminCredentials,
  revokeAdminCredential,
  verifyAdminPresented,
} from './admin-credentials.js';
import { generateAdminToken } from './admin-token.js';

const T0 = new Date('2024-05-01T12:00:00.000Z');

describeEachBackend('admin credentials', (backend) => {
  let store: Store;
  before(async () => {
    store = await backend.openStore();
  });
  after(() => store.close());

  it('creates a labelled credential storing only its hash', async () => {
    const { token, record } = await createAdminCredential(store, '  Alice laptop ', T0);
    assert.match(token, /^scimd_admin_[0-9A-Za-z]{43}$/);
    assert.equal(record.label, 'Alice laptop');
    assert.equal(record.hash, createHash('sha256').update(token).digest('hex'));
    assert.equal(record.hint, `scimd_admin_…${token.slice(-4)}`);
    assert.deepEqual(
      (await listAdminCredentials(store)).map((c) => c.id),
      [record.id],
    );
    for (const [label, message] of [
      ['  ', 'credential label must not be empty'],
      ['x'.repeat(101), 'credential label must be at most 100 characters'],
      ['a\u0007', 'credential label must not contain control characters'],
    ] as const) {
      await assert.rejects(createAdminCredential(store, label, T0), (error) => {
        assert.ok(isScimError(error) && error.status === 400 && error.message === message, String(error));
        return true;
      });
    }
  });

  it('verifies the environment token and stored credentials, refusing revoked ones', async () => {
    const env = generateAdminToken();
    const { token, record } = await createAdminCredential(store, 'ops', T0);
    assert.deepEqual(await verifyAdminPresented(store, env.token, env.hash, T0), {
      ok: true,
      who: 'environment',
      credentialId: null,
    });
    assert.deepEqual(await verifyAdminPresented(store, env.token, undefined, T0), { ok: false });
    assert.deepEqual(await verifyAdminPresented(store, token, env.hash, T0), {
      ok: true,
      who: 'ops',
      credentialId: record.id,
    });
    const used = (await listAdminCredentials(store)).find((c) => c.id === record.id);
    assert.equal(used?.lastUsedAt, T0.toISOString());
    for (const presented of [undefined, '', 'scimd_admin_x', generateAdminToken().token, `${token}x`]) {
      assert.deepEqual(await verifyAdminPresented(store, presented, env.hash, T0), { ok: false }, String(presented));
    }
    const revoked = await revokeAdminCredential(store, record.id, T0);
    assert.equal(revoked.revokedAt, T0.toISOString());
    assert.deepEqual(await verifyAdminPresented(store, token, env.hash, T0), { ok: false });
    await assert.rejects(revokeAdminCredential(store, 'nope', T0), /admin credential "nope" not found/);
  });
});
