import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, it } from 'node:test';
import { isScimError } from '../scim/errors.js';
import type { Store } from '../store/store.js';
import { describeEachBackend } from '../store/test-support/backends.js';
import {
  createSetupLink,
  generatePortalToken,
  listSetupLinkEvents,
  listSetupLinks,
  recordSetupLinkUse,
  resolveSetupLink,
  revokeSetupLink,
  setupLinkUrl,
} from './setup-links.js';
import { createTenant, issueToken, listTokens, setTenantStatus } from './tenants.js';

const T0 = new Date('2024-05-01T12:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);
const HOUR = 3_600_000;
const CLIENT = { address: '203.0.113.9', userAgent: 'Mozilla/5.0' };

async function rejectsWith(promise: Promise<unknown>, status: number, message: string): Promise<void> {
  await assert.rejects(promise, (error) => {
    assert.ok(isScimError(error), String(error));
    assert.equal(error.status, status);
    assert.equal(error.message, message);
    return true;
  });
}

it('setupLinkUrl joins the base without its trailing slashes', () => {
  assert.equal(setupLinkUrl('https://x.example/', 'scimd_setup_a'), 'https://x.example/setup/scimd_setup_a');
  assert.equal(setupLinkUrl('https://x.example/p//', 'o'), 'https://x.example/p/setup/o');
});

describeEachBackend('setup links', (backend) => {
  let store: Store;
  before(async () => {
    store = await backend.openStore();
    await createTenant(store, { slug: 'acme' }, T0);
    await createTenant(store, { slug: 'globex' }, T0);
  });
  after(() => store.close());

  it('creates a link that stores only the hash, 7 days by default', async () => {
    const { opaque, record, tenant } = await createSetupLink(store, 'acme', { createdBy: 'cli' }, T0);
    assert.match(opaque, /^scimd_setup_[0-9A-Za-z]{43}$/);
    assert.equal(tenant.slug, 'acme');
    assert.equal(record.hash, createHash('sha256').update(opaque).digest('hex'));
    assert.equal(record.hint, `…${opaque.slice(-4)}`);
    assert.equal(record.expiresAt, at(7 * 24 * HOUR).toISOString());
    assert.equal(record.createdBy, 'cli');
    assert.ok(!JSON.stringify(record).includes(opaque));
    const short = await createSetupLink(store, 'acme', { expiresIn: '90d', createdBy: 'cli' }, T0);
    assert.equal(short.record.expiresAt, at(90 * 24 * HOUR).toISOString());
  });

  it('refuses never, more than 90 days, bad expiries and unknown tenants', async () => {
    const tooLong = 'invalid setup link expiry "never": a setup link lasts at most 90d';
    await rejectsWith(createSetupLink(store, 'acme', { expiresIn: 'never', createdBy: 'cli' }, T0), 400, tooLong);
    await rejectsWith(
      createSetupLink(store, 'acme', { expiresIn: '91d', createdBy: 'cli' }, T0),
      400,
      'invalid setup link expiry "91d": a setup link lasts at most 90d',
    );
    await assert.rejects(createSetupLink(store, 'acme', { expiresIn: 'soon', createdBy: 'cli' }, T0), /invalid expiry/);
    await rejectsWith(createSetupLink(store, 'nope', { createdBy: 'cli' }, T0), 404, 'tenant "nope" not found');
  });

  it('resolves active links and says why others are refused', async () => {
    const { opaque, record } = await createSetupLink(store, 'acme', { expiresIn: '1h', createdBy: 'cli' }, T0);
    const ok = await resolveSetupLink(store, opaque, at(HOUR - 1));
    assert.ok(ok.ok);
    assert.equal(ok.link.id, record.id);
    assert.equal(ok.tenant.slug, 'acme');
    assert.deepEqual(await resolveSetupLink(store, opaque, at(HOUR)), { ok: false, reason: 'expired' });
    // One character changed (to `x`, or to `y` when it already was `x`): a well-formed link nobody issued.
    const altered = `${opaque.slice(0, -1)}${opaque.endsWith('x') ? 'y' : 'x'}`;
    assert.deepEqual(await resolveSetupLink(store, altered, T0), { ok: false, reason: 'unknown' });
    await setTenantStatus(store, 'acme', 'disabled');
    assert.deepEqual(await resolveSetupLink(store, opaque, T0), { ok: false, reason: 'tenant-disabled' });
    await setTenantStatus(store, 'acme', 'active');
    await revokeSetupLink(store, 'acme', record.id, T0);
    assert.deepEqual(await resolveSetupLink(store, opaque, T0), { ok: false, reason: 'revoked' });
  });

  it('answers garbage without reading the store', async () => {
    const reading: Store = {
      ...store,
      console: {
        ...store.console,
        setupLinks: {
          ...store.console.setupLinks,
          findByHash: () => assert.fail('must not read'),
        },
      },
    };
    for (const opaque of ['', 'x', 'scimd_setup_short', `scimd_setup_${'a'.repeat(42)}!`, `scimd_${'a'.repeat(43)}`]) {
      assert.deepEqual(await resolveSetupLink(reading, opaque, T0), { ok: false, reason: 'unknown' });
    }
  });

  it("revokes only the tenant's own links", async () => {
    const { record } = await createSetupLink(store, 'globex', { createdBy: 'cli' }, T0);
    await rejectsWith(
      revokeSetupLink(store, 'acme', record.id, T0),
      404,
      `setup link "${record.id}" not found in tenant "acme"`,
    );
    const view = await revokeSetupLink(store, 'globex', record.id, at(1000));
    assert.equal(view.status, 'revoked');
    assert.equal(view.revokedAt, at(1000).toISOString());
    assert.equal((await revokeSetupLink(store, 'globex', record.id, at(2000))).revokedAt, at(1000).toISOString());
  });

  it('generates portal tokens that retire earlier portal tokens after the grace, never operator tokens', async () => {
    await createTenant(store, { slug: 'initech' }, T0);
    const direct = await issueToken(store, 'initech', { label: 'Entra prod' }, T0);
    const one = await createSetupLink(store, 'initech', { createdBy: 'cli' }, T0);
    const two = await createSetupLink(store, 'initech', { createdBy: 'admin-api' }, at(1));
    await recordSetupLinkUse(store, one.record, 'opened', CLIENT, at(10));
    const first = await generatePortalToken(store, one.record, 24 * HOUR, CLIENT, at(20));
    assert.match(first.token, /^scimd_[0-9A-Za-z]{43}$/);
    assert.equal(first.record.label, 'Setup portal');
    assert.equal(first.record.expiresAt, null);
    assert.deepEqual(first.previous, []);
    // A second link of the same tenant retires the first link's token.
    const second = await generatePortalToken(store, two.record, 24 * HOUR, CLIENT, at(30));
    const graceEnd = at(30 + 24 * HOUR).toISOString();
    assert.deepEqual(second.previous, [{ id: first.record.id, hint: first.record.hint, expiresAt: graceEnd }]);
    // The grace never lengthens: a third token a little later keeps both earlier expiries at most.
    const third = await generatePortalToken(store, one.record, 0, CLIENT, at(40));
    assert.deepEqual(
      third.previous.map((p) => [p.id, p.expiresAt]),
      [
        [first.record.id, at(40).toISOString()],
        [second.record.id, at(40).toISOString()],
      ],
    );
    const tokens = await listTokens(store, 'initech', at(40));
    assert.deepEqual(
      tokens.map((t) => [t.id, t.status, t.expiresAt]),
      [
        [direct.record.id, 'active', null],
        [first.record.id, 'expired', at(40).toISOString()],
        [second.record.id, 'expired', at(40).toISOString()],
        [third.record.id, 'active', null],
      ],
    );

    const views = await listSetupLinks(store, 'initech', at(50));
    assert.deepEqual(
      views.map((v) => [v.id, v.status, v.opened, v.tokensGenerated, v.lastUsedAt]),
      [
        [two.record.id, 'active', 0, 1, at(30).toISOString()],
        [one.record.id, 'active', 1, 2, at(40).toISOString()],
      ],
    );
    const events = await listSetupLinkEvents(store, 'initech', { linkId: one.record.id });
    assert.deepEqual(
      events.map((e) => [e.kind, e.tokenId, e.clientAddress, e.userAgent]),
      [
        ['token_generated', third.record.id, '203.0.113.9', 'Mozilla/5.0'],
        ['token_generated', first.record.id, '203.0.113.9', 'Mozilla/5.0'],
        ['opened', null, '203.0.113.9', 'Mozilla/5.0'],
      ],
    );
    assert.equal((await listSetupLinkEvents(store, 'initech', { limit: 2 })).length, 2);
    await rejectsWith(
      listSetupLinkEvents(store, 'initech', { limit: 0 }),
      400,
      'invalid limit 0: use a whole number from 1 to 1000',
    );
  });

  it('caps what a client can make it store', async () => {
    const { record } = await createSetupLink(store, 'globex', { createdBy: 'cli' }, T0);
    await recordSetupLinkUse(store, record, 'opened', { address: null, userAgent: 'x'.repeat(5000) }, T0);
    const [event] = await listSetupLinkEvents(store, 'globex', { linkId: record.id });
    assert.equal(event?.userAgent?.length, 512);
    assert.equal(event?.clientAddress, null);
  });
});
