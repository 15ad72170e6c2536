/**
 * The sandbox page in headless Chromium (Debian's package, driven by playwright-core): type a
 * command, see the message appear, see it gone within 2 s of its due time. Saves a screenshot
 * under test-output/.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type Browser, chromium } from 'playwright-core';
import { type LocalServer, startLocalServer } from '../support/local-server';
import { writeLedger } from '../support/privacy';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
let server: LocalServer;
let browser: Browser;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `${CHROMIUM} is missing: install Debian's chromium (apt-get install chromium); .ci/run does`,
    );
  }
  server = await startLocalServer();
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}, 60_000);

afterAll(async () => {
  writeLedger({
    suite: 'browser',
    texts: ['hello from the browser', 'delete me early'],
    artefacts: {
      'server output (its logs)': server?.output().split('\n') ?? [],
    },
  });
  await browser?.close();
  await server?.stop();
});

describe('the sandbox page', () => {
  it('shows a snap when typed and removes it within 2 s of its due time', async () => {
    // Prepare
    const page = await browser.newPage();
    await page.goto(`${server.url}/`);

    // Act
    await page.fill('#command', '/snap 3s hello from the browser');
    await page.press('#command', 'Enter');
    const message = page.locator('[data-role="message"]', { hasText: 'hello from the browser' });
    await message.waitFor({ state: 'visible', timeout: 5_000 });
    const dueAt = Number(await message.locator('[data-due]').getAttribute('data-due'));
    mkdirSync('test-output', { recursive: true });
    await page.screenshot({ path: 'test-output/sandbox-page.png' });
    await message.waitFor({ state: 'detached', timeout: 8_000 });
    const goneAt = Date.now();

    // Assess
    expect(await page.locator('[data-kind="ephemeral"]').first().textContent()).toContain('self-destructs');
    expect(goneAt).toBeGreaterThanOrEqual(dueAt);
    expect(goneAt).toBeLessThanOrEqual(dueAt + 2_000);
    expect(existsSync('test-output/sandbox-page.png')).toBe(true);
  }, 30_000);

  it('shows grammar errors as a note only the author sees, and posts nothing', async () => {
    const page = await browser.newPage();
    await page.goto(`${server.url}/`);

    await page.fill('#command', '/snap 400d too long');
    await page.press('#command', 'Enter');
    const note = page.locator('[data-kind="ephemeral"]', { hasText: 'outside the allowed range' });
    await note.waitFor({ timeout: 5_000 });

    expect(await page.locator('[data-role="message"]').count()).toBe(0);
  });

  it('lists the author’s snaps and deletes one early from its Delete now button', async () => {
    const page = await browser.newPage();
    await page.goto(`${server.url}/`);
    await page.fill('#command', '/snap 1h delete me early');
    await page.press('#command', 'Enter');
    const message = page.locator('[data-role="message"]', { hasText: 'delete me early' });
    await message.waitFor({ timeout: 5_000 });

    await page.fill('#command', '/snap list');
    await page.press('#command', 'Enter');
    const button = page.locator('button[data-snap]').first();
    await button.waitFor({ timeout: 5_000 });
    await button.click();
    await message.waitFor({ state: 'detached', timeout: 5_000 });
    // The confirmation comes through response_url after the deletion itself.
    const confirmation = page.locator('[data-kind="ephemeral"]', { hasText: 'Deleted your snap' });
    await confirmation.waitFor({ timeout: 5_000 });

    expect(await confirmation.count()).toBe(1);
  });
});
