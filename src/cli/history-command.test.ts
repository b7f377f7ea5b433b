import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type Scenario, SCENARIO_TIMES as T, writeAccessScenario } from '../service/test-support/access-scenario.js';
import { openStore } from '../store/open.js';
import { type CliFixture, createCliSandbox } from './test-support/run-cli.js';

const sandbox = createCliSandbox();
after(() => sandbox.remove());

describe('scimd history and scimd access', () => {
  let cli: CliFixture;
  let ids: Scenario;
  before(async () => {
    cli = sandbox.fixture();
    assert.equal((await cli.run(['tenants', 'create', 'acme'])).code, 0);
    const store = await openStore(cli.databaseUrl);
    try {
      ids = await writeAccessScenario(store, (await store.tenants.getBySlug('acme'))!.id);
    } finally {
      await store.close();
    }
  });

  it("prints a deleted user's timeline found by the userName it had, with times and request ids", async () => {
    const result = await cli.run(['history', 'acme', 'BOB@example.com']);
    assert.equal(result.code, 0, result.stderr);
    const lines = result.stdout.trimEnd().split('\n');
    assert.equal(lines[0], `Access history of ${ids.bob} in tenant "acme":`);
    assert.match(lines[1]!, /^TIME {22}USERNAME {9}WHAT {2,}REQUEST ID$/);
    assert.match(lines[2]!, /^2026-01-05T09:05:00\.000Z {2}bob@example\.com {2}created \(active\) {2,}req-002$/);
    assert.match(lines[3]!, /^2026-01-05T09:05:00\.000Z {2}bob@example\.com {2}role granted: =Admin {2,}req-002$/);
    assert.match(
      lines[4]!,
      new RegExp(`^2026-01-06T10:00:00\\.000Z {19}joined group Sales \\(${ids.sales}\\) {2}req-003$`),
    );
    assert.deepEqual(
      lines.slice(2).map((line) => line.split(/\s{2,}/).at(-1)),
      ['req-002', 'req-002', 'req-003', 'req-005', 'req-007', 'req-007'],
    );
    assert.match(lines[5]!, /^2026-03-01T17:00:00\.000Z {2}bob@example\.com {2}deactivated/);
    assert.match(lines[6]!, /left group Sales/);
    assert.match(lines[7]!, /^2026-04-01T09:00:00\.000Z {2}bob@example\.com {2}deleted {2}/);
  });

  it('--json gives the entries with their details', async () => {
    const result = await cli.run(['history', 'acme', ids.ann, '--json']);
    assert.equal(result.code, 0, result.stderr);
    const json = JSON.parse(result.stdout);
    assert.deepEqual(json.userIds, [ids.ann]);
    assert.deepEqual(
      json.entries.map((e: { kind: string; time: string }) => [e.kind, e.time]),
      [
        ['created', T.annCreated],
        ['role_granted', T.annCreated],
        ['group_joined', T.salesCreated],
        ['updated', T.annPromoted],
        ['role_granted', T.annPromoted],
        ['group_left', T.annLeftSales],
      ],
    );
    assert.deepEqual(json.entries[3].detail, { changes: { title: 'Sales lead' } });
    assert.deepEqual(json.entries[4].detail, { value: 'Admin', display: 'Administrator' });
  });

  it('reports who was active at a moment, filtered by role or group, as a table, JSON or CSV', async () => {
    const table = await cli.run(['access', 'acme', '--as-of', '2026-02-15T00:00:00Z']);
    assert.equal(table.code, 0, table.stderr);
    assert.equal(
      table.stdout,
      [
        'Active users of tenant "acme" at 2026-02-15T00:00:00.000Z: 2',
        ...alignedRows([
          ['USERNAME', 'ID', 'ROLES', 'GROUPS'],
          ['ann@example.com', ids.ann, 'Admin (Administrator), Reader (Read only)', 'Sales'],
          ['bob@example.com', ids.bob, '=Admin', 'Sales'],
        ]),
        '',
      ].join('\n'),
    );
    const json = JSON.parse((await cli.run(['access', 'acme', '--as-of', '2026-03-10', '--format', 'json'])).stdout);
    assert.deepEqual(json, {
      asOf: '2026-03-10T23:59:59.999Z',
      role: null,
      group: null,
      users: [
        {
          userId: ids.ann,
          userName: 'ann@example.com',
          active: true,
          roles: [
            { value: 'Admin', display: 'Administrator' },
            { value: 'Reader', display: 'Read only' },
          ],
          groups: [{ id: ids.sales, displayName: 'Sales' }],
        },
      ],
    });
    const byRole = await cli.run([
      'access',
      'acme',
      '--as-of',
      '2026-02-15T00:00:00Z',
      '--role',
      '=admin',
      '--format',
      'csv',
    ]);
    assert.equal(
      byRole.stdout,
      `\uFEFF"user_id","user_name","active","roles","group_ids","groups"\r\n"${ids.bob}","bob@example.com","true","'=Admin","${ids.sales}","Sales"\r\n`,
    );
    const byGroup = await cli.run([
      'access',
      'acme',
      '--as-of',
      T.annLeftSales,
      '--group',
      'sales',
      '--format',
      'json',
    ]);
    assert.deepEqual(JSON.parse(byGroup.stdout).users, []);
  });

  it('refuses bad times, filters and formats with exit code 2, and unknown users with 1', async () => {
    const bad = await cli.run(['access', 'acme', '--as-of', 'yesterday']);
    assert.equal(bad.code, 2);
    assert.match(bad.stderr, /asOf "yesterday" is not a time: use ISO 8601/);
    assert.equal((await cli.run(['access', 'acme'])).code, 2);
    assert.equal((await cli.run(['access', 'acme', '--as-of', '2026-02-30'])).code, 2);
    assert.equal((await cli.run(['access', 'acme', '--as-of', '2026-01-01', '--role', ' '])).code, 2);
    assert.equal((await cli.run(['access', 'acme', '--as-of', '2026-01-01', '--format', 'xml'])).code, 2);
    const unknown = await cli.run(['history', 'acme', 'nobody@example.com']);
    assert.equal(unknown.code, 1);
    assert.equal(unknown.stderr, 'scimd: no access history for user "nobody@example.com" in tenant "acme"\n');
    assert.equal((await cli.run(['history', 'nope', 'x'])).code, 1);
  });
});

function alignedRows(rows: string[][]): string[] {
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows.map((r) =>
    r
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd(),
  );
}
