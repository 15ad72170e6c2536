/**
 * Whose token speaks, decided in the use cases: the poster posts as the author once they let
 * snap post as them, else as the bot; where snap holds no token (distributed mode, a workspace
 * without snap) or the bot cannot reach (a DM between two people) the author gets a link and
 * nothing is posted or recorded; every deleter deletes with the token that posted, and drops a
 * record whose token is gone.
 */
import { describe, expect, it } from '@jest/globals';
import type { PosterEvent } from '../../shared/app/accept-command';
import { type AuthorDeps, handleAuthorRequest } from '../../shared/app/author-control';
import type { Speaker } from '../../shared/app/ports';
import { postSnap } from '../../shared/app/post-snap';
import { reap } from '../../shared/app/reap';
import type { AuthorAction, SnapRecord } from '../../shared/domain/snap';
import { SlackCallError } from '../../shared/errors';
import { FakeClock } from '../support/fake-clock';
import {
  BOT,
  captureLogs,
  inProcessWorkers,
  MemoryReveals,
  MemoryStore,
  posterEvent,
  posterFakes,
  rateLimited,
  runWorker,
  ScriptedSlack,
} from '../support/fakes';

const NOW = 1_800_000_000_250;
const PUBLIC_URL = 'https://snap.example';

const event = (delaySeconds: number, fields: Partial<PosterEvent> = {}): PosterEvent =>
  posterEvent(NOW, { delaySeconds, ...fields });

function poster(options: { publicUrl?: string } = { publicUrl: PUBLIC_URL }) {
  const fakes = posterFakes(NOW, options.publicUrl ? { publicUrl: options.publicUrl } : {});
  const post = (e: PosterEvent) => fakes.clock.drive(postSnap(e, fakes.deps));
  const events = () => fakes.lines.map((l) => (JSON.parse(l) as { event: string }).event);
  return { ...fakes, post, events };
}

const AUTHOR: Speaker = { as: 'user', team: 'T1', user: 'U1' };

describe('the poster, choosing whose token posts', () => {
  it('posts as the author once they let snap post as them: their own message, no name or icon of the bot, recorded as theirs', async () => {
    // Prepare
    const { slack, store, post } = poster();
    slack.authorized.add('U1');

    // Act
    const outcome = await post(event(3600));

    // Assess
    expect(outcome).toBe('posted');
    expect(slack.posts).toHaveLength(1);
    expect(slack.posts[0]?.speaker).toEqual(AUTHOR);
    expect(slack.posts[0]?.identity).toBeUndefined();
    expect(JSON.stringify(slack.posts[0]?.blocks)).toContain('self-destructs');
    expect(store.records.get('T1:trig-1')).toMatchObject({ state: 'posted', postedAs: 'user' });
  });

  it('posts as the bot under the author’s name when they have not, recorded as the bot’s', async () => {
    const { slack, store, post } = poster();

    const outcome = await post(event(3600));

    expect(outcome).toBe('posted');
    expect(slack.posts.map((p) => p.speaker)).toEqual([BOT]);
    expect(slack.posts[0]?.identity).toEqual({ username: 'name-U1' });
    expect(store.records.get('T1:trig-1')).toMatchObject({ postedAs: 'bot' });
  });

  it('carries the Enterprise Grid org to every token it asks for, and into the record', async () => {
    const { slack, store, post } = poster();

    await post(event(3600, { enterprise: 'E1' }));

    expect(slack.posts[0]?.speaker).toEqual({ as: 'bot', team: 'T1', enterprise: 'E1' });
    expect(store.records.get('T1:trig-1')).toMatchObject({ enterprise: 'E1' });
  });

  it('tells the author of a workspace without snap how to add it, and posts and records nothing', async () => {
    // Prepare: distributed mode, no installation for T1.
    const { slack, store, post, events } = poster();
    slack.botInstalled = false;

    // Act
    const outcome = await post(event(60));

    // Assess
    expect(outcome).toBe('not_installed');
    expect(slack.posts).toHaveLength(0);
    expect(store.records.size).toBe(0);
    expect(store.tombstones.get('T1:trig-1')?.state).toBe('done');
    expect(slack.replies).toHaveLength(1);
    expect(slack.replies[0]?.text).toContain(`<${PUBLIC_URL}/slack/install|`);
    expect(slack.replies[0]?.text).not.toContain('as=user');
    expect(events()).toContain('poster.not_installed');
  });

  it('looks a remembered bot token up again when Slack calls it dead: removed since, so the install link', async () => {
    const { slack, store, post, events } = poster();
    slack.botRemovedButRemembered = true;

    expect(await post(event(60))).toBe('not_installed');
    expect(slack.posts).toHaveLength(0);
    expect(store.records.size).toBe(0);
    expect(slack.replies[0]?.text).toContain(`<${PUBLIC_URL}/slack/install|`);
    expect(events()).toContain('poster.bot_token_dead');
  });

  it('posts as the author in a workspace without the bot, where they let snap post as them', async () => {
    const { slack, post } = poster();
    slack.botInstalled = false;
    slack.authorized.add('U1');

    expect(await post(event(3600))).toBe('posted');
    expect(slack.posts.map((p) => p.speaker)).toEqual([AUTHOR]);
  });

  it('offers the ?as=user link where the bot cannot post (a DM between two people), posting and recording nothing', async () => {
    // Prepare
    const { slack, store, post } = poster();
    slack.outOfBotReach.add('D1');

    // Act
    const outcome = await post(event(60, { channel: 'D1' }));

    // Assess
    expect(outcome).toBe('refused');
    expect(slack.posts).toHaveLength(0);
    expect(store.records.size).toBe(0);
    expect(store.tombstones.get('T1:trig-1')?.state).toBe('done');
    expect(slack.replies[0]?.text).toContain(`<${PUBLIC_URL}/slack/install?as=user|`);
    expect(slack.replies[0]?.text).toContain('/snap revoke');
  });

  it('looks again for the author’s own token before refusing them a DM: they may just have allowed snap', async () => {
    // Prepare: the miss remembered for U1 is stale; the store has their token by now.
    const { slack, deps, clock, store } = poster();
    slack.outOfBotReach.add('D1');
    const forgotten: unknown[] = [];
    deps.tokens = {
      forget: (where) => {
        forgotten.push(where);
        slack.authorized.add('U1');
      },
    };

    // Act
    const outcome = await clock.drive(postSnap(event(3600, { channel: 'D1' }), deps));

    // Assess
    expect(outcome).toBe('posted');
    expect(forgotten).toEqual([AUTHOR]);
    expect(slack.posts.map((p) => p.speaker)).toEqual([AUTHOR]);
    expect(store.records.get('T1:trig-1')).toMatchObject({ postedAs: 'user' });
  });

  it('still refuses, with the link, when the second look finds no token either', async () => {
    const { slack, deps, clock } = poster();
    slack.outOfBotReach.add('D1');
    deps.tokens = { forget: () => {} };

    expect(await clock.drive(postSnap(event(60, { channel: 'D1' }), deps))).toBe('refused');
    expect(slack.posts).toHaveLength(0);
    expect(slack.replies[0]?.text).toContain('/slack/install?as=user');
  });

  it('posts in that DM as the author once they have let snap post as them', async () => {
    const { slack, post } = poster();
    slack.outOfBotReach.add('D1');
    slack.authorized.add('U1');

    expect(await post(event(3600, { channel: 'D1' }))).toBe('posted');
    expect(slack.posts.map((p) => [p.channel, p.speaker])).toEqual([['D1', AUTHOR]]);
  });

  it('offers no link without an install function (one-workspace mode), only why', async () => {
    const { slack, post } = poster({});
    slack.outOfBotReach.add('D1');

    expect(await post(event(60, { channel: 'D1' }))).toBe('refused');
    expect(slack.replies[0]?.text).toContain('direct messages with other people are out of its reach');
    expect(slack.replies[0]?.text).not.toContain('slack/install');
  });

  it('falls back to the bot when Slack calls the author’s token dead, where the bot can post', async () => {
    const { slack, store, post, events } = poster();
    slack.authorized.add('U1');
    slack.deadUsers.add('U1');

    expect(await post(event(3600))).toBe('posted');
    expect(slack.posts.map((p) => p.speaker)).toEqual([BOT]);
    expect(store.records.get('T1:trig-1')).toMatchObject({ postedAs: 'bot' });
    expect(events()).toContain('poster.author_token_dead');
  });

  it('asks the author to allow snap again when their token is dead and the bot cannot reach', async () => {
    const { slack, store, post } = poster();
    slack.authorized.add('U1');
    slack.deadUsers.add('U1');
    slack.outOfBotReach.add('D1');

    expect(await post(event(60, { channel: 'D1' }))).toBe('refused');
    expect(slack.posts).toHaveLength(0);
    expect(store.records.size).toBe(0);
    expect(slack.replies[0]?.text).toContain('no longer works');
    expect(slack.replies[0]?.text).toContain(`<${PUBLIC_URL}/slack/install?as=user|`);
  });

  it('posts nothing and asks to try again when the token cannot be looked up', async () => {
    const { slack, store, post } = poster();
    slack.lookupFails = true;

    expect(await post(event(60))).toBe('unavailable');
    expect(slack.posts).toHaveLength(0);
    expect(store.records.size).toBe(0);
    expect(store.tombstones.get('T1:trig-1')?.state).toBe('done');
    expect(slack.replies[0]?.text).toContain('Nothing was posted');
  });

  it('has a short snap it posted as the author deleted with the author’s token, on time', async () => {
    // Prepare: the worker it starts runs on the same fakes.
    const { slack, post, clock, store, deps } = poster();
    const workers = inProcessWorkers({ store, slack, clock, log: deps.log, watch: deps.watch });
    deps.workers = workers;
    slack.authorized.add('U1');

    // Act
    const outcome = await post(event(5));
    await clock.drive(workers.settled());

    // Assess
    expect(outcome).toBe('posted');
    expect(slack.deletes).toEqual([
      expect.objectContaining({ ok: true, speaker: AUTHOR, at: 1_800_000_006_000 }),
    ]);
  });
});

/** A posted record, as the store holds it. */
const posted = (store: MemoryStore, id: string, dueAt: number, more: Partial<SnapRecord> = {}) =>
  store.put({ id, dueAt, channel: `C-${id}`, ...more });

describe('the deleters, with the token that posted', () => {
  const T0 = 1_800_000_000_000;

  function sweeper() {
    const clock = new FakeClock(T0 + 400);
    const store = new MemoryStore();
    const slack = new ScriptedSlack(clock);
    const { log, lines } = captureLogs();
    const run = () => clock.drive(runWorker({ store, slack, clock, log }, { deadline: T0 + 95_000 }));
    return { clock, store, slack, run, lines };
  }

  it('sweeps a snap posted as its author with their token, and one posted by an org’s bot with the org', async () => {
    // Prepare
    const { store, slack, run } = sweeper();
    slack.authorized.add('U1');
    posted(store, 'mine', T0 + 5_000, { postedAs: 'user' });
    posted(store, 'org', T0 + 6_000, { postedAs: 'bot', team: 'T2', enterprise: 'E1' });
    posted(store, 'old', T0 + 7_000); // from before records said whose token posted them

    // Act
    const report = await run();

    // Assess
    expect(report).toMatchObject({ deleted: 3 });
    expect(slack.deletes.map((d) => [d.channel, d.speaker])).toEqual([
      ['C-mine', AUTHOR],
      ['C-org', { as: 'bot', team: 'T2', enterprise: 'E1' }],
      ['C-old', BOT],
    ]);
  });

  it('drops a record whose token is gone with a token_gone line, tells its author from the bot, and never tries Slack again for it', async () => {
    // Prepare: U1 took their permission back; their snap is still pending.
    const { store, slack, run, lines } = sweeper();
    posted(store, 'orphan', T0 + 5_000, { postedAs: 'user' });

    // Act
    const report = await run();

    // Assess
    expect(report).toMatchObject({ token_gone: 1, given_up: 0, kept: 0 });
    expect(slack.deletes).toHaveLength(0);
    expect(store.records.size).toBe(0);
    expect(store.tombstones.get('orphan')?.state).toBe('done');
    const line = lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .find((l) => l.event === 'snap.token_gone');
    expect(line).toMatchObject({ level: 'warn', snap: 'orphan', postedAs: 'user', token: 'none' });
    expect(slack.posts.map((p) => [p.speaker, p.channel])).toEqual([[BOT, 'U1']]);
    expect(slack.posts[0]?.text).toContain('<#C-orphan>');
  });

  it('drops at once a record whose token Slack calls dead, deletes that token from the store, and tells the author', async () => {
    // Prepare: U1's token is stored, but Slack has revoked it and snap was never told.
    const { store, slack, run, lines } = sweeper();
    slack.authorized.add('U1');
    slack.deadUsers.add('U1');
    posted(store, 'dead', T0 + 5_000, { postedAs: 'user' });
    posted(store, 'also', T0 + 6_000, { postedAs: 'user' });

    // Act: the same run meets the second with the token already let go.
    const report = await run();
    const again = await run();

    // Assess
    expect(report).toMatchObject({ token_gone: 2, kept: 0 });
    expect(again).toMatchObject({ found: 0 });
    expect(store.records.size).toBe(0);
    expect(slack.retired).toEqual([AUTHOR]);
    expect(slack.authorized.has('U1')).toBe(false);
    const gone = lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((l) => l.event === 'snap.token_gone');
    expect(gone.map((l) => [l.snap, l.token, l.retired])).toEqual([
      ['dead', 'dead', 'deleted'],
      ['also', 'none', undefined],
    ]);
    expect(slack.posts.map((p) => p.channel)).toEqual(['U1', 'U1']);
  });

  it('deletes with a newer grant when the token a warm function held was revoked since, and gives nothing up', async () => {
    // Prepare: Slack refuses the token this function held; the store already holds a newer
    // one (U1 allowed snap again), so retiring the old one leaves the store as it is.
    const { store, slack, run, lines } = sweeper();
    slack.authorized.add('U1');
    slack.retireAnswer = 'absent';
    slack.failDeletes(new SlackCallError('chat.delete', 'platform', 'token_revoked'));
    posted(store, 'mine', T0 + 5_000, { postedAs: 'user' });

    // Act
    const report = await run();

    // Assess
    expect(report).toMatchObject({ deleted: 1, token_gone: 0 });
    expect(slack.deletes.map((d) => [d.ok, d.speaker])).toEqual([
      [false, AUTHOR],
      [true, AUTHOR],
    ]);
    expect(slack.retired).toEqual([AUTHOR]);
    expect(store.tombstones.get('mine')?.state).toBe('done');
    expect(lines.some((l) => l.includes('snap.token_gone'))).toBe(false);
    expect(slack.posts).toHaveLength(0);
  });

  it('in one-workspace mode, drops records the configured bot token can no longer delete, with an error line, and retries none', async () => {
    // Prepare: the configured bot token was revoked; only the configuration can change it.
    const { store, slack, run, lines } = sweeper();
    slack.botDead = true;
    slack.retireAnswer = 'configured';
    posted(store, 'a', T0 + 5_000);
    posted(store, 'b', T0 + 6_000);

    // Act
    const report = await run();

    // Assess: both met the dead token, both dropped; nothing to tell (the bot is what is dead).
    expect(report).toMatchObject({ token_gone: 2, kept: 0 });
    expect(store.records.size).toBe(0);
    const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(parsed.filter((l) => l.event === 'snap.token_gone').map((l) => [l.level, l.retired])).toEqual([
      ['error', 'configured'],
      ['error', 'configured'],
    ]);
    expect(parsed.filter((l) => l.event === 'slack.configured_token_dead')).toHaveLength(2);
    expect(slack.posts).toHaveLength(0);
  });

  it('has the reaper drop a removed record whose token is gone, without putting it back', async () => {
    // Prepare
    const clock = new FakeClock(T0);
    const store = new MemoryStore();
    const slack = new ScriptedSlack(clock);
    const { log, lines } = captureLogs();
    const snap: SnapRecord = {
      id: 'T1:gone',
      team: 'T1',
      channel: 'D1',
      user: 'U1',
      state: 'posted',
      postedAs: 'user',
      ts: '1800000000.000100',
      dueAt: T0 - 20 * 60_000,
      expiresAt: (T0 - 5 * 60_000) / 1000,
      createdAt: T0 - 21 * 60_000,
      dueShard: '1',
    };

    // Act
    const result = await reap(
      [
        {
          eventName: 'REMOVE',
          userIdentity: { type: 'Service', principalId: 'dynamodb.amazonaws.com' },
          sequenceNumber: '1',
          snap,
        },
      ],
      { store, slack, reveals: new MemoryReveals(), clock, log, shards: 8 },
    );

    // Assess
    expect(result.batchItemFailures).toEqual([]);
    expect(store.records.size).toBe(0);
    expect(store.tombstones.get('T1:gone')?.state).toBe('done');
    expect(lines.some((l) => l.includes('"event":"reaper.token_gone"'))).toBe(true);
  });

  it('has the reaper delete with the author’s token when it still holds it', async () => {
    const clock = new FakeClock(T0);
    const store = new MemoryStore();
    const slack = new ScriptedSlack(clock);
    slack.authorized.add('U1');
    const snap = posted(new MemoryStore(), 'T1:r', T0 - 20 * 60_000, { postedAs: 'user', enterprise: 'E1' });

    await reap(
      [
        {
          eventName: 'REMOVE',
          userIdentity: { type: 'Service', principalId: 'dynamodb.amazonaws.com' },
          sequenceNumber: '1',
          snap,
        },
      ],
      { store, slack, reveals: new MemoryReveals(), clock, log: captureLogs().log, shards: 8 },
    );

    expect(slack.deletes.map((d) => d.speaker)).toEqual([
      { as: 'user', team: 'T1', enterprise: 'E1', user: 'U1' },
    ]);
  });
});

/** Real-looking ids: the store keys installations by them. */
const TEAM = 'T0ONE';

describe('the author, with snaps posted as them', () => {
  function author(options: { installations?: boolean } = { installations: true }) {
    const clock = new FakeClock(NOW);
    const store = new MemoryStore();
    const slack = new ScriptedSlack(clock);
    const { log, lines } = captureLogs();
    const removed: Array<{ key: string; users: string[]; upTo: number }> = [];
    const forgotten: unknown[] = [];
    /** Where users' tokens are stored, as `<installation key>#<user>`. */
    const stored = new Set<string>();
    /** The org's index of each user's grants, as `<org>#<user>` → installation keys. */
    const grants = new Map<string, Set<string>>();
    const deps: AuthorDeps = {
      store,
      slack,
      reveals: new MemoryReveals(),
      clock,
      log,
      open: async () => ({ responseUrl: 'https://hooks.test/r' }),
      deadline: () => clock.now() + 100_000,
      ...(options.installations
        ? {
            users: {
              store: {
                userToken: async (key, user) =>
                  stored.has(`${key}#${user}`)
                    ? new TextEncoder().encode(`sealed:${key}:${user}`)
                    : undefined,
                removeUserToken: async (key, user, upTo) => {
                  removed.push({ key, users: [user], upTo });
                  const had = stored.delete(`${key}#${user}`);
                  // The token source finds the user's next token (the org's), if any is left.
                  if (![...stored].some((s) => s.endsWith(`#${user}`))) slack.authorized.delete(user);
                  return had;
                },
                grantedKeys: async (org, user) => [...(grants.get(`${org}#${user}`) ?? [])],
              },
              // Opens only what was sealed for exactly this key and user, as KMS's context does.
              sealer: {
                open: async (sealed, scope) => {
                  const text = new TextDecoder().decode(sealed);
                  if (scope.kind !== 'user' || text !== `sealed:${scope.key}:${scope.user}`)
                    throw new Error('wrong encryption context');
                  return `xoxp-${scope.key}-${scope.user}`;
                },
              },
              tokens: { forget: (where) => forgotten.push(where) },
            },
          }
        : {}),
    };
    let n = 0;
    const ask = (action: AuthorAction, enterprise?: string) =>
      clock.drive(
        handleAuthorRequest(
          {
            v: 1,
            id: `${TEAM}:req-${++n}`,
            action,
            team: TEAM,
            ...(enterprise ? { enterprise } : {}),
            channel: 'C1',
            user: 'U1',
            receivedAt: NOW,
            sealed: { key: 'k', iv: 'i', data: 'd' },
          },
          deps,
        ),
      );
    return { clock, store, slack, ask, removed, forgotten, lines, stored, grants };
  }

  it.each([
    ['/snap cancel', { kind: 'cancel' } as AuthorAction],
    ['a Delete now button', { kind: 'delete', snapId: 'mine' } as AuthorAction],
  ])('deletes a snap posted as them with their own token through %s', async (_how, action) => {
    const { store, slack, ask } = author();
    slack.authorized.add('U1');
    store.put({ team: TEAM, id: 'mine', dueAt: NOW + 600_000, channel: 'C1', postedAs: 'user' });

    expect(await ask(action)).toBe('deleted');
    expect(slack.deletes.map((d) => d.speaker)).toEqual([{ ...AUTHOR, team: TEAM }]);
  });

  it('deletes through the shortcut with their own token, and says so', async () => {
    const { store, slack, ask } = author();
    slack.authorized.add('U1');
    const mine = store.put({ team: TEAM, id: 'mine', dueAt: NOW + 600_000, channel: 'C1', postedAs: 'user' });

    expect(await ask({ kind: 'delete_message', ts: mine.ts ?? '' })).toBe('deleted');
    expect(slack.deletes.map((d) => d.speaker)).toEqual([{ ...AUTHOR, team: TEAM }]);
    expect(slack.replies.at(-1)?.text).toContain('Deleted your snap');
  });

  it('tells them to delete it themselves when its token is gone, instead of claiming it was deleted', async () => {
    const { store, slack, ask } = author();
    store.put({ team: TEAM, id: 'mine', dueAt: NOW + 600_000, channel: 'C1', postedAs: 'user' });

    expect(await ask({ kind: 'delete', snapId: 'mine' })).toBe('not_deleted');
    expect(slack.deletes).toHaveLength(0);
    expect(slack.replies.at(-1)?.text).toContain('delete it yourself');
  });

  it('revokes: takes down every pending snap posted as them (and none posted by the bot), gives the token back, deletes it wherever it is kept, forgets it, and counts', async () => {
    // Prepare: two snaps posted as U1, one by the bot, one of another user.
    const { store, slack, ask, removed, forgotten, stored } = author();
    slack.authorized.add('U1');
    stored.add(`${TEAM}#U1`);
    store.put({ team: TEAM, id: 'a', dueAt: NOW + 600_000, channel: 'D1', postedAs: 'user', createdAt: 1 });
    store.put({ team: TEAM, id: 'b', dueAt: NOW + 700_000, channel: 'G1', postedAs: 'user', createdAt: 2 });
    store.put({ team: TEAM, id: 'c', dueAt: NOW + 800_000, channel: 'C1', postedAs: 'bot', createdAt: 3 });
    store.put({
      team: TEAM,
      id: 'd',
      dueAt: NOW + 800_000,
      channel: 'C1',
      postedAs: 'user',
      user: 'U2',
      createdAt: 4,
    });

    // Act
    const outcome = await ask({ kind: 'revoke' });

    // Assess
    expect(outcome).toBe('revoked');
    expect(slack.deletes.map((d) => [d.channel, d.speaker.as])).toEqual([
      ['G1', 'user'],
      ['D1', 'user'],
    ]);
    expect([...store.records.keys()].sort()).toEqual(['c', 'd']);
    expect(slack.revoked).toEqual([`xoxp-${TEAM}-U1`]);
    expect(removed.map((r) => [r.key, r.users])).toEqual([[TEAM, ['U1']]]);
    expect(forgotten).toEqual([{ as: 'user', team: TEAM, user: 'U1' }]);
    expect(slack.replies.at(-1)?.text).toContain('took down 2 pending snaps');
  });

  it('revokes on Enterprise Grid: their snaps in every workspace of the org, and each token they granted', async () => {
    // Prepare: U1 granted a token to the org-wide install and one to their own workspace; they
    // posted as themselves in two workspaces of the org.
    const { store, slack, ask, removed, stored } = author();
    slack.authorized.add('U1');
    stored.add(`${TEAM}#U1`).add('E0ORG#U1');
    const grid = { enterprise: 'E0ORG', postedAs: 'user' as const };
    store.put({ ...grid, team: TEAM, id: 'here', dueAt: NOW + 600_000, channel: 'D1', createdAt: 1 });
    store.put({ ...grid, team: 'T0TWO', id: 'there', dueAt: NOW + 600_000, channel: 'D2', createdAt: 2 });

    // Act
    const outcome = await ask({ kind: 'revoke' }, 'E0ORG');

    // Assess
    expect(outcome).toBe('revoked');
    expect(slack.deletes.map((d) => d.channel).sort()).toEqual(['D1', 'D2']);
    expect(store.records.size).toBe(0);
    expect(slack.revoked).toEqual([`xoxp-${TEAM}-U1`, 'xoxp-E0ORG-U1']);
    expect(removed.map((r) => r.key)).toEqual([TEAM, 'E0ORG']);
    expect(stored.size).toBe(0);
    expect(slack.replies.at(-1)?.text).toContain('took down 2 pending snaps');
  });

  it('revokes on Enterprise Grid from another workspace of the org: finds the token granted in workspace A through the org’s index, gives back and deletes each, and says where', async () => {
    // Prepare: U1 allowed snap in workspace A (T0AAA) and for the org; they run /snap revoke in
    // workspace B (T0ONE), where they granted nothing themselves.
    const { slack, ask, removed, stored, grants } = author();
    stored.add('T0AAA#U1').add('E0ORG#U1');
    grants.set('E0ORG#U1', new Set(['T0AAA', 'E0ORG']));

    // Act
    const outcome = await ask({ kind: 'revoke' }, 'E0ORG');

    // Assess
    expect(outcome).toBe('revoked');
    expect(slack.revoked.sort()).toEqual(['xoxp-E0ORG-U1', 'xoxp-T0AAA-U1']);
    expect(removed.map((r) => r.key).sort()).toEqual(['E0ORG', 'T0AAA']);
    expect(stored.size).toBe(0);
    expect(slack.replies.at(-1)?.text).toBe(
      ':white_check_mark: snap no longer posts as you: the permissions you gave it (in another workspace of your organization and for your whole organization) are given back to Slack and deleted. You had no pending snaps posted as you.',
    );
  });

  it('gives back the token stored under each key, even when the one a warm cache held has since died', async () => {
    // Prepare: U1 took snap's access away in Slack and allowed it again; this container's cache
    // still holds the dead token, and the new one is in the store.
    const { slack, ask, removed, stored, forgotten } = author();
    slack.authorized.add('U1');
    slack.deadUsers.add('U1');
    stored.add(`${TEAM}#U1`);

    // Act
    const outcome = await ask({ kind: 'revoke' });

    // Assess: the stored token went back to Slack before it left the store.
    expect(outcome).toBe('revoked');
    expect(slack.revoked).toEqual([`xoxp-${TEAM}-U1`]);
    expect(removed.map((r) => r.key)).toEqual([TEAM]);
    expect(forgotten).toEqual([{ as: 'user', team: TEAM, user: 'U1' }]);
  });

  it('still forgets a token Slack already calls dead, and removes it from the store', async () => {
    const { slack, ask, removed, stored } = author();
    stored.add(`${TEAM}#U1`);
    slack.deadTokens.add(`xoxp-${TEAM}-U1`);

    expect(await ask({ kind: 'revoke' })).toBe('revoked');
    expect(removed.map((r) => r.key)).toEqual([TEAM]);
    expect(stored.size).toBe(0);
  });

  it('lists and deletes on Grid the snaps they posted from another workspace of the org', async () => {
    const { store, slack, ask } = author();
    slack.authorized.add('U1');
    store.put({ team: 'T0TWO', enterprise: 'E0ORG', id: 'there', dueAt: NOW + 600_000, postedAs: 'user' });

    const listed = await ask({ kind: 'list' }, 'E0ORG');
    const deleted = await ask({ kind: 'delete', snapId: 'there' }, 'E0ORG');

    expect(listed).toBe('listed');
    expect(deleted).toBe('deleted');
  });

  it('revokes nothing while a snap posted as them is still up, and says to try again', async () => {
    const { store, slack, ask, removed } = author();
    slack.authorized.add('U1');
    store.put({ team: TEAM, id: 'a', dueAt: NOW + 600_000, channel: 'D1', postedAs: 'user' });
    slack.failDeletes(rateLimited(120_000));

    expect(await ask({ kind: 'revoke' })).toBe('kept');
    expect(slack.revoked).toEqual([]);
    expect(removed).toEqual([]);
    expect(store.records.has('a')).toBe(true);
    expect(slack.replies.at(-1)?.text).toContain('Nothing was revoked');
  });

  it('tells someone who never let snap post as them that there is nothing to revoke', async () => {
    const { slack, ask, removed } = author();

    expect(await ask({ kind: 'revoke' })).toBe('none');
    expect(slack.revoked).toEqual([]);
    expect(removed).toEqual([]);
    expect(slack.replies.at(-1)?.text).toContain('nothing to revoke');
  });

  it('has nothing to revoke where no user token can be stored (one workspace without install)', async () => {
    const { slack, ask } = author({});
    slack.authorized.add('U1');

    expect(await ask({ kind: 'revoke' })).toBe('none');
    expect(slack.revoked).toEqual([]);
  });
});
