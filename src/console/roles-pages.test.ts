import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { type Harness, startHarness } from '../http/test-support/harness.js';
import { describeEachBackend } from '../store/test-support/backends.js';
import { generateAdminToken } from '../tenancy/admin-token.js';
import { ConsoleClient, pageText } from './test-support/console-client.js';

const admin = generateAdminToken();

/** The manifest JSON as the page shows it, unescaped. */
function manifestOf(html: string): unknown {
  const code = /<pre><code id="manifest">([\s\S]*?)<\/code><\/pre>/.exec(html)?.[1];
  assert.ok(code !== undefined, 'the page shows the manifest');
  return JSON.parse(
    code
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'")
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&'),
  );
}

describeEachBackend('console: app roles page', (backend) => {
  let h: Harness;
  let client: ConsoleClient;

  before(async () => {
    h = await startHarness({ backend, config: { adminTokenHash: admin.hash } });
    client = new ConsoleClient(h.app);
    assert.equal((await client.signIn(admin.token)).statusCode, 303);
  });
  after(() => h.close());

  it('starts empty, with an empty manifest', async () => {
    const page = await client.get('/console/roles');
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /<a href="\/console\/roles" aria-current="page">App roles<\/a>/);
    assert.match(pageText(page.body), /No app roles are declared yet/);
    assert.deepEqual(manifestOf(page.body), []);
    assert.doesNotMatch(page.body, /style=|<script>/);
  });

  it('adds, edits, disables and enables a role, and the manifest follows', async () => {
    await client.get('/console/roles');
    const added = await client.post('/console/roles', {
      value: 'Reader',
      displayName: 'Reader <all>',
      description: '',
    });
    assert.equal(added.statusCode, 200, added.body);
    assert.match(pageText(added.body), /App role "Reader" declared\./);
    assert.match(added.body, /Reader &lt;all&gt;/);
    const stored = (await h.store.roles.getByValue('Reader'))!;
    assert.deepEqual(manifestOf(added.body), [
      {
        allowedMemberTypes: ['User'],
        description: 'Reader <all>',
        displayName: 'Reader <all>',
        id: stored.id,
        isEnabled: true,
        value: 'Reader',
      },
    ]);

    const edited = await client.post('/console/roles/Reader', {
      displayName: 'Readers',
      description: 'Reads everything',
    });
    assert.equal(edited.statusCode, 200);
    assert.match(pageText(edited.body), /App role "Reader" saved\./);
    const disabled = await client.post('/console/roles/Reader/enabled', { enabled: 'false' });
    assert.equal(disabled.statusCode, 200);
    assert.match(pageText(disabled.body), /App role "Reader" is disabled/);
    assert.deepEqual(manifestOf(disabled.body), [
      {
        allowedMemberTypes: ['User'],
        description: 'Reads everything',
        displayName: 'Readers',
        id: stored.id,
        isEnabled: false,
        value: 'Reader',
      },
    ]);
    assert.match(disabled.body, /<input type="hidden" name="enabled" value="true">/);
    const enabled = await client.post('/console/roles/Reader/enabled', { enabled: 'true' });
    assert.equal((manifestOf(enabled.body) as { isEnabled: boolean }[])[0]!.isEnabled, true);
    assert.equal((await h.store.roles.getByValue('Reader'))?.enabled, true);
  });

  it('refuses a taken value with a message by the add form, keeping what was typed', async () => {
    await client.get('/console/roles');
    const taken = await client.post('/console/roles', { value: 'Reader', displayName: 'Other', description: 'x' });
    assert.equal(taken.statusCode, 409);
    assert.match(taken.body, /<p class="alert" role="alert">app role &quot;Reader&quot; already exists<\/p>/);
    assert.match(taken.body, /id="role-name" name="displayName" required maxlength="120" value="Other"/);
    assert.equal((await h.store.roles.list()).length, 1);
  });

  it('answers 404 for an unknown role', async () => {
    await client.get('/console/roles');
    const unknown = await client.post('/console/roles/Nope/enabled', { enabled: 'false' });
    assert.equal(unknown.statusCode, 404);
  });

  it('refuses a POST without the CSRF token and changes nothing', async () => {
    const refused = await client.post('/console/roles', { _csrf: '', value: 'Writer', displayName: 'Writer' });
    assert.equal(refused.statusCode, 403);
    assert.equal(await h.store.roles.getByValue('Writer'), undefined);
    const disable = await client.post('/console/roles/Reader/enabled', { _csrf: '', enabled: 'false' });
    assert.equal(disable.statusCode, 403);
    assert.equal((await h.store.roles.getByValue('Reader'))?.enabled, true);
  });
});
