/**
 * `scimd guard` (docs/guard.md): a small scenario through the SCIM API of a server on the same
 * database trips a tenant's guard; the CLI lists it, shows what it holds, releases and resets it,
 * and sets the tenant's own threshold.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { buildApp } from '../http/app.js';
import { TEST_CONFIG } from '../http/test-support/harness.js';
import type { GuardSummary, GuardView } from '../service/guard.js';
import { openStore } from '../store/open.js';
import { issueToken } from '../tenancy/tenants.js';
import { createCliSandbox, NOW } from './test-support/run-cli.js';

const LATER = (minutes: number) => new Date(NOW.getTime() + minutes * 60_000);

const sandbox = createCliSandbox();
after(() => sandbox.remove());

const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
const USER_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:User';

/** Creates `users` users in acme, then deactivates the first `deactivate` and deletes one more. */
async function provision(databaseUrl: string, users: number, deactivate: number): Promise<string[]> {
  const store = await openStore(databaseUrl);
  const app = await buildApp({ config: TEST_CONFIG, store, logger: false, clock: () => LATER(1) });
  try {
    const { token } = await issueToken(store, 'acme', {}, NOW);
    const send = (method: string, url: string, body?: unknown) =>
      app.inject({
        method: method as 'GET',
        url: `/t/acme/scim/v2${url}`,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/scim+json' },
        ...(body === undefined ? {} : { payload: JSON.stringify(body) }),
      });
    const ids: string[] = [];
    for (let i = 0; i < users; i++) {
      const res = await send('POST', '/Users', { schemas: [USER_SCHEMA], userName: `user${i}@acme.test` });
      ids.push((res.json() as { id: string }).id);
    }
    for (const id of ids.slice(0, deactivate)) {
      const res = await send('PATCH', `/Users/${id}`, {
        schemas: [PATCH_OP],
        Operations: [{ op: 'replace', path: 'active', value: false }],
      });
      assert.equal(res.statusCode, 200);
    }
    // Held: a reactivation that nets to nothing, a deletion.
    await send('PATCH', `/Users/${ids[deactivate - 1]}`, {
      schemas: [PATCH_OP],
      Operations: [{ op: 'replace', path: 'active', value: true }],
    });
    assert.equal((await send('DELETE', `/Users/${ids[deactivate]}`)).statusCode, 204);
    return ids;
  } finally {
    await app.close();
    await store.close();
  }
}

describe('scimd guard (#17)', () => {
  it('sets a threshold, lists a tripped guard, shows what it holds, releases and resets it', async () => {
    const { run, databaseUrl } = sandbox.fixture();
    assert.equal((await run(['tenants', 'create', 'acme'])).code, 0);
    assert.equal((await run(['tenants', 'create', 'globex'])).code, 0);
    const set = await run(['guard', 'set', 'acme', '--minimum', '3', '--percent', '10', '--json']);
    assert.equal(set.code, 0, set.stderr);
    const configured = JSON.parse(set.stdout) as GuardView;
    assert.deepEqual(configured.overrides, { minimum: 3, percent: 10 });
    assert.deepEqual(configured.settings, { enabled: true, percent: 10, minimum: 3, windowMinutes: 60 });

    const ids = await provision(databaseUrl, 20, 3);

    const status = await run(['guard', 'status'], LATER(2));
    assert.equal(status.code, 0, status.stderr);
    const rows = status.stdout
      .trim()
      .split('\n')
      .map((line) => line.split(/ {2,}/));
    assert.deepEqual(rows[0], ['TENANT', 'STATE', 'SINCE', 'HELD', 'THRESHOLD', 'LAST TRIP', 'LAST DECISION']);
    assert.deepEqual(rows[1], [
      'acme',
      'tripped',
      '2024-05-01T12:01:00.000Z',
      '3 after cursor 23',
      '>10% and >=3 in 60m',
      '3/20 at 2024-05-01T12:01:00.000Z',
      'trip by guard at 2024-05-01T12:01:00.000Z',
    ]);
    assert.deepEqual(rows[2]!.slice(0, 2), ['globex', 'armed']);
    const json = JSON.parse((await run(['guard', 'status', '--json'])).stdout) as GuardView[];
    assert.deepEqual(
      json.map((g) => [g.tenant.slug, g.state, g.heldFrom, g.heldEvents]),
      [
        ['acme', 'tripped', '23', 3],
        ['globex', 'armed', null, 0],
      ],
    );

    const show = await run(['guard', 'show', 'acme', '--json']);
    const summary = JSON.parse(show.stdout) as GuardSummary;
    assert.deepEqual(summary.counts, { deleted: 1, no_change: 1 });
    assert.deepEqual(
      summary.changes.map((c) => [c.id, c.name, c.effects]),
      [
        [ids[2], 'user2@acme.test', ['no_change']],
        [ids[3], 'user3@acme.test', ['deleted']],
      ],
    );
    const text = (await run(['guard', 'show', 'acme'])).stdout;
    assert.match(text, /NET EFFECT +COUNT\ndeleted +1\nno_change +1/);
    assert.match(text, /Deliver the held events: scimd guard release acme/);

    const reset = await run(['guard', 'reset', 'acme']);
    assert.equal(reset.code, 1);
    assert.match(reset.stderr, /is holding events: release them first/);

    const release = await run(['guard', 'release', 'acme'], LATER(3));
    assert.equal(release.code, 0, release.stderr);
    assert.match(release.stdout, /^Released 3 held events of acme \(after cursor 23\)/);
    const released = JSON.parse((await run(['guard', 'status', '--json'])).stdout) as GuardView[];
    assert.equal(released[0]!.state, 'released');
    assert.deepEqual(
      released[0]!.decisions.map((d) => [d.action, d.actor.startsWith('cli:')]),
      [
        ['release', true],
        ['trip', false],
        ['configure', true],
      ],
    );
    const again = await run(['guard', 'release', 'acme'], LATER(4));
    assert.equal(again.code, 1);
    assert.match(again.stderr, /not holding anything to release/);
    assert.equal((await run(['guard', 'reset', 'acme'], LATER(5))).code, 0);
  });

  it('refuses bad settings and unknown subcommands with usage errors, changing nothing', async () => {
    const { run } = sandbox.fixture();
    assert.equal((await run(['tenants', 'create', 'acme'])).code, 0);
    for (const [args, message] of [
      [['guard', 'set', 'acme', '--percent', 'ten'], '--percent must be a number or "default"'],
      [['guard', 'set', 'acme', '--enabled', 'maybe'], '--enabled must be on, off or default'],
      [['guard', 'set', 'acme'], 'nothing to set'],
      [['guard', 'pause', 'acme'], 'unknown subcommand "pause"'],
    ] as const) {
      const result = await run([...args]);
      assert.equal(result.code, 2, args.join(' '));
      assert.ok(result.stderr.includes(message), result.stderr);
    }
    const bad = await run(['guard', 'set', 'acme', '--percent', '0']);
    assert.equal(bad.code, 2, bad.stderr);
    assert.match(bad.stderr, /percent must be a number from 0.1 to 100/);
    const bigWindow = await run(['guard', 'set', 'acme', '--window', '20000']);
    assert.equal(bigWindow.code, 2);
    assert.match(bigWindow.stderr, /windowMinutes must be a whole number of minutes from 1 to 10080/);
    const status = JSON.parse((await run(['guard', 'status', '--json'])).stdout) as GuardView[];
    assert.deepEqual(status[0]!.overrides, {});
    assert.deepEqual(status[0]!.decisions, []);
    assert.equal((await run(['guard', 'show', 'nosuch'])).code, 1);
  });
});
