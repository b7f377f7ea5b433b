import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, describe, it } from 'node:test';
import { openStore } from '../store/open.js';
import { authenticateToken } from '../tenancy/authenticate.js';
import { createCliSandbox, NOW, NOW_ISO, UUID } from './test-support/run-cli.js';

const sandbox = createCliSandbox();
after(() => sandbox.remove());

const PROD = '11111111-2222-3333-4444-555555555555';
const TOKEN = /scimd_[0-9A-Za-z]{43}/g;

async function withRoles(env?: Record<string, string>) {
  const fixture = sandbox.fixture(env);
  // Declared one second apart: the catalogue is ordered by creation.
  const add = (args: string[], second: number) =>
    fixture.run(['roles', 'add', ...args], new Date(NOW.getTime() + second * 1000));
  assert.equal(
    (await add(['sales.editor', '--display-name', 'Sales Editor', '--description', 'Edit deals'], 0)).code,
    0,
  );
  assert.equal((await add(['Admin', '--display-name', 'Administrator'], 1)).code, 0);
  return fixture;
}

describe('scimd roles', () => {
  it('add --json prints the documented shape with a fresh GUID', async () => {
    const { run } = sandbox.fixture();
    const result = await run(['roles', 'add', 'sales.editor', '--display-name', 'Sales Editor', '--json']);
    assert.equal(result.code, 0, result.stderr);
    const json = JSON.parse(result.stdout);
    assert.deepEqual(Object.keys(json), [
      'id',
      'value',
      'displayName',
      'description',
      'enabled',
      'allowedMemberTypes',
      'created',
    ]);
    assert.match(json.id, UUID);
    assert.deepEqual(json, {
      id: json.id,
      value: 'sales.editor',
      displayName: 'Sales Editor',
      description: 'Sales Editor',
      enabled: true,
      allowedMemberTypes: ['User'],
      created: NOW_ISO,
    });
  });

  it('add prints the role and the next step', async () => {
    const { run } = sandbox.fixture();
    const { code, stdout } = await run([
      'roles',
      'add',
      'Admin',
      '--display-name',
      'Administrator',
      '--description',
      'All',
    ]);
    assert.equal(code, 0);
    const id = /id {12}(\S+)/.exec(stdout)?.[1] ?? '';
    assert.match(id, UUID);
    assert.equal(
      stdout,
      [
        'Declared app role "Admin".',
        '',
        `  id            ${id}`,
        '  value         Admin',
        '  display name  Administrator',
        '  description   All',
        '  enabled       yes',
        `  created       ${NOW_ISO}`,
        '',
        'Next: paste the output of "scimd roles manifest" into the Entra app manifest (appRoles).',
        '',
      ].join('\n'),
    );
  });

  it('refuses invalid values and missing options (exit 2) and duplicates (exit 1)', async () => {
    const { run } = await withRoles();
    assert.deepEqual(await run(['roles', 'add', 'Sales Editor', '--display-name', 'x']), {
      code: 2,
      stdout: '',
      stderr:
        'scimd: invalid app role value "Sales Editor": it contains a space; use 1 to 120 characters: letters A-Z a-z, digits 0-9 and ! # $ % & \' ( ) * + , - . / : ; < = > ? @ [ ] ^ _ ` { | } ~ (no spaces), not starting with "." (e.g. sales.editor)\n',
    });
    assert.deepEqual(await run(['roles', 'add', 'x']), {
      code: 2,
      stdout: '',
      stderr:
        'scimd: missing --display-name <text>\nusage: scimd roles add <value> --display-name <text> [--description <text>] [--json]\nRun "scimd help" for usage.\n',
    });
    assert.deepEqual(await run(['roles', 'add', 'admin', '--display-name', 'Boss']), {
      code: 1,
      stdout: '',
      stderr: 'scimd: app role "admin" already exists\n',
    });
    assert.deepEqual(await run(['roles', 'update', 'admin']), {
      code: 2,
      stdout: '',
      stderr:
        'scimd: give --display-name and/or --description\nusage: scimd roles update <value> [--display-name <text>] [--description <text>] [--json]\nRun "scimd help" for usage.\n',
    });
    assert.deepEqual(await run(['roles', 'disable', 'nope']), {
      code: 1,
      stdout: '',
      stderr: 'scimd: app role "nope" not found\n',
    });
    assert.equal(
      (await run(['roles'])).stderr,
      'scimd: missing roles command (add, list, update, disable, enable or manifest)\nRun "scimd help" for usage.\n',
    );
  });

  it('lists, updates, disables and enables', async () => {
    const { run } = await withRoles();
    const ids = (JSON.parse((await run(['roles', 'list', '--json'])).stdout) as { id: string }[]).map((r) => r.id);
    assert.deepEqual(await run(['roles', 'disable', 'admin']), {
      code: 0,
      stdout:
        'App role "Admin" is disabled: new assignments are refused, users who hold it keep it, and the manifest lists it with "isEnabled": false.\n',
      stderr: '',
    });
    const updated = JSON.parse(
      (await run(['roles', 'update', 'SALES.EDITOR', '--description', 'Edit and close deals', '--json'])).stdout,
    );
    assert.equal(updated.description, 'Edit and close deals');
    assert.equal(updated.id, ids[0]);
    const table = await run(['roles', 'list']);
    assert.equal(
      table.stdout,
      [
        'VALUE         DISPLAY NAME   STATUS    ID',
        `sales.editor  Sales Editor   enabled   ${ids[0]}`,
        `Admin         Administrator  disabled  ${ids[1]}`,
        '',
      ].join('\n'),
    );
    assert.deepEqual(await run(['roles', 'enable', 'Admin']), {
      code: 0,
      stdout: 'App role "Admin" is enabled.\n',
      stderr: '',
    });
    assert.equal(
      (await sandbox.fixture().run(['roles', 'list'])).stdout,
      'No app roles declared. Declare one with "scimd roles add <value> --display-name <name>".\n',
    );
  });

  it('manifest prints exactly the appRoles array, stable across runs and edits', async () => {
    const { run } = await withRoles();
    const first = await run(['roles', 'manifest']);
    assert.equal(first.code, 0);
    const roles = JSON.parse((await run(['roles', 'list', '--json'])).stdout) as Record<string, string>[];
    const expected = roles.map((r) => ({
      allowedMemberTypes: ['User'],
      description: r.description,
      displayName: r.displayName,
      id: r.id,
      isEnabled: true,
      value: r.value,
    }));
    assert.equal(first.stdout, `${JSON.stringify(expected, null, 2)}\n`);
    await run(['roles', 'disable', 'Admin']);
    const second = JSON.parse((await run(['roles', 'manifest'])).stdout);
    assert.deepEqual(second, [expected[0], { ...expected[1], isEnabled: false }]);
    assert.equal((await sandbox.fixture().run(['roles', 'manifest'])).stdout, '[]\n');
  });
});

describe('scimd tenants roles', () => {
  it('shows, narrows and widens the roles a tenant may assign', async () => {
    const { run } = await withRoles();
    await run(['tenants', 'create', 'acme']);
    assert.deepEqual(await run(['tenants', 'roles', 'acme']), {
      code: 0,
      stdout: 'Tenant "acme" may assign every enabled app role.\nAssignable now (enabled): sales.editor, Admin.\n',
      stderr: '',
    });
    assert.deepEqual(await run(['tenants', 'roles', 'acme', '--allow', 'admin, Sales Editor']), {
      code: 0,
      stdout:
        'Tenant "acme" may assign only "Admin", "sales.editor".\nAssignable now (enabled): sales.editor, Admin.\n',
      stderr: '',
    });
    await run(['roles', 'disable', 'Admin']);
    const json = JSON.parse((await run(['tenants', 'roles', 'acme', '--json'])).stdout);
    assert.deepEqual(
      [json.slug, json.allowedRoles, json.assignableRoles],
      ['acme', ['Admin', 'sales.editor'], ['sales.editor']],
    );
    const widened = JSON.parse((await run(['tenants', 'roles', 'acme', '--all', '--json'])).stdout);
    assert.equal(widened.allowedRoles, null);
    assert.deepEqual(await run(['tenants', 'roles', 'acme', '--allow', 'janitor']), {
      code: 2,
      stdout: '',
      stderr: 'scimd: unknown app role "janitor" (declared: sales.editor, Admin)\n',
    });
    const both = await run(['tenants', 'roles', 'acme', '--allow', 'Admin', '--all']);
    assert.equal(both.code, 2);
    assert.match(both.stderr, /^scimd: give either --allow or --all\n/);
  });
});

describe('scimd guide', () => {
  it('prints the Markdown guide with the tenant URL, consent link and roles, and no token', async () => {
    const { run } = await withRoles({ SCIMD_PUBLIC_URL: 'https://scim.example.com', SCIMD_ENTRA_CLIENT_ID_PROD: PROD });
    await run(['tenants', 'create', 'acme', '--name', 'Acme Corp']);
    await run(['tokens', 'issue', 'acme']);
    const { code, stdout, stderr } = await run(['guide', 'acme']);
    assert.equal(code, 0, stderr);
    assert.ok(stdout.startsWith('# Microsoft Entra ID provisioning setup for Acme Corp\n'));
    assert.ok(stdout.includes(`https://login.microsoftonline.com/common/adminconsent?client_id=${PROD}`));
    assert.ok(stdout.includes('`https://scim.example.com/t/acme/scim/v2`'));
    assert.ok(stdout.includes('| Sales Editor | `sales.editor` | Edit deals |'));
    assert.ok(stdout.includes('the token your vendor sent you separately'));
    assert.equal(stdout.match(TOKEN), null);
    const html = await run(['guide', 'acme', '--format', 'html']);
    assert.match(html.stdout, /^<!doctype html>/);
    const json = JSON.parse((await run(['guide', 'acme', '--format', 'json'])).stdout);
    assert.equal(json.scimUrl, 'https://scim.example.com/t/acme/scim/v2');
    assert.deepEqual(
      json.appRolesManifest.map((r: { value: string }) => r.value),
      ['sales.editor', 'Admin'],
    );
  });

  it('refuses an unknown format (exit 2) and tenant (exit 1)', async () => {
    const { run } = sandbox.fixture();
    assert.deepEqual(await run(['guide', 'acme', '--format', 'pdf']), {
      code: 2,
      stdout: '',
      stderr:
        'scimd: unknown --format "pdf" (expected md, html, json)\nusage: scimd guide <slug> [--format md|html|json]\nRun "scimd help" for usage.\n',
    });
    assert.deepEqual(await run(['guide', 'acme']), { code: 1, stdout: '', stderr: 'scimd: tenant "acme" not found\n' });
  });

  it('tokens issue --with-guide prints the guide carrying the fresh, working token once', async () => {
    const { run, databaseUrl } = await withRoles();
    await run(['tenants', 'create', 'acme']);
    const { code, stdout } = await run(['tokens', 'issue', 'acme', '--with-guide', '--label', 'Entra']);
    assert.equal(code, 0);
    const tokens = stdout.match(TOKEN) ?? [];
    assert.equal(tokens.length, 1, stdout);
    assert.ok(stdout.includes(`5. Set **Secret Token** to \`${tokens[0]}\`.`));
    const store = await openStore(databaseUrl);
    try {
      assert.equal((await authenticateToken(store, tokens[0], NOW)).ok, true);
      assert.equal((await store.tokens.listForTenant((await store.tenants.getBySlug('acme'))!.id))[0]?.label, 'Entra');
    } finally {
      await store.close();
    }
    const html = await run(['tokens', 'issue', 'acme', '--with-guide', '--format', 'html']);
    assert.equal(html.stdout.match(TOKEN)?.length, 1);
    const misuse = await run(['tokens', 'issue', 'acme', '--format', 'html']);
    assert.equal(misuse.code, 2);
    assert.match(misuse.stderr, /^scimd: --format needs --with-guide\n/);
    assert.match(
      (await run(['tokens', 'issue', 'acme', '--with-guide', '--json'])).stderr,
      /use --format json instead of --json/,
    );
  });
});

describe('scimd admin-token', () => {
  it('prints a token once with the environment line holding its SHA-256', async () => {
    const { run, dbDir } = sandbox.fixture();
    const { code, stdout, stderr } = await run(['admin-token']);
    assert.equal(code, 0, stderr);
    const token = /^(scimd_admin_[0-9A-Za-z]{43})$/m.exec(stdout)?.[1] ?? '';
    assert.ok(token, stdout);
    const hash = createHash('sha256').update(token).digest('hex');
    assert.ok(stdout.includes(`\nSCIMD_ADMIN_TOKEN_HASH=sha256:${hash}\n`));
    assert.equal(stdout.split(token).length, 2, 'token printed once');
    const json = JSON.parse((await run(['admin-token', '--json'])).stdout);
    assert.deepEqual(Object.keys(json), ['token', 'hash', 'environment']);
    assert.equal(json.hash, `sha256:${createHash('sha256').update(json.token).digest('hex')}`);
    assert.equal(json.environment, `SCIMD_ADMIN_TOKEN_HASH=${json.hash}`);
    assert.equal((await import('node:fs')).existsSync(dbDir), false, 'no database touched');
  });
});
