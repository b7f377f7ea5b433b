import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { after, describe, it } from 'node:test';
import { CONFIG_VARIABLES } from '../config/config.js';
import { openStore } from '../store/open.js';
import { authenticateToken } from '../tenancy/authenticate.js';
import { hashToken } from '../tenancy/tokens.js';
import { ADMIN_CREDENTIALS_USAGE } from './admin-credentials-command.js';
import { runCli } from './main.js';
import { TENANTS_USAGE } from './tenants-command.js';
import { createCliSandbox, NOW_ISO as ISO, NOW, UUID } from './test-support/run-cli.js';
import { TOKENS_USAGE } from './tokens-command.js';

const sandbox = createCliSandbox();
after(() => sandbox.remove());
const freshDb = (env?: Record<string, string>) => sandbox.fixture(env);

describe('scimd help, version and unknown commands', () => {
  it('prints usage listing every command and variable for help, --help and -h', async () => {
    const { run } = freshDb();
    for (const args of [['help'], ['--help'], ['-h'], ['tenants', '--help'], ['tokens', 'issue', '-h']]) {
      const { code, stdout, stderr } = await run(args);
      assert.equal(code, 0, args.join(' '));
      assert.equal(stderr, '');
      for (const line of [
        'scimd serve',
        'scimd tenants create <slug> [--name <name>] [--json]',
        'scimd tenants list [--json]',
        'scimd tenants show <slug> [--json]',
        'scimd tenants disable <slug> [--json]',
        'scimd tenants enable <slug> [--json]',
        'scimd tenants delete <slug> --yes [--json]',
        'scimd tokens issue <slug> [--expires-in <30m|12h|90d|1y|never>] [--label <text>] [--json]',
        'scimd tokens list <slug> [--json]',
        'scimd tokens revoke <slug> <token-id> [--json]',
        'scimd version',
        'scimd help',
        'Exit codes: 0 ok, 1 failure, 2 usage error, 78 bad configuration.',
      ]) {
        assert.ok(stdout.includes(line), line);
      }
      for (const v of CONFIG_VARIABLES) assert.ok(stdout.includes(v.name), v.name);
    }
  });

  it('prints the package version', async () => {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
    for (const args of [['version'], ['--version']]) {
      assert.deepEqual(await freshDb().run(args), { code: 0, stdout: `${pkg.version}\n`, stderr: '' });
    }
  });

  it('exits 2 with usage on stderr for no or an unknown command', async () => {
    const none = await freshDb().run([]);
    assert.equal(none.code, 2);
    assert.equal(none.stdout, '');
    assert.match(none.stderr, /^scimd: multi-tenant SCIM 2\.0 provisioning server\n/);
    const unknown = await freshDb().run(['frobnicate']);
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /^scimd: unknown command "frobnicate"\n\nscimd: multi-tenant/);
  });

  it('exits 2 for unknown subcommands, options and argument counts', async () => {
    const { run } = freshDb();
    const cases: [string[], string][] = [
      [
        ['tenants'],
        'scimd: missing tenants command (create, list, show, disable, enable, delete, roles or setup-link)\n',
      ],
      [
        ['tenants', 'rename', 'acme'],
        'scimd: unknown tenants command "rename" (expected create, list, show, disable, enable, delete, roles or setup-link)\n',
      ],
      [['tokens'], 'scimd: missing tokens command (issue, list or revoke)\n'],
      [['tokens', 'rotate'], 'scimd: unknown tokens command "rotate" (expected issue, list or revoke)\n'],
      [['tenants', 'create'], 'scimd: missing <slug>\nusage: scimd tenants create <slug> [--name <name>] [--json]\n'],
      [['tenants', 'show', 'a1', 'b1'], 'scimd: unexpected argument "b1"\nusage: scimd tenants show <slug> [--json]\n'],
      [
        ['tokens', 'revoke', 'acme'],
        'scimd: missing <token-id>\nusage: scimd tokens revoke <slug> <token-id> [--json]\n',
      ],
      [['tenants', 'list', '--jsno'], "scimd: Unknown option '--jsno'\nusage: scimd tenants list [--json]\n"],
      [
        ['tenants', 'create', 'acme', '--name'],
        "scimd: Option '--name <value>' argument missing\nusage: scimd tenants create <slug> [--name <name>] [--json]\n",
      ],
      [['serve', 'now'], 'scimd: unexpected argument "now"\nusage: scimd serve\n'],
    ];
    for (const [args, message] of cases) {
      const result = await run(args);
      assert.deepEqual(
        result,
        { code: 2, stdout: '', stderr: `${message}Run "scimd help" for usage.\n` },
        args.join(' '),
      );
    }
  });

  it('exits 78 and lists every bad variable on bad configuration', async () => {
    const { run } = freshDb({ SCIMD_PORT: 'abc', SCIMD_LOG_LEVEL: 'loud' });
    for (const args of [['tenants', 'list'], ['serve']]) {
      const result = await run(args);
      assert.equal(result.code, 78);
      assert.equal(result.stdout, '');
      assert.equal(
        result.stderr,
        'scimd: invalid configuration (2 problems):\n' +
          '  SCIMD_PORT: "abc" must be an integer from 0 to 65535\n' +
          '  SCIMD_LOG_LEVEL: "loud" must be one of fatal, error, warn, info, debug, trace, silent\n',
      );
    }
  });
});

describe('scimd tenants', () => {
  it('create --json prints the documented shape', async () => {
    const { run } = freshDb();
    const { code, stdout, stderr } = await run(['tenants', 'create', 'acme', '--name', 'Acme Corp', '--json']);
    assert.equal(code, 0, stderr);
    const json = JSON.parse(stdout);
    assert.deepEqual(Object.keys(json), ['id', 'slug', 'name', 'status', 'created', 'scimUrl']);
    assert.match(json.id, UUID);
    assert.deepEqual(json, {
      id: json.id,
      slug: 'acme',
      name: 'Acme Corp',
      status: 'active',
      created: ISO,
      scimUrl: 'http://localhost:8080/t/acme/scim/v2',
    });
    assert.equal(stdout, `${JSON.stringify(json, null, 2)}\n`);
  });

  it('uses SCIMD_PUBLIC_URL (or the port) for scimUrl', async () => {
    const publicUrl = freshDb({ SCIMD_PUBLIC_URL: 'https://scim.example.com/' });
    const created = JSON.parse((await publicUrl.run(['tenants', 'create', 'acme', '--json'])).stdout);
    assert.equal(created.scimUrl, 'https://scim.example.com/t/acme/scim/v2');
    assert.equal(created.name, 'acme');
    const port = freshDb({ SCIMD_PORT: '9000' });
    assert.equal(
      JSON.parse((await port.run(['tenants', 'create', 'acme', '--json'])).stdout).scimUrl,
      'http://localhost:9000/t/acme/scim/v2',
    );
  });

  it('create prints readable fields and the next step', async () => {
    const { run } = freshDb();
    const { code, stdout } = await run(['tenants', 'create', 'acme', '--name', 'Acme Corp']);
    assert.equal(code, 0);
    const id = /id {8}(\S+)/.exec(stdout)?.[1];
    assert.match(id ?? '', UUID);
    assert.equal(
      stdout,
      [
        'Created tenant "acme".',
        '',
        `  id        ${id}`,
        '  slug      acme',
        '  name      Acme Corp',
        '  status    active',
        `  created   ${ISO}`,
        '  SCIM URL  http://localhost:8080/t/acme/scim/v2',
        '',
        'Next: issue its SCIM token with "scimd tokens issue acme".',
        '',
      ].join('\n'),
    );
  });

  it('refuses duplicates (exit 1) and invalid slugs or names (exit 2) without opening the database', async () => {
    const { run, dbDir } = freshDb();
    const bad = await run(['tenants', 'create', 'Acme']);
    assert.deepEqual(bad, {
      code: 2,
      stdout: '',
      stderr:
        'scimd: invalid tenant slug "Acme": use 2 to 63 lower-case letters, digits or hyphens, starting with a letter (e.g. acme-corp)\n',
    });
    assert.throws(() => readdirSync(dbDir), { code: 'ENOENT' });
    assert.equal((await run(['tenants', 'create', 'acme'])).code, 0);
    assert.deepEqual(await run(['tenants', 'create', 'acme']), {
      code: 1,
      stdout: '',
      stderr: 'scimd: tenant "acme" already exists\n',
    });
    assert.deepEqual(await run(['tenants', 'create', 'globex', '--name', '  ']), {
      code: 2,
      stdout: '',
      stderr: 'scimd: tenant name must not be empty\n',
    });
  });

  it('list prints a table or JSON array ordered by slug', async () => {
    const { run } = freshDb();
    assert.deepEqual(await run(['tenants', 'list']), {
      code: 0,
      stdout: 'No tenants yet. Create one with "scimd tenants create <slug>".\n',
      stderr: '',
    });
    assert.equal((await run(['tenants', 'list', '--json'])).stdout, '[]\n');
    await run(['tenants', 'create', 'zeta', '--name', 'Zeta Industries']);
    await run(['tenants', 'create', 'acme']);
    const table = await run(['tenants', 'list']);
    assert.equal(
      table.stdout,
      [
        'SLUG  NAME             STATUS  CREATED                   SCIM URL',
        `acme  acme             active  ${ISO}  http://localhost:8080/t/acme/scim/v2`,
        `zeta  Zeta Industries  active  ${ISO}  http://localhost:8080/t/zeta/scim/v2`,
        '',
      ].join('\n'),
    );
    const json = JSON.parse((await run(['tenants', 'list', '--json'])).stdout);
    assert.deepEqual(
      json.map((t: Record<string, unknown>) => [Object.keys(t).join(','), t.slug]),
      [
        ['id,slug,name,status,created,scimUrl', 'acme'],
        ['id,slug,name,status,created,scimUrl', 'zeta'],
      ],
    );
  });

  it('show prints the tenant with a token summary, or 404 as exit 1', async () => {
    const { run } = freshDb();
    const created = JSON.parse((await run(['tenants', 'create', 'acme', '--json'])).stdout);
    await run(['tokens', 'issue', 'acme']);
    assert.deepEqual(JSON.parse((await run(['tenants', 'show', 'acme', '--json'])).stdout), created);
    const human = await run(['tenants', 'show', 'acme']);
    assert.equal(human.code, 0);
    assert.match(human.stdout, /\n {2}tokens {4}1 active of 1 \(see "scimd tokens list acme"\)\n$/);
    assert.deepEqual(await run(['tenants', 'show', 'nope']), {
      code: 1,
      stdout: '',
      stderr: 'scimd: tenant "nope" not found\n',
    });
  });

  it('disable and enable change the status and affect authentication', async () => {
    const { run, databaseUrl } = freshDb();
    await run(['tenants', 'create', 'acme']);
    const { token } = JSON.parse((await run(['tokens', 'issue', 'acme', '--json'])).stdout);
    assert.deepEqual(await run(['tenants', 'disable', 'acme']), {
      code: 0,
      stdout: 'Tenant "acme" is disabled: its tokens are refused until enabled.\n',
      stderr: '',
    });
    const store = await openStore(databaseUrl);
    try {
      assert.deepEqual(await authenticateToken(store, token, NOW), { ok: false, reason: 'tenant-disabled' });
    } finally {
      await store.close();
    }
    assert.equal(JSON.parse((await run(['tenants', 'show', 'acme', '--json'])).stdout).status, 'disabled');
    const enabled = await run(['tenants', 'enable', 'acme', '--json']);
    assert.equal(JSON.parse(enabled.stdout).status, 'active');
    assert.deepEqual(await run(['tenants', 'enable', 'acme']), {
      code: 0,
      stdout: 'Tenant "acme" is enabled.\n',
      stderr: '',
    });
    assert.equal((await run(['tenants', 'disable', 'nope'])).code, 1);
  });

  it('delete refuses without --yes (exit 2) and removes all data with it', async () => {
    const { run, databaseUrl } = freshDb();
    const tenant = JSON.parse((await run(['tenants', 'create', 'acme', '--json'])).stdout);
    const { token } = JSON.parse((await run(['tokens', 'issue', 'acme', '--json'])).stdout);
    let store = await openStore(databaseUrl);
    try {
      await store.forTenant(tenant.id).transaction((tx) =>
        tx.insertResource({
          id: 'u1',
          resourceType: 'User',
          body: { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'ann' },
          now: ISO,
        }),
      );
    } finally {
      await store.close();
    }

    assert.deepEqual(await run(['tenants', 'delete', 'acme']), {
      code: 2,
      stdout: '',
      stderr:
        'scimd: refusing to delete tenant "acme" and all its data (users, groups, tokens) without --yes\nRun "scimd help" for usage.\n',
    });
    assert.equal((await run(['tenants', 'show', 'acme'])).code, 0);

    assert.deepEqual(await run(['tenants', 'delete', 'acme', '--yes']), {
      code: 0,
      stdout: 'Deleted tenant "acme" and all its data.\n',
      stderr: '',
    });
    assert.equal((await run(['tenants', 'show', 'acme'])).code, 1);
    store = await openStore(databaseUrl);
    try {
      assert.equal(await store.tokens.findByHash(hashToken(token)), undefined);
      assert.equal(await store.forTenant(tenant.id).getResource('User', 'u1'), undefined);
      assert.deepEqual(await authenticateToken(store, token, NOW), { ok: false, reason: 'unknown' });
    } finally {
      await store.close();
    }
    assert.deepEqual(await run(['tenants', 'delete', 'acme', '--yes']), {
      code: 1,
      stdout: '',
      stderr: 'scimd: tenant "acme" not found\n',
    });
    const again = await run(['tenants', 'create', 'acme', '--json']);
    const recreated = JSON.parse(again.stdout);
    assert.notEqual(recreated.id, tenant.id);
    assert.deepEqual(JSON.parse((await run(['tenants', 'delete', 'acme', '--yes', '--json'])).stdout), recreated);
  });
});

describe('scimd serve', () => {
  it('starts the server from the configuration and stops when signalled', async () => {
    const controller = new AbortController();
    let stderr = '';
    const capture = (append: (s: string) => void) =>
      new Writable({
        write(chunk, _encoding, done) {
          append(String(chunk));
          done();
        },
      });
    let stdout = '';
    const running = runCli(['serve'], {
      stdout: capture((s) => (stdout += s)),
      stderr: capture((s) => (stderr += s)),
      env: {
        SCIMD_DATABASE_URL: 'memory:',
        SCIMD_PORT: '0',
        SCIMD_HOST: '127.0.0.1',
        SCIMD_LOG_LEVEL: 'silent',
        // The metrics listener on a free port: test files run in parallel.
        SCIMD_METRICS_PORT: '0',
        // A loaded test machine must not make this server shed the one request it gets.
        SCIMD_SHED_EVENT_LOOP_DELAY_MS: '0',
      },
      signal: controller.signal,
    });
    let exited = false;
    void running.finally(() => {
      exited = true;
    });
    let url: string | undefined;
    try {
      while (!stderr.includes('scimd listening on') && !exited) await new Promise((r) => setTimeout(r, 10));
      url = /\nscimd listening on (http:\/\/127\.0\.0\.1:\d+)\n$/.exec(stderr)?.[1];
      assert.ok(url, stderr);
      // No admin credential exists yet: the one-time console link comes first, on standard error.
      assert.match(
        stderr,
        new RegExp(`No admin credential exists yet[^]*\\n {6}${url}/console/first-run\\?token=[\\w-]{43}\\n`),
      );
      const response = await fetch(`${url}/scim/v2/Users`);
      assert.equal(response.status, 401);
    } finally {
      // Stopped whatever failed above: a server left running would hold the test run open.
      controller.abort();
    }
    assert.equal(await running, 0);
    assert.match(stdout, new RegExp(`scimd is serving SCIM on ${url}/scim/v2 \\(database memory:\\)`));
    assert.match(stdout, /npx scimd tenants create acme/);
    assert.ok(stdout.includes(`Web console: ${url}/console `), stdout);
    assert.match(stdout, /shutting down/);
    await assert.rejects(fetch(`${url}/scim/v2/Users`));
  });
});

describe('docs/cli.md', () => {
  it('documents every command, variable and exit code', () => {
    const doc = readFileSync(new URL('../../docs/cli.md', import.meta.url), 'utf8');
    for (const line of [
      ...TENANTS_USAGE,
      ...TOKENS_USAGE,
      ...ADMIN_CREDENTIALS_USAGE,
      'scimd serve',
      'scimd version',
      'scimd help',
    ]) {
      assert.ok(doc.includes(line), line);
    }
    for (const v of CONFIG_VARIABLES) assert.ok(doc.includes(`\`${v.name}\``), v.name);
    for (const code of ['| 0 ', '| 1 ', '| 2 ', '| 78 ']) assert.ok(doc.includes(code), code);
  });
});
