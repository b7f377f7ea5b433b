import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { INTERNAL_TARGETS } from '../events/test-support/internal-targets.js';
import { createUsers } from '../events/test-support/outbox.js';
import { openStore } from '../store/open.js';
import type { Store } from '../store/store.js';
import { EVENTS_USAGE } from './events-command.js';
import { LOG_USAGE } from './log-command.js';
import { runCli } from './main.js';
import { createCliSandbox, NOW, NOW_ISO } from './test-support/run-cli.js';
import { WEBHOOKS_USAGE } from './webhooks-command.js';

const sandbox = createCliSandbox();
/** Internal receivers are refused unless allowed (#12.6). */
const LOCAL_RECEIVERS = { SCIMD_WEBHOOK_ALLOW_TARGETS: '127.0.0.1' };
after(() => sandbox.remove());

/** A fixture with tenant acme, and `seed` to write to its database directly. */
async function withTenant() {
  const fixture = sandbox.fixture();
  assert.equal((await fixture.run(['tenants', 'create', 'acme'])).code, 0);
  const seed = async (fn: (store: Store, tenantId: string) => Promise<void>) => {
    const store = await openStore(fixture.databaseUrl);
    try {
      await fn(store, (await store.tenants.getBySlug('acme'))!.id);
    } finally {
      await store.close();
    }
  };
  return { ...fixture, seed };
}

describe('scimd events', () => {
  it('prints the events after a cursor, as a table or JSON', async () => {
    const { run, seed } = await withTenant();
    await seed((store, id) => createUsers(store, id, 3, NOW).then(() => undefined));
    const table = await run(['events', 'acme', '--limit', '2']);
    assert.equal(table.code, 0, table.stderr);
    const lines = table.stdout.trim().split('\n');
    assert.match(lines[0]!, /^CURSOR {2}TIME {2,}TYPE {2,}RESOURCE {2,}CHANGED$/);
    assert.match(lines[1]!, new RegExp(`^1 {7}${NOW_ISO} {2}user\\.created {2}User user-\\d+ {2}userName$`));
    assert.equal(lines.at(-1), 'Next: scimd events acme --after 2');
    const json = JSON.parse((await run(['events', 'acme', '--after', '2', '--json'])).stdout);
    assert.deepEqual(
      [json.events.map((e: { seq: number }) => e.seq), json.nextCursor, json.latestCursor],
      [[3], '3', '3'],
    );
    assert.equal(
      (await run(['events', 'acme', '--after', '3'])).stdout,
      'No events after cursor 3 for tenant "acme".\n',
    );
    const bad = await run(['events', 'acme', '--after', 'x']);
    assert.deepEqual(
      [bad.code, bad.stderr],
      [2, 'scimd: cursor "x" is not valid: use the "cursor" of an event (e.g. "42") or "0"\n'],
    );
    assert.equal((await run(['events', 'acme', '--limit', '0'])).code, 2);
  });

  it('--follow --json prints events as JSON lines until interrupted', async () => {
    const { databaseUrl, seed } = await withTenant();
    await seed((store, id) => createUsers(store, id, 1, NOW).then(() => undefined));
    let stdout = '';
    const controller = new AbortController();
    const running = runCli(['events', 'acme', '--follow', '--json'], {
      stdout: new Writable({
        write(chunk, _encoding, done) {
          stdout += String(chunk);
          done();
        },
      }),
      stderr: new Writable({ write: (_c, _e, done) => done() }),
      env: { SCIMD_DATABASE_URL: databaseUrl },
      signal: controller.signal,
    });
    while (!stdout.includes('\n')) await new Promise((resolve) => setTimeout(resolve, 10));
    await seed((store, id) => createUsers(store, id, 1, NOW).then(() => undefined));
    while (stdout.split('\n').length < 3) await new Promise((resolve) => setTimeout(resolve, 10));
    controller.abort();
    assert.equal(await running, 0);
    assert.deepEqual(
      stdout
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line).cursor),
      ['1', '2'],
    );
  });
});

describe('scimd webhooks', () => {
  it('creates, shows, rotates, replays and deletes a webhook', async () => {
    const { run, seed } = await withTenant();
    const created = await run(['webhooks', 'create', 'https://app.example.com/hooks', '--tenant', 'acme', '--json']);
    assert.equal(created.code, 0, created.stderr);
    const { webhook, secret } = JSON.parse(created.stdout);
    assert.match(secret, /^whsec_/);
    assert.deepEqual([webhook.url, webhook.tenant, webhook.enabled], ['https://app.example.com/hooks', 'acme', true]);
    const human = await run(['webhooks', 'create', 'http://127.0.0.1:9/x'], NOW, LOCAL_RECEIVERS);
    assert.match(human.stdout, /^Created a webhook\.\n/);
    assert.match(human.stdout, /\n {2}tenants {6}all\n/);
    assert.match(human.stdout, /\nwhsec_[A-Za-z0-9+/=]+\n/);
    await seed((store, id) => createUsers(store, id, 2, NOW).then(() => undefined));
    const shown = await run(['webhooks', 'show', webhook.id]);
    assert.match(shown.stdout, /TENANT {2}DELIVERED {2}PENDING {2}ATTEMPTS/);
    const row = shown.stdout.trim().split('\n').at(-1)!.split(/ {2,}/);
    assert.deepEqual(row, ['acme', '0', '2', '0', '-', NOW_ISO, '-']);
    const listed = JSON.parse((await run(['webhooks', 'list', '--json'])).stdout);
    assert.equal(listed.length, 2);
    const rotated = JSON.parse(
      (await run(['webhooks', 'rotate-secret', webhook.id, '--overlap-hours', '2', '--json'])).stdout,
    );
    assert.notEqual(rotated.secret, secret);
    assert.equal(rotated.webhook.secrets[0].expiresAt, new Date(NOW.getTime() + 7_200_000).toISOString());
    const replay = await run(['webhooks', 'replay', webhook.id, '--tenant', 'acme', '--after', '1']);
    assert.equal(
      replay.stdout,
      `Webhook ${webhook.id} will receive tenant "acme"'s events after cursor 1 again (latest 2).\n`,
    );
    assert.equal((await run(['webhooks', 'replay', webhook.id, '--tenant', 'acme'])).code, 2);
    assert.equal((await run(['webhooks', 'dead-letters', webhook.id])).stdout, 'No dead letters.\n');
    const disabled = await run(['webhooks', 'disable', webhook.id]);
    assert.match(disabled.stdout, /is disabled: events wait/);
    const refused = await run(['webhooks', 'delete', webhook.id]);
    assert.equal(refused.code, 2);
    assert.equal((await run(['webhooks', 'delete', webhook.id, '--yes'])).stdout, `Deleted webhook ${webhook.id}.\n`);
    const missing = await run(['webhooks', 'show', webhook.id]);
    assert.deepEqual([missing.code, missing.stderr], [1, `scimd: webhook "${webhook.id}" not found\n`]);
    const badUrl = await run(['webhooks', 'create', 'ftp://x']);
    assert.deepEqual([badUrl.code, badUrl.stderr], [2, 'scimd: invalid webhook URL "ftp://x": use http or https\n']);
    assert.equal((await run(['webhooks', 'frobnicate'])).code, 2);
  });
});

describe('scimd webhooks: targets inside the network (#12.6)', () => {
  it(`create and update refuse all ${INTERNAL_TARGETS.length} internal URL forms (exit 2, the reason on stderr)`, async () => {
    const { run } = await withTenant();
    const created = JSON.parse((await run(['webhooks', 'create', 'https://hooks.example.com/x', '--json'])).stdout);
    const id: string = created.webhook.id;
    for (const [url, reason] of INTERNAL_TARGETS) {
      const stderr = `scimd: webhook URL ${JSON.stringify(url)} refused: ${reason}; scimd does not send webhooks into internal networks unless SCIMD_WEBHOOK_ALLOW_TARGETS lists the receiver\n`;
      const create = await run(['webhooks', 'create', url, '--tenant', 'acme']);
      assert.deepEqual([create.code, create.stdout, create.stderr], [2, '', stderr], url);
      const update = await run(['webhooks', 'update', id, '--url', url]);
      assert.deepEqual([update.code, update.stderr], [2, stderr], url);
    }
    const listed = JSON.parse((await run(['webhooks', 'list', '--json'])).stdout);
    assert.deepEqual(
      listed.map((w: { url: string }) => w.url),
      ['https://hooks.example.com/x'],
    );
  });

  it('SCIMD_WEBHOOK_ALLOW_TARGETS lets an internal receiver in; a bad entry is a configuration error', async () => {
    const { run } = await withTenant();
    const env = { SCIMD_WEBHOOK_ALLOW_TARGETS: 'fd00::/8,hooks.internal' };
    assert.equal((await run(['webhooks', 'create', 'http://[fd00::1]:8080/x'], NOW, env)).code, 0);
    assert.equal((await run(['webhooks', 'create', 'http://hooks.internal/x'], NOW, env)).code, 0);
    assert.equal((await run(['webhooks', 'create', 'http://10.0.0.1/x'], NOW, env)).code, 2);
    const bad = await run(['webhooks', 'create', 'http://10.0.0.1/x'], NOW, {
      SCIMD_WEBHOOK_ALLOW_TARGETS: '10.0.0.0/40',
    });
    assert.equal(bad.code, 78);
    assert.match(bad.stderr, /SCIMD_WEBHOOK_ALLOW_TARGETS: "10\.0\.0\.0\/40" must be a comma-separated list/);
  });
});

describe('scimd log', () => {
  it('lists the provisioning log newest first, filters errors, and shows one entry with bodies', async () => {
    const { run, seed } = await withTenant();
    await seed(async (store, tenantId) => {
      const entry = (id: string, time: string, status: number, scimType: string | null) => ({
        id,
        tenantId,
        time,
        method: 'POST',
        path: '/t/acme/scim/v2/Users',
        status,
        scimType,
        latencyMs: 7,
        resourceType: 'User',
        resourceId: null,
        idp: 'entra',
        userAgent: 'Azure AD SCIM provisioning',
        requestId: `req-${id}`,
        requestBody: '{"userName":"a@b.c","password":"[redacted]"}',
        responseBody: '{"status":"409","scimType":"uniqueness"}',
      });
      await store.requestLog.append([
        entry('e1', '2024-05-01T11:00:00.000Z', 201, null),
        entry('e2', '2024-05-01T11:30:00.000Z', 409, 'uniqueness'),
      ]);
    });
    const all = await run(['log', 'acme']);
    const lines = all.stdout.trim().split('\n');
    const cells = lines.map((line) => line.split(/ {2,}/));
    assert.deepEqual(cells[0], ['TIME', 'METHOD', 'PATH', 'STATUS', 'SCIMTYPE', 'LATENCY', 'IDP', 'ID']);
    assert.deepEqual(cells[1], [
      '2024-05-01T11:30:00.000Z',
      'POST',
      '/t/acme/scim/v2/Users',
      '409',
      'uniqueness',
      '7ms',
      'entra',
      'e2',
    ]);
    assert.match(lines[2]!, /e1$/);
    const errors = JSON.parse((await run(['log', 'acme', '--errors', '--since', '1h', '--json'])).stdout);
    assert.deepEqual(
      errors.entries.map((e: { id: string }) => e.id),
      ['e2'],
    );
    assert.deepEqual(JSON.parse((await run(['log', 'acme', '--since', '45m', '--json'])).stdout).entries.length, 1);
    const one = await run(['log', 'acme', '--id', 'e2']);
    assert.match(one.stdout, /request id {2}req-e2\n/);
    assert.match(one.stdout, /Request body:\n\{\n {2}"userName": "a@b\.c",\n {2}"password": "\[redacted\]"\n\}/);
    const bad = await run(['log', 'acme', '--status', '4x']);
    assert.deepEqual(
      [bad.code, bad.stderr],
      [2, 'scimd: invalid status "4x": use a status code (404) or a class (4xx, 5xx)\n'],
    );
    assert.equal((await run(['log', 'acme', '--id', 'nope'])).code, 1);
  });
});

describe('docs/cli.md and scimd help', () => {
  it('list every events, webhooks and log command', async () => {
    const doc = readFileSync(new URL('../../docs/cli.md', import.meta.url), 'utf8');
    const help = await sandbox.fixture().run(['help']);
    for (const line of [...EVENTS_USAGE, ...WEBHOOKS_USAGE, ...LOG_USAGE]) {
      assert.ok(doc.includes(line), line);
      assert.ok(help.stdout.includes(line), line);
    }
  });
});
