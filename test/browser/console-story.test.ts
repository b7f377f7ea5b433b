/**
 * The whole story of issue #15 in a real browser: an operator starts scimd, signs in with the
 * first-run URL, creates a credential and a tenant, and sends a setup link; the customer's IT
 * admin opens it on a phone-sized screen, generates a Secret Token; Entra's Test Connection turns
 * the panel green without a reload; a failing request appears with its fix; the operator
 * revokes the link and the open page says so. Every page is scanned with axe-core and
 * screenshotted for docs/console.md.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { loadConfig } from '../../src/config/config.js';
import { type RunningServer, startServer } from '../../src/server.js';
import { assertAccessible, browserSkip, launchBrowser, screenshot, watchPage } from './browser-support.js';

const ENTRA = 'Azure Active Directory SCIM Client';

describe('console and setup portal in Chromium', { skip: browserSkip() }, () => {
  let dir: string;
  let server: RunningServer;
  let firstRunUrl: string;
  let browser: Browser;
  let operator: BrowserContext;
  let customer: BrowserContext;
  const problems: string[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'scimd-browser-'));
    const config = loadConfig({
      SCIMD_DATABASE_URL: `file:${join(dir, 'scimd.db')}`,
      SCIMD_PORT: '0',
      SCIMD_HOST: '127.0.0.1',
      SCIMD_LOG_LEVEL: 'silent',
      SCIMD_METRICS_PORT: '0',
      // A receiver on this machine, so the webhooks pages have an endpoint to show.
      SCIMD_WEBHOOK_ALLOW_TARGETS: '127.0.0.1',
    });
    let announced = '';
    server = await startServer(config, { announce: (line) => (announced += line) });
    firstRunUrl = /(http:\S+\/console\/first-run\?token=\S+)/.exec(announced)?.[1] ?? '';
    browser = await launchBrowser();
    operator = await browser.newContext({ viewport: { width: 1280, height: 860 } });
    // The narrowest screen the pages are made for: 375 px.
    customer = await browser.newContext({ viewport: { width: 375, height: 812 }, isMobile: true, hasTouch: true });
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const open = async (context: BrowserContext) => {
    const page = await context.newPage();
    watchPage(page, problems);
    return page;
  };

  /** Each page the story passes through: checked for accessibility and screenshotted. */
  const visit = async (page: Page, name: string) => {
    await page.waitForLoadState('load');
    await assertAccessible(page, name);
    await screenshot(page, name);
  };

  let setupLink = '';
  let secretToken = '';
  let console: Page;
  let portal: Page;

  it('operator: first-run URL, durable credential, a tenant, a setup link', async () => {
    assert.match(firstRunUrl, /^http:\/\/127\.0\.0\.1:\d+\/console\/first-run\?token=/, 'npm start prints the URL');
    console = await open(operator);
    await console.goto(firstRunUrl);
    await visit(console, 'welcome');
    await console.getByLabel('A name for this credential').fill('Ops team');
    await console.getByRole('button', { name: 'Create admin credential' }).click();
    await assert.doesNotReject(console.locator('#admin-token').waitFor());
    assert.match((await console.locator('#admin-token').textContent()) ?? '', /^scimd_admin_\w{43}$/);
    await visit(console, 'admin-credential');
    await console.getByRole('link', { name: 'Continue to the console' }).click();
    await console.waitForURL(/\/console\/tenants$/);
    // The app's roles, declared once: the customer's portal then lists the ones they may assign.
    await console.getByRole('link', { name: 'App roles' }).click();
    for (const [value, name] of [
      ['Reader', 'Reader'],
      ['Admin', 'Administrator'],
    ] as const) {
      await console.locator('#role-value').fill(value);
      await console.locator('#role-name').fill(name);
      await console.getByRole('button', { name: 'Add role' }).click();
      await console.locator('#manifest', { hasText: `"value": "${value}"` }).waitFor();
    }
    await visit(console, 'roles');
    await console.getByRole('link', { name: 'Tenants' }).click();
    await console.getByLabel('Slug').fill('contoso');
    await console.getByLabel('Display name').fill('Contoso Ltd');
    await console.getByRole('button', { name: 'Create tenant' }).click();
    await console.waitForURL(/\/console\/tenants\/contoso/);
    await console.getByRole('button', { name: 'Create setup link' }).click();
    setupLink = ((await console.locator('#setup-link').textContent()) ?? '').trim();
    assert.match(setupLink, /^http:\/\/127\.0\.0\.1:\d+\/setup\/scimd_setup_\w{43}$/);
    await visit(console, 'tenant');
    await console.goto(`${server.url}/console/tenants`);
    await visit(console, 'tenants');
  });

  it('customer: opens the link, generates a Secret Token, sees Test Connection arrive', async () => {
    portal = await open(customer);
    await portal.goto(setupLink);
    await assert.doesNotReject(portal.getByText('Waiting for Test Connection…').waitFor());
    await visit(portal, 'portal-waiting');
    await portal.getByRole('button', { name: 'Generate Secret Token' }).click();
    secretToken = ((await portal.locator('#secret-token').textContent()) ?? '').trim();
    assert.match(secretToken, /^scimd_\w{43}$/);
    await visit(portal, 'portal-token');
    // Entra's Test Connection: a filter on a random userName, sent with the new token.
    const scimUrl = `${server.url}/t/contoso/scim/v2`;
    const test = await fetch(`${scimUrl}/Users?filter=userName+eq+%22d7e1c5a4-test%22`, {
      headers: { authorization: `Bearer ${secretToken}`, 'user-agent': ENTRA },
    });
    assert.equal(test.status, 200);
    await portal.locator('.state.ok').waitFor({ timeout: 15_000 });
    assert.match(
      (await portal.locator('.state.ok').textContent()) ?? '',
      /Test Connection received from Microsoft Entra ID at/,
    );
    // Provisioning starts; one create fails on a duplicate userName and shows its fix.
    const user = { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], userName: 'ada@contoso.com', active: true };
    const post = (body: unknown) =>
      fetch(`${scimUrl}/Users`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${secretToken}`,
          'user-agent': ENTRA,
          'content-type': 'application/scim+json',
        },
        body: JSON.stringify(body),
      });
    const created = await post(user);
    assert.equal(created.status, 201);
    const ada = (await created.json()) as { id: string };
    const group = await fetch(`${scimUrl}/Groups`, {
      method: 'POST',
      headers: { authorization: `Bearer ${secretToken}`, 'user-agent': ENTRA, 'content-type': 'application/scim+json' },
      body: JSON.stringify({
        schemas: ['urn:ietf:params:scim:schemas:core:2.0:Group'],
        displayName: 'Engineering',
        members: [{ value: ada.id }],
      }),
    });
    assert.equal(group.status, 201);
    assert.equal((await post({ ...user, userName: 'ADA@contoso.com' })).status, 409);
    await portal.locator('.failure').first().waitFor({ timeout: 15_000 });
    const failure = (await portal.locator('.failure').first().textContent()) ?? '';
    assert.match(failure, /409/);
    assert.match(failure, /What to do/);
    assert.match((await portal.locator('[data-count="users"]').textContent()) ?? '', /^1$/);
    await visit(portal, 'portal-connected');
  });

  it('operator: revokes the link, and the open portal page says so without a reload', async () => {
    await console.goto(`${server.url}/console/tenants/contoso`);
    await console
      .getByRole('button', { name: /^Revoke link/ })
      .first()
      .click();
    await console.waitForURL(/\/console\/tenants\/contoso/);
    await portal.getByText('This setup link was withdrawn').waitFor({ timeout: 15_000 });
    await visit(portal, 'portal-revoked');
    // Opening it again shows the same clear page.
    const again = await open(customer);
    const response = await again.goto(setupLink);
    assert.equal(response?.status(), 410);
    await assertAccessible(again, 'portal-closed');
  });

  it('operator pages: all accessible, none with a script or style error', async () => {
    const pages: [string, string][] = [
      ['/console/tenants/contoso/users', 'users'],
      ['/console/tenants/contoso/groups', 'groups'],
      ['/console/tenants/contoso/guide', 'guide'],
      ['/console/tenants/contoso/delete', 'tenant-delete'],
      ['/console/log?tenant=contoso', 'log'],
      ['/console/feed?tenant=contoso', 'feed'],
      ['/console/admins', 'admins'],
      ['/console/no-such-page', 'not-found'],
    ];
    for (const [path, name] of pages) {
      await console.goto(`${server.url}${path}`);
      await visit(console, name);
    }
    await console.goto(`${server.url}/console/log?tenant=contoso&errors=true`);
    await console.locator('a[href^="/console/log/contoso/"]').first().click();
    await console.getByText('What to do').first().waitFor();
    await visit(console, 'log-entry');
    await console.goto(`${server.url}/console/tenants/contoso/users`);
    await console.getByRole('link', { name: 'ada@contoso.com' }).click();
    await visit(console, 'user');
    await console.goto(`${server.url}/console/tenants/contoso/groups`);
    await console.getByRole('link', { name: 'Engineering' }).click();
    await visit(console, 'group');
    await console.goto(`${server.url}/console/webhooks`);
    await console.locator('#webhook-url').fill('http://127.0.0.1:9/scimd-events');
    await console.getByRole('button', { name: 'Create webhook' }).click();
    await console.locator('#signing-secret').waitFor();
    await visit(console, 'webhook-created');
    await console.locator('a[href^="/console/webhooks/"]').first().click();
    await visit(console, 'webhook');
    await console.getByRole('button', { name: 'Sign out' }).click();
    await console.waitForURL(/\/console\/sign-in/);
    await visit(console, 'sign-in');
    const dark = await browser.newContext({ viewport: { width: 1280, height: 860 }, colorScheme: 'dark' });
    const darkPage = await dark.newPage();
    await darkPage.goto(`${server.url}/console/sign-in`);
    await assertAccessible(darkPage, 'sign-in (dark)');
    await screenshot(darkPage, 'sign-in-dark');
    await dark.close();
    assert.deepEqual(problems, []);
  });
});
