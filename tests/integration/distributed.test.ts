/**
 * poster, sweeper and reaper in distributed mode (no bot token variable): each workspace's (or
 * org's) token comes from the installation store that the real install function filled through
 * OAuth with the Slack stand-in. DynamoDB is dynalite behind the counting proxy, KMS a mock that
 * opens a token only under its exact encryption context, Slack the stand-in with the real
 * `@slack/web-api`, and every AWS call each handler makes is held against its role in infra/.
 */
import { randomBytes } from 'node:crypto';
import type { DecryptCommand } from '@aws-sdk/client-kms';
import { marshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Context, DynamoDBStreamEvent } from 'aws-lambda';
import { lambdaContext } from '../../local/lambda-stand-in';
import type { AuthorEvent, PosterEvent } from '../../shared/app/accept-command';
import { authorAad, postAad, sealJson } from '../../shared/domain/seal';
import { type AuthorRequest, isAuthorRequest, type PostRequest } from '../../shared/domain/snap';
import { allowedActions } from '../support/infra';
import {
  authorizeThrough,
  eventCallback,
  type InstallHarness,
  PUBLIC_URL,
  signedEvent,
  startInstallHarness,
} from '../support/install-harness';
import { captureStdout } from '../support/logs';

const DATA_KEY = randomBytes(32);
const WRAPPED = Buffer.from('wrapped-data-key').toString('base64');
const ANA = 'U0ANA';
const BEN = 'U0BEN';
const logs = captureStdout();
let h: InstallHarness;
type Handler<E, R> = (event: E, context: Context) => Promise<R>;
let poster: Handler<unknown, { outcome: string }>;
let sweeper: Handler<unknown, Record<string, unknown>>;
let reaper: (event: DynamoDBStreamEvent) => Promise<{ batchItemFailures: unknown[] }>;

/** The AWS actions each handler sent, as IAM names. */
const sentBy = new Map<string, Set<string>>();

/** Runs one handler call, noting the DynamoDB operations and KMS actions it sent. */
async function as<T>(fn: string, work: () => Promise<T>): Promise<T> {
  const before = new Map(h.proxy.counts);
  const kmsBefore = h.kms.calls().length;
  try {
    return await work();
  } finally {
    const seen = sentBy.get(fn) ?? new Set<string>();
    for (const [op, n] of h.proxy.counts) if (n > (before.get(op) ?? 0)) seen.add(`dynamodb:${op}`);
    for (const call of h.kms.calls().slice(kmsBefore))
      seen.add(`kms:${(call.args[0] as object).constructor.name.replace(/Command$/, '')}`);
    sentBy.set(fn, seen);
  }
}

let n = 0;
function snap(text: string, where: Partial<PostRequest> = {}, delaySeconds = 3600): PosterEvent {
  const team = where.team ?? 'T0ACME';
  const request: PostRequest = {
    v: 1,
    id: `${team}:trig-${++n}`,
    team,
    channel: `${team}-C1`,
    user: ANA,
    delaySeconds,
    receivedAt: Date.now(),
    ...where,
  };
  const content = { text, responseUrl: h.slack.responseUrl(request.id) };
  return { ...request, sealed: sealJson(DATA_KEY, WRAPPED, content, postAad(request)) };
}

function authorEvent(action: AuthorRequest['action'], user = ANA, team = 'T0ACME'): AuthorEvent {
  const id = `${team}:author-${++n}`;
  const request: AuthorRequest = { v: 1, action, team, channel: `${team}-C1`, user, receivedAt: Date.now() };
  return {
    ...request,
    id,
    sealed: sealJson(DATA_KEY, WRAPPED, { responseUrl: h.slack.responseUrl(id) }, authorAad(id, request)),
  };
}

/** The poster bundle; an author's request reaches it deployed as the controls function (infra/controls.tf). */
const post = (event: unknown) =>
  as(isAuthorRequest(event) ? 'controls' : 'poster', () =>
    poster(event, lambdaContext('snap-poster', 120_000)),
  );
const replyTo = (id: string) =>
  h.slack.replies.find((r) => r.id === encodeURIComponent(id))?.body as { text: string } | undefined;
const item = async (pk: string) => (await h.items()).find((i) => i.pk === pk);
const byWhom = (method: string) => h.slack.calls.filter((c) => c.method === method).map((c) => c.by);

/** Moves a posted record's due time into the past, as if its time had come. */
async function due(id: string): Promise<Record<string, unknown>> {
  const record = (await item(`snap#${id}`)) as Record<string, unknown>;
  const overdue = { ...record, dueAt: Date.now() - 1_000 };
  await h.put(overdue);
  return overdue;
}

beforeAll(async () => {
  h = await startInstallHarness(
    {},
    {
      dataKey: DATA_KEY,
      slack: {
        conversations: {
          'T0ACME-D1': { kind: 'im', members: [ANA, BEN] },
          'T0ACME-D2': { kind: 'im', members: [BEN, 'U0CAL'] },
        },
      },
    },
  );
  // Installs through the real install function: a workspace, an Enterprise Grid org, and Ana's
  // own permission for snap to post as her.
  await authorizeThrough(h, '', { team: 'T0ACME', user: ANA });
  await authorizeThrough(h, '', { team: 'T0SUB1', enterprise: 'E0ORG', orgWide: true, user: 'U0BOSS' });
  await authorizeThrough(h, '', { team: 'T0BETA', user: 'U0BETA' });
  await authorizeThrough(h, 'as=user', { team: 'T0ACME', user: ANA });
  // Distributed mode: no bot token variable at all.
  delete process.env.SLACK_BOT_TOKEN_CIPHERTEXT;
  delete process.env.SLACK_BOT_TOKEN;
  Object.assign(process.env, {
    SNAP_SWEEP_PERIOD_SECONDS: '10',
    SLACK_RESPONSE_URL_PREFIX: h.slack.responseUrlPrefix,
    SNAP_REVEAL_TABLE_NAME: 'snap-reveal-test',
  });
  ({ handler: poster } = (await import('../../functions/poster/handler')) as unknown as {
    handler: typeof poster;
  });
  ({ handler: sweeper } = (await import('../../functions/sweeper/handler')) as unknown as {
    handler: typeof sweeper;
  });
  ({ handler: reaper } = (await import('../../functions/reaper/handler')) as unknown as {
    handler: typeof reaper;
  });
  h.slack.calls.length = 0;
}, 30_000);

afterAll(async () => {
  logs.restore();
  await h.close();
});

describe('the poster, distributed', () => {
  it('posts a snap in a workspace with that workspace’s bot token, read by key and opened under its own context', async () => {
    // Prepare: Ben has not let snap post as him.
    const kmsBefore = h.kms.calls().length;

    // Act
    const { outcome } = await post(snap('acme secret', { user: BEN }));

    // Assess
    expect(outcome).toBe('posted');
    expect(byWhom('chat.postMessage')).toEqual(['bot:T0ACME']);
    const decrypts = h.kms
      .calls()
      .slice(kmsBefore)
      .map((c) => (c.args[0] as DecryptCommand).input)
      .filter((input) => input.EncryptionContext?.purpose === 'slack-token');
    // Ben has no token of his own (nothing to open); the workspace's bot token, under its context.
    expect(decrypts.map((d) => d.EncryptionContext)).toEqual([
      { app: 'snap', purpose: 'slack-token', team: 'T0ACME', kind: 'bot' },
    ]);
    expect(decrypts.map((d) => d.KeyId)).toEqual([undefined]);
  });

  it('reaches that workspace’s token again from memory: no GetItem, no KMS on the hot path', async () => {
    // Prepare: warm (the test before looked up Ben and the bot).
    const getsBefore = h.proxy.counts.get('GetItem') ?? 0;
    const kmsBefore = h.kms.calls().length;

    // Act
    await post(snap('acme again', { user: BEN }));

    // Assess
    const tokenDecrypts = h.kms
      .calls()
      .slice(kmsBefore)
      .filter((c) => (c.args[0] as DecryptCommand).input.EncryptionContext?.purpose === 'slack-token');
    expect(tokenDecrypts).toHaveLength(0);
    expect((h.proxy.counts.get('GetItem') ?? 0) - getsBefore).toBe(0);
  });

  it('never uses a workspace’s token in another workspace’s channel', async () => {
    await post(snap('beta secret', { team: 'T0BETA', user: 'U0BETA' }));

    const calls = h.slack.calls.filter((c) => c.method === 'chat.postMessage');
    for (const call of calls) {
      const team = String(call.params.channel).split('-')[0];
      expect([call.params.channel, call.by]).toEqual([
        call.params.channel,
        expect.stringMatching(new RegExp(`^(bot|user):${team}`)),
      ]);
      expect(call.result).toBe('ok');
    }
    expect(byWhom('chat.postMessage')).toContain('bot:T0BETA');
  });

  it('finds an Enterprise Grid org’s installation from a workspace of the org', async () => {
    const { outcome } = await post(
      snap('org secret', { team: 'T0SUB1', enterprise: 'E0ORG', user: 'U0SUB' }),
    );

    expect(outcome).toBe('posted');
    expect(byWhom('chat.postMessage').at(-1)).toBe('bot:E0ORG');
    expect(await item('inst#T0SUB1')).toBeUndefined();
  });

  it('posts as Ana, who let snap post as her: her own message, recorded as hers', async () => {
    // Act
    const event = snap('ana secret');
    await post(event);

    // Assess
    expect(byWhom('chat.postMessage').at(-1)).toBe(`user:T0ACME:${ANA}`);
    const message = h.slack.live('T0ACME-C1').at(-1);
    expect(message).toMatchObject({ user: ANA });
    expect(message?.username).toBeUndefined();
    expect(await item(`snap#${event.id}`)).toMatchObject({ postedAs: 'user', state: 'posted' });
  });

  it('refuses a workspace without snap politely, with the install link, posting and recording nothing', async () => {
    // Act
    const event = snap('nobody home', { team: 'T0NONE', user: 'U0NOBODY' });
    const { outcome } = await post(event);

    // Assess
    expect(outcome).toBe('not_installed');
    expect(h.slack.live('T0NONE-C1')).toHaveLength(0);
    expect(replyTo(event.id)?.text).toContain(`<${PUBLIC_URL}/slack/install|`);
    expect(await item(`snap#${event.id}`)).toEqual(
      expect.objectContaining({ state: 'done', pk: `snap#${event.id}` }),
    );
    expect(Object.keys((await item(`snap#${event.id}`)) ?? {}).sort()).toEqual(['expiresAt', 'pk', 'state']);
  });

  it('refuses a DM between two people when the author has not let snap post as them, with the ?as=user link', async () => {
    const event = snap('dm secret', { channel: 'T0ACME-D2', user: BEN });

    const { outcome } = await post(event);

    expect(outcome).toBe('refused');
    expect(h.slack.live('T0ACME-D2')).toHaveLength(0);
    expect(replyTo(event.id)?.text).toContain(`<${PUBLIC_URL}/slack/install?as=user|`);
  });

  it('posts in a DM as Ana', async () => {
    const { outcome } = await post(snap('dm as ana', { channel: 'T0ACME-D1' }));

    expect(outcome).toBe('posted');
    expect(h.slack.live('T0ACME-D1')).toEqual([expect.objectContaining({ user: ANA })]);
  });
});

describe('the deleters, distributed', () => {
  it('sweeps each snap with the token that posted it: Ana’s with hers, the org’s with the org’s', async () => {
    // Prepare: a snap of Ana's (as her) and one in the org, both due now.
    const mine = snap('sweep mine', { channel: 'T0ACME-D1' });
    const org = snap('sweep org', { team: 'T0SUB2', enterprise: 'E0ORG', user: 'U0SUB' });
    await post(mine);
    await post(org);
    await due(mine.id);
    await due(org.id);
    h.slack.calls.length = 0;

    // Act
    const report = await as('sweeper', () =>
      sweeper({ time: new Date().toISOString() }, lambdaContext('snap-sweeper', 60_000)),
    );

    // Assess: no sweeper function named here, so the schedule's run served the group itself.
    expect(report).toMatchObject({ served: [expect.objectContaining({ deleted: 2 })] });
    expect(byWhom('chat.delete').sort()).toEqual(['bot:E0ORG', `user:T0ACME:${ANA}`]);
    expect((await item(`snap#${mine.id}`))?.state).toBe('done');
  });

  it('has the reaper delete a snap posted as Ana with her token', async () => {
    // Prepare
    const event = snap('reap mine');
    await post(event);
    const record = await due(event.id);
    h.slack.calls.length = 0;

    // Act
    const result = await as('reaper', () =>
      reaper({
        Records: [
          {
            eventName: 'REMOVE',
            userIdentity: { type: 'Service', principalId: 'dynamodb.amazonaws.com' },
            dynamodb: { SequenceNumber: '1', OldImage: marshall(record) as never },
          },
        ],
      }),
    );

    // Assess
    expect(result.batchItemFailures).toEqual([]);
    expect(byWhom('chat.delete')).toEqual([`user:T0ACME:${ANA}`]);
    await h.remove(`snap#${event.id}`); // as TTL had
  });

  it('drops a record whose token is gone (uninstalled), never retrying it, leaving the message to Slack', async () => {
    // Prepare: a Beta snap, then Beta uninstalls snap.
    const event = snap('beta pending', { team: 'T0BETA', user: 'U0BETA' });
    await post(event);
    await due(event.id);
    await h.call(signedEvent(eventCallback({ type: 'app_uninstalled' }, { team: 'T0BETA' })));
    h.slack.uninstall('T0BETA');
    h.slack.calls.length = 0;

    // Act
    const report = await as('sweeper', () =>
      sweeper({ time: new Date().toISOString() }, lambdaContext('snap-sweeper', 60_000)),
    );

    // Assess
    expect(report).toMatchObject({
      served: [expect.objectContaining({ token_gone: 1, given_up: 0, kept: 0 })],
    });
    expect(byWhom('chat.delete')).toEqual([]);
    expect((await item(`snap#${event.id}`))?.state).toBe('done');
    expect(h.slack.live('T0BETA-C1').length).toBeGreaterThan(0);
    expect(logs.lines().some((l) => l.includes('"event":"snap.token_gone"'))).toBe(true);
  });
});

describe('a token Slack calls dead without telling snap', () => {
  it('is let go at once by the sweeper that meets it: the record dropped as token_gone, the token item deleted, the author told by the bot, nothing retried', async () => {
    // Prepare: Ben lets snap post as him and snaps; then his token is revoked in Slack, and the
    // tokens_revoked event never reaches snap (lost, or 429'd by a flooded route).
    await authorizeThrough(h, 'as=user', { team: 'T0ACME', user: BEN });
    // In a DM with Cal, which only Ben's own token can post in.
    const event = snap('ben before revocation', { user: BEN, channel: 'T0ACME-D2' });
    await post(event);
    const record = await due(event.id);
    h.slack.revokeUser(BEN);
    h.slack.calls.length = 0;
    const sweep = () =>
      as('sweeper', () => sweeper({ time: new Date().toISOString() }, lambdaContext('snap-sweeper', 60_000)));

    // Act: no sweeper function named here, so each scheduled run serves the group itself.
    const first = await sweep();
    const second = await sweep();

    // Assess: a worker the first time; nothing left due the second, so no worker at all.
    expect(record.postedAs).toBe('user');
    expect(first).toMatchObject({ served: [expect.objectContaining({ found: 1, token_gone: 1, kept: 0 })] });
    expect(second).toMatchObject({ dispatch: { busy: 0 }, served: [] });
    expect(await item(`inst#T0ACME#${BEN}`)).toBeUndefined();
    expect((await item(`snap#${event.id}`))?.state).toBe('done');
    const told = h.slack.calls.filter((c) => c.method === 'chat.postMessage');
    expect(told.map((c) => [c.by, c.params.channel, c.result])).toEqual([['bot:T0ACME', BEN, 'ok']]);
    expect(String(told[0]?.params.text)).toContain('<#T0ACME-D2>');
    expect(h.slack.live('T0ACME-D2')).toHaveLength(1); // it stays in Slack
  });

  it('lets go of a workspace’s bot token the same way, and with it the installation item, which lists no user', async () => {
    // Prepare: snap removed from Gamma in Slack; app_uninstalled never arrives.
    await authorizeThrough(h, '', { team: 'T0GAMMA', user: 'U0GAMMA' });
    const event = snap('gamma before removal', { team: 'T0GAMMA', user: 'U0GAMMA' });
    await post(event);
    await due(event.id);
    h.slack.uninstall('T0GAMMA');

    // Act
    const report = await as('sweeper', () =>
      sweeper({ time: new Date().toISOString() }, lambdaContext('snap-sweeper', 60_000)),
    );

    // Assess
    expect(report).toMatchObject({ served: [expect.objectContaining({ token_gone: 1, kept: 0 })] });
    expect(await item('inst#T0GAMMA')).toBeUndefined();
    expect(
      logs.lines().some((l) => l.includes('"event":"snap.token_gone"') && l.includes('"retired":"deleted"')),
    ).toBe(true);
  });

  it('keeps a token stored since the dead one was read (the user allowed snap again)', async () => {
    // Prepare: Cal's old token is warm in the poster; Cal allows snap again; the old one is revoked.
    const CAL = 'U0CAL';
    await authorizeThrough(h, 'as=user', { team: 'T0ACME', user: CAL });
    await post(snap('cal warms the cache', { user: CAL, channel: 'T0ACME-C8' }));
    const old = [...h.slack.issued.values()].find((t) => t.user === CAL && !t.revoked);
    await authorizeThrough(h, 'as=user', { team: 'T0ACME', user: CAL });
    if (old) old.revoked = true;
    const stored = await item(`inst#T0ACME#${CAL}`);

    // Act: the poster speaks with the old token, meets it dead, lets it go, posts as the bot.
    await post(snap('cal after allowing again', { user: CAL, channel: 'T0ACME-C8' }));

    // Assess
    expect(old).toBeDefined();
    expect(await item(`inst#T0ACME#${CAL}`)).toEqual(stored);
  });
});

describe('revoke, distributed', () => {
  it('takes down Ana’s snaps posted as her, revokes and deletes her token, and leaves the workspace’s bot installation alone', async () => {
    // Prepare
    const botBefore = await item('inst#T0ACME');
    const mine = (await h.items()).filter(
      (i) => i.postedAs === 'user' && i.state === 'posted' && i.user === ANA,
    ).length;
    h.slack.calls.length = 0;

    // Act
    const event = authorEvent({ kind: 'revoke' });
    const { outcome } = await post(event);

    // Assess
    expect(outcome).toBe('revoked');
    expect(mine).toBeGreaterThan(0);
    expect(byWhom('chat.delete')).toEqual(Array(mine).fill(`user:T0ACME:${ANA}`));
    expect(byWhom('auth.revoke')).toEqual([`user:T0ACME:${ANA}`]);
    expect(await item(`inst#T0ACME#${ANA}`)).toBeUndefined();
    // The installation item is install's alone: not a byte of it changed (install unlists Ana
    // when Slack's tokens_revoked for her token arrives).
    expect(await item('inst#T0ACME')).toEqual(botBefore);
    expect(replyTo(event.id)?.text).toContain(`took down ${mine} pending snap`);
  });

  it('revokes from workspace B of a Grid org the token its author granted in workspace A, found through the org’s index', async () => {
    // Prepare: snap added to two workspaces of org E0GRID one by one; Gil allows it in A only.
    const GIL = 'U0GIL';
    await authorizeThrough(h, '', { team: 'T0GA', enterprise: 'E0GRID', user: 'U0ADMIN' });
    await authorizeThrough(h, '', { team: 'T0GB', enterprise: 'E0GRID', user: 'U0ADMIN' });
    await authorizeThrough(h, 'as=user', { team: 'T0GA', enterprise: 'E0GRID', user: GIL });
    const indexed = await item(`grants#E0GRID#${GIL}`);
    h.slack.calls.length = 0;

    // Act: /snap revoke typed in workspace B.
    const request: AuthorRequest = {
      v: 1,
      action: { kind: 'revoke' },
      team: 'T0GB',
      enterprise: 'E0GRID',
      channel: 'T0GB-C1',
      user: GIL,
      receivedAt: Date.now(),
    };
    const id = `T0GB:revoke-${++n}`;
    const event: AuthorEvent = {
      ...request,
      id,
      sealed: sealJson(DATA_KEY, WRAPPED, { responseUrl: h.slack.responseUrl(id) }, authorAad(id, request)),
    };
    const { outcome } = await post(event);

    // Assess
    expect(indexed?.keys).toEqual(new Set(['T0GA']));
    expect(outcome).toBe('revoked');
    expect(byWhom('auth.revoke')).toEqual([`user:T0GA:${GIL}`]);
    expect(await item(`inst#T0GA#${GIL}`)).toBeUndefined();
    expect(await item(`grants#E0GRID#${GIL}`)).toBeUndefined();
    expect(replyTo(id)?.text).toContain('in another workspace of your organization');
  });

  it('posts Ana’s next snap as the bot, and tells her there is nothing left to revoke', async () => {
    await post(snap('after revoke'));
    const event = authorEvent({ kind: 'revoke' });
    const { outcome } = await post(event);

    expect(byWhom('chat.postMessage').at(-1)).toBe('bot:T0ACME');
    expect(outcome).toBe('none');
    expect(replyTo(event.id)?.text).toContain('nothing to revoke');
  });
});

describe('poster, controls, sweeper and reaper, distributed', () => {
  it.each(['poster', 'controls', 'sweeper', 'reaper'])(
    'send only AWS commands that the %s role in infra/ allows',
    async (fn) => {
      const allowed = await allowedActions(fn);
      const sent = sentBy.get(fn) ?? new Set();

      expect(sent).toContain('dynamodb:GetItem');
      expect(sent).toContain('kms:Decrypt');
      for (const action of sent) expect(allowed).toContain(action);
    },
  );

  it('never scan the table', () => {
    expect(h.proxy.counts.get('Scan')).toBeUndefined();
  });

  it('log no token', () => {
    const text = logs.lines().join('\n');
    const tokens = [...h.slack.issued.keys()];

    expect(tokens.length).toBeGreaterThan(3);
    for (const token of tokens) expect(text).not.toContain(token);
  });
});
