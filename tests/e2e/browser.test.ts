/**
 * The sandbox page in headless Chromium (tests/support/browser.ts finds one without installing
 * anything beyond `npm ci`), driven by playwright-core, as a newcomer would use it: type a
 * command, see it appear formatted as Slack shows it, see it gone on time, list and delete early,
 * add snap to a second workspace through Slack's authorize page and remove it again, let snap
 * post as you in a direct message and take that back, share a secret that only the people named
 * can reveal (being each of them in turn), and see a note when snap is unreachable.
 * Screenshots go to test-output/.
 */
import { existsSync, mkdirSync } from 'node:fs';
import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { MISS_CACHE_MS } from '../../shared/app/token-source';
import { launchBrowser } from '../support/browser';
import { type LocalServer, startLocalServer, subscribe } from '../support/local-server';
import { noteCommand, writeLedger } from '../support/privacy';
import { until } from '../support/wait';

let server: LocalServer;
let browser: Browser;
// One context for every page: a tab opened from a page of another context ends this
// single-process Chromium.
let context: BrowserContext;

const FORMATTED = '*bold* _italic_ ~struck~ `code` & <tag> for @ana in #general';
const BROADCAST = 'heads up @channel, ask @ana';
/** Longer than a section block holds, with a paragraph break where one would have been cut. */
const LONG = `${'a long story, '.repeat(230)}\n\nthe *second* paragraph ${'and more of it '.repeat(40)}the end`;
/** What is typed on the page other than in a command (modals, the composer): noted by hand. */
const TYPED_ELSEWHERE = [
  'a modal snap for #general',
  'who has the door code?',
  'the code is 0451 (thread)',
  'the wifi password is hunter2',
  'a snap for ana only',
  'mine, under a policy',
];
/** The secret shared with /snap reveal: on the page only in the note of each person it is for. */
const REVEALED = 'the garage code is 8642';
/** The secret shared from the New snap form's "Reveal once": likewise. */
const FORM_REVEALED = 'the shed code is 7531';
/** install's pages as the browser got them (after Allow), for the privacy scan. */
const installPages: string[] = [];

beforeAll(async () => {
  const launched = await launchBrowser();
  browser = launched.browser;
  context = await browser.newContext({ viewport: { width: 1000, height: 700 } });
  console.log(`browser: ${launched.description}`);
  server = await startLocalServer();
}, 60_000);

afterAll(async () => {
  writeLedger({
    suite: 'browser',
    // Every command typed on the page is noted as it is typed (`type`); the rest here.
    texts: TYPED_ELSEWHERE,
    reveals: [REVEALED, FORM_REVEALED],
    secrets: server?.secrets() ?? [],
    artefacts: {
      'server output (its logs)': server?.output().split('\n') ?? [],
      "install's pages": installPages,
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
  const page = await context.newPage();
  pages.push(page);
  await page.goto(`${server.url}/`);
  return page;
}

/** Types a command in the page's box and sends it; its text is noted for the privacy ledger. */
async function type(page: Page, text: string): Promise<void> {
  if (text.startsWith('/snap')) noteCommand(text.slice('/snap'.length));
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

    // Assess: one true answer — the message itself, no note beside it.
    expect(await page.locator('[data-kind="ephemeral"]:not([hidden])').count()).toBe(0);
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
    expect(await posted.locator('.context img.emoji').getAttribute('title')).toBe(':bomb:');
    for (const raw of ['*', '`', ':bomb:', '&amp;', '&lt;', '<@', '<#', '<!date']) {
      expect(await posted.textContent()).not.toContain(raw);
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

  it('counts a 10 s snap down from 10 s, never from more than was asked', async () => {
    const page = await openPage();

    await type(page, '/snap 10s count me down');
    const posted = message(page, 'count me down');
    await posted.waitFor({ timeout: 5_000 });
    const first = await posted.locator('.countdown').textContent();
    await screenshot(page, 'sandbox-countdown');

    // 10 s and a fraction are left when it appears; 9 only if the post took that fraction.
    expect(first).toMatch(/^\(in (10|9) s\)$/);
  });

  it('shows a snap longer than a section block as the one text typed, its expiry line under it', async () => {
    // Prepare
    const page = await openPage();

    // Act
    await type(page, `/snap 1h ${LONG}`);
    const posted = message(page, 'a long story');
    await posted.waitFor({ timeout: 5_000 });
    await posted.scrollIntoViewIfNeeded();
    await screenshot(page, 'sandbox-long-snap');

    // Assess
    expect(LONG.length).toBeGreaterThan(3_000);
    const texts = posted.locator('[data-role="text"]');
    expect(await texts.count()).toBe(1);
    expect(await texts.textContent()).toBe(LONG.replace('*second*', 'second'));
    expect(await texts.locator('b').textContent()).toBe('second');
    expect(await posted.locator('[data-role="attachment"] .context').textContent()).toContain(
      '@alex used snap',
    );
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

  it('lists the author’s snaps and deletes one early from its Delete now button, updating the list in place', async () => {
    // Prepare
    const page = await openPage();
    await type(page, '/snap 1h delete me early');
    const posted = message(page, 'delete me early');
    await posted.waitFor({ timeout: 5_000 });
    await type(page, '/snap 1h keep me a while');
    await message(page, 'keep me a while').waitFor({ timeout: 5_000 });
    await type(page, '/snap list');
    const list = note(page, 'newest first');
    await list.waitFor({ timeout: 5_000 });
    const before = await list.locator('button[data-snap]').count();
    const notesBefore = await page.locator('[data-kind="ephemeral"]:not([hidden])').count();

    // Act: the second button is the older snap, "delete me early".
    const button = list.locator('button[data-snap]').nth(1);
    const snapId = await button.getAttribute('data-snap');
    await button.click();
    // The list is answered again in place of itself, through its response_url.
    const updated = page.locator('[data-kind="ephemeral"]', { hasText: 'Deleted your snap' });
    await updated.waitFor({ timeout: 5_000 });
    await screenshot(page, 'sandbox-list-updated');

    // Assess: one list, one button fewer, the deleted snap's button gone, no second note.
    expect(snapId).toBeTruthy();
    expect(await posted.count()).toBe(0);
    expect(await updated.locator('button[data-snap]').count()).toBe(before - 1);
    expect(await updated.locator(`button[data-snap="${snapId}"]`).count()).toBe(0);
    expect(await updated.textContent()).toContain(`(${before - 1})`);
    expect(await page.locator('[data-kind="ephemeral"]:not([hidden])').count()).toBe(notesBefore);
  });

  it('lets you be another person of the workspace: their conversations, their own notes, their own snaps', async () => {
    // Prepare: alex asks for help; the note is alex's.
    const page = await openPage();
    await type(page, '/snap help');
    const help = note(page, 'posts a message that deletes itself');
    await help.waitFor({ timeout: 5_000 });

    // Act: be ana, snap as ana, then be alex again and try to delete ana's snap.
    await page.selectOption('#sidebar [data-role="person"]', 'U0ANA');
    const asAna = {
      helpHidden: await help.isHidden(),
      dm: await page.locator('#sidebar .item', { hasText: 'alex' }).count(),
    };
    await type(page, '/snap 1h written by ana');
    const anas = message(page, 'written by ana');
    await anas.waitFor({ timeout: 5_000 });
    await screenshot(page, 'sandbox-as-ana');
    await page.selectOption('#sidebar [data-role="person"]', 'U0LOCAL');
    await anas.hover();
    await anas.locator('[data-role="more"]').click();
    await page.click('#message-menu [data-shortcut="delete_snap"]');
    const refused = note(page, 'Only its author can delete this snap');
    await refused.waitFor({ timeout: 5_000 });

    // Assess
    expect(asAna).toEqual({ helpHidden: true, dm: 1 });
    expect(await anas.locator('.name').textContent()).toBe('ana');
    expect(await help.isVisible()).toBe(true);
    expect(await anas.count()).toBe(1);
  });

  it('answers /snap cancel once: the snap goes and one note says so', async () => {
    // Prepare
    const page = await openPage();
    await type(page, '/snap 1h cancel me soon');
    const posted = message(page, 'cancel me soon');
    await posted.waitFor({ timeout: 5_000 });
    const notesBefore = await page.locator('[data-kind="ephemeral"]:not([hidden])').count();

    // Act
    await type(page, '/snap cancel');
    await note(page, 'Deleted your snap').waitFor({ timeout: 8_000 });
    await page.waitForTimeout(500); // room for a second answer, were there one

    // Assess
    expect(await posted.count()).toBe(0);
    expect(await page.locator('[data-kind="ephemeral"]:not([hidden])').count()).toBe(notesBefore + 1);
  });
});

describe('reveal once on the sandbox page', () => {
  it('posts a card for the people named, shows the secret to each of them alone, once, updates the card, and burns it when the last has opened it', async () => {
    // Prepare: alex, in #general.
    const page = await openPage();
    const be = async (who: string) => {
      await page.selectOption('#sidebar [data-role="person"]', who);
      await page.waitForTimeout(200);
    };
    // What the person sees: rendered text, so notes hidden from them do not count.
    // biome-ignore lint/performance/useDomNodeTextContent: textContent would include the hidden notes
    const visibleText = async () => (await page.locator('#conversations').innerText()) ?? '';

    // Act: alex shares a secret with ana and ben.
    await type(page, `/snap reveal 1h @ana @ben ${REVEALED}`);
    const card = page.locator('[data-role="message"]', { hasText: 'shared a secret for' }).last();
    await card.waitFor({ timeout: 5_000 });
    const reveal = card.locator('button[data-reveal]');
    const asAlex = { text: await visibleText(), card: await card.textContent() };
    await screenshot(page, 'sandbox-reveal-card');

    // …ana sees the note meant for her, clicks Reveal, and sees the secret in a note of her own.
    await be('U0ANA');
    const told = await note(page, 'is sharing a secret with you here').filter({ visible: true }).count();
    await reveal.click();
    const shown = note(page, 'shared with you').filter({ visible: true }).last();
    await shown.waitFor({ timeout: 5_000 });
    const secret = await shown.locator('[data-block="snap_secret"] pre').textContent();
    await card.filter({ hasText: 'Opened by @ana' }).waitFor({ timeout: 5_000 });
    await screenshot(page, 'sandbox-reveal-ana');
    // A second click of hers shows nothing new.
    await reveal.click();
    await note(page, 'already opened').filter({ visible: true }).waitFor({ timeout: 5_000 });

    // …alex, who is not named, is told whom it is for, and never sees ana's note.
    await be('U0LOCAL');
    const alexSees = await visibleText();
    await reveal.click();
    await note(page, 'This secret is for @ana and @ben only')
      .filter({ visible: true })
      .waitFor({ timeout: 5_000 });
    await screenshot(page, 'sandbox-reveal-not-for-alex');

    // …ben opens it last: his note shows it, and the card burns.
    await be('U0BEN');
    await reveal.click();
    const bens = note(page, 'It is burned now').filter({ visible: true }).last();
    await bens.waitFor({ timeout: 5_000 });
    await card.waitFor({ state: 'detached', timeout: 5_000 });
    await page.waitForTimeout(500); // the card fades out, as a deleted message does
    await screenshot(page, 'sandbox-reveal-burned');
    const benSees = await visibleText();

    // Assess
    expect(asAlex.card).toContain('alex shared a secret for @ana and @ben');
    expect(asAlex.card).not.toContain('8642');
    expect(asAlex.text).not.toContain('8642');
    expect(told).toBe(1); // hers; ben's note is not shown to her
    expect(secret?.trim()).toBe(REVEALED);
    expect(alexSees).not.toContain('8642');
    expect(alexSees).toContain('Opened by @ana');
    expect(benSees).toContain(REVEALED);
    expect(benSees.match(/8642/g)).toHaveLength(1); // his own note only, not ana's
  }, 40_000);
});

/** Follows a link that opens in a new tab (as Slack opens links) and returns that tab. */
async function follow(page: Page, link: ReturnType<Page['locator']>): Promise<Page> {
  const [tab] = await Promise.all([page.waitForEvent('popup'), link.click()]);
  await tab.waitForLoadState();
  return tab;
}

/** Allow on Slack's authorize page, and what install answers once the browser is back. */
/** The links of install's pages back to Slack, which lead to the page that plays Slack here. */
const backLinks: Array<string | null> = [];

async function allow(tab: Page, name: string): Promise<string> {
  await tab.click('button[value="allow"]');
  await tab.waitForURL(/\/slack\/oauth_redirect\?/);
  await screenshot(tab, name);
  installPages.push(await tab.content());
  backLinks.push(
    ...(await tab.locator('a.button').evaluateAll((as) => as.map((a) => a.getAttribute('href')))),
  );
  const text = (await tab.locator('body').textContent()) ?? '';
  await tab.close();
  return text;
}

describe('many workspaces, and posting as yourself, on the sandbox page', () => {
  it('adds snap to a second workspace from snap’s own link, snaps there with that workspace’s token, and after removing it is refused politely again', async () => {
    // Prepare: a newcomer opens the second workspace, where snap is not yet.
    const page = await openPage();
    const stream = await subscribe(server.url);
    await page.click('#rail button[data-team="T0GLOBEX"]');
    const app = (installed: boolean) =>
      page.locator(`#sidebar [data-role="app"][data-installed="${installed}"]`);
    await app(false).waitFor({ timeout: 5_000 });
    const sidebarLink = await page.locator('#sidebar [data-role="add-to-slack"]').getAttribute('href');

    // Act: snap → refused with the link → Allow on Slack's page → back → snap → gone on time.
    await type(page, '/snap 10s hello before snap is here');
    const refusal = note(page, 'not installed in this workspace');
    await refusal.waitFor({ timeout: 5_000 });
    const refusedAt = Date.now();
    await screenshot(page, 'sandbox-not-installed');
    const link = refusal.locator('a', { hasText: 'Add snap to Slack' });
    const href = await link.getAttribute('href');
    const authorizePage = await follow(page, link);
    const asked = await authorizePage.locator('main').textContent();
    const workspace = await authorizePage.locator('[data-role="workspace"]').textContent();
    await screenshot(authorizePage, 'sandbox-authorize-workspace');
    const installed = await allow(authorizePage, 'sandbox-installed');
    await app(true).waitFor({ timeout: 5_000 });
    // The poster remembers "not installed" for a few seconds; a person takes longer to get here.
    await page.waitForTimeout(Math.max(0, refusedAt + MISS_CACHE_MS - Date.now()));
    await type(page, '/snap 3s hello from globex');
    const posted = message(page, 'hello from globex');
    await posted.waitFor({ timeout: 5_000 });
    const dueAt = Number(await posted.locator('[data-due]').getAttribute('data-due'));
    await screenshot(page, 'sandbox-second-workspace');
    const badge = await posted.locator('.badge').textContent();
    await posted.waitFor({ state: 'detached', timeout: 8_000 });
    const goneAt = Date.now();
    const postedEvent = stream.events.find((e) => e.type === 'posted' && e.data.text === 'hello from globex');
    const deletedEvent = stream.events.find(
      (e) => e.type === 'deleted' && e.data.ts === postedEvent?.data.ts,
    );

    // …then an admin removes snap, and the next snap there is refused politely again.
    await page.click('[data-role="remove-app"]');
    await app(false).waitFor({ timeout: 5_000 });
    await type(page, '/snap 10s after removal');
    await note(page, 'not installed in this workspace').nth(1).waitFor({ timeout: 5_000 });
    await page.waitForTimeout(500);
    await screenshot(page, 'sandbox-removed');
    stream.close();

    // Assess
    expect(href).toBe(`${server.url}/slack/install`);
    expect(new URL(String(sidebarLink), server.url).href).toBe(href);
    expect(workspace).toBe('Globex');
    expect(asked).toContain('Add shortcuts and/or slash commands');
    expect(asked).toContain('Send messages as @snap');
    expect(asked).not.toContain('On your behalf');
    expect(installed).toContain('snap is now installed in Globex');
    expect(backLinks.length).toBeGreaterThan(0);
    expect(new Set(backLinks)).toEqual(new Set([`${server.url}/`]));
    expect(badge).toBe('APP');
    expect(goneAt).toBeGreaterThanOrEqual(dueAt);
    expect(goneAt).toBeLessThanOrEqual(dueAt + 2_000);
    expect(postedEvent?.data).toMatchObject({ channel: 'C0GXGENERAL', by: 'bot:T0GLOBEX' });
    expect(deletedEvent?.data.by).toBe('bot:T0GLOBEX');
    expect(await message(page, 'after removal').count()).toBe(0);
    expect(await message(page, 'hello before snap is here').count()).toBe(0);
    expect(await page.locator('#title').textContent()).toBe('# general');
    expect(await page.locator('#where').textContent()).toBe('Globex');
  }, 60_000);

  it('refuses to let snap post as you in a workspace snap is not in, with a page that says to ask an admin to add it first, and keeps nothing', async () => {
    // Prepare: the second workspace, without snap (as the test before leaves it).
    const page = await openPage();
    await page.click('#rail button[data-team="T0GLOBEX"]');
    await page.locator('#sidebar [data-role="app"][data-installed="false"]').waitFor({ timeout: 5_000 });

    // Act: "post as you" on Slack's page for Globex → Allow → back.
    const tab = await context.newPage();
    await tab.goto(`${server.url}/slack/install?as=user`);
    const workspace = await tab.locator('[data-role="workspace"]').textContent();
    const answer = await allow(tab, 'sandbox-as-you-not-installed');
    await page.waitForTimeout(500);

    // Assess
    expect(workspace).toBe('Globex');
    expect(answer).toContain('snap is not in this workspace yet');
    expect(answer).toContain('Ask someone who may add apps to the workspace');
    expect(answer).toContain('handed back to Slack');
    expect(await page.locator('#sidebar [data-role="posts-as-you"]').count()).toBe(0);
  });

  it('in a direct message, asks a newcomer to let snap post as them, then posts as them, deletes it on time, and /snap revoke takes it back', async () => {
    // Prepare: the direct message with ana, where snap's bot cannot post.
    const page = await openPage();
    const stream = await subscribe(server.url);
    await page.click('#sidebar button[data-conversation="D0ANA"]');

    // Act: refused with "post as you" → Allow (your own permission) → back.
    await type(page, '/snap 10s the door code is 4711');
    const refusal = note(page, 'snap cannot post in this conversation');
    await refusal.waitFor({ timeout: 5_000 });
    await screenshot(page, 'sandbox-dm-refused');
    const link = refusal.locator('a', { hasText: 'Let snap post as you' });
    const href = await link.getAttribute('href');
    const authorizePage = await follow(page, link);
    const asked = await authorizePage.locator('main').textContent();
    await screenshot(authorizePage, 'sandbox-authorize-as-you');
    const allowed = await allow(authorizePage, 'sandbox-authorized-as-you');
    await page.locator('#sidebar [data-role="posts-as-you"]').waitFor({ timeout: 5_000 });

    // …snap there: posted as you, gone on time.
    await type(page, '/snap 3s door code 4711');
    const posted = message(page, 'door code 4711');
    await posted.waitFor({ timeout: 5_000 });
    const dueAt = Number(await posted.locator('[data-due]').getAttribute('data-due'));
    const shown = {
      name: await posted.locator('.name').textContent(),
      badges: await posted.locator('.badge').count(),
      postedBy: await posted.getAttribute('data-posted-by'),
      context: await posted.locator('.context').textContent(),
    };
    await screenshot(page, 'sandbox-dm-as-you');
    await posted.waitFor({ state: 'detached', timeout: 8_000 });
    const goneAt = Date.now();

    // …one more, then take the permission back: it goes down with it.
    await type(page, '/snap 1h still up when revoked');
    const pending = message(page, 'still up when revoked');
    await pending.waitFor({ timeout: 5_000 });
    await type(page, '/snap revoke');
    const revoked = note(page, 'snap no longer posts as you');
    await revoked.waitFor({ timeout: 8_000 });
    await pending.waitFor({ state: 'detached', timeout: 5_000 });
    await page.locator('#sidebar [data-role="posts-as-you"]').waitFor({ state: 'detached', timeout: 5_000 });
    await type(page, '/snap 10s not as me any more');
    await note(page, 'snap cannot post in this conversation').nth(1).waitFor({ timeout: 5_000 });
    await screenshot(page, 'sandbox-dm-revoked');
    const events = stream.events;
    stream.close();

    // Assess
    expect(href).toBe(`${server.url}/slack/install?as=user`);
    expect(asked).toContain('On your behalf, as alex');
    expect(asked).toContain('Send messages on your behalf');
    expect(asked).not.toContain('Send messages as @snap');
    expect(asked).toContain('Acme');
    expect(allowed).toContain('your snaps are now posted as you');
    expect(shown).toEqual({
      name: 'alex',
      badges: 0,
      postedBy: 'person',
      context: expect.stringContaining('self-destructs'),
    });
    expect(goneAt).toBeGreaterThanOrEqual(dueAt);
    expect(goneAt).toBeLessThanOrEqual(dueAt + 2_000);
    const mine = events.filter((e) => e.type === 'posted' && e.data.channel === 'D0ANA');
    expect(mine.map((e) => e.data.by)).toEqual(['user:T0LOCAL:U0LOCAL', 'user:T0LOCAL:U0LOCAL']);
    const deletions = events.filter((e) => e.type === 'deleted' && mine.some((m) => m.data.ts === e.data.ts));
    expect(deletions.map((e) => e.data.by)).toEqual(['user:T0LOCAL:U0LOCAL', 'user:T0LOCAL:U0LOCAL']);
    expect(await revoked.textContent()).toContain('It took down 1 pending snap posted as you');
    expect(await message(page, 'not as me any more').count()).toBe(0);
    expect(await message(page, 'the door code is 4711').count()).toBe(0);
  }, 60_000);
});

describe('snap’s Home tab on the sandbox page', () => {
  it('shows your pending snaps under Apps → snap, deletes one from it, and lets an admin (only) set the policy there', async () => {
    // Prepare: alex (an admin) has a snap pending in #general.
    const page = await openPage();
    page.on('dialog', (dialog) => void dialog.accept());
    await type(page, '/snap 1h shown in the home tab');
    const pending = message(page, 'shown in the home tab');
    await pending.waitFor({ timeout: 5_000 });
    const home = page.locator('[data-role="home-view"]');

    // Act: open the Home tab, delete the snap from it, set the longest delay to 1 hour.
    await page.click('#sidebar [data-role="open-home"]');
    await home.locator('button[data-action="delete_snap"]').first().waitFor({ timeout: 5_000 });
    await screenshot(page, 'sandbox-home-admin');
    const listed = await home.locator('button[data-action="delete_snap"]').count();
    await home.locator('button[data-action="delete_snap"]').first().click();
    await home.getByText('Deleted your snap').waitFor({ timeout: 5_000 });
    await pending.waitFor({ state: 'detached', timeout: 5_000 });
    await home.locator('select[data-action="policy_max"]').selectOption('3600');
    await home.getByText('Policy changed').waitFor({ timeout: 5_000 });
    const policy = await home.textContent();
    await screenshot(page, 'sandbox-home-policy');
    // The rule holds where snaps are posted.
    await page.click('#sidebar .item[data-conversation="C0LOCAL"]');
    await type(page, '/snap 2h too long for the policy');
    const refused = note(page, 'sets the longest delay to 1 hour');
    await refused.waitFor({ timeout: 5_000 });
    // ana sees her own Home: no policy to edit, no Remove button.
    await page.selectOption('#sidebar [data-role="person"]', 'U0ANA');
    await page.click('#sidebar [data-role="open-home"]');
    // (ana's own snaps from the stories above are hers to see; the policy is not hers to edit.)
    await home.getByText('Workspace admins and owners change the policy').waitFor({ timeout: 5_000 });
    const asAna = {
      editor: await home.locator('select[data-action="policy_max"]').count(),
      remove: await page.locator('[data-role="remove-app"]').count(),
      rules: await home.textContent(),
    };
    await screenshot(page, 'sandbox-home-ana');
    // Back to alex, who resets the policy (a confirmation first, as in Slack).
    await page.selectOption('#sidebar [data-role="person"]', 'U0LOCAL');
    await home.locator('button[data-action="policy_reset"]').click();
    await home.getByText('from 1 second to 7 days').waitFor({ timeout: 5_000 });

    // Assess
    expect(listed).toBeGreaterThanOrEqual(1);
    expect(policy).toContain('from 1 second to 1 hour');
    expect(await message(page, 'too long for the policy').count()).toBe(0);
    expect(asAna.editor).toBe(0);
    expect(asAna.remove).toBe(0);
    expect(asAna.rules).toContain('to 1 hour');
    expect(await page.locator('[data-role="remove-app"]').count()).toBe(1);
  }, 60_000);
});

describe('beyond the slash command, on the sandbox page', () => {
  /** The modal on the page, once it shows. */
  const modal = async (page: Page, callback: string) => {
    const shown = page.locator(`#modal[data-callback="${callback}"]`);
    await shown.waitFor({ timeout: 5_000 });
    return shown;
  };
  /** A message's ⋮ menu, and one of its shortcuts. */
  const fromMenu = async (page: Page, row: ReturnType<Page['locator']>, shortcut: string) => {
    await row.hover();
    await row.locator('[data-role="more"]').click();
    await page.click(`#message-menu [data-shortcut="${shortcut}"]`);
  };

  it('opens New snap from ⚡, shows a bad delay under its field, then posts in the conversation picked, tells me beside it, and it vanishes on time', async () => {
    // Prepare
    const page = await openPage();

    // Act: ⚡ → New snap → a delay snap cannot read → fixed → sent.
    await page.click('#lightning');
    await page.click('#shortcuts [data-shortcut="snap_new"]');
    const form = await modal(page, 'snap_new');
    const conversation = await form.locator('select').inputValue();
    const prefilled = await form.locator('[data-action="delay"]').inputValue();
    await form.locator('textarea').fill('a modal snap for #general');
    await form.locator('[data-action="delay"]').fill('soon');
    await form.locator('[data-role="submit"]').click();
    const error = form.locator('[data-error-for="delay"]');
    await error.filter({ hasText: 'not a delay' }).waitFor({ timeout: 5_000 });
    await screenshot(page, 'sandbox-modal-error');
    await form.locator('[data-action="delay"]').fill('3s');
    await form.locator('[data-role="submit"]').click();
    await page.locator('#overlay').waitFor({ state: 'hidden', timeout: 5_000 });
    const posted = message(page, 'a modal snap for #general');
    await posted.waitFor({ timeout: 5_000 });
    await screenshot(page, 'sandbox-modal-posted');
    await posted.waitFor({ state: 'detached', timeout: 8_000 });

    // Assess
    expect(conversation).toBe('C0LOCAL');
    expect(prefilled).toBe('1m');
    // The form's one outcome, only for me, beside it: snap's bot is posting it as me (never its text).
    const notes = page.locator('[data-kind="ephemeral"]:not([hidden])');
    expect(await notes.allTextContents()).toEqual([
      expect.stringContaining('snap is posting your snap here'),
    ]);
  }, 30_000);

  it('shares a secret from New snap’s "Reveal once" with the person picked: the card, never the secret; she alone sees it, once, and it burns', async () => {
    // Prepare: alex, in #general.
    const page = await openPage();
    const be = async (who: string) => {
      await page.selectOption('#sidebar [data-role="person"]', who);
      await page.waitForTimeout(200);
    };

    // Act: ⚡ → New snap → ana picked without ticking the box (refused under it) → ticked → sent.
    await page.click('#lightning');
    await page.click('#shortcuts [data-shortcut="snap_new"]');
    const form = await modal(page, 'snap_new');
    await form.locator('textarea').fill(FORM_REVEALED);
    await form.locator('[data-action="reveal_for"] label', { hasText: 'ana' }).click();
    await form.locator('[data-action="delay"]').fill('1h');
    await form.locator('[data-role="submit"]').click();
    const unticked = form.locator('[data-error-for="reveal"]');
    await unticked.filter({ hasText: 'Tick Reveal once' }).waitFor({ timeout: 5_000 });
    await form.locator('[data-action="reveal"] input').check();
    await screenshot(page, 'sandbox-reveal-form');
    await form.locator('[data-role="submit"]').click();
    await page.locator('#overlay').waitFor({ state: 'hidden', timeout: 5_000 });
    const card = page.locator('[data-role="message"]', { hasText: 'alex shared a secret for @ana' }).last();
    await card.waitFor({ timeout: 5_000 });
    await screenshot(page, 'sandbox-reveal-form-card');
    // biome-ignore lint/performance/useDomNodeTextContent: textContent would include the hidden notes
    const alexSees = await page.locator('#conversations').innerText();

    // …ana reveals it: her note shows it, the card burns.
    await be('U0ANA');
    await card.locator('button[data-reveal]').click();
    const shown = note(page, 'It is burned now').filter({ visible: true }).last();
    await shown.waitFor({ timeout: 5_000 });
    const secret = await shown.locator('[data-block="snap_secret"] pre').textContent();
    await screenshot(page, 'sandbox-reveal-form-ana');
    await card.waitFor({ state: 'detached', timeout: 5_000 });

    // Assess
    expect(alexSees).not.toContain('7531');
    expect(secret?.trim()).toBe(FORM_REVEALED);
  }, 30_000);

  it('replies with a snap from a message’s ⋮ menu: the reply appears in its thread and vanishes from it', async () => {
    // Prepare: a message of alex's own (typed without /snap).
    const page = await openPage();
    await type(page, 'who has the door code?');
    const parent = page.locator('#conversations [data-role="message"]', {
      hasText: 'who has the door code?',
    });
    await parent.waitFor({ timeout: 5_000 });

    // Act: ⋮ → Reply with a snap → the thread.
    await fromMenu(page, parent, 'snap_reply');
    const form = await modal(page, 'snap_reply');
    await screenshot(page, 'sandbox-reply-modal');
    await form.locator('textarea').fill('the code is 0451 (thread)');
    await form.locator('[data-action="delay"]').fill('4s');
    await form.locator('[data-role="submit"]').click();
    await parent.locator('[data-role="replies"]', { hasText: '1 reply' }).click({ timeout: 5_000 });
    const inThread = page.locator('#thread [data-role="message"]', { hasText: 'the code is 0451 (thread)' });
    await inThread.waitFor({ timeout: 5_000 });
    await screenshot(page, 'sandbox-thread');
    const inChannel = await page.locator('#conversations [data-role="message"]', { hasText: '0451' }).count();
    await inThread.waitFor({ state: 'detached', timeout: 10_000 });

    // Assess
    expect(inChannel).toBe(0);
    expect(await page.locator('#thread .count').textContent()).toBe('0 replies');
    expect(await parent.count()).toBe(1);
  }, 30_000);

  it('tells me once, in snap’s Messages tab, when a New snap cannot go where I picked', async () => {
    // Prepare: the direct message with ana, where snap's bot cannot post and alex has not allowed snap.
    const page = await openPage();
    await page.click('#sidebar button[data-conversation="D0ANA"]');

    // Act
    await page.click('#lightning');
    await page.click('#shortcuts [data-shortcut="snap_new"]');
    const form = await modal(page, 'snap_new');
    const picked = await form.locator('select').inputValue();
    await form.locator('textarea').fill('a snap for ana only');
    await form.locator('[data-role="submit"]').click();
    await page.locator('#overlay').waitFor({ state: 'hidden', timeout: 5_000 });
    await page.locator('#sidebar [data-role="app-messages"]').click();
    const told = page.locator('[data-conversation="U0LOCAL"] [data-role="message"]', {
      hasText: 'Let snap post as you',
    });
    await told.waitFor({ timeout: 5_000 });
    await screenshot(page, 'sandbox-messages-tab');

    // Assess
    expect(picked).toBe('D0ANA');
    expect(await told.count()).toBe(1);
    expect(await page.isDisabled('#command')).toBe(true);
    expect(await message(page, 'a snap for ana only').count()).toBe(0);
  }, 30_000);

  it('makes my message with a file self-destruct once I let snap act as me: the file chip goes with it', async () => {
    // Prepare: a message with a file, posted with the paperclip as alex's own.
    const page = await openPage();
    await page.setInputFiles('#file', {
      name: 'screenshot.png',
      mimeType: 'image/png',
      buffer: Buffer.from('png'),
    });
    await page
      .locator('#attached [data-role="attached"]', { hasText: 'screenshot.png' })
      .waitFor({ timeout: 5_000 });
    await type(page, 'the wifi password is hunter2');
    const mine = message(page, 'the wifi password is hunter2');
    await mine.locator('.file-chip', { hasText: 'screenshot.png' }).waitFor({ timeout: 5_000 });

    // Act: ⋮ → Self-destruct → snap explains and links ?as=user → Allow → again → 3 s.
    await fromMenu(page, mine, 'snap_this');
    const notice = await modal(page, 'snap_this_notice');
    await screenshot(page, 'sandbox-self-destruct-permission');
    const allowed = await allow(await follow(page, notice.locator('a')), 'sandbox-authorized-with-files');
    await page.click('#modal .x');
    await fromMenu(page, mine, 'snap_this');
    const form = await modal(page, 'snap_this');
    await form.locator('[data-action="delay"]').fill('3s');
    await form.locator('[data-role="submit"]').click();
    const told = note(page, 'self-destructs');
    await told.waitFor({ timeout: 5_000 });
    await screenshot(page, 'sandbox-self-destruct-scheduled');
    await mine.waitFor({ state: 'detached', timeout: 10_000 });
    await type(page, '/snap revoke');
    await note(page, 'snap no longer posts as you').waitFor({ timeout: 8_000 });

    // Assess
    expect(allowed).toContain('posted as you');
    expect(await told.textContent()).toContain('with its file');
    expect(await page.locator('.file-chip', { hasText: 'screenshot.png' }).count()).toBe(0);
  }, 45_000);

  it('fills New snap with my default from the Home tab, within the policy it names, and opens no Self-destruct form while posting as yourself is off', async () => {
    // Prepare: alex (an admin) chooses his own default in the Home tab, and a longest delay of 1 hour.
    const page = await openPage();
    page.on('dialog', (dialog) => void dialog.accept());
    const home = page.locator('[data-role="home-view"]');
    await page.click('#sidebar [data-role="open-home"]');
    await home.locator('select[data-action="my_default"]').selectOption('600');
    await home.getByText('10 minutes (your own)').waitFor({ timeout: 5_000 });
    await home.locator('select[data-action="policy_max"]').selectOption('3600');
    await home.getByText('Policy changed').waitFor({ timeout: 5_000 });
    await page.click('#sidebar .item[data-conversation="C0LOCAL"]');

    // Act: ⚡ → New snap; then posting as yourself off, and ⋮ → Self-destruct on a message of his.
    await page.click('#lightning');
    await page.click('#shortcuts [data-shortcut="snap_new"]');
    const form = await modal(page, 'snap_new');
    const prefilled = await form.locator('[data-action="delay"]').inputValue();
    const hint = await form.textContent();
    await screenshot(page, 'sandbox-modal-default');
    await page.click('#modal .x');
    await page.click('#sidebar [data-role="open-home"]');
    await home.locator('button[data-action="policy_as_user"]').click();
    await home.getByText('Posting as yourself: off').waitFor({ timeout: 5_000 });
    await page.click('#sidebar .item[data-conversation="C0LOCAL"]');
    await type(page, 'mine, under a policy');
    const mine = message(page, 'mine, under a policy');
    await mine.waitFor({ timeout: 5_000 });
    await fromMenu(page, mine, 'snap_this');
    const notice = await modal(page, 'snap_this_notice');
    const said = await notice.textContent();
    await screenshot(page, 'sandbox-self-destruct-policy');
    await page.click('#modal .x');
    // Back as they were: no policy, the workspace's default.
    await page.click('#sidebar [data-role="open-home"]');
    await home.locator('button[data-action="policy_reset"]').click();
    await home.getByText('from 1 second to 7 days').waitFor({ timeout: 5_000 });
    await home.locator('select[data-action="my_default"]').selectOption('none');
    await home.getByText('(the workspace’s)').waitFor({ timeout: 5_000 });

    // Assess
    expect(prefilled).toBe('10m');
    expect(hint).toContain('from 1 second to 1 hour');
    expect(said).toContain('turns acting as yourself off');
    expect(await notice.locator('[data-role="submit"]').count()).toBe(0);
  }, 45_000);
});

describe('the sandbox page, stopped', () => {
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
