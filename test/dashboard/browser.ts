import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';

const ROOT = resolve(import.meta.dirname, '../..');
export const CHROMIUM = '/usr/bin/chromium';
/** Where the run writes a screenshot of each page (git-ignored; the README names it). */
export const SCREENSHOTS = join(ROOT, 'test/dashboard/screenshots');

/** Builds `web/` into `web/dist` as `npm test` and `npm start` do, so this file can run alone. */
export function buildDashboard(): void {
  execFileSync(join(ROOT, 'node_modules/.bin/vite'), ['build', 'web'], { cwd: ROOT, stdio: 'pipe' });
}

/**
 * Debian's Chromium, headless, driven by playwright-core. Missing, it fails the suite loudly:
 * `.ci/run` installs it (`apt-get install -y chromium`). Playwright gives the browser a fresh,
 * temporary profile (--user-data-dir) of its own, and each context a separate cookie jar.
 */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `${CHROMIUM} is missing: install it with "apt-get update && apt-get install -y chromium"`,
    );
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
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

export async function screenshot(page: Page, name: string): Promise<void> {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`), fullPage: true });
}
