/**
 * `npm start` in sandbox mode, over real HTTP: a signed command → post → deletion on time →
 * record gone; the TTL path → reaper; adding snap to a workspace through Slack's authorize page
 * played by the stand-in (Allow, Cancel, the flow cookie really required); the taken-port error;
 * a request while it starts; and stopping `npm start` itself.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { SANDBOX_SIGNING_SECRET } from '../../local/pipeline';
import { shownField } from '../../local/readable-log';
import { SANDBOX } from '../../local/sandbox';
import { startSlack } from '../../local/slack-stand-in';
import { STATE_COOKIE } from '../../shared/domain/install';
import { computeSignature } from '../../shared/domain/signature';
import { type LocalServer, startLocalServer, subscribe } from '../support/local-server';
import { noteCommand, writeLedger } from '../support/privacy';
import { commandBody } from '../support/slack-requests';
import { until } from '../support/wait';

let server: LocalServer;
/** Servers other than `server` this suite started (their logs and secrets join the ledger). */
const others: LocalServer[] = [];

function signedPost(body: string, secret = SANDBOX_SIGNING_SECRET) {
  const timestamp = String(Math.floor(Date.now() / 1000));
  return fetch(`${server.url}/slack/commands`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': timestamp,
      'x-slack-signature': computeSignature(secret, timestamp, body),
    },
    body,
  });
}

const records = async () =>
  (await (await fetch(`${server.url}/api/records`)).json()) as Array<Record<string, unknown>>;

/** The body of a command typed in the page's box (`/api/command`); its text is noted for the privacy ledger. */
function pageCommand(text: string, conversation: string): string {
  noteCommand(text);
  return JSON.stringify({ text, conversation });
}

beforeAll(async () => {
  server = await startLocalServer(['--sweep-period', '10', '--ttl-late', '0']);
}, 60_000);

afterAll(async () => {
  const left = server ? await records().catch(() => []) : [];
  writeLedger({
    suite: 'start',
    // Every command is noted where it is sent (commandBody, pageCommand).
    texts: [],
    secrets: [...(server?.secrets() ?? []), ...others.flatMap((o) => o.secrets())],
    artefacts: {
      'server output (its logs)': server?.output().split('\n') ?? [],
      'other servers’ output': others.flatMap((o) => o.output().split('\n')),
      'records left in the table': left.map((r) => JSON.stringify(r)),
    },
  });
  await server?.stop();
});

describe('npm start (sandbox)', () => {
  it('serves the page that plays Slack', async () => {
    const page = await (await fetch(`${server.url}/`)).text();

    expect(page).toContain('<form id="box">');
    expect(server.output()).toContain('sandbox');
  });

  it('refuses an unsigned request on the Slack endpoint', async () => {
    const response = await signedPost(commandBody({ text: '3s hi' }), 'wrong-secret');

    expect(response.status).toBe(401);
  });

  it('posts a signed command and deletes it on time, leaving no record', async () => {
    // Prepare
    const stream = await subscribe(server.url);

    // Act
    const response = await signedPost(
      commandBody({ text: '3s hello from the test', team_id: SANDBOX.team.id, channel_id: 'C-start' }),
    );
    const posted = await until(
      () => stream.events.find((e) => e.type === 'posted' && e.data.channel === 'C-start'),
      5_000,
    );
    // The record follows Slack's answer by a moment.
    const inTable = await until(async () => {
      const rows = await records();
      return rows.some((r) => r.ts === posted.data.ts) ? rows : undefined;
    }, 3_000);
    const deleted = await until(
      () => stream.events.find((e) => e.type === 'deleted' && e.data.ts === posted.data.ts),
      8_000,
    );
    const deletedAt = Date.now();
    // Slack takes the delete first; the record's removal follows by a moment.
    const gone = await until(
      async () => ((await records()).some((r) => r.ts === posted.data.ts) ? undefined : true),
      2_000,
    );
    stream.close();

    // Assess
    expect(response.status).toBe(200);
    // No first answer: the message appearing is the answer.
    expect(await response.text()).toBe('');
    expect(posted.data.text).toBe('hello from the test');
    expect(JSON.stringify(inTable)).not.toContain('hello from the test');
    expect(deleted).toBeDefined();
    expect(deletedAt).toBeGreaterThanOrEqual(Number(posted.data.dueAt));
    expect(deletedAt).toBeLessThan(Number(posted.data.dueAt) + 1_500);
    expect(gone).toBe(true);
  });

  it('lets the TTL emulation hand an expired record to the reaper, which deletes the message', async () => {
    const stream = await subscribe(server.url);
    await signedPost(commandBody({ text: '2h safety net', team_id: SANDBOX.team.id, channel_id: 'C-ttl' }));
    const posted = await until(
      () => stream.events.find((e) => e.type === 'posted' && e.data.channel === 'C-ttl'),
      5_000,
    );
    // Slack shows the message a moment before the poster has recorded it.
    const row = await until(async () => (await records()).find((r) => r.ts === posted.data.ts), 5_000);

    const response = await fetch(`${server.url}/api/expire?at=${Number(row?.expiresAt) * 1000 + 1000}`, {
      method: 'POST',
    });
    const deleted = await until(
      () => stream.events.find((e) => e.type === 'deleted' && e.data.ts === posted.data.ts),
      5_000,
    );
    stream.close();

    // At least this record; the tombstones of earlier snaps and this run's rate-limit counters
    // may expire with it (the reaper ignores both).
    expect(((await response.json()) as { expired: number }).expired).toBeGreaterThanOrEqual(1);
    expect(deleted).toBeDefined();
    expect((await records()).some((r) => r.ts === posted.data.ts)).toBe(false);
  });

  it('says clearly when the port is taken', async () => {
    const port = new URL(server.url).port;

    const out = spawnSync(process.execPath, ['scripts/run-ts.mjs', 'local/start.ts', '--port', port], {
      encoding: 'utf8',
      timeout: 30_000,
    });

    expect(out.status).toBe(1);
    expect(out.stderr).toContain(`port ${port} is already in use`);
    expect(out.stderr).not.toMatch(/\n\s+at /);
  });

  it('logs no message text', () => {
    expect(server.output()).toContain('poster.posted');
    expect(server.output()).not.toContain('hello from the test');
    expect(server.output()).not.toContain('safety net');
  });

  it('shows the times in its log as ISO 8601, and durations as numbers', () => {
    const posted = server.output().match(/poster\.posted .*/)?.[0] ?? '';

    expect(posted).toMatch(/dueAt=\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/);
    expect(server.output()).not.toMatch(/(dueAt|windowEnd|expiresAt)=\d+(\s|$)/m);
    expect(server.output()).toMatch(/snap\.deleted .*lateMs=-?\d+/);
  });
});

/** GET /slack/install as a browser does it: where it is sent, and the flow cookie it is given. */
async function beginInstall(query = '', url = server.url) {
  const response = await fetch(`${url}/slack/install${query}`, { redirect: 'manual' });
  const cookie = response.headers.getSetCookie().find((c) => c.startsWith(`${STATE_COOKIE}=`));
  return {
    status: response.status,
    to: new URL(String(response.headers.get('location'))),
    cookie: cookie ?? '',
    /** What the browser sends back: the pair alone. */
    pair: cookie?.split(';')[0] ?? '',
  };
}

/** Allow or Cancel on the authorize page (its form, posted as the browser does); where Slack sends the browser next. */
async function decide(to: URL, decision: 'allow' | 'cancel', team: string = SANDBOX.team.id): Promise<URL> {
  const form = new URLSearchParams({
    client_id: to.searchParams.get('client_id') ?? '',
    scope: to.searchParams.get('scope') ?? '',
    user_scope: to.searchParams.get('user_scope') ?? '',
    redirect_uri: to.searchParams.get('redirect_uri') ?? '',
    state: to.searchParams.get('state') ?? '',
    team,
    decision,
  });
  const response = await fetch(`${to.origin}${to.pathname}`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: form.toString(),
    redirect: 'manual',
  });
  expect(response.status).toBe(302);
  return new URL(String(response.headers.get('location')));
}

/** Back at snap's redirect route, with or without the browser's flow cookie. */
const back = (to: URL, cookie?: string) =>
  fetch(to, { redirect: 'manual', ...(cookie ? { headers: { cookie } } : {}) });

/** Whether snap is added to each workspace, as the page is told. */
async function apps(url = server.url): Promise<Record<string, { installed: boolean; postsAs: string[] }>> {
  const stream = await subscribe(url);
  const state = await until(() => stream.events.find((e) => e.type === 'state'), 5_000);
  stream.close();
  return state.data.apps as Record<string, { installed: boolean; postsAs: string[] }>;
}

const GLOBEX = SANDBOX.workspaces[1]?.id ?? '';

describe('npm start: adding snap to a workspace through Slack’s authorize page, played locally', () => {
  it('holds two workspaces, snap added to the first at start only', async () => {
    expect(SANDBOX.workspaces.map((w) => w.name)).toEqual(['Acme', 'Globex']);
    expect(await apps()).toEqual({
      T0LOCAL: { installed: true, postsAs: [] },
      T0GLOBEX: { installed: false, postsAs: [] },
    });
  });

  it('answers a snap in the second workspace before anyone added snap there with the sandbox’s own install link', async () => {
    // Prepare
    const stream = await subscribe(server.url);

    // Act: typed on the page in Globex's #general.
    const response = await fetch(`${server.url}/api/command`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: pageCommand('10s before anyone added snap', 'C0GXGENERAL'),
    });
    const reply = await until(
      () => stream.events.find((e) => e.type === 'reply' && e.data.conversation === 'C0GXGENERAL'),
      5_000,
    );
    stream.close();

    // Assess
    expect(response.status).toBe(200);
    expect(reply.data.text).toContain(`<${server.url}/slack/install|Add snap to Slack>`);
    expect(stream.events.some((e) => e.type === 'posted' && e.data.channel === 'C0GXGENERAL')).toBe(false);
  });

  it('sends the browser to Slack’s authorize page on the stand-in’s host, which shows the bot scopes, the workspace, Allow and Cancel', async () => {
    // Act: the page is in Acme, then in Globex (the workspace Slack's page offers follows it).
    const visit = (team: string) =>
      fetch(`${server.url}/api/visit`, { method: 'POST', body: JSON.stringify({ team }) });
    await visit(SANDBOX.team.id);
    const started = await beginInstall();
    const page = await (await fetch(started.to)).text();
    await visit(GLOBEX);
    const afterVisit = await (await fetch(started.to)).text();

    // Assess
    expect(started.status).toBe(302);
    expect(started.to.pathname).toBe('/oauth/v2/authorize');
    expect(started.to.origin).not.toBe(new URL(server.url).origin);
    expect(started.to.searchParams.get('redirect_uri')).toBe(`${server.url}/slack/oauth_redirect`);
    expect(started.cookie.split('; ')).toEqual(
      expect.arrayContaining(['HttpOnly', 'Secure', 'SameSite=Lax', 'Path=/']),
    );
    expect(page).toContain('is requesting permission to access the <b data-role="workspace">Acme</b>');
    expect(page).toContain('Send messages as @snap');
    expect(page).toContain('Add shortcuts and/or slash commands');
    expect(page).toContain('value="allow"');
    expect(page).toContain('value="cancel"');
    expect(afterVisit).toContain('<b data-role="workspace">Globex</b>');
  });

  it('asks only to post on your behalf for ?as=user', async () => {
    const started = await beginInstall('?as=user');
    const page = await (await fetch(started.to)).text();

    expect(started.to.searchParams.get('user_scope')).toBe('chat:write,files:write');
    expect(page).toContain('Send messages on your behalf');
    expect(page).toContain('On your behalf, as alex');
    expect(page).not.toContain('Send messages as @snap');
  });

  it('refuses a wrong client id as Slack does, and repeats nothing from the request unescaped', async () => {
    // Prepare
    const started = await beginInstall();
    const wrong = new URL(started.to);
    wrong.searchParams.set('client_id', '9999.9999');
    const forged = new URL(started.to);
    forged.searchParams.set('state', '"><script>alert(1)</script>');

    // Act
    const refused = await fetch(wrong);
    const forgedPage = await (await fetch(forged)).text();

    // Assess
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('Invalid client_id parameter');
    expect(forgedPage).not.toContain('<script>');
    expect(forgedPage).toContain('value="&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"');
  });

  it('brings the browser back with access_denied on Cancel, and install says nothing changed', async () => {
    // Act
    const started = await beginInstall();
    const to = await decide(started.to, 'cancel', GLOBEX);
    const answer = await back(to, started.pair);

    // Assess
    expect(`${to.origin}${to.pathname}`).toBe(`${server.url}/slack/oauth_redirect`);
    expect(to.searchParams.get('error')).toBe('access_denied');
    expect(to.searchParams.get('code')).toBeNull();
    expect(to.searchParams.get('state')).toBe(started.to.searchParams.get('state'));
    expect(answer.status).toBe(200);
    expect(await answer.text()).toContain(
      'You cancelled on Slack’s page: nothing was allowed and nothing was stored.',
    );
    expect((await apps())[GLOBEX]?.installed).toBe(false);
  });

  it('refuses the way back without the flow cookie (400, nothing stored), then adds snap with it, and removes it again', async () => {
    // Prepare
    const started = await beginInstall();
    const to = await decide(started.to, 'allow', GLOBEX);

    // Act
    const cookieless = await back(to);
    const cookielessPage = await cookieless.text();
    const afterCookieless = (await apps())[GLOBEX];
    const withCookie = await back(to, started.pair);
    const installedPage = await withCookie.text();
    const afterInstall = (await apps())[GLOBEX];
    // The success page reloaded: its cookie was cleared with it.
    const reloadedPage = await (await back(to)).text();
    const removed = await fetch(`${server.url}/api/uninstall`, {
      method: 'POST',
      body: JSON.stringify({ team: GLOBEX }),
    });
    const afterRemoval = (await apps())[GLOBEX];

    // Assess
    expect(to.searchParams.get('code')).toBeTruthy();
    expect(cookieless.status).toBe(400);
    expect(cookielessPage).toContain('This link has expired');
    expect(afterCookieless?.installed).toBe(false);
    expect(withCookie.status).toBe(200);
    expect(withCookie.headers.getSetCookie().join()).toContain(`${STATE_COOKIE}=;`);
    expect(installedPage).toContain('snap is now installed in <strong>Globex</strong>');
    expect(afterInstall?.installed).toBe(true);
    expect(reloadedPage).toContain('This link was already used');
    expect(reloadedPage).toContain(`href="${server.url}/"`);
    expect(removed.status).toBe(200);
    expect(afterRemoval?.installed).toBe(false);
  });

  it('refuses an unsigned event on /slack/events', async () => {
    const response = await fetch(`${server.url}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        type: 'event_callback',
        team_id: SANDBOX.team.id,
        event: { type: 'app_uninstalled' },
      }),
    });

    expect(response.status).toBe(401);
    expect((await apps())[SANDBOX.team.id]?.installed).toBe(true);
  });
});

describe('npm start --data', () => {
  it('adds snap again at start to the workspaces it was in when it stopped, so their snaps still post', async () => {
    // Prepare: snap added to Globex in a first run that keeps its table on disk.
    const dir = mkdtempSync(join(tmpdir(), 'snap-data-'));
    try {
      const first = await startLocalServer(['--data', dir]);
      others.push(first);
      try {
        const started = await beginInstall('', first.url);
        const answer = await back(await decide(started.to, 'allow', GLOBEX), started.pair);
        expect(answer.status).toBe(200);
      } finally {
        await first.stop();
      }

      // Act: a second run on the same table, and a snap in Globex.
      const second = await startLocalServer(['--data', dir]);
      others.push(second);
      try {
        const state = await apps(second.url);
        const stream = await subscribe(second.url);
        await fetch(`${second.url}/api/command`, {
          method: 'POST',
          body: pageCommand('1h kept across runs', 'C0GXGENERAL'),
        });
        const posted = await until(
          () => stream.events.find((e) => e.type === 'posted' && e.data.channel === 'C0GXGENERAL'),
          5_000,
        );
        stream.close();

        // Assess
        expect(state[GLOBEX]?.installed).toBe(true);
        expect(posted.data.by).toBe(`bot:${GLOBEX}`);
      } finally {
        await second.stop();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});

describe('the readable log', () => {
  it('shows epoch times named as times in ISO 8601, milliseconds and seconds alike', () => {
    expect(shownField('windowEnd', 1_796_012_580_000)).toBe('2026-11-30T04:23:00.000Z');
    expect(shownField('claimedAt', 1_796_012_580_123)).toBe('2026-11-30T04:23:00.123Z');
    expect(shownField('expiresAt', 1_796_012_580)).toBe('2026-11-30T04:23:00.000Z');
  });

  it('leaves durations, counts and other fields as they are', () => {
    expect(shownField('lateMs', -7_196_289)).toBe('-7196289');
    expect(shownField('retryAfterMs', 1_796_012_580_000)).toBe('1796012580000');
    expect(shownField('found', 3)).toBe('3');
    expect(shownField('dueAt', 42)).toBe('42');
    expect(shownField('ts', '1796012580.000100')).toBe('1796012580.000100');
  });
});

describe('npm start while it starts, and when it is stopped', () => {
  it('answers 503 "starting" to a request that arrives before the pipeline is ready, then serves it', async () => {
    // Prepare: loading ack's bundle is made 3 s slower, so the server is reached while it starts.
    const hooks = pathToFileURL(resolve('tests/support/slow-start/register.mjs')).href;
    const starting = await startLocalServer(
      [],
      { NODE_OPTIONS: `--import ${hooks}`, SNAP_TEST_SLOW_ACK_MS: '3000' },
      { listening: true },
    );
    try {
      // Act
      const early = await signedPostTo(starting.url, commandBody({ text: '3s too early' }));
      const earlyBody = await early.text();
      const earlyAnswered = !starting.output().includes('Slack endpoint:');
      await starting.ready;
      const later = await signedPostTo(starting.url, commandBody({ text: 'help' }));

      // Assess
      expect(earlyAnswered).toBe(true);
      expect(early.status).toBe(503);
      expect(early.headers.get('retry-after')).toBe('1');
      expect(earlyBody).toContain('starting');
      expect(later.status).toBe(200);
    } finally {
      await starting.stop();
    }
  }, 30_000);

  const unix = process.platform === 'win32' ? it.skip : it;
  unix.each([
    { how: 'npm itself gets SIGTERM', signal: 'SIGTERM', group: false },
    { how: 'npm itself gets SIGINT (as IDEs and process managers send it)', signal: 'SIGINT', group: false },
    { how: 'Ctrl-C sends SIGINT to its whole process group', signal: 'SIGINT', group: true },
  ] as const)(
    'stops everything it started when $how',
    async ({ signal, group }) => {
      // Prepare: the project's own package.json and `start` script, run by npm as a user runs it,
      // in a directory of its own so that its build does not replace dist/ under other suites.
      const dir = mkdtempSync(join(tmpdir(), 'snap-npm-start-'));
      copyFileSync('package.json', join(dir, 'package.json'));
      for (const name of ['node_modules', 'scripts', 'local', 'shared', 'functions', 'tsconfig.json'])
        symlinkSync(resolve(name), join(dir, name));
      const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('npm_')));
      // detached: a process group of its own, as a terminal gives the command it runs.
      const npm = spawn('npm', ['start', '--', '--port', '0'], {
        cwd: dir,
        env,
        stdio: ['ignore', 'pipe', 'pipe'],
        detached: true,
      });
      let output = '';
      npm.stdout.on('data', (d: Buffer) => {
        output += d.toString();
      });
      npm.stderr.on('data', (d: Buffer) => {
        output += d.toString();
      });
      const exited = new Promise<boolean>((done) => npm.once('exit', () => done(true)));
      let started: number[] = [];
      try {
        const url = await until(() => /Slack endpoint: (http:\/\/localhost:\d+)/.exec(output)?.[1], 60_000);
        const port = Number(new URL(url).port);
        started = descendants(npm.pid ?? 0);
        const names = commandNames(started);

        // Act
        process.kill(group ? -(npm.pid ?? 0) : (npm.pid ?? 0), signal);
        // Bounded: an npm that ignores the signal is the failure this guards against.
        let bound: NodeJS.Timeout | undefined;
        const npmStopped = await Promise.race([
          exited,
          new Promise<false>((done) => {
            bound = setTimeout(() => done(false), 15_000);
          }),
        ]).finally(() => clearTimeout(bound));
        const left = await until(() => {
          const alive = started.filter(isAlive);
          return alive.length === 0 ? alive : undefined;
        }, 10_000).catch(() => started.filter(isAlive));

        // Assess
        expect(names).toEqual(expect.arrayContaining(['node', 'esbuild']));
        expect(npmStopped).toBe(true);
        expect(left).toEqual([]);
        expect(await accepts(port)).toBe(false);
        expect(output).toContain('snap: stopping');
        // Stopped in order (its cleanup ran), not cut short: npm reports no failed script.
        expect(output).not.toContain('npm error');
      } finally {
        for (const pid of [...started, npm.pid ?? 0].filter((pid) => pid && isAlive(pid)))
          process.kill(pid, 'SIGKILL');
        rmSync(dir, { recursive: true, force: true });
      }
    },
    90_000,
  );
});

/**
 * `npm start` in workspace mode (Slack variables set), run to its end: what it printed, its exit
 * code, and how long it took. Bounded: a start that hangs fails the test instead of waiting.
 */
function startWith(
  env: Record<string, string>,
): Promise<{ code: number | null; output: string; ms: number }> {
  const began = Date.now();
  const child = spawn(process.execPath, ['scripts/run-ts.mjs', 'local/start.ts', '--port', '0'], {
    env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (d: Buffer) => {
    output += d.toString();
  });
  child.stderr.on('data', (d: Buffer) => {
    output += d.toString();
  });
  const killer = setTimeout(() => child.kill('SIGKILL'), 40_000);
  return new Promise((done) =>
    child.once('exit', (code) => {
      clearTimeout(killer);
      done({ code, output, ms: Date.now() - began });
    }),
  );
}

/** A port where nothing listens (it was free a moment ago). */
async function closedPort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((done) => probe.listen(0, '127.0.0.1', done));
  const { port } = probe.address() as { port: number };
  await new Promise((done) => probe.close(done));
  return port;
}

describe('npm start with Slack variables, when Slack says no', () => {
  const BOT = 'xoxb-the-workspace-bot';
  const base = { SLACK_SIGNING_SECRET: 'workspace-signing-secret' };
  const running = /snap is running/;

  it('names the bot token when Slack refuses it, and exits at once without starting (HTTP mode)', async () => {
    // Prepare
    const slack = await startSlack({ token: BOT });
    try {
      // Act
      const run = await startWith({
        ...base,
        SLACK_BOT_TOKEN: 'xoxb-not-this-one',
        SLACK_API_URL: slack.apiUrl,
      });

      // Assess
      expect(run.code).toBe(1);
      expect(run.output).toContain('Slack refused SLACK_BOT_TOKEN (invalid_auth)');
      expect(run.output).not.toMatch(running);
      expect(run.output).not.toContain('xoxb-not-this-one');
      expect(slack.calls.map((c) => c.method)).toEqual(['auth.test']);
    } finally {
      await slack.close();
    }
  }, 45_000);

  it('names the app token when Slack refuses it (Socket Mode), the bot token being fine', async () => {
    // Prepare: the stand-in hands out no Socket Mode URL, so it refuses every app token.
    const slack = await startSlack({ token: BOT });
    try {
      // Act
      const run = await startWith({
        ...base,
        SLACK_BOT_TOKEN: BOT,
        SLACK_APP_TOKEN: 'xapp-1-refused',
        SLACK_API_URL: slack.apiUrl,
      });

      // Assess
      expect(run.code).toBe(1);
      expect(run.output).toContain('Slack refused SLACK_APP_TOKEN (invalid_auth)');
      expect(run.output).not.toContain('SLACK_BOT_TOKEN (');
      expect(run.output).not.toMatch(running);
      expect(run.output).not.toContain('xapp-1-refused');
    } finally {
      await slack.close();
    }
  }, 45_000);

  it('says Slack is unreachable when nothing answers at its address', async () => {
    const port = await closedPort();

    const run = await startWith({
      ...base,
      SLACK_BOT_TOKEN: BOT,
      SLACK_APP_TOKEN: 'xapp-1-any',
      SLACK_API_URL: `http://127.0.0.1:${port}/api/`,
    });

    expect(run.code).toBe(1);
    expect(run.output).toContain(`Slack is unreachable at http://127.0.0.1:${port}/api/ (ECONNREFUSED)`);
    expect(run.output).not.toMatch(running);
  }, 45_000);

  it('gives up on a Slack that takes the connection but never answers, within its bounded wait', async () => {
    // Prepare: accepts and holds every connection, says nothing.
    const held: Socket[] = [];
    const silent: Server = createServer((socket) => held.push(socket));
    await new Promise<void>((done) => silent.listen(0, '127.0.0.1', done));
    const { port } = silent.address() as { port: number };
    try {
      // Act
      const run = await startWith({
        ...base,
        SLACK_BOT_TOKEN: BOT,
        SLACK_API_URL: `http://127.0.0.1:${port}/api/`,
      });

      // Assess
      expect(run.code).toBe(1);
      expect(run.output).toContain('Slack is unreachable');
      expect(run.output).toContain('no answer within 10 s');
      expect(run.ms).toBeLessThan(30_000);
    } finally {
      for (const socket of held) socket.destroy();
      await new Promise((done) => silent.close(done));
    }
  }, 45_000);

  it('says so when Slack takes the app token but the Socket Mode connection cannot open', async () => {
    // Prepare: the stand-in hands out a WebSocket URL where nothing listens.
    const slack = await startSlack({ token: BOT, socketUrl: `ws://127.0.0.1:${await closedPort()}/link` });
    try {
      // Act
      const run = await startWith({
        ...base,
        SLACK_BOT_TOKEN: BOT,
        SLACK_APP_TOKEN: 'xapp-1-accepted',
        SLACK_API_URL: slack.apiUrl,
      });

      // Assess
      expect(run.code).toBe(1);
      expect(run.output).toContain('Slack took SLACK_APP_TOKEN, but the Socket Mode connection');
      expect(run.output).not.toMatch(running);
    } finally {
      await slack.close();
    }
  }, 45_000);
});

function signedPostTo(url: string, body: string) {
  const timestamp = String(Math.floor(Date.now() / 1000));
  return fetch(`${url}/slack/commands`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': timestamp,
      'x-slack-signature': computeSignature(SANDBOX_SIGNING_SECRET, timestamp, body),
    },
    body,
    // A hang is the failure this guards against: fail fast instead.
    signal: AbortSignal.timeout(5_000),
  });
}

/** Every process below `pid` (children, grandchildren…), from `ps`. */
function descendants(pid: number): number[] {
  const table = execFileSync('ps', ['-A', '-o', 'pid=,ppid='], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s+/).map(Number) as [number, number]);
  const found: number[] = [];
  const visit = (parent: number) => {
    for (const [child, ppid] of table)
      if (ppid === parent && !found.includes(child)) {
        found.push(child);
        visit(child);
      }
  };
  visit(pid);
  return found;
}

/** The program each process runs (`node`, `esbuild`, `sh`…), from `ps`. */
function commandNames(pids: number[]): string[] {
  if (pids.length === 0) return [];
  return execFileSync('ps', ['-o', 'args=', '-p', pids.join(',')], { encoding: 'utf8' })
    .trim()
    .split('\n')
    .map((line) => line.trim().split(/\s+/)[0]?.split('/').pop() ?? '');
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Whether anything still accepts connections on the port. */
function accepts(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      done(true);
    });
    socket.once('error', () => done(false));
  });
}
