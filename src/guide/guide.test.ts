import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { generateToken } from '../tenancy/tokens.js';
import { adminConsentUrl, buildGuide } from './content.js';
import { escapeHtml, renderBlocksHtml, renderSectionsHtml, renderTextHtml } from './html.js';
import { escapeMarkdown } from './markdown.js';
import { code, type Guide, type GuideInput, link, strong, value } from './model.js';
import { renderGuide } from './render.js';
import { TROUBLESHOOTING_IDS } from './troubleshooting.js';

const PROD = '11111111-2222-3333-4444-555555555555';
const TEST = 'aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee';
const TOKEN = generateToken().token;
const ANY_TOKEN = /scimd_[0-9A-Za-z]{43}/g;
const SCIM_URL = 'https://scim.example.com/t/acme/scim/v2';

const INPUT: GuideInput = {
  tenant: { slug: 'acme', name: 'Acme Corp' },
  scimUrl: SCIM_URL,
  roles: [
    { value: 'sales.editor', displayName: 'Sales Editor', description: 'Edit deals' },
    { value: 'Admin', displayName: 'Administrator', description: 'Everything' },
  ],
  manifest: [
    {
      allowedMemberTypes: ['User'],
      description: 'Edit deals',
      displayName: 'Sales Editor',
      id: '6c1f0d6e-7a8b-4c53-9d1e-2f3a4b5c6d7e',
      isEnabled: true,
      value: 'sales.editor',
    },
    {
      allowedMemberTypes: ['User'],
      description: 'Everything',
      displayName: 'Administrator',
      id: '06b07648-ecfe-489f-9d2f-6f6b3f6e2a11',
      isEnabled: true,
      value: 'Admin',
    },
  ],
  entraClientIdTest: TEST,
  entraClientIdProd: PROD,
};

const count = (haystack: string, needle: string) => haystack.split(needle).length - 1;
const sectionText = (guide: Guide, id: string) => JSON.stringify(guide.sections.find((s) => s.id === id));

describe('setup guide content', () => {
  it('builds the exact admin-consent URLs and says which one to use', () => {
    assert.equal(adminConsentUrl(PROD), `https://login.microsoftonline.com/common/adminconsent?client_id=${PROD}`);
    const guide = buildGuide(INPUT);
    assert.deepEqual(guide.consent, {
      production: { clientId: PROD, url: `https://login.microsoftonline.com/common/adminconsent?client_id=${PROD}` },
      test: { clientId: TEST, url: `https://login.microsoftonline.com/common/adminconsent?client_id=${TEST}` },
    });
    const md = renderGuide(INPUT, 'md');
    assert.ok(
      md.includes(
        `**Production** — use this link to connect your organisation to the live service:\n\n\`\`\`text\nhttps://login.microsoftonline.com/common/adminconsent?client_id=${PROD}\n\`\`\``,
      ),
    );
    assert.ok(
      md.includes('**Test** — use this link only to try the integration against your vendor’s test environment'),
    );
    assert.ok(md.indexOf(PROD) < md.indexOf(TEST), 'production comes first');
  });

  it('omits an unconfigured link and says what to ask the vendor', () => {
    const onlyTest = renderGuide({ ...INPUT, entraClientIdProd: undefined }, 'md');
    assert.equal(count(onlyTest, 'adminconsent?client_id='), 1);
    assert.ok(!onlyTest.includes('**Production**'));
    assert.ok(
      onlyTest.includes(
        'Only the test link is configured. Ask your vendor for the production admin-consent link (the Application (client) ID of their production app registration) before going live.',
      ),
    );
    const onlyProd = renderGuide({ ...INPUT, entraClientIdTest: undefined }, 'md');
    assert.ok(!onlyProd.includes('**Test**'));
    assert.equal(count(onlyProd, `client_id=${PROD}`), 1);
    const none = buildGuide({ ...INPUT, entraClientIdTest: undefined, entraClientIdProd: undefined });
    assert.deepEqual(none.consent, { production: null, test: null });
    const consent = sectionText(none, 'consent');
    assert.ok(consent.includes('No admin-consent link is configured yet. Ask your vendor for the admin-consent link'));
    assert.ok(!/client_id=[0-9a-f]/.test(consent), 'no link that looks real');
  });

  it('fills in the tenant URL and the fresh token exactly once', () => {
    for (const format of ['md', 'html'] as const) {
      const text = renderGuide({ ...INPUT, token: TOKEN }, format);
      assert.equal(count(text, TOKEN), 1, format);
      assert.equal(text.match(ANY_TOKEN)?.length, 1, format);
      assert.ok(text.includes(SCIM_URL), format);
    }
    const md = renderGuide({ ...INPUT, token: TOKEN }, 'md');
    assert.ok(
      md.includes(
        `4. Under **Admin Credentials**, set **Tenant URL** to \`${SCIM_URL}\`.\n5. Set **Secret Token** to \`${TOKEN}\`.\n6. Select **Test Connection**.`,
      ),
    );
    assert.ok(md.includes('This token is shown only once'));
    const json = buildGuide({ ...INPUT, token: TOKEN });
    assert.equal(json.secretToken, TOKEN);
  });

  it('without a token points to the one sent separately and prints nothing token-like', () => {
    for (const format of ['md', 'html', 'json'] as const) {
      const text = renderGuide(INPUT, format);
      assert.equal(text.match(ANY_TOKEN), null, format);
      assert.ok(text.includes('the token your vendor sent you separately'), format);
    }
    assert.equal(buildGuide(INPUT).secretToken, null);
  });

  it('gives both role mappings and the roles the tenant may assign', () => {
    const md = renderGuide(INPUT, 'md');
    assert.ok(
      md.includes(
        '2. **Expression**: `SingleAppRoleAssignment([appRoleAssignments])`\n3. **Target attribute**: `roles[primary eq "True"].value`',
      ),
    );
    assert.ok(
      md.includes(
        '3. **Expression**: `AppRoleAssignmentsComplex([appRoleAssignments])`\n4. **Target attribute**: `roles`',
      ),
    );
    assert.ok(md.includes('add an attribute named `roles`'));
    assert.ok(md.includes('| Sales Editor | `sales.editor` | Edit deals |\n| Administrator | `Admin` | Everything |'));
    assert.ok(md.includes('**Roles you may assign**: Sales Editor (`sales.editor`), Administrator (`Admin`)'));
    const none = renderGuide({ ...INPUT, roles: [], manifest: [] }, 'md');
    assert.ok(none.includes('Your vendor has not declared any roles for your organisation yet'));
  });

  it('covers assignment, scope, start and the provisioning logs', () => {
    const md = renderGuide(INPUT, 'md');
    for (const phrase of [
      '**Users and groups** → **Add user/group**',
      'set **Scope** to **Sync only assigned users and groups**',
      'Set **Provisioning Status** to **On**',
      'Watch **Provisioning logs**',
      'Set **Provisioning Mode** to **Automatic**',
    ]) {
      assert.ok(md.includes(phrase), phrase);
    }
  });

  it('gives the non-gallery fallback with the exported appRoles manifest', () => {
    const guide = buildGuide(INPUT);
    const fallback = guide.sections.find((s) => s.id === 'fallback')!;
    const text = JSON.stringify(fallback);
    assert.ok(text.includes('Create your own application'));
    assert.ok(text.includes('Integrate any other application you don’t find in the gallery (Non-gallery)'));
    const manifest = fallback.blocks.find((b) => b.kind === 'code');
    assert.ok(manifest?.kind === 'code');
    assert.deepEqual(JSON.parse(manifest.code), INPUT.manifest);
    assert.equal(manifest.code, JSON.stringify(INPUT.manifest, null, 2));
  });

  it('troubleshoots the errors of Test Connection and the provisioning logs', () => {
    const text = sectionText(buildGuide(INPUT), 'troubleshooting');
    for (const phrase of [
      '401 Unauthorized',
      'Conflict',
      'InvalidAnchor',
      'TooManyRequests',
      'ServiceIncompatible',
      'quarantine',
      'No more than one app role assignment was expected',
      'AppRoleAssignmentsComplex([appRoleAssignments])',
      '400 invalidValue',
      'Restart provisioning',
      '400 invalidFilter',
      'Match objects using this attribute',
      '413 Payload Too Large',
      'a group with very many members sent in one request',
      ' about another attribute',
    ]) {
      assert.ok(text.includes(phrase), phrase);
    }
    const md = renderGuide(INPUT, 'md');
    assert.ok(md.includes('| Assign one of: `sales.editor`, `Admin`. Ask your vendor if you need another role. |'));
    assert.ok(
      md.includes(
        '| `400 invalidFilter` | Entra looked a user or group up with a filter the application cannot run: usually a custom attribute mapping whose matching attribute (**Match objects using this attribute**) or expression the application does not support. | Under **Mappings**, open **Provision Microsoft Entra ID Users**: keep `userName` the only attribute with **Match objects using this attribute** set to **Yes** (for groups: `displayName`). Ask your vendor before matching on a custom attribute. |',
      ),
    );
    assert.ok(
      md.includes(
        '| `413 Payload Too Large` / request too large | One request was larger than the application accepts',
      ),
    );
    const html = renderGuide(INPUT, 'html');
    assert.ok(
      html.includes(
        '<tr id="troubleshooting-too-large"><td><code>413 Payload Too Large</code> / request too large</td>',
      ),
    );
    assert.equal(count(html, '<tr id="troubleshooting-'), TROUBLESHOOTING_IDS.length);
    const json = JSON.parse(renderGuide(INPUT, 'json')) as Guide;
    const table = json.sections.find((s) => s.id === 'troubleshooting')!.blocks.find((b) => b.kind === 'table');
    assert.ok(table?.kind === 'table');
    assert.deepEqual(table.rowIds, [
      'troubleshooting-unauthorized',
      'troubleshooting-wrong-tenant-url',
      'troubleshooting-uniqueness',
      'troubleshooting-invalid-filter',
      'troubleshooting-role-not-allowed',
      'troubleshooting-invalid-value',
      'troubleshooting-too-large',
      'troubleshooting-too-many-requests',
      'troubleshooting-invalid-anchor',
      'troubleshooting-quarantine',
      'troubleshooting-one-role-expected',
      'troubleshooting-not-assigned',
    ]);
    assert.equal(table.rows.length, 12);
  });
});

describe('setup guide rendering', () => {
  const hostile: GuideInput = {
    ...INPUT,
    tenant: { slug: 'acme', name: 'Evil <script>alert(1)</script> & "Co" *bold* [x](y)' },
    roles: [{ value: 'a|b`c', displayName: '<img src=x onerror=alert(1)>', description: 'pipe | star *' }],
  };

  it('escapes every value in HTML, never emitting markup from a tenant or role', () => {
    const html = renderGuide(hostile, 'html');
    assert.ok(!html.includes('<script>'));
    assert.ok(!html.includes('<img'));
    assert.ok(html.includes('Evil &lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;Co&quot; *bold* [x](y)'));
    assert.ok(html.includes('<td>&lt;img src=x onerror=alert(1)&gt;</td><td><code>a|b`c</code></td>'));
    assert.equal(escapeHtml(`<a href="x">'&'</a>`), '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
  });

  it('renders fragments for other pages with the same escaping, and builds the page from them', () => {
    assert.equal(
      renderTextHtml([
        'a <b> & ',
        value('<script>x</script>'),
        strong('<i>'),
        code('"c"'),
        link('https://x/?a=1&b="2"'),
      ]),
      'a &lt;b&gt; &amp; &lt;script&gt;x&lt;/script&gt;<strong>&lt;i&gt;</strong><code>&quot;c&quot;</code><a href="https://x/?a=1&amp;b=&quot;2&quot;">https://x/?a=1&amp;b=&quot;2&quot;</a>',
    );
    assert.equal(
      renderBlocksHtml([
        { kind: 'paragraph', text: [value('<script>')] },
        {
          kind: 'table',
          headers: ['<h>'],
          rows: [[[value("<img src=x onerror='1'>")]], [['plain']]],
          rowIds: ['"><script>'],
        },
      ]),
      '<p>&lt;script&gt;</p>\n<table>\n<thead><tr><th>&lt;h&gt;</th></tr></thead>\n<tbody>\n<tr id="&quot;&gt;&lt;script&gt;"><td>&lt;img src=x onerror=&#39;1&#39;&gt;</td></tr>\n<tr><td>plain</td></tr>\n</tbody>\n</table>',
    );
    const sections = [
      { id: 'a"b', title: '<script>T</script>', blocks: [{ kind: 'code', language: 'text', code: '</pre><script>' }] },
      { id: 'two', title: 'Two', blocks: [] },
    ] as const;
    assert.equal(
      renderSectionsHtml(sections, { headingLevel: 3 }),
      '<section id="a&quot;b">\n<h3>&lt;script&gt;T&lt;/script&gt;</h3>\n<pre><code>&lt;/pre&gt;&lt;script&gt;</code></pre>\n</section>\n<section id="two">\n<h3>Two</h3>\n\n</section>',
    );
    assert.ok(
      renderSectionsHtml(sections).startsWith('<section id="a&quot;b">\n<h2>&lt;script&gt;T&lt;/script&gt;</h2>'),
    );
    const guide = buildGuide(hostile);
    const fragment = renderSectionsHtml(guide.sections);
    assert.ok(!/<html|<style|<head|<body|<script|<img/i.test(fragment));
    assert.ok(renderGuide(hostile, 'html').includes(`<h1>${escapeHtml(guide.title)}</h1>\n${fragment}\n<footer>`));
  });

  it('is one self-contained page: no scripts, no external resources, inline CSS, printable', () => {
    const html = renderGuide(INPUT, 'html');
    assert.match(html, /^<!doctype html>\n<html lang="en">/);
    assert.ok(
      html.includes(
        `<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">`,
      ),
    );
    assert.ok(html.includes('@media print'));
    assert.ok(!/<script|<link|src=|url\(/i.test(html));
    assert.ok(html.includes('<title>Microsoft Entra ID provisioning setup for Acme Corp</title>'));
    assert.equal(count(html, '<section id='), 7);
  });

  it('escapes values in Markdown and keeps code spans intact', () => {
    const md = renderGuide(hostile, 'md');
    assert.ok(
      md.startsWith(
        '# Microsoft Entra ID provisioning setup for Evil \\<script\\>alert(1)\\</script\\> \\& "Co" \\*bold\\* \\[x\\](y)\n',
      ),
    );
    assert.ok(md.includes('| \\<img src=x onerror=alert(1)\\> | ``a\\|b`c`` | pipe \\| star \\* |'));
    assert.equal(escapeMarkdown('a_b\nc'), 'a\\_b c');
  });

  it('prints the structured guide as JSON', () => {
    const json = JSON.parse(renderGuide({ ...INPUT, token: TOKEN }, 'json')) as Guide;
    assert.equal(json.format, 'scimd-setup-guide');
    assert.equal(json.version, 1);
    assert.deepEqual(json.tenant, { slug: 'acme', name: 'Acme Corp' });
    assert.equal(json.scimUrl, SCIM_URL);
    assert.equal(json.secretToken, TOKEN);
    assert.deepEqual(json.roles, INPUT.roles);
    assert.deepEqual(json.appRolesManifest, INPUT.manifest);
    assert.deepEqual(
      json.sections.map((s) => s.id),
      ['overview', 'consent', 'provisioning', 'roles', 'start', 'fallback', 'troubleshooting'],
    );
  });

  const chromium = '/usr/bin/chromium';
  // CI sets SCIMD_REQUIRE_CHROMIUM=1 (and installs Chromium), so there a missing browser fails.
  const skip = !existsSync(chromium) && process.env.SCIMD_REQUIRE_CHROMIUM !== '1' && `${chromium} is not installed`;
  it('renders in headless Chromium', { skip }, () => {
    const dir = mkdtempSync(join(tmpdir(), 'scimd-guide-'));
    try {
      const file = join(dir, 'guide.html');
      writeFileSync(file, renderGuide(hostile, 'html'));
      const result = spawnSync(
        chromium,
        ['--headless', '--no-sandbox', '--disable-gpu', '--dump-dom', `file://${file}`],
        {
          encoding: 'utf8',
          timeout: 60_000,
        },
      );
      assert.equal(result.status, 0, result.stderr);
      assert.ok(result.stdout.includes('Microsoft Entra ID provisioning setup for Evil'));
      assert.ok(!result.stdout.includes('<script>alert'));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
