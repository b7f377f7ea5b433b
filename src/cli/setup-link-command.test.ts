import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { openStore } from '../store/open.js';
import { recordSetupLinkUse, resolveSetupLink } from '../tenancy/setup-links.js';
import { createCliSandbox, NOW, NOW_ISO, UUID } from './test-support/run-cli.js';

const sandbox = createCliSandbox();
after(() => sandbox.remove());

const URL_PATTERN = /^https:\/\/scim\.example\.com\/setup\/(scimd_setup_[0-9A-Za-z]{43})$/;
const DAY = 86_400_000;

async function withTenant(slug = 'acme') {
  const fixture = sandbox.fixture({ SCIMD_PUBLIC_URL: 'https://scim.example.com' });
  assert.equal((await fixture.run(['tenants', 'create', slug])).code, 0);
  return fixture;
}

describe('scimd tenants setup-link', () => {
  it('--json prints the documented shape; only the hash is stored', async () => {
    const fixture = await withTenant();
    const result = await fixture.run(['tenants', 'setup-link', 'acme', '--expires-in', '3d', '--json']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, '');
    const json = JSON.parse(result.stdout);
    assert.match(json.id, UUID);
    const opaque = URL_PATTERN.exec(json.url)?.[1];
    assert.ok(opaque, json.url);
    assert.deepEqual(json, {
      id: json.id,
      tenant: 'acme',
      url: json.url,
      hint: `…${opaque.slice(-4)}`,
      status: 'active',
      created: NOW_ISO,
      createdBy: 'cli',
      expiresAt: new Date(NOW.getTime() + 3 * DAY).toISOString(),
    });
    const store = await openStore(fixture.databaseUrl);
    try {
      const link = await store.console.setupLinks.findByHash(createHash('sha256').update(opaque).digest('hex'));
      assert.equal(link?.id, json.id);
      assert.equal((await resolveSetupLink(store, opaque, NOW)).ok, true);
    } finally {
      await store.close();
    }
  });

  it('prints the URL once with its expiry, 7 days by default; "create" may be spelled out', async () => {
    const fixture = await withTenant('list');
    const { code, stdout } = await fixture.run(['tenants', 'setup-link', 'create', 'list']);
    assert.equal(code, 0);
    const url = stdout.split('\n').find((line) => URL_PATTERN.test(line));
    assert.ok(url, stdout);
    assert.equal(stdout.split(url).length, 2, 'printed exactly once');
    assert.ok(stdout.startsWith('Created a setup link for tenant "list".'));
    assert.ok(stdout.includes(`expires  ${new Date(NOW.getTime() + 7 * DAY).toISOString()}`), stdout);
    assert.ok(stdout.includes('shown only once'));
  });

  it('lists links with their use, and revokes them', async () => {
    const fixture = await withTenant();
    const created = JSON.parse((await fixture.run(['tenants', 'setup-link', 'acme', '--json'])).stdout);
    const store = await openStore(fixture.databaseUrl);
    try {
      const opaque = URL_PATTERN.exec(created.url)![1]!;
      const resolved = await resolveSetupLink(store, opaque, NOW);
      assert.ok(resolved.ok);
      const client = { address: '203.0.113.9', userAgent: 'Mozilla/5.0' };
      await recordSetupLinkUse(store, resolved.link, 'opened', client, new Date(NOW.getTime() + 1000));
    } finally {
      await store.close();
    }
    const list = await fixture.run(['tenants', 'setup-link', 'list', 'acme', '--json']);
    assert.equal(list.code, 0, list.stderr);
    assert.deepEqual(JSON.parse(list.stdout), [
      {
        id: created.id,
        hint: created.hint,
        status: 'active',
        created: NOW_ISO,
        createdBy: 'cli',
        expiresAt: created.expiresAt,
        revokedAt: null,
        opened: 1,
        tokensGenerated: 0,
        lastUsedAt: '2024-05-01T12:00:01.000Z',
      },
    ]);
    assert.ok(!list.stdout.includes(created.url));
    const table = await fixture.run(['tenants', 'setup-link', 'list', 'acme']);
    assert.match(table.stdout, /^ID +HINT +STATUS +CREATED +EXPIRES +OPENED +TOKENS +LAST USED\n/);
    assert.ok(table.stdout.includes('2024-05-01T12:00:01.000Z'));

    const later = new Date(NOW.getTime() + 60_000);
    const revoked = await fixture.run(['tenants', 'setup-link', 'revoke', 'acme', created.id], later);
    assert.equal(revoked.code, 0, revoked.stderr);
    assert.ok(revoked.stdout.startsWith(`Revoked setup link ${created.id} (${created.hint}) of tenant "acme".`));
    const after = JSON.parse((await fixture.run(['tenants', 'setup-link', 'list', 'acme', '--json'], later)).stdout);
    assert.deepEqual([after[0].status, after[0].revokedAt], ['revoked', later.toISOString()]);
  });

  it('says when there are none, and fails clearly', async () => {
    const fixture = await withTenant();
    const empty = await fixture.run(['tenants', 'setup-link', 'list', 'acme']);
    assert.equal(empty.stdout, 'Tenant "acme" has no setup links. Create one with "scimd tenants setup-link acme".\n');
    const cases: [string[], number, string][] = [
      [
        ['tenants', 'setup-link', 'acme', '--expires-in', 'never'],
        2,
        'scimd: invalid setup link expiry "never": a setup link lasts at most 90d\n',
      ],
      [['tenants', 'setup-link', 'nope'], 1, 'scimd: tenant "nope" not found\n'],
      [['tenants', 'setup-link', 'revoke', 'acme', 'nope'], 1, 'scimd: setup link "nope" not found in tenant "acme"\n'],
      [
        ['tenants', 'setup-link', 'list'],
        2,
        'scimd: missing <slug>\nusage: scimd tenants setup-link list <slug> [--json]\n',
      ],
      [
        ['tenants', 'setup-link'],
        2,
        'scimd: missing <slug>\nusage: scimd tenants setup-link [create] <slug> [--expires-in <30m|12h|7d|90d>] [--json]\n',
      ],
    ];
    for (const [args, code, stderr] of cases) {
      const result = await fixture.run(args);
      assert.equal(result.code, code, args.join(' '));
      assert.ok(result.stderr.startsWith(stderr), `${args.join(' ')}: ${result.stderr}`);
      assert.equal(result.stdout, '');
    }
  });
});
