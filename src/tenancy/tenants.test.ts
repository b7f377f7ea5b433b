import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isScimError } from '../scim/errors.js';
import { createMemoryStore } from '../store/memory/store.js';
import type { Store } from '../store/store.js';
import {
  checkSlug,
  createTenant,
  deleteTenant,
  getTenant,
  issueToken,
  listTenants,
  listTokens,
  revokeToken,
  scimUrlFor,
  setTenantStatus,
} from './tenants.js';
import { hashToken } from './tokens.js';

const T0 = new Date('2024-05-01T12:00:00.000Z');
const at = (ms: number) => new Date(T0.getTime() + ms);

async function rejectsWith(promise: Promise<unknown>, status: number, message: string): Promise<void> {
  await assert.rejects(promise, (error) => {
    assert.ok(isScimError(error), String(error));
    assert.equal(error.status, status);
    assert.equal(error.message, message);
    return true;
  });
}

const SLUG_FORM = '2 to 63 lower-case letters, digits or hyphens, starting with a letter (e.g. acme-corp)';

describe('slugs', () => {
  it('accepts 2–63 lower-case letters, digits and hyphens starting with a letter', () => {
    for (const slug of ['ab', 'acme', 'acme-corp-2', `a${'b'.repeat(62)}`, 'a-', 'x1']) {
      assert.equal(checkSlug(slug), slug);
    }
  });

  it('rejects everything else with the accepted form', () => {
    for (const slug of ['a', '', 'Acme', '1acme', '-acme', 'ac me', 'acme_corp', `a${'b'.repeat(63)}`, 'café']) {
      assert.throws(() => checkSlug(slug), {
        status: 400,
        message: `invalid tenant slug ${JSON.stringify(slug)}: use ${SLUG_FORM}`,
      });
    }
  });
});

describe('tenants', () => {
  it('creates a tenant with an id, the name (default: the slug) and active status', async () => {
    const store = createMemoryStore();
    const acme = await createTenant(store, { slug: 'acme', name: '  Acme Corp ' }, T0);
    assert.match(acme.id, /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.deepEqual(
      { ...acme, id: 'x' },
      {
        id: 'x',
        slug: 'acme',
        name: 'Acme Corp',
        status: 'active',
        created: '2024-05-01T12:00:00.000Z',
      },
    );
    assert.equal((await createTenant(store, { slug: 'globex' }, T0)).name, 'globex');
    assert.deepEqual(await getTenant(store, 'acme'), acme);
  });

  it('refuses a duplicate slug, a bad slug and a bad name', async () => {
    const store = createMemoryStore();
    await createTenant(store, { slug: 'acme' }, T0);
    await rejectsWith(createTenant(store, { slug: 'acme' }, T0), 409, 'tenant "acme" already exists');
    await rejectsWith(createTenant(store, { slug: 'A' }, T0), 400, `invalid tenant slug "A": use ${SLUG_FORM}`);
    await rejectsWith(createTenant(store, { slug: 'ok', name: ' ' }, T0), 400, 'tenant name must not be empty');
    await rejectsWith(
      createTenant(store, { slug: 'ok', name: 'a\nb' }, T0),
      400,
      'tenant name must not contain control characters',
    );
    await rejectsWith(
      createTenant(store, { slug: 'ok', name: 'x'.repeat(201) }, T0),
      400,
      'tenant name must be at most 200 characters',
    );
    assert.equal((await listTenants(store)).length, 1);
  });

  it('maps a slug race lost inside the store to the same conflict', async () => {
    const store = createMemoryStore();
    await createTenant(store, { slug: 'acme' }, T0);
    const racing: Store = { ...store, tenants: { ...store.tenants, getBySlug: async () => undefined } };
    await rejectsWith(createTenant(racing, { slug: 'acme' }, T0), 409, 'tenant "acme" already exists');
  });

  it('lists tenants by slug', async () => {
    const store = createMemoryStore();
    for (const slug of ['zeta', 'acme', 'mid']) await createTenant(store, { slug }, T0);
    assert.deepEqual(
      (await listTenants(store)).map((t) => t.slug),
      ['acme', 'mid', 'zeta'],
    );
  });

  it('disables and enables idempotently; unknown tenants are 404', async () => {
    const store = createMemoryStore();
    await createTenant(store, { slug: 'acme' }, T0);
    assert.equal((await setTenantStatus(store, 'acme', 'disabled')).status, 'disabled');
    assert.equal((await setTenantStatus(store, 'acme', 'disabled')).status, 'disabled');
    assert.equal((await getTenant(store, 'acme')).status, 'disabled');
    assert.equal((await setTenantStatus(store, 'acme', 'active')).status, 'active');
    await rejectsWith(setTenantStatus(store, 'nope', 'active'), 404, 'tenant "nope" not found');
    await rejectsWith(getTenant(store, 'nope'), 404, 'tenant "nope" not found');
  });

  it('deletes a tenant with its tokens', async () => {
    const store = createMemoryStore();
    await createTenant(store, { slug: 'acme' }, T0);
    const { token, tenant } = await issueToken(store, 'acme', {}, T0);
    assert.deepEqual(await deleteTenant(store, 'acme'), tenant);
    assert.equal(await store.tenants.getBySlug('acme'), undefined);
    assert.equal(await store.tokens.findByHash(hashToken(token)), undefined);
    await rejectsWith(deleteTenant(store, 'acme'), 404, 'tenant "acme" not found');
  });
});

describe('tokens', () => {
  it('issues a token stored only as its hash, with label and expiry', async () => {
    const store = createMemoryStore();
    const tenant = await createTenant(store, { slug: 'acme' }, T0);
    const issued = await issueToken(store, 'acme', { expiresIn: '90d', label: ' Entra prod ' }, T0);
    assert.match(issued.token, /^scimd_[0-9A-Za-z]{43}$/);
    assert.deepEqual(issued.tenant, tenant);
    assert.deepEqual(
      { ...issued.record, id: 'x' },
      {
        id: 'x',
        tenantId: tenant.id,
        label: 'Entra prod',
        hash: hashToken(issued.token),
        hint: `scimd_…${issued.token.slice(-4)}`,
        created: '2024-05-01T12:00:00.000Z',
        expiresAt: '2024-07-30T12:00:00.000Z',
        revokedAt: null,
        lastUsedAt: null,
      },
    );
    assert.ok(!JSON.stringify(await store.tokens.listForTenant(tenant.id)).includes(issued.token));
  });

  it('defaults to no expiry and no label', async () => {
    const store = createMemoryStore();
    await createTenant(store, { slug: 'acme' }, T0);
    const { record } = await issueToken(store, 'acme', {}, T0);
    assert.equal(record.expiresAt, null);
    assert.equal(record.label, null);
  });

  it('refuses a bad expiry, a bad label or an unknown tenant', async () => {
    const store = createMemoryStore();
    await createTenant(store, { slug: 'acme' }, T0);
    await rejectsWith(
      issueToken(store, 'acme', { expiresIn: '5s' }, T0),
      400,
      'invalid expiry "5s": use a positive whole number followed by m, h, d, w or y (e.g. 30m, 12h, 90d, 1y), or never',
    );
    await rejectsWith(issueToken(store, 'acme', { label: '' }, T0), 400, 'token label must not be empty');
    await rejectsWith(
      issueToken(store, 'acme', { label: 'x'.repeat(101) }, T0),
      400,
      'token label must be at most 100 characters',
    );
    await rejectsWith(issueToken(store, 'nope', {}, T0), 404, 'tenant "nope" not found');
  });

  it('lists tokens oldest first with their status, never the hash', async () => {
    const store = createMemoryStore();
    await createTenant(store, { slug: 'acme' }, T0);
    const a = await issueToken(store, 'acme', { label: 'a' }, T0);
    const b = await issueToken(store, 'acme', { expiresIn: '1h' }, at(1));
    const c = await issueToken(store, 'acme', {}, at(2));
    await revokeToken(store, 'acme', c.record.id, at(3));
    const views = await listTokens(store, 'acme', at(3_600_001));
    assert.deepEqual(
      views.map((v) => [v.id, v.status, v.label]),
      [
        [a.record.id, 'active', 'a'],
        [b.record.id, 'expired', null],
        [c.record.id, 'revoked', null],
      ],
    );
    assert.deepEqual(Object.keys(views[0]!), [
      'id',
      'label',
      'hint',
      'status',
      'created',
      'expiresAt',
      'lastUsedAt',
      'revokedAt',
    ]);
    assert.equal(views[2]!.revokedAt, '2024-05-01T12:00:00.003Z');
    assert.equal((await listTokens(store, 'acme', at(3_599_999)))[1]!.status, 'active');
  });

  it('revokes only a token of that tenant', async () => {
    const store = createMemoryStore();
    await createTenant(store, { slug: 'acme' }, T0);
    await createTenant(store, { slug: 'globex' }, T0);
    const { record } = await issueToken(store, 'acme', {}, T0);
    await rejectsWith(
      revokeToken(store, 'globex', record.id, T0),
      404,
      `token "${record.id}" not found in tenant "globex"`,
    );
    const view = await revokeToken(store, 'acme', record.id, at(5));
    assert.equal(view.status, 'revoked');
    assert.equal((await revokeToken(store, 'acme', record.id, at(9))).revokedAt, '2024-05-01T12:00:00.005Z');
  });
});

describe('scimUrlFor', () => {
  it('appends the tenant-qualified SCIM path', () => {
    assert.equal(scimUrlFor('https://scim.example.com', 'acme'), 'https://scim.example.com/t/acme/scim/v2');
    assert.equal(scimUrlFor('http://localhost:8080/', 'acme'), 'http://localhost:8080/t/acme/scim/v2');
  });
});
