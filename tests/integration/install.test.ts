/**
 * The install function: "Add to Slack" through OAuth and Slack's events, with DynamoDB semantics
 * from dynalite, KMS mocked (it refuses a token opened under another context) and the real
 * @slack/web-api against the Slack stand-in.
 */
import { EncryptCommand } from '@aws-sdk/client-kms';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { WebClient } from '@slack/web-api';
import { apiGatewayGet } from '../../local/api-gateway';
import { InstallationStore } from '../../shared/adapters/installation-store';
import { KmsTokenSealer } from '../../shared/adapters/kms';
import { storedTokens } from '../../shared/app/token-source';
import { BOT_SCOPES, hashToken, newFlow, STATE_COOKIE } from '../../shared/domain/install';
import { allowedActions } from '../support/infra';
import {
  authorizeThrough,
  CLIENT_ID,
  CLIENT_SECRET,
  eventCallback,
  flowCookie,
  INSTALLATIONS_TABLE,
  type InstallHarness,
  location,
  PUBLIC_URL,
  redirectRequest,
  SIGNING_SECRET,
  signedEvent,
  startInstallHarness,
} from '../support/install-harness';
import { captureStdout } from '../support/logs';

const logs = captureStdout();
let h: InstallHarness;

beforeAll(async () => {
  h = await startInstallHarness({
    ALLOWED_TEAM_IDS: 'T0ACME,T0BETA,T0GONE,T0BACK,T0REV,T0SAFE,T0EDIT,E0ORG',
  });
});

afterAll(async () => {
  logs.restore();
  await h.close();
});

const workspace = (team: string, teamName = `${team} Inc`) => ({ team, teamName, user: 'U0ANA' });
const byKey = async (pk: string) => (await h.items()).find((i) => i.pk === pk);
const exchanges = () => h.slack.calls.filter((c) => c.method === 'oauth.v2.access').length;
const installations = async () => (await h.items()).filter((i) => String(i.pk).startsWith('inst#'));
const body = (result: { body?: string }) => String(result.body);

describe('GET /slack/install', () => {
  it('redirects to Slack with the client id, the bot scopes, the redirect URI and a state bound to a cookie', async () => {
    // Act
    const result = await h.call(apiGatewayGet({ path: '/slack/install' }));

    // Assess
    expect(result.statusCode).toBe(302);
    const to = location(result);
    // Slack's page is on the host of its API (the stand-in here; slack.com when deployed: unit test).
    expect(`${to.origin}${to.pathname}`).toBe(`${new URL(h.slack.apiUrl).origin}/oauth/v2/authorize`);
    expect(to.searchParams.get('client_id')).toBe(CLIENT_ID);
    expect(to.searchParams.get('scope')).toBe(BOT_SCOPES.join(','));
    expect(to.searchParams.get('user_scope')).toBeNull();
    expect(to.searchParams.get('redirect_uri')).toBe(`${PUBLIC_URL}/slack/oauth_redirect`);
    const [cookie] = result.cookies ?? [];
    expect(cookie).toMatch(new RegExp(`^${STATE_COOKIE}=[A-Za-z0-9_-]{43};`));
    for (const attribute of ['HttpOnly', 'Secure', 'SameSite=Lax', 'Path=/', 'Max-Age=600'])
      expect(cookie?.split('; ')).toContain(attribute);
    expect(result.headers?.['cache-control']).toBe('no-store');
  });

  it('keeps only hashes of the state and the cookie, with the TTL attribute and no index key', async () => {
    // Act
    const result = await h.call(apiGatewayGet({ path: '/slack/install' }));

    // Assess
    const state = String(location(result).searchParams.get('state'));
    const nonce = String(flowCookie(result));
    const item = await byKey(`oauth#${hashToken(state)}`);
    expect(item).toMatchObject({ grant: 'bot', nonceHash: hashToken(nonce) });
    expect(item?.expiresAt).toEqual(expect.any(Number));
    expect(Number(item?.notAfter) - Date.now()).toBeLessThanOrEqual(600_000);
    expect(Number(item?.notAfter) - Date.now()).toBeGreaterThan(590_000);
    const stored = JSON.stringify(await h.items());
    expect(stored).not.toContain(state);
    expect(stored).not.toContain(nonce);
    for (const indexKey of ['dueShard', 'author', 'message']) expect(item).not.toHaveProperty(indexKey);
  });

  it('asks for the user scope chat:write only with ?as=user', async () => {
    const result = await h.call(apiGatewayGet({ path: '/slack/install', query: 'as=user' }));

    const to = location(result);
    expect(to.searchParams.get('user_scope')).toBe('chat:write,files:write');
    expect(to.searchParams.get('scope')).toBeNull();
  });

  it('serves a landing page with an Add to Slack link at /', async () => {
    const result = await h.call(apiGatewayGet({ path: '/' }));

    expect(result.statusCode).toBe(200);
    expect(body(result)).toContain(`href="${PUBLIC_URL}/slack/install"`);
    expect(result.headers?.['content-security-policy']).toContain("default-src 'none'");
  });
});

describe('GET /slack/oauth_redirect', () => {
  it('installs snap: the bot token stored only sealed, under the workspace and bot context, and a page that says where', async () => {
    // Prepare
    const before = exchanges();

    // Act
    const { result } = await authorizeThrough(h, '', workspace('T0ACME', 'Acme <Ops> & Co'));

    // Assess
    expect(result.statusCode).toBe(200);
    expect(exchanges()).toBe(before + 1);
    expect(body(result)).toContain('Acme &lt;Ops&gt; &amp; Co');
    expect(body(result)).not.toContain('Acme <Ops>');
    expect(body(result)).toContain('slack://open?team=T0ACME');
    expect(body(result)).toContain('https://app.slack.com/client/T0ACME');
    expect(result.headers).toMatchObject({
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'referrer-policy': 'no-referrer',
    });
    expect(result.headers?.['content-security-policy']).toMatch(/default-src 'none'; style-src 'sha256-/);
    expect(result.cookies?.[0]).toMatch(new RegExp(`^${STATE_COOKIE}=;.*Max-Age=0`));
    const token = [...h.slack.issued.values()].find((t) => t.kind === 'bot' && t.team === 'T0ACME')?.token;
    expect(token).toMatch(/^xoxb-/);
    const item = await byKey('inst#T0ACME');
    expect(item).toMatchObject({
      teamId: 'T0ACME',
      teamName: 'Acme <Ops> & Co',
      isEnterpriseInstall: false,
      botUserId: 'UBT0ACME',
      botScopes: BOT_SCOPES.join(','),
      installedBy: 'U0ANA',
    });
    expect(item).not.toHaveProperty('expiresAt');
    const sealed = h.sealed.get(Buffer.from(item?.botToken as Uint8Array).toString('hex'));
    expect(sealed).toEqual({
      plaintext: token,
      context: { app: 'snap', purpose: 'slack-token', team: 'T0ACME', kind: 'bot' },
      keyId: 'alias/snap',
    });
    expect(JSON.stringify(await h.items())).not.toContain(String(token));
    expect(body(result)).not.toContain(String(token));
  });

  it('gives the stored token back only under its own context, and Slack takes it in its workspace only', async () => {
    // Prepare
    await authorizeThrough(h, '', workspace('T0BETA'));
    const store = new InstallationStore(INSTALLATIONS_TABLE);
    const tokens = storedTokens(store, new KmsTokenSealer('alias/snap'));

    // Act
    const beta = await tokens.botToken({ team: 'T0BETA' });
    const nowhere = await tokens.botToken({ team: 'T0NOWHERE' });
    const client = new WebClient(beta, { slackApiUrl: h.slack.apiUrl, retryConfig: { retries: 0 } });
    const own = await client.chat.postMessage({ channel: 'T0BETA-C1', text: 'hello' });
    const other = client.chat.postMessage({ channel: 'T0ACME-C1', text: 'hello' });

    // Assess
    expect(beta).toMatch(/^xoxb-T0BETA-/);
    expect(nowhere).toBeUndefined();
    expect(own.ok).toBe(true);
    await expect(other).rejects.toMatchObject({ data: { error: 'channel_not_found' } });
    const sealedBeta = (await store.botToken('T0BETA')) as Uint8Array;
    await expect(
      new KmsTokenSealer('alias/snap').open(sealedBeta, { key: 'T0ACME', kind: 'bot' }),
    ).rejects.toMatchObject({ name: 'SecretError' });
  });

  it('keys an Enterprise Grid org-wide install by the org, and a command from any of its workspaces finds it', async () => {
    // Act
    const { result } = await authorizeThrough(h, '', {
      team: 'T0SUB1',
      enterprise: 'E0ORG',
      enterpriseName: 'Globex',
      orgWide: true,
      user: 'W0ADMIN',
    });

    // Assess
    expect(result.statusCode).toBe(200);
    expect(body(result)).toContain('<strong>Globex</strong> organization');
    const item = await byKey('inst#E0ORG');
    expect(item).toMatchObject({ enterpriseId: 'E0ORG', isEnterpriseInstall: true, installedBy: 'W0ADMIN' });
    expect(item).not.toHaveProperty('teamId');
    const sealed = h.sealed.get(Buffer.from(item?.botToken as Uint8Array).toString('hex'));
    expect(sealed?.context).toEqual({ app: 'snap', purpose: 'slack-token', team: 'E0ORG', kind: 'bot' });
    const tokens = storedTokens(new InstallationStore(INSTALLATIONS_TABLE), new KmsTokenSealer('alias/snap'));
    const token = await tokens.botToken({ team: 'T0SUB2', enterprise: 'E0ORG' });
    expect(token).toBe(sealed?.plaintext);
    const client = new WebClient(token, { slackApiUrl: h.slack.apiUrl, retryConfig: { retries: 0 } });
    expect((await client.chat.postMessage({ channel: 'T0SUB2-C1', text: 'hi' })).ok).toBe(true);
  });

  it('stores a user’s own token, and leaves the workspace’s bot installation as it was', async () => {
    // Prepare
    await authorizeThrough(h, '', workspace('T0ACME'));
    const bot = await byKey('inst#T0ACME');

    // Act
    const { result } = await authorizeThrough(h, 'as=user', {
      team: 'T0ACME',
      teamName: 'Acme',
      user: 'U0BOB',
    });

    // Assess
    expect(result.statusCode).toBe(200);
    expect(body(result)).toContain('post as you');
    const after = await byKey('inst#T0ACME');
    for (const field of ['botToken', 'botUserId', 'botScopes', 'botInstalledAt', 'installedBy', 'teamName'])
      expect([field, after?.[field]]).toEqual([field, bot?.[field]]);
    expect(after?.users).toEqual(new Set(['U0BOB']));
    const user = await byKey('inst#T0ACME#U0BOB');
    expect(user).toMatchObject({ userId: 'U0BOB', teamId: 'T0ACME', userScopes: 'chat:write,files:write' });
    const sealed = h.sealed.get(Buffer.from(user?.userToken as Uint8Array).toString('hex'));
    expect(sealed?.context).toEqual({
      app: 'snap',
      purpose: 'slack-token',
      team: 'T0ACME',
      kind: 'user',
      user: 'U0BOB',
    });
    expect(sealed?.plaintext).toMatch(/^xoxp-/);
    const tokens = storedTokens(new InstallationStore(INSTALLATIONS_TABLE), new KmsTokenSealer('alias/snap'));
    expect(await tokens.userToken({ team: 'T0ACME', user: 'U0BOB' })).toBe(sealed?.plaintext);
    expect(await tokens.userToken({ team: 'T0ACME', user: 'U0ANA' })).toBeUndefined();
  });

  it('never revokes the workspace’s bot token when a user authorization is turned into a bot grant', async () => {
    // Prepare: the workspace is installed; a member starts ?as=user and, on Slack's page, edits
    // the request to ask for bot scopes instead (Slack then hands back the bot token in use).
    await authorizeThrough(h, '', workspace('T0EDIT'));
    const bot = await byKey('inst#T0EDIT');
    const start = await h.call(apiGatewayGet({ path: '/slack/install', query: 'as=user' }));
    const to = location(start);
    const code = h.slack.authorize({
      team: 'T0EDIT',
      user: 'U0MEMBER',
      scope: ['commands'],
      userScope: [],
      redirectUri: String(to.searchParams.get('redirect_uri')),
    });

    // Act
    const result = await h.call(
      redirectRequest({ code, state: String(to.searchParams.get('state')) }, flowCookie(start)),
    );

    // Assess
    expect(result.statusCode).toBe(502);
    const issued = [...h.slack.issued.values()].filter((t) => t.team === 'T0EDIT' && t.kind === 'bot');
    expect(issued.length).toBeGreaterThan(0);
    expect(issued.every((t) => !t.revoked)).toBe(true);
    expect(h.slack.calls.filter((c) => c.method === 'auth.revoke')).toHaveLength(0);
    expect(await byKey('inst#T0EDIT')).toEqual(bot);
  });

  it('stores nothing when a member edits the ?as=user request to ask Slack for more than chat:write', async () => {
    // Prepare
    const start = await h.call(apiGatewayGet({ path: '/slack/install', query: 'as=user' }));
    const to = location(start);
    const code = h.slack.authorize({
      team: 'T0ACME',
      user: 'U0GREEDY',
      scope: [],
      userScope: ['chat:write', 'im:history'],
      redirectUri: String(to.searchParams.get('redirect_uri')),
    });

    // Act
    const result = await h.call(
      redirectRequest({ code, state: String(to.searchParams.get('state')) }, flowCookie(start)),
    );

    // Assess
    expect(result.statusCode).toBe(400);
    expect(String(result.body)).toContain('<code>im:history</code>');
    expect(await byKey('inst#T0ACME#U0GREEDY')).toBeUndefined();
    expect(logs.lines().some((l) => l.includes('"event":"install.scopes_refused"'))).toBe(true);
  });

  it('refuses a state that was never issued, a replay, an expired one and one without its cookie: 400, no token call, nothing stored', async () => {
    // Prepare
    const before = exchanges();
    const used = await authorizeThrough(h, '', workspace('T0BETA'));
    const afterUse = await installations();
    const forged = newFlow();
    const expired = newFlow();
    // An expired flow, as the function would have written it eleven minutes ago.
    await h.put({
      pk: `oauth#${expired.stateHash}`,
      grant: 'bot',
      nonceHash: expired.nonceHash,
      notAfter: Date.now() - 60_000,
      expiresAt: Math.ceil(Date.now() / 1000),
    });
    const fresh = await h.call(apiGatewayGet({ path: '/slack/install' }));
    const freshState = String(location(fresh).searchParams.get('state'));
    const code = h.slack.authorize({ ...workspace('T0FORGED'), scope: ['commands'] });

    // Act
    const results = [
      await h.call(redirectRequest({ code, state: forged.state }, forged.nonce)),
      await h.call(redirectRequest({ code: used.code, state: used.state }, used.nonce)),
      await h.call(redirectRequest({ code, state: expired.state }, expired.nonce)),
      await h.call(redirectRequest({ code, state: freshState })),
      await h.call(redirectRequest({ code, state: freshState }, newFlow().nonce)),
      await h.call(redirectRequest({ code, state: 'not a state' }, forged.nonce)),
    ];

    // Assess
    expect(results.map((r) => r.statusCode)).toEqual([400, 400, 400, 400, 400, 400]);
    const [, replay, ...others] = results;
    expect(body(replay ?? {})).toContain('This link was already used');
    for (const r of [results[0], ...others]) expect(body(r ?? {})).toContain('This link has expired');
    expect(exchanges()).toBe(before + 1);
    expect(await installations()).toHaveLength(afterUse.length);
    expect(await byKey('inst#T0FORGED')).toBeUndefined();
  });

  it('tells a reload of the success page that the link was used and where to go, calling Slack for nothing', async () => {
    // Prepare: snap added; the page's cookie is cleared by then (a browser that kept it, too).
    const first = await authorizeThrough(h, '', workspace('T0ACME'));
    const before = exchanges();
    const item = await byKey(`oauth#${hashToken(first.state)}`);

    // Act
    const reloads = [
      await h.call(redirectRequest({ code: first.code, state: first.state })),
      await h.call(redirectRequest({ code: first.code, state: first.state }, first.nonce)),
    ];

    // Assess
    expect(first.result.statusCode).toBe(200);
    for (const reload of reloads) {
      expect(reload.statusCode).toBe(400);
      expect(body(reload)).toContain('This link was already used');
      expect(body(reload)).toContain('nothing needs doing again');
      expect(body(reload)).toContain('href="https://app.slack.com/client"');
      expect(body(reload)).toContain(`href="${PUBLIC_URL}/slack/install"`);
      expect(body(reload)).not.toContain('Nothing was stored');
    }
    expect(exchanges()).toBe(before);
    // What the marker keeps: the time of use and the kind, no nonce, and the flow's own TTL.
    expect(item).toMatchObject({ grant: 'bot', usedAt: expect.any(Number) });
    expect(item).not.toHaveProperty('nonceHash');
    expect(Number(item?.expiresAt)).toBeLessThanOrEqual(Math.ceil(Number(item?.notAfter) / 1000) + 60);
  });

  it('lets the browser that started a flow finish it after another browser tried the same state without the cookie', async () => {
    // Prepare
    const start = await h.call(apiGatewayGet({ path: '/slack/install' }));
    const state = String(location(start).searchParams.get('state'));
    const code = h.slack.authorize({
      ...workspace('T0BETA'),
      scope: [...BOT_SCOPES],
      redirectUri: `${PUBLIC_URL}/slack/oauth_redirect`,
    });

    // Act
    const stranger = await h.call(redirectRequest({ code, state }, newFlow().nonce));
    const owner = await h.call(redirectRequest({ code, state }, flowCookie(start)));

    // Assess
    expect(stranger.statusCode).toBe(400);
    expect(owner.statusCode).toBe(200);
  });

  it('answers a cancelled authorization with a friendly page and stores nothing', async () => {
    const before = exchanges();
    const count = (await installations()).length;

    const result = await h.call(redirectRequest({ error: 'access_denied', state: newFlow().state }));

    expect(result.statusCode).toBe(200);
    expect(body(result)).toContain('nothing was stored');
    expect(exchanges()).toBe(before);
    expect(await installations()).toHaveLength(count);
  });

  it('explains a code Slack does not accept, and stores nothing', async () => {
    // Prepare
    const start = await h.call(apiGatewayGet({ path: '/slack/install' }));
    const state = String(location(start).searchParams.get('state'));
    const count = (await installations()).length;

    // Act
    const result = await h.call(redirectRequest({ code: '1234.5678.deadbeef', state }, flowCookie(start)));

    // Assess
    expect(result.statusCode).toBe(400);
    expect(body(result)).toContain('Slack did not accept this sign-in');
    expect(h.slack.calls.at(-1)).toMatchObject({ method: 'oauth.v2.access', result: 'invalid_code' });
    expect(await installations()).toHaveLength(count);
  });

  it('refuses a workspace outside ALLOWED_TEAM_IDS: nothing stored, the new token given back to Slack', async () => {
    // Act
    const { result } = await authorizeThrough(h, '', workspace('T0OTHER', 'Initech'));

    // Assess
    expect(result.statusCode).toBe(403);
    expect(body(result)).toContain('not enabled for <strong>Initech</strong>');
    expect(await byKey('inst#T0OTHER')).toBeUndefined();
    const issued = [...h.slack.issued.values()].find((t) => t.team === 'T0OTHER');
    expect(issued?.revoked).toBe(true);
    expect(
      h.kms
        .commandCalls(EncryptCommand)
        .map((c: { args: [EncryptCommand] }) => c.args[0].input.EncryptionContext?.team),
    ).not.toContain('T0OTHER');
  });
});

describe('POST /slack/events', () => {
  it('logs Slack’s retry number only from a verified event, and only as a small number', async () => {
    // Prepare: an attacker-chosen header on any route and on an unsigned event, then real and junk retries.
    const junk = 'x'.repeat(5_000);
    const linesOf = async (event: Parameters<typeof h.call>[0]) => {
      const before = logs.lines().length;
      await h.call(event);
      return logs
        .lines()
        .slice(before)
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    };
    const ignored = (options: { secret?: string; retry: string }) =>
      signedEvent(eventCallback({ type: 'message' }, { team: 'T0ACME' }), {
        ...(options.secret ? { secret: options.secret } : {}),
        headers: { 'x-slack-retry-num': options.retry },
      });

    // Act
    const browser = await linesOf(
      apiGatewayGet({ path: '/slack/install', headers: { 'x-slack-retry-num': junk } }),
    );
    const forged = await linesOf(ignored({ secret: 'wrong-secret', retry: junk }));
    const real = await linesOf(ignored({ retry: '2' }));
    const odd = await linesOf(ignored({ retry: `1${junk}` }));

    // Assess
    expect(browser.length).toBeGreaterThan(0);
    for (const line of [...browser, ...forged]) expect(line).not.toHaveProperty('slackRetry');
    expect(real.find((l) => l.event === 'install.event_ignored')).toMatchObject({ slackRetry: 2 });
    expect(odd.find((l) => l.event === 'install.event_ignored')).not.toHaveProperty('slackRetry');
    expect(logs.lines().join('\n')).not.toContain(junk);
  });

  it('answers url_verification with the challenge', async () => {
    const result = await h.call(
      signedEvent({ type: 'url_verification', challenge: 'c0ffee-123', token: 'x' }),
    );

    expect(result.statusCode).toBe(200);
    expect(JSON.parse(body(result))).toEqual({ challenge: 'c0ffee-123' });
  });

  it('deletes the installation and every user token of a workspace on app_uninstalled, by key, harmlessly again on a retry', async () => {
    // Prepare
    await authorizeThrough(h, '', workspace('T0GONE'));
    await authorizeThrough(h, 'as=user', { team: 'T0GONE', user: 'U0ONE' });
    await authorizeThrough(h, 'as=user', { team: 'T0GONE', user: 'U0TWO' });
    await authorizeThrough(h, '', workspace('T0ACME'));
    const event = eventCallback({ type: 'app_uninstalled' }, { team: 'T0GONE' });
    const stored = (await h.items()).filter((i) => String(i.pk).startsWith('inst#T0GONE'));
    const scans = h.proxy.counts.get('Scan') ?? 0;
    const queries = h.proxy.counts.get('Query') ?? 0;

    // Act
    const first = await h.call(signedEvent(event));
    const retry = await h.call(signedEvent(event, { headers: { 'x-slack-retry-num': '1' } }));

    // Assess
    expect([first.statusCode, retry.statusCode]).toEqual([200, 200]);
    const left = (await h.items()).filter((i) => String(i.pk).startsWith('inst#T0GONE'));
    expect(stored.map((i) => i.pk).sort()).toEqual(['inst#T0GONE', 'inst#T0GONE#U0ONE', 'inst#T0GONE#U0TWO']);
    expect(left).toEqual([]);
    expect(await byKey('inst#T0ACME')).toHaveProperty('botToken');
    expect(h.proxy.counts.get('Scan') ?? 0).toBe(scans);
    expect(h.proxy.counts.get('Query') ?? 0).toBe(queries);
  });

  it('leaves a reinstall made after the event alone when a late retry of that event arrives', async () => {
    // Prepare
    await authorizeThrough(h, '', workspace('T0BACK'));
    expect(await byKey('inst#T0BACK')).toHaveProperty('botToken');
    const old = eventCallback(
      { type: 'app_uninstalled' },
      { team: 'T0BACK', eventTime: Math.floor(Date.now() / 1000) - 120 },
    );

    // Act
    const result = await h.call(signedEvent(old, { headers: { 'x-slack-retry-num': '3' } }));

    // Assess
    expect(result.statusCode).toBe(200);
    expect(await byKey('inst#T0BACK')).toHaveProperty('botToken');
  });

  it('deletes an org-wide installation on its app_uninstalled', async () => {
    // Prepare
    await authorizeThrough(h, '', { team: 'T0SUB1', enterprise: 'E0ORG', orgWide: true, user: 'W0ADMIN' });
    expect(await byKey('inst#E0ORG')).toHaveProperty('botToken');

    // Act
    const result = await h.call(
      signedEvent(eventCallback({ type: 'app_uninstalled' }, { enterprise: 'E0ORG', orgWide: true })),
    );

    // Assess
    expect(result.statusCode).toBe(200);
    expect(await byKey('inst#E0ORG')).toBeUndefined();
  });

  it('deletes the listed tokens on tokens_revoked: users’ own, and the bot’s when its user is listed', async () => {
    // Prepare
    await authorizeThrough(h, '', workspace('T0REV'));
    await authorizeThrough(h, 'as=user', { team: 'T0REV', user: 'U0KEEP' });
    await authorizeThrough(h, 'as=user', { team: 'T0REV', user: 'U0LOSE' });

    // Act
    const users = await h.call(
      signedEvent(
        eventCallback({ type: 'tokens_revoked', tokens: { oauth: ['U0LOSE'] } }, { team: 'T0REV' }),
      ),
    );
    const afterUsers = await byKey('inst#T0REV');
    const bot = await h.call(
      signedEvent(eventCallback({ type: 'tokens_revoked', tokens: { bot: ['UBT0REV'] } }, { team: 'T0REV' })),
    );

    // Assess
    expect([users.statusCode, bot.statusCode]).toEqual([200, 200]);
    expect(await byKey('inst#T0REV#U0LOSE')).toBeUndefined();
    expect(await byKey('inst#T0REV#U0KEEP')).toHaveProperty('userToken');
    expect(afterUsers).toHaveProperty('botToken');
    expect(afterUsers?.users).toEqual(new Set(['U0KEEP']));
    const after = await byKey('inst#T0REV');
    expect(after).not.toHaveProperty('botToken');
    expect(after?.users).toEqual(new Set(['U0KEEP']));
  });

  it('acts on no event without a valid, fresh signature', async () => {
    // Prepare
    await authorizeThrough(h, '', workspace('T0SAFE'));
    const event = eventCallback({ type: 'app_uninstalled' }, { team: 'T0SAFE' });

    // Act
    const wrong = await h.call(signedEvent(event, { secret: 'not-the-secret' }));
    const stale = await h.call(signedEvent(event, { timestamp: Math.floor(Date.now() / 1000) - 600 }));

    // Assess
    expect([wrong.statusCode, stale.statusCode]).toEqual([401, 401]);
    expect(await byKey('inst#T0SAFE')).toHaveProperty('botToken');
  });

  it('answers other events with 200 and does nothing', async () => {
    const count = (await h.items()).length;

    const result = await h.call(
      signedEvent(eventCallback({ type: 'app_home_opened', user: 'U0ANA' }, { team: 'T0ACME' })),
    );

    expect(result.statusCode).toBe(200);
    expect(await h.items()).toHaveLength(count);
  });
});

describe('the install function overall', () => {
  it('never reads the table with Scan or Query: every lookup is by key', () => {
    expect(h.proxy.counts.get('Scan')).toBeUndefined();
    expect(h.proxy.counts.get('Query')).toBeUndefined();
  });

  it('sends only AWS commands that its IAM role in infra/ allows', async () => {
    // Prepare
    const allowed = await allowedActions('install');
    const sent = new Set([
      ...[...h.proxy.counts.keys()].map((op) => `dynamodb:${op}`),
      ...h.kms
        .calls()
        .map(
          (c: { args: unknown[] }) => `kms:${(c.args[0] as object).constructor.name.replace(/Command$/, '')}`,
        ),
    ]);

    // Assess
    expect(sent.size).toBeGreaterThan(3);
    for (const action of sent) expect(allowed).toContain(action);
  });

  it('logs no token, secret, state or cookie', () => {
    const text = logs.lines().join('\n');
    const tokens = [...h.slack.issued.keys()];

    expect(tokens.length).toBeGreaterThan(5);
    for (const secret of [...tokens, CLIENT_SECRET, SIGNING_SECRET]) expect(text).not.toContain(secret);
    expect(text).not.toMatch(/[A-Za-z0-9_-]{43}/);
    expect(text).not.toContain('"event":"install.failed"');
  });
});
