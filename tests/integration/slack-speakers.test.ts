/**
 * The Slack port with real `@slack/web-api` clients against the stand-in, which enforces who may
 * post where as Slack does: each call speaks with its speaker's token (looked up through a
 * TokenSource), one pair of clients per token, and a token Slack calls dead is forgotten.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { type SlackStandIn, startSlack } from '../../local/slack-stand-in';
import { SlackSpeakers } from '../../shared/adapters/slack';
import type { Retired, Speaker, TokenSource, Workspace } from '../../shared/app/ports';
import { NoTokenError, SlackCallError, TokenUnavailableError } from '../../shared/errors';
import { captureLogs } from '../support/fakes';

const ANA = 'U0ANA';
const BEN = 'U0BEN';
const CAL = 'U0CAL';
let slack: SlackStandIn;
const tokens = { bot: '', ana: '', ben: '' };

/** A token source over what the stand-in issued; it counts lookups and remembers what it was told to forget. */
class Tokens implements TokenSource {
  lookups = 0;
  failing = false;
  readonly forgotten: Array<Workspace & { user?: string }> = [];
  readonly users = new Map<string, string>();
  bot: string | undefined;

  async botToken(): Promise<string | undefined> {
    this.lookups++;
    if (this.failing) throw new Error('store down');
    return this.bot;
  }

  async userToken(where: Workspace & { user: string }): Promise<string | undefined> {
    this.lookups++;
    if (this.failing) throw new Error('store down');
    return this.users.get(where.user);
  }

  forget(where: Workspace & { user?: string }): void {
    this.forgotten.push(where);
  }

  /** Dead tokens handed over to be retired, and for whom: the store's side of `SlackPort.retire`. */
  readonly retired: Array<{ where: Workspace & { user?: string }; token: string }> = [];

  async retire(where: Workspace & { user?: string }, token: string): Promise<Retired> {
    this.retired.push({ where, token });
    return 'deleted';
  }
}

const bot: Speaker = { as: 'bot', team: 'T0ACME' };
const as = (user: string): Speaker => ({ as: 'user', team: 'T0ACME', user });
const message = { text: 'the door code is 4711', blocks: [] };

beforeAll(async () => {
  slack = await startSlack({
    conversations: {
      'T0ACME-D1': { kind: 'im', members: [ANA, BEN] },
      'T0ACME-G1': { kind: 'mpim', members: [ANA, BEN, CAL] },
      'T0ACME-P1': { kind: 'private', members: [ANA] },
      'T0ACME-P2': { kind: 'private', members: [ANA], bot: true },
      'T0ACME-C1': { kind: 'channel', members: [ANA] },
    },
  });
  const grant = (user: string, bot: boolean) =>
    slack.authorize({
      team: 'T0ACME',
      user,
      ...(bot ? { scope: ['chat:write'] } : { userScope: ['chat:write'] }),
    });
  const trade = async (code: string) =>
    (await (
      await fetch(`${slack.apiUrl}oauth.v2.access`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ client_id: '1111.2222', client_secret: 'stand-in-client-secret', code }),
      })
    ).json()) as { access_token?: string; authed_user: { access_token?: string } };
  tokens.bot = String((await trade(grant(ANA, true))).access_token);
  tokens.ana = String((await trade(grant(ANA, false))).authed_user.access_token);
  tokens.ben = String((await trade(grant(BEN, false))).authed_user.access_token);
});

afterAll(async () => {
  await slack.close();
});

function speakers() {
  const source = new Tokens();
  source.bot = tokens.bot;
  source.users.set(ANA, tokens.ana).set(BEN, tokens.ben);
  const port = new SlackSpeakers({
    tokens: source,
    apiUrl: slack.apiUrl,
    log: captureLogs().log,
    responseUrlPrefix: slack.responseUrlPrefix,
  });
  return { source, port };
}

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => 'ok',
    (error: unknown) => (error instanceof SlackCallError ? error.code : (error as Error).name),
  );

beforeEach(() => {
  slack.calls.length = 0;
});

describe('the Slack stand-in, on who may post where', () => {
  it('refuses the bot a DM between two people, a group DM and a private channel it is not in', async () => {
    const { port } = speakers();

    const answers = await Promise.all(
      ['T0ACME-D1', 'T0ACME-G1', 'T0ACME-P1'].map((channel) =>
        failure(port.post(bot, { channel, ...message })),
      ),
    );

    expect(answers).toEqual(['channel_not_found', 'channel_not_found', 'channel_not_found']);
    expect(slack.live()).toHaveLength(0);
  });

  it('lets the bot post in a public channel and a private one it was invited to, as the bot', async () => {
    const { port } = speakers();

    const ts = await port.post(bot, { channel: 'T0ACME-P2', ...message });

    expect(slack.messages.get(`T0ACME-P2/${ts}`)).toMatchObject({ botId: expect.any(String) });
    expect(slack.messages.get(`T0ACME-P2/${ts}`)?.user).toBeUndefined();
    expect(await failure(port.post(bot, { channel: 'T0ACME-C1', ...message }))).toBe('ok');
  });

  it('lets a user post where they are a member, as themselves: their message, no bot, no name or icon of the bot', async () => {
    const { port } = speakers();

    const ts = await port.post(as(ANA), {
      channel: 'T0ACME-D1',
      ...message,
      identity: { username: 'snap pretending', iconUrl: 'https://x.example/i.png' },
    });

    const posted = slack.messages.get(`T0ACME-D1/${ts}`);
    expect(posted).toMatchObject({ user: ANA });
    expect(posted?.botId).toBeUndefined();
    expect(posted?.username).toBeUndefined();
    expect(slack.calls.find((c) => c.method === 'chat.postMessage')?.params).not.toHaveProperty('username');
  });

  it('refuses a user where they are not a member', async () => {
    const { port } = speakers();

    expect(await failure(port.post(as(BEN), { channel: 'T0ACME-P1', ...message }))).toBe('channel_not_found');
    expect(await failure(port.post(as(BEN), { channel: 'T0ACME-C1', ...message }))).toBe('not_in_channel');
  });

  it('lets only a message’s author delete it: the user theirs, the bot its own', async () => {
    // Prepare
    const { port } = speakers();
    const anas = await port.post(as(ANA), { channel: 'T0ACME-G1', ...message });
    const bots = await port.post(bot, { channel: 'T0ACME-C1', ...message });

    // Act
    const answers = [
      await failure(port.delete(as(BEN), 'T0ACME-G1', anas)),
      await failure(port.delete(bot, 'T0ACME-G1', anas)),
      await failure(port.delete(as(ANA), 'T0ACME-C1', bots)),
      await failure(port.delete(as(ANA), 'T0ACME-G1', anas)),
      await failure(port.delete(bot, 'T0ACME-C1', bots)),
    ];

    // Assess
    expect(answers).toEqual(['cant_delete_message', 'channel_not_found', 'cant_delete_message', 'ok', 'ok']);
  });

  it('keeps a conversation declared with its workspace to that workspace: another workspace’s token cannot see it', async () => {
    // Prepare: a channel of another workspace, known by its id alone (no workspace in its name).
    slack.conversations.set('C0OTHERGEN', { kind: 'channel', members: [ANA], team: 'T0OTHER' });
    slack.conversations.set('C0ACMEGEN', { kind: 'channel', members: [ANA], team: 'T0ACME' });
    const { port } = speakers();

    // Act
    const answers = [
      await failure(port.post(bot, { channel: 'C0OTHERGEN', ...message })),
      await failure(port.post(as(ANA), { channel: 'C0OTHERGEN', ...message })),
      await failure(port.post(bot, { channel: 'C0ACMEGEN', ...message })),
    ];

    // Assess
    expect(answers).toEqual(['channel_not_found', 'channel_not_found', 'ok']);
  });

  it('says on each message whose token posted it and whose deleted it, never the token', async () => {
    // Prepare
    const { port } = speakers();
    const anas = await port.post(as(ANA), { channel: 'T0ACME-D1', ...message });
    const bots = await port.post(bot, { channel: 'T0ACME-C1', ...message });

    // Act
    await port.delete(as(ANA), 'T0ACME-D1', anas);
    await port.delete(bot, 'T0ACME-C1', bots);

    // Assess
    const mine = slack.messages.get(`T0ACME-D1/${anas}`);
    const its = slack.messages.get(`T0ACME-C1/${bots}`);
    expect([mine?.by, mine?.deletedBy]).toEqual([`user:T0ACME:${ANA}`, `user:T0ACME:${ANA}`]);
    expect([its?.by, its?.deletedBy]).toEqual(['bot:T0ACME', 'bot:T0ACME']);
    expect(JSON.stringify([mine, its])).not.toContain(tokens.bot);
    expect(JSON.stringify([mine, its])).not.toContain(tokens.ana);
  });

  it('records who made each call, never the token', async () => {
    const { port } = speakers();

    await port.post(as(ANA), { channel: 'T0ACME-D1', ...message });
    await port.post(bot, { channel: 'T0ACME-C1', ...message });

    expect(slack.calls.map((c) => c.by)).toEqual([`user:T0ACME:${ANA}`, 'bot:T0ACME']);
    expect(JSON.stringify(slack.calls)).not.toContain(tokens.ana);
  });
});

describe('the Slack port, speaking as someone', () => {
  it('uses one pair of clients per token: the second call neither makes new clients nor asks for more than the token', async () => {
    const { port, source } = speakers();

    await port.post(bot, { channel: 'T0ACME-C1', ...message });
    const gateways = (port as unknown as { gateways: Map<string, unknown> }).gateways;
    const first = gateways.get(tokens.bot);
    await port.post(bot, { channel: 'T0ACME-C1', ...message });
    await port.post(as(ANA), { channel: 'T0ACME-D1', ...message });

    expect(gateways.get(tokens.bot)).toBe(first);
    expect(gateways.size).toBe(2);
    expect(source.lookups).toBe(3);
  });

  it('keeps a bounded number of clients, dropping the least recently used', async () => {
    const source = new Tokens();
    source.bot = tokens.bot;
    source.users.set(ANA, tokens.ana).set(BEN, tokens.ben);
    const port = new SlackSpeakers({
      tokens: source,
      apiUrl: slack.apiUrl,
      log: captureLogs().log,
      maxGateways: 2,
    });

    await port.post(bot, { channel: 'T0ACME-C1', ...message });
    await port.post(as(ANA), { channel: 'T0ACME-D1', ...message });
    await port.post(as(BEN), { channel: 'T0ACME-D1', ...message });

    const gateways = (port as unknown as { gateways: Map<string, unknown> }).gateways;
    expect([...gateways.keys()]).toEqual([tokens.ana, tokens.ben]);
  });

  it('raises NoTokenError, before any request, for a speaker snap holds no token for', async () => {
    const { port, source } = speakers();
    source.bot = undefined;

    const answers = [
      await port.post(bot, { channel: 'T0ACME-C1', ...message }).catch((e: unknown) => e),
      await port.delete(as(CAL), 'T0ACME-G1', '1.2').catch((e: unknown) => e),
    ];

    expect(answers[0]).toBeInstanceOf(NoTokenError);
    expect(answers[0]).toMatchObject({ speaker: 'bot' });
    expect(answers[1]).toMatchObject({ speaker: 'user' });
    expect(slack.calls).toHaveLength(0);
  });

  it('raises TokenUnavailableError when the lookup itself fails', async () => {
    const { port, source } = speakers();
    source.failing = true;

    const error = await port.post(bot, { channel: 'T0ACME-C1', ...message }).catch((e: unknown) => e);

    expect(error).toBeInstanceOf(TokenUnavailableError);
    expect(slack.calls).toHaveLength(0);
  });

  it('forgets a token Slack calls dead, and drops its clients', async () => {
    // Prepare
    const { port, source } = speakers();
    const dead = slack.authorize({ team: 'T0ACME', user: CAL, userScope: ['chat:write'] });
    const answer = (await (
      await fetch(`${slack.apiUrl}oauth.v2.access`, {
        method: 'POST',
        body: new URLSearchParams({
          client_id: '1111.2222',
          client_secret: 'stand-in-client-secret',
          code: dead,
        }),
      })
    ).json()) as { authed_user: { access_token: string } };
    source.users.set(CAL, answer.authed_user.access_token);
    await port.post(as(CAL), { channel: 'T0ACME-G1', ...message });
    slack.revokeUser(CAL);

    // Act
    const code = await failure(port.post(as(CAL), { channel: 'T0ACME-G1', ...message }));

    // Assess
    expect(code).toBe('token_revoked');
    expect(source.forgotten).toEqual([{ team: 'T0ACME', user: CAL }]);
    const gateways = (port as unknown as { gateways: Map<string, unknown> }).gateways;
    expect(gateways.has(answer.authed_user.access_token)).toBe(false);
  });

  it('revokes a user’s token with auth.revoke, after which Slack refuses it', async () => {
    const { port } = speakers();
    const code = slack.authorize({ team: 'T0ACME', user: ANA, userScope: ['chat:write'] });
    const fresh = (await (
      await fetch(`${slack.apiUrl}oauth.v2.access`, {
        method: 'POST',
        body: new URLSearchParams({ client_id: '1111.2222', client_secret: 'stand-in-client-secret', code }),
      })
    ).json()) as { authed_user: { access_token: string } };
    const source = new Tokens();
    source.users.set(ANA, fresh.authed_user.access_token);
    const mine = new SlackSpeakers({ tokens: source, apiUrl: slack.apiUrl, log: captureLogs().log });

    await mine.revoke(fresh.authed_user.access_token);

    expect(slack.issued.get(fresh.authed_user.access_token)?.revoked).toBe(true);
    expect(await failure(mine.post(as(ANA), { channel: 'T0ACME-D1', ...message }))).toBe('token_revoked');
    expect(await failure(port.post(as(ANA), { channel: 'T0ACME-D1', ...message }))).toBe('ok');
  });
});

describe('the surfaces beyond the slash command, through the real web-api client', () => {
  const modal = {
    type: 'modal' as const,
    callback_id: 'snap_new',
    title: { type: 'plain_text' as const, text: 'New snap' },
    blocks: [],
  };

  it('opens a modal with a fresh trigger once; a used or expired trigger is refused as Slack refuses it', async () => {
    const { port } = speakers();
    const fresh = slack.trigger({ team: 'T0ACME', user: ANA });
    const old = slack.trigger({ team: 'T0ACME', user: ANA });
    await new Promise((r) => setTimeout(r, 3_100));
    const late = slack.trigger({ team: 'T0ACME', user: ANA });

    const first = await failure(port.openView(bot, late, modal));
    const again = await failure(port.openView(bot, late, modal));
    const expired = await failure(port.openView(bot, old, modal));
    const unknown = await failure(port.openView(bot, 'not.a.trigger', modal));
    await failure(port.openView(bot, fresh, modal));

    expect([first, again, expired, unknown]).toEqual([
      'ok',
      'exchanged_trigger_id',
      'expired_trigger_id',
      'invalid_trigger_id',
    ]);
    expect(slack.calls.filter((c) => c.method === 'views.open')).toHaveLength(5);
  });

  it('posts in a thread, and shows an ephemeral note to one person, from the bot where it can reach and from the person where only they can', async () => {
    const { port } = speakers();
    const parent = slack.userMessage({ channel: 'T0ACME-C1', user: ANA, text: 'parent' });

    const ts = await port.post(bot, {
      channel: 'T0ACME-C1',
      text: 'a reply',
      blocks: [],
      threadTs: parent.ts,
    });
    const botNote = await failure(port.postEphemeral(bot, { channel: 'T0ACME-C1', user: ANA, text: 'note' }));
    const botInDm = await failure(port.postEphemeral(bot, { channel: 'T0ACME-D1', user: ANA, text: 'note' }));
    const anaInDm = await failure(
      port.postEphemeral(as(ANA), { channel: 'T0ACME-D1', user: ANA, text: 'note' }),
    );

    expect(slack.messages.get(`T0ACME-C1/${ts}`)?.threadTs).toBe(parent.ts);
    expect([botNote, botInDm, anaInDm]).toEqual(['ok', 'channel_not_found', 'ok']);
  });

  it('deletes a file only with its owner’s token and files:write: gone is gone, anyone else is refused', async () => {
    // Prepare: cal allows snap with files; ana allowed it with chat:write only.
    const code = slack.authorize({ team: 'T0ACME', user: CAL, userScope: ['chat:write', 'files:write'] });
    const cal = (
      (await (
        await fetch(`${slack.apiUrl}oauth.v2.access`, {
          method: 'POST',
          headers: { 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({
            client_id: '1111.2222',
            client_secret: 'stand-in-client-secret',
            code,
          }),
        })
      ).json()) as { authed_user: { access_token: string } }
    ).authed_user.access_token;
    const { port, source } = speakers();
    source.users.set(CAL, cal);
    const calsFile =
      slack.userMessage({ channel: 'T0ACME-G1', user: CAL, text: 'x', files: ['a.png'] }).files?.[0]?.id ??
      '';
    const anasFile =
      slack.userMessage({ channel: 'T0ACME-C1', user: ANA, text: 'y', files: ['b.png'] }).files?.[0]?.id ??
      '';

    // Act
    const results = [
      await failure(port.deleteFile(bot, calsFile)),
      await failure(port.deleteFile(as(ANA), calsFile)),
      await failure(port.deleteFile(as(ANA), anasFile)),
      await failure(port.deleteFile(as(CAL), calsFile)),
      await failure(port.deleteFile(as(CAL), calsFile)),
    ];

    // Assess
    expect(results).toEqual(['cant_delete_file', 'cant_delete_file', 'missing_scope', 'ok', 'file_deleted']);
    expect(slack.files.get(calsFile)?.deletedBy).toBe(`user:T0ACME:${CAL}`);
  });
});

describe('who counts as an admin, asked of Slack (users.info)', () => {
  let grid: SlackStandIn;
  let gridBot = '';
  const OUTSIDER = 'U0EXT';
  const OTHER_ORG = 'U0ORGX';

  beforeAll(async () => {
    // T0GRID is a workspace of the org E0ORG; the outsider belongs to another organisation's
    // workspace, the other org's person to another org (Slack gives a Grid person the org's id).
    grid = await startSlack({
      enterprises: { E0ORG: ['T0GRID'] },
      homes: { [OUTSIDER]: 'T0OTHER', [OTHER_ORG]: 'E0OTHER' },
      admins: [ANA, OUTSIDER, OTHER_ORG],
      orgAdmins: [ANA, OUTSIDER, OTHER_ORG],
    });
    const code = grid.authorize({ team: 'T0GRID', user: ANA, scope: ['chat:write', 'users:read'] });
    const out = (await (
      await fetch(`${grid.apiUrl}oauth.v2.access`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ client_id: '1111.2222', client_secret: 'stand-in-client-secret', code }),
      })
    ).json()) as { access_token?: string };
    gridBot = String(out.access_token);
  });

  afterAll(async () => {
    await grid.close();
  });

  function port() {
    const source = new Tokens();
    source.bot = gridBot;
    return new SlackSpeakers({
      tokens: source,
      apiUrl: grid.apiUrl,
      log: captureLogs().log,
      responseUrlPrefix: grid.responseUrlPrefix,
    });
  }

  it('counts Slack’s admin flags only for someone of the workspace or its org, never for an admin of another organisation', async () => {
    // Prepare
    const p = port();
    const here = { as: 'bot' as const, team: 'T0GRID', enterprise: 'E0ORG' };

    // Act
    const [own, outsider, otherOrg, noOrg] = await Promise.all([
      p.role(here, ANA),
      p.role(here, OUTSIDER),
      p.role(here, OTHER_ORG),
      p.role({ as: 'bot', team: 'T0GRID' }, ANA),
    ]);

    // Assess
    expect(own).toEqual({ admin: true, orgAdmin: true });
    expect(outsider).toEqual({ admin: false, orgAdmin: false });
    expect(otherOrg).toEqual({ admin: false, orgAdmin: false });
    // Asked for the workspace alone, an org admin's org role does not count.
    expect(noOrg).toEqual({ admin: true, orgAdmin: false });
  });
});
