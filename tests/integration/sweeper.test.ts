import { DecryptCommand, KMSClient } from '@aws-sdk/client-kms';
import {
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { lambdaContext } from '../../local/lambda-stand-in';
import { type SlackStandIn, startSlack } from '../../local/slack-stand-in';
import type { SweepReport } from '../../shared/app/sweep';
import { DUE_SHARDS } from '../../shared/domain/snap';
import { recordIamActions } from '../support/iam';
import { allowedActions } from '../support/infra';
import { captureStdout } from '../support/logs';

const TOKEN = 'xoxb-sweeper';
const kms = mockClient(KMSClient);
const ddb = mockClient(DynamoDBDocumentClient);
const logs = captureStdout();
const sent = recordIamActions([
  [kms, 'kms'],
  [ddb, 'dynamodb'],
]);
let slack: SlackStandIn;
let handler: (event: unknown, context: Context) => Promise<SweepReport>;

function posted(id: string, dueAt: number, channel = 'C1') {
  const ts = `${Math.floor(Date.now() / 1000)}.${id.padStart(6, '0')}`;
  slack.messages.set(`${channel}/${ts}`, { channel, ts, text: 'x', blocks: [], postedAt: Date.now() });
  return { pk: `snap#T1:${id}`, team: 'T1', channel, user: 'U1', state: 'posted', ts, dueAt, dueShard: '3' };
}

const run = (time = new Date().toISOString(), timeoutMs = 100_000) =>
  handler(
    { 'detail-type': 'Scheduled Event', source: 'aws.events', time },
    lambdaContext('snap-sweeper', timeoutMs),
  );

beforeAll(async () => {
  slack = await startSlack({ token: TOKEN });
  process.env.SNAP_TABLE_NAME = 'snap-test';
  process.env.SNAP_REVEAL_TABLE_NAME = 'snap-reveal-test';
  process.env.SNAP_KMS_KEY_ID = 'alias/snap-test';
  process.env.SLACK_BOT_TOKEN_CIPHERTEXT = Buffer.from('kms-token').toString('base64');
  process.env.SLACK_API_URL = slack.apiUrl;
  process.env.SNAP_SWEEP_PERIOD_SECONDS = '60';
  kms.on(DecryptCommand).resolves({ Plaintext: Buffer.from(TOKEN) });
  ({ handler } = (await import('../../functions/sweeper/handler')) as unknown as { handler: typeof handler });
});

afterAll(async () => {
  logs.restore();
  await slack.close();
});

beforeEach(() => {
  ddb.reset();
  ddb.on(QueryCommand).resolves({ Items: [] });
  ddb.on(UpdateCommand).resolves({});
  ddb.on(PutCommand).resolves({});
  slack.calls.length = 0;
});

describe('sweeper', () => {
  it('reads every shard of the due-time index for its window, never scanning the table', async () => {
    const tick = new Date(Date.now() - 2_000);

    await run(tick.toISOString());

    const queries = ddb.commandCalls(QueryCommand).map((c) => c.args[0].input);
    expect(queries).toHaveLength(DUE_SHARDS);
    expect(new Set(queries.map((q) => q.ExpressionAttributeValues?.[':shard']))).toEqual(
      new Set(Array.from({ length: DUE_SHARDS }, (_, i) => String(i))),
    );
    for (const q of queries) {
      expect(q.IndexName).toBe('byDue');
      expect(q.ExpressionAttributeValues?.[':before']).toBe(tick.getTime() + 75_000);
    }
    expect(ddb).toHaveReceivedCommandTimes(ScanCommand, 0);
  });

  it('deletes due snaps at their due time, then leaves only their tombstones', async () => {
    // Prepare
    const now = Date.now();
    const items = [posted('1', now - 5_000), posted('2', now + 1_500, 'C2')];
    ddb.on(QueryCommand, { ExpressionAttributeValues: { ':shard': '3' } }).resolves({ Items: items });

    // Act
    const report = await run();

    // Assess
    expect(report).toMatchObject({ found: 2, deleted: 2 });
    const deletes = slack.calls.filter((c) => c.method === 'chat.delete');
    expect(deletes.map((d) => d.params.ts)).toEqual(items.map((i) => i.ts));
    expect(deletes[1]?.at).toBeGreaterThanOrEqual(now + 1_500);
    expect(deletes[1]?.at).toBeLessThan(now + 2_500);
    const puts = ddb.commandCalls(PutCommand).map((c) => c.args[0].input);
    expect(puts.map((put) => put.Item)).toEqual(
      ['snap#T1:1', 'snap#T1:2'].map((pk) => ({ pk, state: 'done', expiresAt: expect.any(Number) })),
    );
    expect(puts.every((put) => put.ConditionExpression === undefined)).toBe(true);
    expect(ddb).toHaveReceivedCommandWith(UpdateCommand, { Key: { pk: 'snap#T1:1' } });
  });

  it('retries after a 429 with Retry-After, as Slack asks', async () => {
    const item = posted('3', Date.now() - 1_000);
    ddb.on(QueryCommand, { ExpressionAttributeValues: { ':shard': '3' } }).resolves({ Items: [item] });
    slack.fault('chat.delete', { status: 429, retryAfterSeconds: 1 });

    const started = Date.now();
    const report = await run();

    expect(report.deleted).toBe(1);
    const deletes = slack.calls.filter((c) => c.method === 'chat.delete');
    expect(deletes.map((d) => d.result)).toEqual(['429', 'ok']);
    expect((deletes[1]?.at ?? 0) - started).toBeGreaterThanOrEqual(1_000);
  });

  it('keeps the record when Slack keeps failing, for the next run', async () => {
    const item = posted('4', Date.now() - 1_000);
    ddb.on(QueryCommand, { ExpressionAttributeValues: { ':shard': '3' } }).resolves({ Items: [item] });
    slack.fault('chat.delete', { status: 500 }, { status: 500 }, { status: 500 });

    const report = await run();

    expect(report.kept).toBe(1);
    expect(ddb).toHaveReceivedCommandTimes(PutCommand, 0);
  });

  it('skips a snap another deleter has leased beyond this run, reading when its lease ends', async () => {
    const item = posted('5', Date.now() - 1_000);
    ddb.on(QueryCommand, { ExpressionAttributeValues: { ':shard': '3' } }).resolves({ Items: [item] });
    ddb
      .on(UpdateCommand)
      .rejects(Object.assign(new Error('held'), { name: 'ConditionalCheckFailedException' }));
    ddb
      .on(GetCommand)
      .resolves({ Item: { ...item, leaseOwner: 'sweep:other', leaseUntil: Date.now() + 60_000 } });

    const report = await run(undefined, 30_000);

    expect(report.leased_elsewhere).toBe(1);
    expect(ddb).toHaveReceivedCommandWith(GetCommand, { Key: { pk: item.pk }, ConsistentRead: true });
    expect(slack.calls.filter((c) => c.method === 'chat.delete')).toHaveLength(0);
  });

  it('leaves what it cannot start before its own timeout', async () => {
    const item = posted('6', Date.now() + 30_000);
    ddb.on(QueryCommand, { ExpressionAttributeValues: { ':shard': '3' } }).resolves({ Items: [item] });

    const report = await run(undefined, 10_000);

    expect(report.left_for_next_run).toBe(1);
    expect(ddb).toHaveReceivedCommandTimes(UpdateCommand, 0);
  });

  it('logs no token', () => {
    expect(logs.lines().join('\n')).not.toContain(TOKEN);
  });

  it('sends only AWS commands that its IAM role in infra/ allows', async () => {
    const allowed = await allowedActions('sweeper');

    expect(sent.size).toBeGreaterThan(0);
    for (const action of sent) expect(allowed).toContain(action);
  });
});
