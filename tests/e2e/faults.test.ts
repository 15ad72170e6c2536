import { beforeAll, describe, expect, it } from '@jest/globals';
import { lambdaContext } from '../../local/lambda-stand-in';
import type { Pipeline } from '../../local/pipeline';
import { dueOf, ON_TIME_MS, pipelineSuite } from '../support/e2e';
import { until } from '../support/wait';

const suite = pipelineSuite('faults', { sweepPeriodSeconds: 10 });
const { logs, messagesIn, recordsIn, calls } = suite;
let p: Pipeline;
beforeAll(() => {
  p = suite.pipeline();
});

describe('faults', () => {
  it('waits out a 429 on chat.delete and deletes as soon as Slack allows, never early', async () => {
    // Prepare: the delete at due time is rate-limited for 1 s.
    p.slack.fault('chat.delete', { status: 429, retryAfterSeconds: 1 });

    // Act
    await p.command('2s rate limited', { channel_id: 'F-429' });
    await p.lambda.settled();

    // Assess
    const [message] = messagesIn('F-429');
    const due = dueOf(message);
    expect(calls('chat.delete', 'F-429').map((c) => c.result)).toEqual(['429', 'ok']);
    expect(message?.deletedAt).toBeGreaterThanOrEqual(due + 1_000);
    expect(message?.deletedAt).toBeLessThan(due + 2_500);
    expect(await recordsIn('F-429')).toHaveLength(0);
  });

  it('retries chat.delete through 5xx answers and a dropped connection', async () => {
    p.slack.fault('chat.delete', { status: 500 }, { drop: true });

    await p.command('2s flaky slack', { channel_id: 'F-5xx' });
    await p.lambda.settled();

    const [message] = messagesIn('F-5xx');
    expect(message?.deletedAt).toBeGreaterThanOrEqual(dueOf(message));
    expect(calls('chat.delete', 'F-5xx').map((c) => c.result)).toEqual(['500', 'dropped', 'ok']);
    expect(await recordsIn('F-5xx')).toHaveLength(0);
  });

  it.each([
    ['a 500', { status: 500 }, 'F-post'],
    ['a dropped connection', { drop: true }, 'F-postdrop'],
  ] as const)(
    'never retries chat.postMessage after %s: keeps no record of where it is and tells the user',
    async (_, fault, channel) => {
      p.slack.fault('chat.postMessage', fault);
      const repliesBefore = p.slack.replies.length;

      await p.command('1h never posted', { channel_id: channel });
      await p.lambda.settled();

      expect(calls('chat.postMessage', channel)).toHaveLength(1);
      expect(messagesIn(channel)).toHaveLength(0);
      expect(await recordsIn(channel)).toHaveLength(0);
      const replies = p.slack.replies.slice(repliesBefore);
      expect(replies.some((r) => String(r.body.text).includes('may not have been posted'))).toBe(true);
    },
  );

  it('still posts, as the bot, when users.info keeps dropping the connection', async () => {
    p.slack.fault('users.info', { drop: true }, { drop: true }, { drop: true });

    await p.command('2s no profile', { channel_id: 'F-profile', user_id: 'U-noprofile' });
    await p.lambda.settled();

    const [message] = messagesIn('F-profile');
    expect(message?.username).toBeUndefined();
    expect(message?.deletedAt).toBeGreaterThanOrEqual(dueOf(message));
  });

  it('waits for a chat.postMessage answer slower than the other calls may take, and posts once', async () => {
    p.slack.fault('chat.postMessage', { delayMs: 6_000 });

    await p.command('1h slow post', { channel_id: 'F-slowpost' });
    await p.lambda.settled();

    expect(calls('chat.postMessage', 'F-slowpost').map((c) => c.result)).toEqual(['ok']);
    expect(await recordsIn('F-slowpost')).toEqual([expect.objectContaining({ state: 'posted' })]);
  }, 20_000);

  it('waits out a 429 on chat.postMessage and posts once when Slack allows', async () => {
    p.slack.fault('chat.postMessage', { status: 429, retryAfterSeconds: 1 });

    await p.command('1h limited post', { channel_id: 'F-429post' });
    await p.lambda.settled();

    expect(calls('chat.postMessage', 'F-429post').map((c) => c.result)).toEqual(['429', 'ok']);
    expect(messagesIn('F-429post')).toHaveLength(1);
    expect(await recordsIn('F-429post')).toHaveLength(1);
  });

  it('tries chat.delete again when an answer comes after the client timeout, and counts the late success', async () => {
    // Prepare: Slack deletes on time, but answers after the 5 s client timeout.
    p.slack.fault('chat.delete', { delayMs: 6_000 });

    // Act
    await p.command('2s slow delete', { channel_id: 'F-slowdel' });
    await p.lambda.settled();

    // Assess
    const [message] = messagesIn('F-slowdel');
    expect(message?.deletedAt).toBeGreaterThanOrEqual(dueOf(message));
    expect(message?.deletedAt).toBeLessThan(dueOf(message) + ON_TIME_MS);
    expect(calls('chat.delete', 'F-slowdel').map((c) => c.result)).toEqual(['ok', 'message_not_found']);
    expect(await recordsIn('F-slowdel')).toHaveLength(0);
  }, 20_000);

  it('posts as the bot when users.info is rate limited', async () => {
    p.slack.fault('users.info', { status: 429, retryAfterSeconds: 30 });

    await p.command('1h no profile for now', { channel_id: 'F-429info', user_id: 'U-limited' });
    await p.lambda.settled();

    expect(calls('users.info').at(-1)?.result).toBe('429');
    expect(messagesIn('F-429info')).toHaveLength(1);
    expect(messagesIn('F-429info')[0]?.username).toBeUndefined();
    expect(await recordsIn('F-429info')).toHaveLength(1);
  });

  it('gets the answer to the author through a response_url that fails twice', async () => {
    // Prepare: the post is refused, and the author's answer meets a 500 and a 429 first.
    p.slack.fault('chat.postMessage', { error: 'not_in_channel' });
    p.slack.fault('response_url', { status: 500 }, { status: 429, retryAfterSeconds: 1 });

    // Act
    await p.command('1h nobody invited me', { channel_id: 'F-reply' });
    await p.lambda.settled();

    // Assess
    const attempts = p.slack.calls.filter((c) => c.method === 'response_url').slice(-3);
    expect(attempts.map((c) => c.result)).toEqual(['500', '429', 'ok']);
    expect(String(p.slack.replies.at(-1)?.body.text)).toContain('/invite');
    expect(await recordsIn('F-reply')).toHaveLength(0);
  });

  it('carries on when every response_url attempt is dropped: logged, nothing kept', async () => {
    p.slack.fault('chat.postMessage', { error: 'not_in_channel' });
    p.slack.fault('response_url', { drop: true }, { drop: true }, { drop: true });

    await p.command('1h unanswered', { channel_id: 'F-noreply' });
    await p.lambda.settled();

    expect(logs.lines().some((l) => l.includes('"poster.reply_failed"'))).toBe(true);
    expect(await recordsIn('F-noreply')).toHaveLength(0);
    expect(p.lambda.invocations.at(-1)?.error).toBeUndefined();
  });

  it('posts once when Lambda delivers the same async event twice', async () => {
    await p.command('1h delivered twice', { channel_id: 'F-twice' });
    await p.lambda.settled();
    const first = p.lambda.invocations.find((i) => (i.payload as { channel?: string }).channel === 'F-twice');
    const poster = await import(`${process.cwd()}/dist/poster/index.mjs`);

    const again = await poster.handler(first?.payload, lambdaContext('snap-poster', 60_000));

    expect(again).toEqual({ outcome: 'duplicate' });
    expect(calls('chat.postMessage', 'F-twice')).toHaveLength(1);
    expect(await recordsIn('F-twice')).toHaveLength(1);
  });

  it('deletes each message once when sweeps overlap, and leaves nothing', async () => {
    // Prepare: three snaps beyond what the poster waits out (10 s period + 15 s margin).
    for (const c of ['F-ov-1', 'F-ov-2', 'F-ov-3'])
      await p.command('27s overlapping sweeps', { channel_id: c });
    await p.lambda.settled();

    // Act: two runs for consecutive ticks, both covering the due times.
    const tick = Math.floor(Date.now() / 10_000) * 10_000;
    await until(() => (Date.now() >= tick + 10_000 ? true : undefined), 11_000);
    await Promise.all([p.sweep(tick + 10_000), p.sweep(Date.now())]);
    const pending = async () =>
      (await Promise.all(['F-ov-1', 'F-ov-2', 'F-ov-3'].map(recordsIn))).flat().length === 0
        ? true
        : undefined;
    const stop = p.schedule();
    await until(pending, 40_000);
    await stop();

    // Assess
    for (const c of ['F-ov-1', 'F-ov-2', 'F-ov-3']) {
      const [message] = messagesIn(c);
      expect(calls('chat.delete', c)).toHaveLength(1);
      expect(message?.deletedAt).toBeGreaterThanOrEqual(dueOf(message));
      expect(message?.deletedAt).toBeLessThan(dueOf(message) + ON_TIME_MS);
    }
  }, 60_000);

  it('leaves what a sweep could not finish before its timeout to the next run', async () => {
    // Prepare
    await p.command('27s cut short', { channel_id: 'F-cut' });
    await p.lambda.settled();
    const [record] = await recordsIn('F-cut');

    // Act: a run whose timeout ends before the due time (as if killed), then the schedule.
    await p.sweep(Math.floor(Date.now() / 1000) * 1000, 6_000);
    const afterCut = await recordsIn('F-cut');
    const stop = p.schedule();
    await until(async () => ((await recordsIn('F-cut')).length === 0 ? true : undefined), 45_000);
    await stop();

    // Assess
    expect(afterCut).toHaveLength(1);
    expect(afterCut[0]?.leaseUntil).toBeUndefined();
    const [message] = messagesIn('F-cut');
    expect(message?.deletedAt).toBeGreaterThanOrEqual(Number(record?.dueAt));
  }, 60_000);

  it('never logs message text', () => {
    const text = logs.lines().join('\n');
    expect(suite.textsSent().length).toBeGreaterThanOrEqual(12);
    for (const phrase of suite.textsSent()) expect(text).not.toContain(phrase);
  });
});
