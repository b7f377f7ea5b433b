import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { openStore } from '../store/open.js';
import { authenticateToken } from '../tenancy/authenticate.js';
import { hashToken } from '../tenancy/tokens.js';
import { createCliSandbox, NOW, NOW_ISO, UUID } from './test-support/run-cli.js';

const sandbox = createCliSandbox();
after(() => sandbox.remove());

async function withTenant(env?: Record<string, string>) {
  const fixture = sandbox.fixture(env);
  assert.equal((await fixture.run(['tenants', 'create', 'acme'])).code, 0);
  return fixture;
}

const at = (ms: number) => new Date(NOW.getTime() + ms);
const TOKEN = /^scimd_[0-9A-Za-z]{43}$/;

describe('scimd tokens issue', () => {
  it('--json prints the documented shape', async () => {
    const { run } = await withTenant({ SCIMD_PUBLIC_URL: 'https://scim.example.com' });
    const result = await run(['tokens', 'issue', 'acme', '--expires-in', '90d', '--label', 'Entra prod', '--json']);
    assert.equal(result.code, 0, result.stderr);
    assert.equal(result.stderr, '');
    const json = JSON.parse(result.stdout);
    assert.deepEqual(Object.keys(json), ['id', 'token', 'tenant', 'label', 'hint', 'created', 'expiresAt', 'scimUrl']);
    assert.match(json.id, UUID);
    assert.match(json.token, TOKEN);
    assert.deepEqual(json, {
      id: json.id,
      token: json.token,
      tenant: 'acme',
      label: 'Entra prod',
      hint: `scimd_…${json.token.slice(-4)}`,
      created: NOW_ISO,
      expiresAt: '2024-07-30T12:00:00.000Z',
      scimUrl: 'https://scim.example.com/t/acme/scim/v2',
    });
  });

  it('defaults to no label and no expiry', async () => {
    const { run } = await withTenant();
    const json = JSON.parse((await run(['tokens', 'issue', 'acme', '--json'])).stdout);
    assert.equal(json.label, null);
    assert.equal(json.expiresAt, null);
    assert.equal(json.scimUrl, 'http://localhost:8080/t/acme/scim/v2');
  });

  it('prints the token once on its own line with a warning', async () => {
    const { run } = await withTenant();
    const { code, stdout } = await run(['tokens', 'issue', 'acme', '--label', 'rotation 2']);
    assert.equal(code, 0);
    const lines = stdout.split('\n');
    const token = lines.find((l) => TOKEN.test(l));
    assert.ok(token, stdout);
    assert.equal(stdout.split(token).length, 2, 'token printed exactly once');
    const id = /id {8}(\S+)/.exec(stdout)?.[1] ?? '';
    assert.match(id, UUID);
    assert.equal(
      stdout,
      [
        'Issued a token for tenant "acme".',
        '',
        `  id        ${id}`,
        '  label     rotation 2',
        '  expires   never',
        '  SCIM URL  http://localhost:8080/t/acme/scim/v2',
        '',
        token,
        '',
        'Copy it now: it is shown only once and cannot be recovered (scimd stores only its hash).',
        '',
      ].join('\n'),
    );
  });

  it('issues a token that authenticates, while earlier tokens stay valid', async () => {
    const { run, databaseUrl } = await withTenant();
    const first = JSON.parse((await run(['tokens', 'issue', 'acme', '--json'])).stdout);
    const second = JSON.parse((await run(['tokens', 'issue', 'acme', '--expires-in', '1h', '--json'])).stdout);
    assert.notEqual(first.token, second.token);
    const store = await openStore(databaseUrl);
    try {
      for (const { token, id } of [first, second]) {
        const result = await authenticateToken(store, token, at(1000), 'acme');
        assert.ok(result.ok);
        assert.equal(result.token.id, id);
        assert.equal(result.tenant.slug, 'acme');
      }
      assert.deepEqual(await authenticateToken(store, second.token, at(3_600_000)), { ok: false, reason: 'expired' });
    } finally {
      await store.close();
    }
  });

  it('never stores the plaintext token, only its hash', async () => {
    const { run, dbDir } = await withTenant();
    const { token } = JSON.parse((await run(['tokens', 'issue', 'acme', '--json'])).stdout);
    await run(['tokens', 'list', 'acme']);
    const bytes = readdirSync(dbDir)
      .map((name) => readFileSync(join(dbDir, name)).toString('latin1'))
      .join('\n');
    assert.ok(bytes.includes(hashToken(token)), 'the hash is found, so the scan sees the data');
    assert.ok(!bytes.includes(token), 'plaintext token found in the database files');
    assert.ok(!bytes.includes(token.slice(6)), 'token secret found in the database files');
  });

  it('refuses a bad expiry or label (exit 2) and an unknown tenant (exit 1)', async () => {
    const { run } = await withTenant();
    assert.deepEqual(await run(['tokens', 'issue', 'acme', '--expires-in', '90 days']), {
      code: 2,
      stdout: '',
      stderr:
        'scimd: invalid expiry "90 days": use a positive whole number followed by m, h, d, w or y (e.g. 30m, 12h, 90d, 1y), or never\n',
    });
    assert.deepEqual(await run(['tokens', 'issue', 'acme', '--label', '']), {
      code: 2,
      stdout: '',
      stderr: 'scimd: token label must not be empty\n',
    });
    assert.deepEqual(await run(['tokens', 'issue', 'nope']), {
      code: 1,
      stdout: '',
      stderr: 'scimd: tenant "nope" not found\n',
    });
    assert.equal(JSON.parse((await run(['tokens', 'list', 'acme', '--json'])).stdout).length, 0);
  });
});

describe('scimd tokens list and revoke', () => {
  it('lists tokens with status as a table and as JSON', async () => {
    const { run } = await withTenant();
    assert.deepEqual(await run(['tokens', 'list', 'acme']), {
      code: 0,
      stdout: 'Tenant "acme" has no tokens. Issue one with "scimd tokens issue acme".\n',
      stderr: '',
    });
    const a = JSON.parse((await run(['tokens', 'issue', 'acme', '--label', 'primary', '--json'])).stdout);
    const b = JSON.parse((await run(['tokens', 'issue', 'acme', '--expires-in', '30m', '--json'], at(1))).stdout);
    const c = JSON.parse((await run(['tokens', 'issue', 'acme', '--json'], at(2))).stdout);
    assert.equal((await run(['tokens', 'revoke', 'acme', c.id], at(3))).code, 0);

    const later = at(31 * 60_000);
    const json = JSON.parse((await run(['tokens', 'list', 'acme', '--json'], later)).stdout);
    assert.deepEqual(json, [
      {
        id: a.id,
        label: 'primary',
        hint: a.hint,
        status: 'active',
        created: NOW_ISO,
        expiresAt: null,
        lastUsedAt: null,
        revokedAt: null,
      },
      {
        id: b.id,
        label: null,
        hint: b.hint,
        status: 'expired',
        created: '2024-05-01T12:00:00.001Z',
        expiresAt: '2024-05-01T12:30:00.001Z',
        lastUsedAt: null,
        revokedAt: null,
      },
      {
        id: c.id,
        label: null,
        hint: c.hint,
        status: 'revoked',
        created: '2024-05-01T12:00:00.002Z',
        expiresAt: null,
        lastUsedAt: null,
        revokedAt: '2024-05-01T12:00:00.003Z',
      },
    ]);
    assert.ok(!JSON.stringify(json).includes(a.token.slice(6, -4)));

    const table = (await run(['tokens', 'list', 'acme'], later)).stdout.split('\n');
    assert.equal(table.length, 5);
    const pad = ' '.repeat(36 - 2);
    assert.equal(
      table[0],
      `ID${pad}  LABEL    HINT         STATUS   CREATED                   EXPIRES                   LAST USED`,
    );
    assert.equal(table[1], `${a.id}  primary  ${a.hint}  active   ${NOW_ISO}  never                     never`);
    assert.equal(
      table[2],
      `${b.id}  -        ${b.hint}  expired  2024-05-01T12:00:00.001Z  2024-05-01T12:30:00.001Z  never`,
    );
    assert.equal(
      table[3],
      `${c.id}  -        ${c.hint}  revoked  2024-05-01T12:00:00.002Z  never                     never`,
    );
    assert.equal(table[4], '');
  });

  it('shows the last use recorded by authentication', async () => {
    const { run, databaseUrl } = await withTenant();
    const { token } = JSON.parse((await run(['tokens', 'issue', 'acme', '--json'])).stdout);
    const store = await openStore(databaseUrl);
    try {
      assert.ok((await authenticateToken(store, token, at(5000))).ok);
    } finally {
      await store.close();
    }
    const [view] = JSON.parse((await run(['tokens', 'list', 'acme', '--json'])).stdout);
    assert.equal(view.lastUsedAt, '2024-05-01T12:00:05.000Z');
  });

  it('revokes a token of the named tenant only, idempotently', async () => {
    const { run, databaseUrl } = await withTenant();
    await run(['tenants', 'create', 'globex']);
    const issued = JSON.parse((await run(['tokens', 'issue', 'acme', '--json'])).stdout);
    assert.deepEqual(await run(['tokens', 'revoke', 'globex', issued.id]), {
      code: 1,
      stdout: '',
      stderr: `scimd: token "${issued.id}" not found in tenant "globex"\n`,
    });
    assert.deepEqual(await run(['tokens', 'revoke', 'acme', 'no-such-id']), {
      code: 1,
      stdout: '',
      stderr: 'scimd: token "no-such-id" not found in tenant "acme"\n',
    });
    assert.deepEqual(await run(['tokens', 'revoke', 'acme', issued.id], at(7)), {
      code: 0,
      stdout: `Revoked token ${issued.id} (${issued.hint}) of tenant "acme".\n`,
      stderr: '',
    });
    const again = JSON.parse((await run(['tokens', 'revoke', 'acme', issued.id, '--json'], at(9))).stdout);
    assert.deepEqual(Object.keys(again), [
      'id',
      'label',
      'hint',
      'status',
      'created',
      'expiresAt',
      'lastUsedAt',
      'revokedAt',
    ]);
    assert.equal(again.status, 'revoked');
    assert.equal(again.revokedAt, '2024-05-01T12:00:00.007Z');
    const store = await openStore(databaseUrl);
    try {
      assert.deepEqual(await authenticateToken(store, issued.token, at(10)), { ok: false, reason: 'revoked' });
    } finally {
      await store.close();
    }
  });
});
