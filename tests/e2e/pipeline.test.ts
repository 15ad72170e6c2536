import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { Pipeline } from '../../local/pipeline';
import { shownDueAt } from '../../local/slack-stand-in';
import { ttlStreamRecord } from '../../local/ttl-emulator';
import { pipelineSuite } from '../support/e2e';
import { until } from '../support/wait';

const TEXT = 'the door code is 4711';
const suite = pipelineSuite('pipeline', { sweepPeriodSeconds: 10 });
const { logs } = suite;
let p: Pipeline;
let db: DynamoDBClient;

async function items(): Promise<Array<Record<string, unknown>>> {
  const out = await db.send(new ScanCommand({ TableName: p.tableName }));
  return (out.Items ?? []).map((i) => unmarshall(i));
}

const postsIn = (channel: string) =>
  p.slack.calls.filter(
    (c) => c.method === 'chat.postMessage' && c.params.channel === channel && c.result === 'ok',
  );

beforeAll(() => {
  p = suite.pipeline();
  db = new DynamoDBClient({ endpoint: p.dynamo.endpoint });
});

afterAll(() => {
  db?.destroy();
});

describe('snap end to end', () => {
  it('posts short snaps exactly once each and deletes each on time, leaving no record', async () => {
    // Act: three short snaps at once, each waited out by its poster.
    const channels = ['C-short-2', 'C-short-3', 'C-short-4'];
    const replies = await Promise.all(
      channels.map((c, i) => p.command(`${i + 2}s ${TEXT}`, { channel_id: c })),
    );
    await until(() => (channels.every((c) => postsIn(c).length === 1) ? true : undefined), 5_000);
    const during = await items();
    await p.lambda.settled();

    // Assess
    // The text itself, not a fragment of it: "4711" may turn up in a timestamp of the table.
    for (const reply of replies) {
      expect(reply.statusCode).toBe(200);
      expect(String(reply.body)).not.toContain(TEXT);
    }
    expect(JSON.stringify(during)).not.toContain(TEXT);
    expect(JSON.stringify(during)).not.toContain('code is 4711');
    for (const channel of channels) {
      expect(postsIn(channel)).toHaveLength(1);
      const message = [...p.slack.messages.values()].find((m) => m.channel === channel);
      expect(message?.text).toBe(TEXT);
      const dueAt = Number(shownDueAt(message));
      expect(message?.deletedAt).toBeGreaterThanOrEqual(dueAt);
      expect(message?.deletedAt).toBeLessThanOrEqual(dueAt + 1_500);
      expect((await items()).filter((i) => i.channel === channel)).toHaveLength(0);
    }
  });

  it('leaves a longer snap to the sweeper, which deletes it at its due time', async () => {
    // Prepare: 26 s is beyond what the poster waits out with a 10 s sweep period.
    await p.command(`26s ${TEXT}`, { channel_id: 'C-sweep' });
    await p.lambda.settled();
    const [record] = (await items()).filter((i) => i.channel === 'C-sweep');
    expect(record).toMatchObject({ state: 'posted', dueShard: expect.any(String) });
    expect(record?.leaseUntil).toBeUndefined();
    const dueAt = Number(record?.dueAt);

    // Act: the sweeper on its schedule, every 10 s, as EventBridge would fire it.
    const stop = p.schedule();
    await until(() => [...p.slack.messages.values()].find((m) => m.channel === 'C-sweep')?.deletedAt, 40_000);
    await stop();

    // Assess
    const message = [...p.slack.messages.values()].find((m) => m.channel === 'C-sweep');
    expect(message?.deletedAt).toBeGreaterThanOrEqual(dueAt);
    expect(message?.deletedAt).toBeLessThan(dueAt + 1_000);
    expect((await items()).filter((i) => i.channel === 'C-sweep')).toHaveLength(0);
  }, 45_000);

  it('posts a snap longer than a section block exactly as typed, its expiry line under it, in one message, and deletes it on time', async () => {
    // Prepare: formatting, a mention and an escaped & across where a section block would end.
    const typed = `${'lorem ipsum '.repeat(249)}*bold\n\nacross* <@U0ANA> &amp; ${'dolor sit '.repeat(88)}${TEXT}`;

    // Act
    await p.command(`2s ${typed}`, { channel_id: 'C-long' });
    await p.lambda.settled();

    // Assess
    const message = [...p.slack.messages.values()].find((m) => m.channel === 'C-long');
    expect(typed.length).toBeGreaterThan(3_800);
    expect(typed.length).toBeLessThanOrEqual(4_000);
    expect(postsIn('C-long')).toHaveLength(1);
    expect([...p.slack.messages.values()].filter((m) => m.channel === 'C-long')).toHaveLength(1);
    expect(message?.text).toBe(typed);
    expect(message?.blocks).toEqual([]);
    expect(JSON.stringify(message?.attachments)).toContain('used snap · self-destructs <!date^');
    const dueAt = Number(shownDueAt(message));
    expect(message?.deletedAt).toBeGreaterThanOrEqual(dueAt);
    expect(message?.deletedAt).toBeLessThanOrEqual(dueAt + 1_500);
  });

  it('refuses a snap longer than Slack takes before posting, and says the limit', async () => {
    const replies = p.slack.replies.length;

    await p.command(`1h ${'x'.repeat(4_001)}`, { channel_id: 'C-too-long' });
    await p.lambda.settled();

    expect(p.slack.calls.filter((c) => c.params.channel === 'C-too-long')).toEqual([]);
    expect(p.slack.replies.slice(replies).map((r) => r.body.text)).toEqual([
      expect.stringContaining('too long for Slack (limit 4,000 characters)'),
    ]);
  });

  it('posts once when Slack retries the same command', async () => {
    const trigger = { channel_id: 'C-retry', trigger_id: 'retry.1.same' };

    await p.command(`1h ${TEXT}`, trigger);
    await p.command(`1h ${TEXT}`, trigger, {
      'x-slack-retry-num': '1',
      'x-slack-retry-reason': 'http_timeout',
    });
    await p.lambda.settled();

    expect(
      p.lambda.invocations.filter((i) => (i.payload as { channel?: string }).channel === 'C-retry'),
    ).toHaveLength(2);
    expect(postsIn('C-retry')).toHaveLength(1);
    expect((await items()).filter((i) => i.channel === 'C-retry')).toHaveLength(1);
  });

  it('lets the reaper delete what TTL removed, and ignore the sweeper’s own removals', async () => {
    // Prepare
    await p.command(`2h ${TEXT}`, { channel_id: 'C-ttl' });
    await p.lambda.settled();
    const [image] =
      (await db.send(new ScanCommand({ TableName: p.tableName }))).Items?.filter(
        (i) => i.channel?.S === 'C-ttl',
      ) ?? [];
    expect(image).toBeDefined();
    const userRemoval = { ...ttlStreamRecord(image as Record<string, unknown>) };
    delete userRemoval.userIdentity;

    // Act
    await p.reaper({ Records: [userRemoval] });
    const afterUser = p.slack.live('C-ttl').length;
    await p.reaper({ Records: [ttlStreamRecord(image as Record<string, unknown>)] });

    // Assess
    expect(afterUser).toBe(1);
    expect(p.slack.live('C-ttl')).toHaveLength(0);
  });

  it('has the TTL emulation hand expired records to the reaper, which deletes their messages', async () => {
    // Prepare: a snap whose precise deletion never happened (no sweep runs here).
    await p.command(`3h ${TEXT}`, { channel_id: 'C-emu' });
    await p.lambda.settled();
    const [record] = (await items()).filter((i) => i.channel === 'C-emu');

    // Act: TTL runs as of a moment past the record's TTL attribute.
    await p.expire(Number(record?.expiresAt) * 1000 - 1_000);
    const liveBeforeTtl = p.slack.live('C-emu').length;
    const expired = await p.expire(Number(record?.expiresAt) * 1000 + 1_000);

    // Assess
    expect(liveBeforeTtl).toBe(1);
    expect(expired).toBeGreaterThanOrEqual(1);
    expect(p.slack.live('C-emu')).toHaveLength(0);
    expect((await items()).filter((i) => i.channel === 'C-emu')).toHaveLength(0);
  });

  it('lets the author delete a snap early, after which nothing else touches it', async () => {
    // Prepare
    await p.command(`1h ${TEXT}`, { channel_id: 'C-early', user_id: 'U-author' });
    await p.lambda.settled();
    const [post] = postsIn('C-early');
    const ts = String((await items()).find((i) => i.channel === 'C-early')?.ts);

    // Act: someone else tries first, then the author cancels.
    await p.command('cancel', { channel_id: 'C-early', user_id: 'U-other' });
    await p.command('cancel', { channel_id: 'C-early', user_id: 'U-author' });
    await p.lambda.settled();
    await p.sweep();
    await p.expire(Date.now() + 3 * 3_600_000);

    // Assess
    expect(post).toBeDefined();
    const deletes = p.slack.calls.filter((c) => c.method === 'chat.delete' && c.params.ts === ts);
    expect(deletes).toHaveLength(1);
    expect(p.slack.live('C-early')).toHaveLength(0);
    expect((await items()).filter((i) => i.channel === 'C-early')).toHaveLength(0);
    const texts = p.slack.replies.map((r) => String(r.body.text));
    expect(texts).toContain('You have no pending snap in this channel.');
    expect(texts.some((t) => t.includes('Deleted your snap'))).toBe(true);
  });

  it('refuses a delay out of range and a negative one at once, posting and recording nothing', async () => {
    // Prepare
    const posts = p.slack.calls.filter((c) => c.method === 'chat.postMessage').length;

    // Act: what follows the delay is the kind of text that must go nowhere, refused or not.
    const tooLong = await p.command('400d the safe opens with 31-4-15', { channel_id: 'C-refused' });
    const negative = await p.command('-5s the safe opens with 31-4-15', { channel_id: 'C-refused' });
    await p.lambda.settled();

    // Assess
    expect(String(tooLong.body)).toContain('outside the allowed range');
    expect(String(negative.body)).toContain('negative delay');
    expect(p.slack.calls.filter((c) => c.method === 'chat.postMessage')).toHaveLength(posts);
    expect((await items()).filter((i) => i.channel === 'C-refused')).toHaveLength(0);
    expect(suite.textsSent()).toContain('the safe opens with 31-4-15');
  });

  it('never lets the message text, the signing secret or the token reach a log line', () => {
    const text = logs.lines().join('\n');

    expect(text).toContain('"fn":"poster"');
    expect(text).toContain('"fn":"sweeper"');
    expect(text).toContain('"fn":"reaper"');
    expect(text).not.toContain('code is 4711');
    expect(text).not.toContain(p.signingSecret);
    expect(text).not.toContain(p.botToken);
  });
});
