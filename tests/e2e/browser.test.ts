/**
 * The sandbox page in headless Chromium (tests/support/browser.ts finds one without installing
 * anything beyond `npm ci`), driven by playwright-core, as a newcomer would use it: type a
 * command, see it appear formatted as Slack shows it, see it gone on time, list and delete early,
 * and see a note when snap is unreachable. Screenshots go to test-output/.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser } from '../support/browser';
import { type LocalServer, startLocalServer, subscribe } from '../support/local-server';
import { writeLedger } from '../support/privacy';
import { until } from '../support/wait';

let server: LocalServer;
let browser: Browser;

const FORMATTED = '*bold* _italic_ ~struck~ `code` & <tag> for @ana in #general';
const BROADCAST = 'heads up @channel, ask @ana';
const TEXTS = [
  'hello from the browser',
  'delete me early',
  FORMATTED,
  BROADCAST,
  'a long one',
  'cancel me soon',
  'never sent',
];

beforeAll(async () => {
  const launched = await launchBrowser();
  browser = launched.browser;
  console.log(`browser: ${launched.description}`);
  server = await startLocalServer();
}, 60_000);

afterAll(async () => {
  writeLedger({
    suite: 'browser',
    texts: TEXTS,
    artefacts: {
      'server output (its logs)': server?.output().split('\n') ?? [],
    },
  });
  await browser?.close();
  await server?.stop();
});

// Each page holds an event stream open, and Chromium allows six connections per host; pages
// are left rather than closed (closing the last page of this single-process Chromium ends it).
const pages: Page[] = [];
afterEach(async () => {
  for (const page of pages.splice(0)) await page.goto('about:blank');
});

async function openPage(): Promise<Page> {
  const page = await browser.newPage({ viewport: { width: 1000, height: 700 } });
  pages.push(page);
  await page.goto(`${server.url}/`);
  return page;
}

async function type(page: Page, text: string): Promise<void> {
  await page.fill('#command', text);
  await page.press('#command', 'Enter');
}

const screenshot = async (page: Page, name: string) => {
  mkdirSync('test-output', { recursive: true });
  await page.screenshot({ path: `test-output/${name}.png` });
  return `test-output/${name}.png`;
};

const message = (page: Page, text: string) => page.locator('[data-role="message"]', { hasText: text });
const note = (page: Page, text: string) => page.locator('[data-kind="ephemeral"]', { hasText: text });

describe('the sandbox page', () => {
  it('shows a snap when typed and removes it within 2 s of its due time', async () => {
    // Prepare
    const page = await openPage();

    // Act
    await type(page, '/snap 3s hello from the browser');
    const posted = message(page, 'hello from the browser');
    await posted.waitFor({ state: 'visible', timeout: 5_000 });
    const dueAt = Number(await posted.locator('[data-due]').getAttribute('data-due'));
    const file = await screenshot(page, 'sandbox-page');
    await posted.waitFor({ state: 'detached', timeout: 8_000 });
    const goneAt = Date.now();

    // Assess
    expect(await page.locator('[data-kind="ephemeral"]').first().textContent()).toContain('self-destructs');
    expect(goneAt).toBeGreaterThanOrEqual(dueAt);
    expect(goneAt).toBeLessThanOrEqual(dueAt + 2_000);
    expect(existsSync(file)).toBe(true);
  }, 30_000);

  it('renders Slack formatting, emoji and mentions instead of showing the raw markup', async () => {
    // Prepare
    const page = await openPage();

    // Act
    await type(page, `/snap 1h ${FORMATTED}`);
    const posted = message(page, 'bold');
    await posted.waitFor({ timeout: 5_000 });
    const accepted = note(page, 'Posting your snap');
    await accepted.waitFor({ timeout: 5_000 });
    await screenshot(page, 'sandbox-formatting');
    const text = posted.locator('[data-role="text"]');

    // Assess
    expect(await text.locator('b').textContent()).toBe('bold');
    expect(await text.locator('i').textContent()).toBe('italic');
    expect(await text.locator('s').textContent()).toBe('struck');
    expect(await text.locator('code').textContent()).toBe('code');
    expect(await text.locator('.mention').allTextContents()).toEqual(['@ana', '#general']);
    expect(await text.textContent()).toBe('bold italic struck code & <tag> for @ana in #general');
    expect(await text.locator('tag').count()).toBe(0);
    expect(await posted.locator('.context').textContent()).toContain('@alex used snap');
    expect(await accepted.locator('img.emoji').getAttribute('title')).toBe(':bomb:');
    for (const raw of ['*', '`', ':bomb:', '&amp;', '&lt;', '<@', '<#', '<!date']) {
      expect(await posted.textContent()).not.toContain(raw);
      expect(await accepted.textContent()).not.toContain(raw);
    }
  });

  it('sends what Slack sends for the same typing, so a typed @channel reaches snap and is made inert', async () => {
    // Prepare
    const page = await openPage();
    const stream = await subscribe(server.url);

    // Act
    await type(page, `/snap 1h ${BROADCAST} & co`);
    const posted = await until(
      () => stream.events.find((e) => e.type === 'posted' && String(e.data.text).startsWith('heads up')),
      5_000,
    );
    const shown = message(page, 'heads up');
    await shown.waitFor({ timeout: 5_000 });
    stream.close();

    // Assess: Slack would have sent `<!channel>`, `<@U0ANA>` and `&amp;`; snap made the broadcast inert.
    expect(posted.data.text).toBe('heads up @\u200Bchannel, ask <@U0ANA> &amp; co');
    expect(await shown.locator('.broadcast').count()).toBe(0);
    expect(await shown.locator('.mention').allTextContents()).toContain('@ana');
    expect(await shown.locator('[data-role="text"]').textContent()).toBe(
      'heads up @\u200Bchannel, ask @ana & co',
    );
  });

  it('names channels rather than showing their ids, and counts down in hours and minutes', async () => {
    // Prepare
    const page = await openPage();
    await type(page, '/snap 2h a long one');
    await message(page, 'a long one').waitFor({ timeout: 5_000 });

    // Act
    await type(page, '/snap list');
    const list = note(page, 'newest first');
    await list.waitFor({ timeout: 5_000 });
    await page.waitForTimeout(300); // one tick of the countdown
    await screenshot(page, 'sandbox-list');
    const countdown = await message(page, 'a long one').locator('.countdown').textContent();

    // Assess
    expect(await list.textContent()).toContain('In #general');
    expect(await list.textContent()).not.toContain('C0LOCAL');
    expect(countdown).toMatch(/^\(in (1 h 59 min|2 h)\)$/);
    expect(await list.locator('.countdown').first().textContent()).toMatch(/^\(in \d+ (h|min)/);
  });

  it('shows grammar errors as a note only the author sees, and posts nothing', async () => {
    const page = await openPage();
    await page.waitForTimeout(300); // the stream's first state: what earlier tests left in the channel
    const before = await page.locator('[data-role="message"]').count();

    await type(page, '/snap 400d too long');
    await note(page, 'outside the allowed range').waitFor({ timeout: 5_000 });
    await page.waitForTimeout(500);

    expect(await page.locator('[data-role="message"]').count()).toBe(before);
  });

  it('lists the author’s snaps and deletes one early from its Delete now button', async () => {
    const page = await openPage();
    await type(page, '/snap 1h delete me early');
    const posted = message(page, 'delete me early');
    await posted.waitFor({ timeout: 5_000 });

    await type(page, '/snap list');
    // Newest first: the snap just posted heads the list.
    const button = note(page, 'newest first').locator('button[data-snap]').first();
    await button.waitFor({ timeout: 5_000 });
    const snapId = await button.getAttribute('data-snap');
    await button.click();
    // The confirmation comes through response_url after the deletion itself.
    const confirmation = note(page, 'Deleted your snap');
    await confirmation.waitFor({ timeout: 5_000 });

    expect(snapId).toBeTruthy();
    expect(await confirmation.count()).toBe(1);
    expect(await posted.count()).toBe(0);
  });

  it('keeps the notes of /snap cancel in the order they happened, even when ack’s answer comes back last', async () => {
    // Prepare: hold ack's answer to the cancel until the poster's confirmation is on the page.
    const page = await openPage();
    await type(page, '/snap 1h cancel me soon');
    await message(page, 'cancel me soon').waitFor({ timeout: 5_000 });
    await page.route('**/api/command', async (route) => {
      const response = await route.fetch();
      await note(page, 'Deleted your snap').waitFor({ timeout: 5_000 });
      await route.fulfill({ response });
    });

    // Act
    await type(page, '/snap cancel');
    await note(page, 'Deleting your most recent snap').waitFor({ timeout: 8_000 });
    const notes = await page.locator('[data-kind="ephemeral"]:not([hidden])').allTextContents();

    // Assess
    const deleting = notes.findIndex((t) => t.includes('Deleting your most recent snap'));
    const deleted = notes.findIndex((t) => t.includes('Deleted your snap'));
    expect(deleting).toBeGreaterThanOrEqual(0);
    expect(deleted).toBeGreaterThan(deleting);
  });

  // Last: it stops the server.
  it('says snap is unreachable when the server is stopped, and keeps the typed text', async () => {
    // Prepare
    const page = await openPage();
    await server.stop();

    // Act
    await type(page, '/snap 10s never sent');
    const unreachable = note(page, 'unreachable');
    await unreachable.waitFor({ timeout: 5_000 });
    await screenshot(page, 'sandbox-unreachable');

    // Assess
    expect(await page.inputValue('#command')).toBe('/snap 10s never sent');
    expect(await unreachable.textContent()).toContain('npm start');
  });
});
