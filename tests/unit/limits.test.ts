import { describe, expect, it } from '@jest/globals';
import type { PosterEvent } from '../../shared/app/accept-command';
import { checkLimits } from '../../shared/app/limits';
import { POST_RETRY_BUDGET_MS, postSnap } from '../../shared/app/post-snap';
import { posterConfig } from '../../shared/config';
import {
  DEFAULT_LIMITS,
  type Limits,
  overPending,
  teamCounter,
  userCounter,
} from '../../shared/domain/limits';
import { overLimitReply } from '../../shared/domain/replies';
import { tombstone } from '../../shared/domain/snap';
import { SlackCallError, StoreError } from '../../shared/errors';
import { FakeClock } from '../support/fake-clock';
import { captureLogs, MemoryStore, posterEvent, posterFakes } from '../support/fakes';

/** 10:00:00.000 UTC on a whole minute, so window edges are easy to name. */
const MINUTE = 30_000_000;
const T0 = MINUTE * 60_000;

function setup(limits: Partial<Limits>, now = T0) {
  const clock = new FakeClock(now);
  const store = new MemoryStore();
  const { log, lines } = captureLogs();
  const deps = { store, clock, limits: { userPerMinute: 0, teamPerMinute: 0, userPending: 0, ...limits } };
  const check = (user = 'U1', team = 'T1', enterprise?: string) =>
    checkLimits({ team, user, ...(enterprise ? { enterprise } : {}) }, deps, log);
  return { clock, store, deps, check, lines };
}

async function admitted(check: () => Promise<unknown>, times: number): Promise<number> {
  let n = 0;
  for (let i = 0; i < times; i++) if ((await check()) === undefined) n++;
  return n;
}

describe('the limit rules', () => {
  it('counts each user per workspace per whole minute, with a TTL a minute after the window', () => {
    const counter = userCounter(DEFAULT_LIMITS, 'T1', 'U1', T0 + 59_999);

    expect(counter).toEqual({
      name: `user#T1#U1#${MINUTE}`,
      limit: 30,
      windowEnd: T0 + 60_000,
      expiresAt: (T0 + 60_000) / 1000 + 60,
    });
    expect(userCounter(DEFAULT_LIMITS, 'T1', 'U1', T0 + 60_000)?.name).toBe(`user#T1#U1#${MINUTE + 1}`);
    expect(teamCounter(DEFAULT_LIMITS, 'T1', T0)?.name).toBe(`team#T1#${MINUTE}`);
  });

  it('turns a limit off at 0', () => {
    const off: Limits = { userPerMinute: 0, teamPerMinute: 0, userPending: 0 };

    expect(userCounter(off, 'T1', 'U1', T0)).toBeUndefined();
    expect(teamCounter(off, 'T1', T0)).toBeUndefined();
    expect(overPending(off, 1_000_000)).toBe(false);
  });

  it('refuses a pending snap only once the user holds the limit', () => {
    const limits: Limits = { ...DEFAULT_LIMITS, userPending: 3 };

    expect([2, 3, 4].map((n) => overPending(limits, n))).toEqual([false, true, true]);
  });

  it('tells the author which limit, that nothing was posted, and when to try again', () => {
    const minute = overLimitReply({ limit: 'user_per_minute', max: 30, retryAt: T0 + 60_000 }, T0 + 36_500);
    const team = overLimitReply({ limit: 'team_per_minute', max: 300, retryAt: T0 + 60_000 }, T0 + 59_999);
    const pending = overLimitReply({ limit: 'user_pending', max: 50 }, T0);

    expect(minute).toEqual({
      response_type: 'ephemeral',
      text: ':hourglass: You are sending snaps faster than snap allows (30 a minute). Nothing was posted. Try again in 24 seconds.',
    });
    expect(team.text).toContain('This workspace is sending snaps faster than snap allows (300 a minute');
    expect(team.text).toContain('Try again in 1 second.');
    expect(pending.text).toContain('You have 50 snaps waiting to self-destruct');
    expect(pending.text).toContain('Nothing was posted');
    expect(pending.text).toContain('/snap list');
  });
});

describe('the limits configuration', () => {
  const base = {
    SNAP_TABLE_NAME: 'snaps',
    SNAP_REVEAL_TABLE_NAME: 'reveals',
    SNAP_KMS_KEY_ID: 'alias/snap',
    SLACK_BOT_TOKEN: 'xoxb-test',
  };

  it('uses the defaults when nothing is set, and takes 0 to turn a limit off', () => {
    const defaults = posterConfig(base).limits;
    const off = posterConfig({
      ...base,
      SNAP_LIMIT_USER_PER_MINUTE: '0',
      SNAP_LIMIT_TEAM_PER_MINUTE: '600',
      SNAP_LIMIT_USER_PENDING: '0',
    }).limits;

    expect(defaults).toEqual({ userPerMinute: 30, teamPerMinute: 300, userPending: 50 });
    expect(off).toEqual({ userPerMinute: 0, teamPerMinute: 600, userPending: 0 });
  });

  it('names the variable that is not a whole number in range', () => {
    expect(() => posterConfig({ ...base, SNAP_LIMIT_USER_PENDING: 'ten' })).toThrow(
      'Environment variable SNAP_LIMIT_USER_PENDING must be a whole number',
    );
    expect(() => posterConfig({ ...base, SNAP_LIMIT_TEAM_PER_MINUTE: '-1' })).toThrow(
      'SNAP_LIMIT_TEAM_PER_MINUTE',
    );
    expect(() => posterConfig({ ...base, SNAP_LIMIT_USER_PER_MINUTE: '100001' })).toThrow(
      'Environment variable SNAP_LIMIT_USER_PER_MINUTE must be between 0 and 100000',
    );
  });
});

describe('checking the limits before a post', () => {
  it('lets a user through up to the limit in a minute, refuses until the minute turns, then lets them through again', async () => {
    // Prepare
    const { clock, check } = setup({ userPerMinute: 3 }, T0 + 10_000);

    // Act
    const first = await admitted(check, 3);
    const fourth = await check();
    await clock.drive(clock.sleep(49_999));
    const lastMoment = await check();
    await clock.drive(clock.sleep(1));
    const nextMinute = await check();

    // Assess
    expect(first).toBe(3);
    expect(fourth).toEqual({ limit: 'user_per_minute', max: 3, retryAt: T0 + 60_000 });
    expect(lastMoment).toEqual(fourth);
    expect(clock.now()).toBe(T0 + 60_000);
    expect(nextMinute).toBeUndefined();
  });

  it('counts users apart, and each workspace apart', async () => {
    const { check } = setup({ userPerMinute: 2 });

    const results = [
      await admitted(() => check('U1'), 3),
      await admitted(() => check('U2'), 3),
      await admitted(() => check('U1', 'T2'), 3),
    ];

    expect(results).toEqual([2, 2, 2]);
  });

  it('counts a Grid user once across the org: the minute used up in one workspace is used up in the others', async () => {
    // Prepare: U1's id spans org E1, whose workspaces T1 and T2 both have snap.
    const { check, store } = setup({ userPerMinute: 3 });

    // Act
    const inT1 = await admitted(() => check('U1', 'T1', 'E1'), 3);
    const inT2 = await admitted(() => check('U1', 'T2', 'E1'), 3);
    const outsideOrg = await admitted(() => check('U1', 'T3'), 3);

    // Assess: a workspace outside any org (or another org) counts apart, as before.
    expect([inT1, inT2, outsideOrg]).toEqual([3, 0, 3]);
    expect(store.counters.get(`user#E1#U1#${MINUTE}`)?.n).toBe(3);
    expect(store.counters.has(`user#T2#U1#${MINUTE}`)).toBe(false);
  });

  it('holds a workspace to its own limit, and a user refused for their own does not use it up', async () => {
    // Prepare: U1 floods; the workspace allows 5 a minute.
    const { check, store } = setup({ userPerMinute: 2, teamPerMinute: 5 });

    // Act
    const flooder = await admitted(() => check('U1'), 20);
    const others = await admitted(() => check('U2'), 2);
    const third = await admitted(() => check('U3'), 2);

    // Assess: 2 (U1) + 2 (U2) + 1 (U3) = 5; U1's 18 refusals took none of the workspace's.
    expect([flooder, others, third]).toEqual([2, 2, 1]);
    expect(await check('U4')).toEqual({ limit: 'team_per_minute', max: 5, retryAt: T0 + 60_000 });
    expect(store.counters.get(`team#T1#${MINUTE}`)?.n).toBe(5);
  });

  it('counts the author live snaps for the pending limit and lets them snap again once one is gone', async () => {
    // Prepare: U1 has two live snaps; U2 has one.
    const { check, store } = setup({ userPending: 2 });
    store.put({ id: 'T1:a', dueAt: T0 + 60_000, user: 'U1' });
    store.put({ id: 'T1:b', dueAt: T0 + 90_000, user: 'U1' });
    store.put({ id: 'T1:c', dueAt: T0 + 90_000, user: 'U2' });

    // Act
    const full = await check('U1');
    const other = await check('U2');
    await store.bury(tombstone('T1:a', 'done', T0));
    const afterOneGone = await check('U1');

    // Assess
    expect(full).toEqual({ limit: 'user_pending', max: 2 });
    expect(other).toBeUndefined();
    expect(afterOneGone).toBeUndefined();
  });

  it('asks the table nothing when every limit is off', async () => {
    const { check, store } = setup({});
    let asked = 0;
    store.countByAuthor = async () => ++asked;
    store.countInWindow = async () => ++asked > 0;

    const results = await admitted(check, 100);

    expect(results).toBe(100);
    expect(asked).toBe(0);
  });

  it('lets the snap through when the table cannot answer, and logs that it did', async () => {
    const { check, store, lines } = setup({ userPerMinute: 1, userPending: 1 });
    store.countInWindow = async () => {
      throw new StoreError('DynamoDB countInWindow failed');
    };

    const result = await check();

    expect(result).toBeUndefined();
    expect(lines.join('\n')).toContain('"event":"poster.limits_unchecked"');
  });
});

const NOW = T0 + 250;
const event = (id: string, user = 'U1'): PosterEvent => posterEvent(NOW, { id, user });

const poster = (limits: Partial<Limits>) => posterFakes(NOW, { limits: { ...DEFAULT_LIMITS, ...limits } });

describe('the poster under the limits', () => {
  it('refuses a snap over the user limit: tells the author when to try again, posts and keeps nothing', async () => {
    // Prepare
    const { clock, store, slack, deps, lines } = poster({ userPerMinute: 2 });
    await clock.drive(postSnap(event('T1:1'), deps));
    await clock.drive(postSnap(event('T1:2'), deps));

    // Act
    const outcome = await clock.drive(postSnap(event('T1:3'), deps));

    // Assess
    expect(outcome).toBe('limited');
    expect(slack.posts).toHaveLength(2);
    expect(store.records.has('T1:3')).toBe(false);
    expect(slack.replies).toEqual([
      {
        response_type: 'ephemeral',
        text: ':hourglass: You are sending snaps faster than snap allows (2 a minute). Nothing was posted. Try again in 60 seconds.',
      },
    ]);
    expect(lines.join('\n')).toContain('"event":"poster.limited","team":"T1"');
    expect(lines.join('\n')).not.toContain('4711');
  });

  it('refuses a snap over the pending limit while another user still posts', async () => {
    const { clock, slack, deps } = poster({ userPending: 1 });
    await clock.drive(postSnap(event('T1:1'), deps));

    const outcomes = [
      await clock.drive(postSnap(event('T1:2'), deps)),
      await clock.drive(postSnap(event('T1:3', 'U2'), deps)),
    ];

    expect(outcomes).toEqual(['limited', 'posted']);
    expect(slack.posts.map((p) => p.identity?.username)).toEqual(['name-U1', 'name-U2']);
    expect(slack.replies[0]?.text).toContain('You have 1 snap waiting');
  });

  it('retries a rate-limited post for at most the budget, then tells the author Slack is busy and keeps nothing', async () => {
    // Prepare: the channel answers 429 (Retry-After 1 s) to every post.
    const { clock, store, slack, deps } = poster({});
    const limited = () =>
      new SlackCallError('chat.postMessage', 'rate_limited', 'ratelimited', { retryAfterMs: 1_000 });
    slack.failPosts(...Array.from({ length: 50 }, () => limited));

    // Act
    const outcome = await clock.drive(postSnap(event('T1:1'), deps));

    // Assess
    expect(outcome).toBe('refused');
    expect(clock.now() - NOW).toBeLessThanOrEqual(POST_RETRY_BUDGET_MS);
    expect(clock.now() - NOW).toBeGreaterThan(POST_RETRY_BUDGET_MS - 1_500);
    expect(slack.posts).toHaveLength(0);
    expect(store.records.size).toBe(0);
    expect(slack.replies).toHaveLength(1);
    expect(slack.replies[0]?.text).toContain('Your snap was not posted. Slack is busy');
  });

  it('does not wait at all for a Retry-After longer than the budget', async () => {
    const { clock, slack, deps } = poster({});
    slack.failPosts(
      new SlackCallError('chat.postMessage', 'rate_limited', 'ratelimited', { retryAfterMs: 30_000 }),
    );

    const outcome = await clock.drive(postSnap(event('T1:1'), deps));

    expect(outcome).toBe('refused');
    expect(clock.now()).toBe(NOW);
    expect(slack.replies[0]?.text).toContain('Slack is busy');
  });
});
