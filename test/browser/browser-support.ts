/**
 * Browser tests: Debian's Chromium driven by playwright-core (no downloaded browsers), a real
 * scimd server on a temporary SQLite file, an axe-core scan per page, and screenshots written to
 * docs/console/ when SCIMD_UPDATE_SCREENSHOTS=1 (`npm run screenshots`), else to a temp folder.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import AxeBuilder from '@axe-core/playwright';
import { type Browser, chromium, type Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

/** Why the browser tests cannot run here, or false. CI sets SCIMD_REQUIRE_CHROMIUM=1: then never. */
export function browserSkip(): string | false {
  if (existsSync(CHROMIUM) || process.env['SCIMD_REQUIRE_CHROMIUM'] === '1') return false;
  return `${CHROMIUM} is not installed (apt-get install chromium); browser tests skipped`;
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

export const SCREENSHOT_DIR =
  process.env['SCIMD_UPDATE_SCREENSHOTS'] === '1'
    ? join(import.meta.dirname, '..', '..', 'docs', 'console')
    : mkdtempSync(join(tmpdir(), 'scimd-screens-'));

/** The page as a reader first sees it (the viewport), or all of it with `fullPage`. */
export async function screenshot(page: Page, name: string, options: { fullPage?: boolean } = {}): Promise<void> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`), fullPage: options.fullPage ?? false });
}

/** Fails on any serious or critical axe-core violation of the page as it is now. */
export async function assertAccessible(page: Page, what: string): Promise<void> {
  const result = await new AxeBuilder({ page })
    .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'])
    .analyze();
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  assert.deepEqual(
    bad.map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`),
    [],
    `accessibility of ${what}`,
  );
}

/** Collects uncaught page errors and CSP violations reported to the console. */
export function watchPage(page: Page, problems: string[]): void {
  page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    // A 404 or 410 page is itself an expected answer; anything else (a CSP refusal, a script error) is not.
    if (message.type() === 'error' && !message.text().startsWith('Failed to load resource')) {
      problems.push(`console error: ${message.text()}`);
    }
  });
}
