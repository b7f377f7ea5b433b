/**
 * The access history pages (docs/history.md) in Chromium: a user's access timeline and the
 * tenant's access report with its filters, each scanned with axe-core, and the CSV link.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { loadConfig } from '../../src/config/config.js';
import { type RunningServer, startServer } from '../../src/server.js';
import { type Scenario, writeAccessScenario } from '../../src/service/test-support/access-scenario.js';
import { openStore } from '../../src/store/open.js';
import { generateAdminToken } from '../../src/tenancy/admin-token.js';
import { createTenant } from '../../src/tenancy/tenants.js';
import { assertAccessible, browserSkip, launchBrowser, screenshot, watchPage } from './browser-support.js';

describe('access history pages in Chromium', { skip: browserSkip() }, () => {
  let dir: string;
  let server: RunningServer;
  let browser: Browser;
  let page: Page;
  let ids: Scenario;
  const problems: string[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'scimd-browser-history-'));
    const databaseUrl = `file:${join(dir, 'scimd.db')}`;
    const store = await openStore(databaseUrl);
    try {
      const tenant = await createTenant(store, { slug: 'acme', name: 'Acme' }, new Date('2026-01-01T00:00:00Z'));
      ids = await writeAccessScenario(store, tenant.id);
    } finally {
      await store.close();
    }
    const admin = generateAdminToken();
    const config = loadConfig({
      SCIMD_DATABASE_URL: databaseUrl,
      SCIMD_PORT: '0',
      SCIMD_HOST: '127.0.0.1',
      SCIMD_LOG_LEVEL: 'silent',
      SCIMD_METRICS: 'off',
      SCIMD_ADMIN_TOKEN_HASH: `sha256:${admin.hash}`,
    });
    server = await startServer(config, { announce: () => undefined });
    browser = await launchBrowser();
    page = await (await browser.newContext({ viewport: { width: 1280, height: 860 } })).newPage();
    watchPage(page, problems);
    await page.goto(`${server.url}/console/sign-in`);
    await page.getByLabel('Admin token').fill(admin.token);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.waitForURL(/\/console\/(?!sign-in)/);
  });

  after(async () => {
    await browser?.close();
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('shows the timeline on the user page, accessibly', async () => {
    await page.goto(`${server.url}/console/tenants/acme/users/${ids.ann}`);
    await assertAccessible(page, 'user page with its access timeline');
    await screenshot(page, 'user-timeline', { fullPage: true });
    assert.equal(await page.locator('#access-timeline + .table-wrap tbody tr').count(), 6);
  });

  it('answers the access report form, accessibly, with a CSV link', async () => {
    await page.goto(`${server.url}/console/tenants/acme/users`);
    await page.getByRole('link', { name: 'Access report' }).click();
    await page.getByLabel('As of').fill('2026-02-15');
    await page.getByLabel('Group').fill('Sales');
    await page.getByRole('button', { name: 'Show' }).click();
    await page.waitForURL(/asOf=2026-02-15/);
    await assertAccessible(page, 'access report');
    await screenshot(page, 'access-report', { fullPage: true });
    assert.equal(await page.locator('tbody tr').count(), 2);
    const href = await page.getByRole('link', { name: 'Download CSV' }).getAttribute('href');
    assert.equal(href, '/console/tenants/acme/access.csv?asOf=2026-02-15&group=Sales');
    await page.goto(`${server.url}/console/tenants/acme/access?asOf=soon`);
    await assertAccessible(page, 'access report with an error');
    assert.match(await page.getByRole('alert').innerText(), /asOf "soon" is not a time/);
    assert.deepEqual(problems, []);
  });
});
