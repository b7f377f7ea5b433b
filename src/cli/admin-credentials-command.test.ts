import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { openStore } from '../store/open.js';
import { verifyAdminPresented } from '../tenancy/admin-credentials.js';
import { createCliSandbox, NOW, NOW_ISO, UUID } from './test-support/run-cli.js';

const sandbox = createCliSandbox();
after(() => sandbox.remove());

describe('scimd admin-credentials', () => {
  it('creates (token once, hash stored), lists and revokes', async () => {
    const fixture = sandbox.fixture();
    const created = await fixture.run(['admin-credentials', 'create', 'Alice laptop', '--json']);
    assert.equal(created.code, 0, created.stderr);
    const json = JSON.parse(created.stdout);
    assert.match(json.id, UUID);
    assert.match(json.token, /^scimd_admin_[0-9A-Za-z]{43}$/);
    assert.deepEqual(json, {
      id: json.id,
      label: 'Alice laptop',
      hint: `scimd_admin_…${json.token.slice(-4)}`,
      status: 'active',
      created: NOW_ISO,
      revokedAt: null,
      lastUsedAt: null,
      token: json.token,
    });
    const store = await openStore(fixture.databaseUrl);
    try {
      const hash = createHash('sha256').update(json.token).digest('hex');
      assert.equal((await store.console.adminCredentials.findByHash(hash))?.id, json.id);
      assert.equal((await verifyAdminPresented(store, json.token, undefined, NOW)).ok, true);
    } finally {
      await store.close();
    }

    const text = await fixture.run(['admin-credentials', 'create', 'ci'], new Date(NOW.getTime() + 1000));
    const token = text.stdout.split('\n').find((l) => /^scimd_admin_[0-9A-Za-z]{43}$/.test(l));
    assert.ok(token, text.stdout);
    assert.equal(text.stdout.split(token).length, 2, 'printed exactly once');

    const list = JSON.parse((await fixture.run(['admin-credentials', 'list', '--json'])).stdout);
    assert.deepEqual(
      list.map((c: { label: string; status: string; lastUsedAt: string | null }) => [c.label, c.status, c.lastUsedAt]),
      [
        ['Alice laptop', 'active', NOW_ISO],
        ['ci', 'active', null],
      ],
    );
    assert.ok(!JSON.stringify(list).includes(json.token));

    const revoked = await fixture.run(['admin-credentials', 'revoke', json.id]);
    assert.equal(revoked.stdout, `Revoked admin credential ${json.id} ("Alice laptop", ${json.hint}).\n`);
    const after = JSON.parse((await fixture.run(['admin-credentials', 'list', '--json'])).stdout);
    assert.equal(after[0].status, 'revoked');
  });

  it('fails clearly', async () => {
    const fixture = sandbox.fixture();
    const cases: [string[], number, string][] = [
      [['admin-credentials'], 2, 'scimd: missing admin-credentials command (create, list or revoke)\n'],
      [['admin-credentials', 'create', ' '], 2, 'scimd: credential label must not be empty\n'],
      [['admin-credentials', 'revoke', 'nope'], 1, 'scimd: admin credential "nope" not found\n'],
      [['admin-credentials', 'list'], 0, ''],
    ];
    for (const [args, code, stderr] of cases) {
      const result = await fixture.run(args);
      assert.equal(result.code, code, args.join(' '));
      assert.ok(result.stderr.startsWith(stderr), `${args.join(' ')}: ${result.stderr}`);
    }
    assert.equal(
      (await fixture.run(['admin-credentials', 'list'])).stdout,
      'No admin credentials. Create one with "scimd admin-credentials create <label>".\n',
    );
  });
});
