/**
 * The rules of "Add to Slack": OAuth state and cookie, installation keys on Enterprise Grid, the
 * pages' escaping, and the completion use case's failure paths with fakes.
 */

import { marshall } from '@aws-sdk/util-dynamodb';
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { cookiesBrowserSends } from '../../local/api-gateway';
import { recordFromImage } from '../../shared/adapters/stream';
import { completeInstall } from '../../shared/app/install';
import type {
  BotInstallation,
  InstallationStorePort,
  OAuthStatePort,
  SlackOAuthPort,
  StateUse,
  TokenSealer,
  UserAuthorization,
} from '../../shared/app/ports';
import { installConfig } from '../../shared/config';
import {
  authorizeUrl,
  BOT_SCOPES,
  clearedStateCookie,
  EVENT_CLOCK_MARGIN_MS,
  type GrantKind,
  hashToken,
  installationKey,
  isFlowToken,
  lookupKeys,
  newFlow,
  OAUTH_REDIRECT_PATH,
  type OAuthGrant,
  readFlowCookie,
  revokedUpTo,
  SLACK_AUTHORIZE_URL,
  STATE_COOKIE,
  scopeMismatch,
  stateCookie,
  teamAllowed,
  USER_SCOPES,
} from '../../shared/domain/install';
import { escapeHtml, installedPage, renderPage, teamNotAllowedPage } from '../../shared/domain/pages';
import { SlackCallError, StoreError } from '../../shared/errors';
import { createLogger } from '../../shared/log';

describe('the OAuth state and its cookie', () => {
  it('makes a fresh, well-formed state and nonce each time, and keeps only their hashes apart', () => {
    const a = newFlow();
    const b = newFlow();

    expect(isFlowToken(a.state) && isFlowToken(a.nonce)).toBe(true);
    expect(new Set([a.state, a.nonce, b.state, b.nonce]).size).toBe(4);
    expect(a.stateHash).toBe(hashToken(a.state));
    expect(a.nonceHash).toBe(hashToken(a.nonce));
    expect(a.stateHash).not.toContain(a.state);
  });

  it('sets a __Host- cookie (HttpOnly, Secure, SameSite=Lax, Path=/, no Domain) for ten minutes', () => {
    const cookie = stateCookie('n'.repeat(43));

    expect(cookie.split('; ')).toEqual([
      `__Host-snap_oauth=${'n'.repeat(43)}`,
      'Path=/',
      'Max-Age=600',
      'HttpOnly',
      'Secure',
      'SameSite=Lax',
    ]);
    expect(clearedStateCookie().split('; ')).toEqual(expect.arrayContaining(['Path=/', 'Max-Age=0']));
    expect(`${cookie}${clearedStateCookie()}`).not.toMatch(/Domain=/i);
  });

  it('sets a cookie a browser keeps and sends back to the redirect route, by the __Host- prefix rules', () => {
    // Prepare: what install sets, and what it would be with a path of its own or a domain.
    const set = stateCookie('n'.repeat(43));
    const narrowed = set.replace('Path=/;', 'Path=/slack/oauth_redirect;');
    const widened = `${set}; Domain=example.org`;

    // Act
    const sent = cookiesBrowserSends([set], OAUTH_REDIRECT_PATH);
    const refused = [narrowed, widened, set.replace('; Secure', '')].map((c) =>
      cookiesBrowserSends([c], OAUTH_REDIRECT_PATH),
    );
    const cleared = cookiesBrowserSends([set, clearedStateCookie()], OAUTH_REDIRECT_PATH);

    // Assess
    expect(readFlowCookie(sent)).toBe('n'.repeat(43));
    expect(refused).toEqual([[], [], []]);
    expect(cleared).toEqual([]);
  });

  it('reads the cookie among others, and refuses two different values', () => {
    expect(readFlowCookie(['a=1', `${STATE_COOKIE}=abc`])).toBe('abc');
    expect(readFlowCookie([`a=1; ${STATE_COOKIE}=abc; b=2`])).toBe('abc');
    expect(readFlowCookie([`${STATE_COOKIE}=abc`, `${STATE_COOKIE}=abc`])).toBe('abc');
    expect(readFlowCookie([`${STATE_COOKIE}=abc`, `${STATE_COOKIE}=def`])).toBeUndefined();
    expect(readFlowCookie([`${STATE_COOKIE}x=abc`, ''])).toBeUndefined();
  });

  it('accepts only the exact shape it makes as a state or nonce (property)', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 100 }), (s) => {
        expect(isFlowToken(s)).toBe(/^[A-Za-z0-9_-]{43}$/.test(s));
      }),
    );
  });

  it('is no snap to the reaper when its item expires by TTL and reaches the stream', () => {
    const flow = newFlow();
    const image = marshall({
      pk: `oauth#${flow.stateHash}`,
      grant: 'bot',
      nonceHash: flow.nonceHash,
      expiresAt: 1,
    });

    expect(recordFromImage(image)).toBeUndefined();
  });

  it('asks Slack for the bot scopes, or the user scope alone, with the redirect URI', () => {
    const bot = new URL(authorizeUrl('bot', '1.2', 'https://snap.example', 'S'));
    const user = new URL(authorizeUrl('user', '1.2', 'https://snap.example', 'S'));

    expect(bot.searchParams.get('scope')).toContain('chat:write');
    expect(bot.searchParams.get('user_scope')).toBeNull();
    expect(user.searchParams.get('user_scope')).toBe('chat:write,files:write');
    expect(user.searchParams.get('scope')).toBeNull();
    expect(bot.searchParams.get('redirect_uri')).toBe('https://snap.example/slack/oauth_redirect');
    expect(`${bot.origin}${bot.pathname}`).toBe('https://slack.com/oauth/v2/authorize');
  });

  it('sends the browser to the authorize page it is given, with the same parameters', () => {
    const to = new URL(
      authorizeUrl('user', '1.2', 'https://snap.example', 'S', 'http://127.0.0.1:9/oauth/v2/authorize'),
    );

    expect(`${to.origin}${to.pathname}`).toBe('http://127.0.0.1:9/oauth/v2/authorize');
    expect(to.searchParams.get('user_scope')).toBe('chat:write,files:write');
    expect(to.searchParams.get('state')).toBe('S');
  });
});

describe('installation keys', () => {
  it('keys an org-wide install by the org and any other by the workspace', () => {
    expect(
      installationKey({ team: { id: 'T01' }, enterprise: { id: 'E01' }, isEnterpriseInstall: false }),
    ).toBe('T01');
    expect(installationKey({ enterprise: { id: 'E01' }, isEnterpriseInstall: true })).toBe('E01');
    expect(installationKey({ team: { id: 'T01' }, isEnterpriseInstall: true })).toBeUndefined();
    expect(installationKey({ team: { id: 'x#y' }, isEnterpriseInstall: false })).toBeUndefined();
  });

  it('looks in the workspace first, then its org', () => {
    expect(lookupKeys({ team: 'T01', enterprise: 'E01' })).toEqual(['T01', 'E01']);
    expect(lookupKeys({ team: 'T01' })).toEqual(['T01']);
    expect(lookupKeys({ team: 'bad#id' })).toEqual([]);
  });

  it('allows a workspace when it or its org is listed, or when nothing is', () => {
    const grant = { team: { id: 'T01' }, enterprise: { id: 'E01' } };

    expect(teamAllowed(grant, new Set())).toBe(true);
    expect(teamAllowed(grant, new Set(['E01']))).toBe(true);
    expect(teamAllowed(grant, new Set(['T01']))).toBe(true);
    expect(teamAllowed(grant, new Set(['T02']))).toBe(false);
  });

  it('takes what was stored up to a few seconds after an event as covered by it, never later than now', () => {
    expect(revokedUpTo(1_000, 5_000_000)).toBe(1_000_000 + EVENT_CLOCK_MARGIN_MS);
    expect(revokedUpTo(9_999_999, 5_000_000)).toBe(5_000_000);
    expect(revokedUpTo(undefined, 5_000_000)).toBe(5_000_000);
  });
});

describe('granted scopes', () => {
  it('match when they are exactly what snap asks for, in any order', () => {
    expect(scopeMismatch('bot', [...BOT_SCOPES].reverse())).toBeUndefined();
    expect(scopeMismatch('user', ['files:write', 'chat:write'])).toBeUndefined();
  });

  it('refuses a new user grant without files:write, which snap now asks for beside chat:write', () => {
    expect(scopeMismatch('user', ['chat:write'])).toEqual({ extra: [], missing: ['files:write'] });
  });

  it('name what is extra and what is missing', () => {
    expect(scopeMismatch('user', ['chat:write', 'files:write', 'im:history', 'im:history'])).toEqual({
      extra: ['im:history'],
      missing: [],
    });
    expect(scopeMismatch('user', [])).toEqual({ extra: [], missing: ['chat:write', 'files:write'] });
    expect(scopeMismatch('bot', ['chat:write'])?.missing).toContain('commands');
  });
});

describe('pages', () => {
  const grant = (name: string): OAuthGrant => ({
    team: { id: 'T01', name },
    isEnterpriseInstall: false,
    user: { id: 'U01', scopes: [] },
    expiring: false,
  });

  it('escape every name they show (property)', () => {
    fc.assert(
      fc.property(fc.string(), (name) => {
        const html =
          renderPage(installedPage(grant(`<script>${name}`))) + renderPage(teamNotAllowedPage(grant(name)));
        expect(html).not.toContain('<script>');
        expect(html).toContain(escapeHtml(name));
      }),
    );
  });

  it('carry no script and no external asset', () => {
    const html = renderPage(installedPage(grant('Acme')));

    expect(html).not.toMatch(/<script|<img|<link|src=/i);
    expect(html).toContain('<meta name="viewport"');
  });
});

/** Fakes for the completion use case: a state that is always valid, a Slack that grants. */
function completion(
  options: {
    grant?: Partial<OAuthGrant>;
    exchange?: Error;
    store?: Error;
    kind?: GrantKind;
    allowedTeams?: string[];
    /** Keys under which a bot installation is stored (distributed); default the grant's workspace. */
    bots?: string[];
    /** One-workspace mode: the bot token is configuration. */
    botInConfiguration?: boolean;
    /** What the conditional user write answers (false: the installation went meanwhile). */
    userSaved?: boolean;
  } = {},
) {
  const revoked: string[] = [];
  const saved: Array<BotInstallation | UserAuthorization> = [];
  const botRequired: boolean[] = [];
  const bots = new Set(options.bots ?? ['T01']);
  const states: OAuthStatePort = {
    save: async () => {},
    consume: async (): Promise<StateUse> => ({ outcome: 'consumed', kind: options.kind ?? 'bot' }),
  };
  const oauth: SlackOAuthPort = {
    exchange: async () => {
      if (options.exchange) throw options.exchange;
      return {
        team: { id: 'T01', name: 'Acme' },
        isEnterpriseInstall: false,
        user: { id: 'U01', scopes: [] },
        bot: { token: 'xoxb-fake', userId: 'UB01', scopes: [...BOT_SCOPES] },
        expiring: false,
        ...options.grant,
      };
    },
    revoke: async (token) => {
      revoked.push(token);
    },
  };
  const store = {
    saveBot: async (i: BotInstallation) => {
      if (options.store) throw options.store;
      saved.push(i);
    },
    saveUser: async (a: UserAuthorization, required: boolean) => {
      botRequired.push(required);
      if (options.userSaved === false) return false;
      saved.push(a);
      return true;
    },
    botToken: async (key: string) => (bots.has(key) ? new Uint8Array([1]) : undefined),
  } as unknown as InstallationStorePort;
  const sealer: TokenSealer = {
    seal: async (t) => new Uint8Array(Buffer.from(`sealed(${t})`)),
    open: async () => '',
  };
  const deps = {
    settings: {
      botInConfiguration: options.botInConfiguration ?? false,
      clientId: '1.2',
      publicUrl: 'https://snap.example',
      allowedTeams: new Set<string>(options.allowedTeams ?? []),
    },
    states,
    oauth,
    store,
    sealer,
    clock: { now: () => 1_000, sleep: async () => {} },
    log: createLogger({}, () => {}),
  };
  const flow = newFlow();
  return {
    revoked,
    saved,
    botRequired,
    run: () => completeInstall({ code: '123.456.abc', state: flow.state }, flow.nonce, deps),
  };
}

describe('completing an install', () => {
  // Slack hands back the same bot token when an installed app is installed again, and the same
  // user token when a user authorizes again: a token in a grant may be one snap already relies on.
  it('keeps the tokens it could not store, which may be the ones the workspace already runs on', async () => {
    const c = completion({ store: new StoreError('DynamoDB saveBot failed') });

    const page = await c.run();

    expect(page.status).toBe(503);
    expect(c.revoked).toEqual([]);
  });

  it('revokes nothing when Slack granted no bot token for an install, not even the user token it sent', async () => {
    const c = completion({ grant: { bot: undefined, user: { id: 'U01', token: 'xoxp-stray', scopes: [] } } });

    const page = await c.run();

    expect(page.status).toBe(502);
    expect(c.revoked).toEqual([]);
    expect(c.saved).toEqual([]);
  });

  it('never revokes the bot token of a workspace when a user authorization comes back without a user token', async () => {
    // A member edits the authorize URL of ?as=user to ask for bot scopes instead.
    const c = completion({ kind: 'user', grant: { user: { id: 'U01', scopes: [] } } });

    const page = await c.run();

    expect(page.status).toBe(502);
    expect(c.revoked).toEqual([]);
    expect(c.saved).toEqual([]);
  });

  it('gives back only the token it asked for when the workspace is not allowed', async () => {
    const c = completion({
      allowedTeams: ['T0HOME'],
      grant: { user: { id: 'U01', token: 'xoxp-theirs', scopes: ['chat:write'] } },
    });

    const page = await c.run();

    expect(page.status).toBe(403);
    expect(c.revoked).toEqual(['xoxb-fake']);
  });

  it('says that did not work when Slack cannot be reached, and stores nothing', async () => {
    const c = completion({
      exchange: new SlackCallError('oauth.v2.access', 'unavailable', 'request_failed'),
    });

    const page = await c.run();

    expect(page.status).toBe(502);
    expect(c.saved).toEqual([]);
  });

  it('refuses tokens that expire (token rotation on): nothing stored, nothing given back, a page that says why', async () => {
    const c = completion({ grant: { expiring: true } });

    const page = await c.run();

    expect(page.status).toBe(400);
    expect(page.title).toBe('This Slack app rotates its tokens');
    expect(c.saved).toEqual([]);
    expect(c.revoked).toEqual([]);
  });

  it.each<[string, GrantKind, Partial<OAuthGrant>, string]>([
    [
      'a user grant with more than chat:write',
      'user',
      { user: { id: 'U01', token: 'xoxp-more', scopes: ['chat:write', 'channels:history'] } },
      'more than it asks for (<code>channels:history</code>)',
    ],
    [
      'a bot grant with an extra scope',
      'bot',
      { bot: { token: 'xoxb-fake', userId: 'UB01', scopes: [...BOT_SCOPES, 'channels:history'] } },
      'more than it asks for (<code>channels:history</code>)',
    ],
    [
      'a bot grant without chat:write',
      'bot',
      { bot: { token: 'xoxb-fake', userId: 'UB01', scopes: ['commands', 'users:read'] } },
      'less than it needs (<code>chat:write</code>, <code>chat:write.customize</code>, <code>chat:write.public</code> missing)',
    ],
  ])('refuses %s: nothing stored, nothing given back', async (_what, kind, grant, says) => {
    const c = completion({ kind, grant });

    const page = await c.run();

    expect(page.status).toBe(400);
    expect(page.body).toContain(says);
    expect(c.saved).toEqual([]);
    expect(c.revoked).toEqual([]);
  });

  it('stores a user grant of exactly chat:write and files:write', async () => {
    const c = completion({
      kind: 'user',
      grant: { user: { id: 'U01', token: 'xoxp-mine', scopes: [...USER_SCOPES] } },
    });

    const page = await c.run();

    expect(page.status).toBe(200);
    expect(c.saved).toHaveLength(1);
  });

  const userGrant = (over: Partial<OAuthGrant> = {}): Partial<OAuthGrant> => ({
    user: { id: 'U01', token: 'xoxp-mine', scopes: [...USER_SCOPES] },
    ...over,
  });

  it('refuses ?as=user where snap is not installed: gives the token back, stores nothing, says to ask an admin to add snap', async () => {
    // Prepare: no bot installation under the workspace (T01) nor its org (E01).
    const c = completion({ kind: 'user', bots: [], grant: userGrant({ enterprise: { id: 'E01' } }) });

    // Act
    const page = await c.run();

    // Assess
    expect(page.status).toBe(409);
    expect(page.title).toBe('snap is not in this workspace yet');
    expect(page.body).toContain('Ask someone who may add apps');
    expect(page.body).toContain('href="https://snap.example/slack/install"');
    expect(c.revoked).toEqual(['xoxp-mine']);
    expect(c.saved).toEqual([]);
    expect(c.botRequired).toEqual([]);
  });

  it('gives the token back when the installation went away between the check and the conditional write', async () => {
    const c = completion({ kind: 'user', userSaved: false, grant: userGrant() });

    const page = await c.run();

    expect(page.status).toBe(409);
    expect(c.botRequired).toEqual([true]);
    expect(c.revoked).toEqual(['xoxp-mine']);
    expect(c.saved).toEqual([]);
  });

  it('stores a user grant under the installation that serves the workspace: its own, else its org’s', async () => {
    const own = completion({
      kind: 'user',
      bots: ['T01', 'E01'],
      grant: userGrant({ enterprise: { id: 'E01' } }),
    });
    const org = completion({ kind: 'user', bots: ['E01'], grant: userGrant({ enterprise: { id: 'E01' } }) });

    await own.run();
    await org.run();

    expect([own.saved, org.saved].map((s) => (s[0] as UserAuthorization).key)).toEqual(['T01', 'E01']);
    expect(Buffer.from((org.saved[0] as UserAuthorization).token).toString()).toBe('sealed(xoxp-mine)');
    expect([...own.botRequired, ...org.botRequired]).toEqual([true, true]);
  });

  it('in one-workspace mode, stores a user grant of the configured workspace without a bot installation in the store', async () => {
    const c = completion({
      kind: 'user',
      botInConfiguration: true,
      bots: [],
      allowedTeams: ['T01'],
      grant: userGrant(),
    });

    const page = await c.run();

    expect(page.status).toBe(200);
    expect(c.botRequired).toEqual([false]);
    expect((c.saved[0] as UserAuthorization).key).toBe('T01');
    expect(c.revoked).toEqual([]);
  });

  it('in one-workspace mode, refuses a user of another workspace and gives the token back', async () => {
    const c = completion({
      kind: 'user',
      botInConfiguration: true,
      allowedTeams: ['T0HOME'],
      grant: userGrant(),
    });

    const page = await c.run();

    expect(page.status).toBe(403);
    expect(c.revoked).toEqual(['xoxp-mine']);
    expect(c.saved).toEqual([]);
  });

  it('stores only the bot token of a bot install, sealed, even if Slack also sent a user token', async () => {
    const c = completion({ grant: { user: { id: 'U01', token: 'xoxp-extra', scopes: ['chat:write'] } } });

    const page = await c.run();

    expect(page.status).toBe(200);
    expect(c.saved).toHaveLength(1);
    expect(Buffer.from((c.saved[0] as BotInstallation).token).toString()).toBe('sealed(xoxb-fake)');
  });
});

describe('installConfig', () => {
  const env = (over: Record<string, string | undefined> = {}) => ({
    SLACK_CLIENT_ID: '1234.5678',
    SLACK_CLIENT_SECRET_CIPHERTEXT: 'Y2lwaGVy',
    SLACK_SIGNING_SECRET_CIPHERTEXT: 'Y2lwaGVy',
    SNAP_KMS_KEY_ID: 'alias/snap',
    SNAP_TABLE_NAME: 'snaps',
    SNAP_PUBLIC_URL: 'https://abc.execute-api.eu-west-1.amazonaws.com',
    CONTROLS_FUNCTION_NAME: 'snap-controls',
    ...over,
  });

  it('reads one-workspace mode, which needs the workspace it serves', () => {
    expect(installConfig(env()).oneWorkspace).toBe(false);
    expect(installConfig(env({ SNAP_ONE_WORKSPACE: 'true', ALLOWED_TEAM_IDS: 'T0HOME' })).oneWorkspace).toBe(
      true,
    );
    expect(() => installConfig(env({ SNAP_ONE_WORKSPACE: 'true' }))).toThrow('ALLOWED_TEAM_IDS');
  });

  it('serves Slack’s events alone in one-workspace mode without a client id, with no workspace list to require (no permission is kept there)', () => {
    // Prepare: as Terraform deploys install without slack_client_id and allowed_team_ids.
    const eventsOnly = env({
      SLACK_CLIENT_ID: undefined,
      SLACK_CLIENT_SECRET_CIPHERTEXT: undefined,
      SNAP_PUBLIC_URL: undefined,
      SNAP_ONE_WORKSPACE: 'true',
    });

    // Act
    const config = installConfig(eventsOnly);

    // Assess
    expect(config).toMatchObject({ oneWorkspace: true, oauth: undefined });
    expect(config.allowedTeams.size).toBe(0);
  });

  it('reads the installations table from its own variable, or the snap table', () => {
    expect(installConfig(env()).installationsTableName).toBe('snaps');
    expect(installConfig(env({ SNAP_INSTALLATIONS_TABLE_NAME: 'installs' }))).toMatchObject({
      tableName: 'snaps',
      installationsTableName: 'installs',
    });
  });

  it.each([
    ['http://snap.example', /https URL/],
    ['https://snap.example/', /trailing slash/],
    ['https://snap.example?x=1', /trailing slash, query/],
    ['not a url', /must be a URL/],
  ])('refuses SNAP_PUBLIC_URL %s, naming it', (url, message) => {
    expect(() => installConfig(env({ SNAP_PUBLIC_URL: url }))).toThrow(message);
    expect(() => installConfig(env({ SNAP_PUBLIC_URL: url }))).toThrow(/SNAP_PUBLIC_URL/);
  });

  it('accepts http only on a loopback host, for local runs', () => {
    expect(installConfig(env({ SNAP_PUBLIC_URL: 'http://localhost:3000' })).oauth?.publicUrl).toBe(
      'http://localhost:3000',
    );
    expect(installConfig(env({ SNAP_PUBLIC_URL: 'http://127.0.0.1:3000' })).oauth?.publicUrl).toBe(
      'http://127.0.0.1:3000',
    );
  });

  it('sends browsers to exactly Slack’s authorize page when SLACK_API_URL is Slack’s or unset', () => {
    expect(installConfig(env()).oauth?.slackAuthorizeUrl).toBe('https://slack.com/oauth/v2/authorize');
    expect(installConfig(env({ SLACK_API_URL: 'https://slack.com/api/' })).oauth?.slackAuthorizeUrl).toBe(
      SLACK_AUTHORIZE_URL,
    );
  });

  it('finds the authorize page on the host that plays Slack’s API (a local stand-in), ignoring its path', () => {
    expect(installConfig(env({ SLACK_API_URL: 'http://127.0.0.1:4100/api/' })).oauth?.slackAuthorizeUrl).toBe(
      'http://127.0.0.1:4100/oauth/v2/authorize',
    );
    expect(installConfig(env({ SLACK_API_URL: 'https://slack-gov.com/api' })).oauth?.slackAuthorizeUrl).toBe(
      'https://slack-gov.com/oauth/v2/authorize',
    );
  });

  it('names a missing client secret when the client id is given', () => {
    expect(() => installConfig(env({ SLACK_CLIENT_SECRET_CIPHERTEXT: undefined }))).toThrow(
      /SLACK_CLIENT_SECRET_CIPHERTEXT/,
    );
  });

  it('serves Slack’s events without the app’s client id: no Add to Slack, no secret or public URL needed', () => {
    const config = installConfig(
      env({
        SLACK_CLIENT_ID: undefined,
        SLACK_CLIENT_SECRET_CIPHERTEXT: undefined,
        SNAP_PUBLIC_URL: undefined,
      }),
    );

    expect(config.oauth).toBeUndefined();
    expect(config.controlsFunctionName).toBe('snap-controls');
  });

  it('names CONTROLS_FUNCTION_NAME when it is missing: App Home goes there', () => {
    expect(() => installConfig(env({ CONTROLS_FUNCTION_NAME: undefined }))).toThrow(/CONTROLS_FUNCTION_NAME/);
  });
});
