import { DecryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
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
import type { DispatchReport } from '../../shared/app/dispatch';
import type { SweepReport } from '../../shared/app/sweep';
import { recordIamActions } from '../support/iam';
import { allowedActions } from '../support/infra';
import { captureStdout } from '../support/logs';

const TOKEN = 'xoxb-sweeper';
const kms = mockClient(KMSClient);
const ddb = mockClient(DynamoDBDocumentClient);
const lambda = mockClient(LambdaClient);
const logs = captureStdout();
const sent = recordIamActions([
  [kms, 'kms'],
  [ddb, 'dynamodb'],
  [lambda, 'lambda'],
]);
let slack: SlackStandIn;
let handler: (
  event: unknown,
  context: Context,
) => Promise<SweepReport | { dispatch: DispatchReport; served: SweepReport[] }>;
const SHARDS = 16;
const WORKERS = 4;
/** The shards worker group 3 reads (shard % 4 === 3). */
const GROUP_3 = ['3', '7', '11', '15'];
const FUNCTION = 'snap-sweeper';

function posted(id: string, dueAt: number, channel = 'C1') {
  const ts = `${Math.floor(Date.now() / 1000)}.${id.padStart(6, '0')}`;
  slack.messages.set(`${channel}/${ts}`, { channel, ts, text: 'x', blocks: [], postedAt: Date.now() });
  return { pk: `snap#T1:${id}`, team: 'T1', channel, user: 'U1', state: 'posted', ts, dueAt, dueShard: '3' };
}

/** The dispatcher, as the schedule runs it. */
const dispatchAt = async (time = new Date().toISOString()) =>
  (await handler(
    { 'detail-type': 'Scheduled Event', source: 'aws.events', time },
    lambdaContext(FUNCTION, 100_000),
  )) as { dispatch: DispatchReport };

/** A worker for group 3, as the dispatcher starts it, with the watch naming it. */
const work = async (timeoutMs = 100_000) => {
  const watch = {
    pk: 'watch#3',
    owner: 'claim-1',
    lease: Date.now() + 10_000,
    covers: Date.now() + 85_000,
    gen: 1,
  };
  ddb.on(UpdateCommand, { Key: { pk: 'watch#3' } }).resolves({ Attributes: watch });
  ddb.on(GetCommand, { Key: { pk: 'watch#3' } }).resolves({ Item: watch });
  return (await handler(
    { v: 1, kind: 'sweep-worker', group: 3, owner: 'claim-1' },
    lambdaContext(FUNCTION, timeoutMs),
  )) as SweepReport;
};

beforeAll(async () => {
  slack = await startSlack({ token: TOKEN });
  process.env.SNAP_TABLE_NAME = 'snap-test';
  process.env.SNAP_REVEAL_TABLE_NAME = 'snap-reveal-test';
  process.env.SNAP_KMS_KEY_ID = 'alias/snap-test';
  process.env.SLACK_BOT_TOKEN_CIPHERTEXT = Buffer.from('kms-token').toString('base64');
  process.env.SLACK_API_URL = slack.apiUrl;
  process.env.SNAP_SWEEP_PERIOD_SECONDS = '60';
  process.env.SNAP_DUE_SHARDS = String(SHARDS);
  process.env.SNAP_SWEEP_WORKERS = String(WORKERS);
  process.env.SNAP_SWEEPER_FUNCTION_NAME = FUNCTION;
  kms.on(DecryptCommand).resolves({ Plaintext: Buffer.from(TOKEN) });
  ({ handler } = (await import('../../functions/sweeper/handler')) as unknown as { handler: typeof handler });
});

afterAll(async () => {
  logs.restore();
  await slack.close();
});

beforeEach(() => {
  ddb.reset();
  lambda.reset();
  ddb.on(QueryCommand).resolves({ Items: [] });
  ddb.on(UpdateCommand).resolves({});
  ddb.on(PutCommand).resolves({});
  lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
  slack.calls.length = 0;
});

describe('the sweeper’s dispatcher', () => {
  it('looks at every shard of the due-time index once for its window, reading at most one entry, and starts nobody when nothing is due', async () => {
    // Prepare
    const tick = new Date(Date.now() - 2_000);
    ddb.on(QueryCommand).resolves({ Count: 0 });

    // Act
    const { dispatch } = await dispatchAt(tick.toISOString());

    // Assess
    const queries = ddb.commandCalls(QueryCommand).map((c) => c.args[0].input);
    expect(queries).toHaveLength(SHARDS);
    expect(new Set(queries.map((q) => q.ExpressionAttributeValues?.[':shard']))).toEqual(
      new Set(Array.from({ length: SHARDS }, (_, i) => String(i))),
    );
    for (const q of queries) {
      expect(q).toMatchObject({ IndexName: 'byDue', Select: 'COUNT', Limit: 1 });
      expect(q.ExpressionAttributeValues?.[':before']).toBe(tick.getTime() + 75_000);
    }
    expect(dispatch).toMatchObject({ groups: WORKERS, busy: 0 });
    expect(ddb).toHaveReceivedCommandTimes(ScanCommand, 0);
    expect(ddb).toHaveReceivedCommandTimes(UpdateCommand, 0);
    expect(lambda).toHaveReceivedCommandTimes(InvokeCommand, 0);
  });

  it('starts a worker for the group with work: a claim on its watch, then an asynchronous invocation', async () => {
    // Prepare: shard 7 (group 3) has a snap due; no worker is on watch (the hand-over's condition fails).
    ddb.on(QueryCommand).resolves({ Count: 0 });
    ddb.on(QueryCommand, { ExpressionAttributeValues: { ':shard': '7' } }).resolves({ Count: 1 });
    ddb
      .on(UpdateCommand, { UpdateExpression: 'ADD #gen :one' })
      .rejects(Object.assign(new Error('no owner'), { name: 'ConditionalCheckFailedException' }));

    // Act
    const { dispatch } = await dispatchAt();

    // Assess
    expect(dispatch).toMatchObject({ busy: 1, summoned: 1 });
    const claim = ddb
      .commandCalls(UpdateCommand)
      .map((c) => c.args[0].input)
      .find((i) => i.UpdateExpression?.startsWith('SET'));
    expect(claim).toMatchObject({
      Key: { pk: 'watch#3' },
      ConditionExpression: 'attribute_not_exists(#owner) OR #lease < :now OR #covers < :need',
    });
    const [invoke] = lambda.commandCalls(InvokeCommand).map((c) => c.args[0].input);
    expect(invoke).toMatchObject({ FunctionName: FUNCTION, InvocationType: 'Event' });
    expect(JSON.parse(Buffer.from(invoke?.Payload as Uint8Array).toString())).toEqual({
      v: 1,
      kind: 'sweep-worker',
      group: 3,
      owner: claim?.ExpressionAttributeValues?.[':owner'],
    });
  });
});

describe('a sweeper worker', () => {
  it('reads only its group’s shards, due order, and ends by giving its watch back once idle', async () => {
    const report = await work();

    const queries = ddb.commandCalls(QueryCommand).map((c) => c.args[0].input);
    expect(queries.map((q) => q.ExpressionAttributeValues?.[':shard']).sort()).toEqual([...GROUP_3].sort());
    expect(report.found).toBe(0);
    const release = ddb
      .commandCalls(UpdateCommand)
      .map((c) => c.args[0].input)
      .find((i) => i.UpdateExpression?.startsWith('REMOVE'));
    expect(release).toMatchObject({
      Key: { pk: 'watch#3' },
      ConditionExpression: '#owner = :owner AND #gen = :gen AND attribute_not_exists(#ids)',
      ExpressionAttributeValues: { ':owner': 'claim-1', ':gen': 1 },
    });
  });

  it('does nothing when the watch names another worker', async () => {
    ddb
      .on(UpdateCommand, { Key: { pk: 'watch#3' } })
      .rejects(Object.assign(new Error('not owner'), { name: 'ConditionalCheckFailedException' }));

    const report = (await handler(
      { v: 1, kind: 'sweep-worker', group: 3, owner: 'stale' },
      lambdaContext(FUNCTION, 100_000),
    )) as SweepReport;

    expect(report.found).toBe(0);
    expect(ddb).toHaveReceivedCommandTimes(QueryCommand, 0);
  });

  it('deletes due snaps at their due time, then leaves only their tombstones', async () => {
    // Prepare
    const now = Date.now();
    const items = [posted('1', now - 5_000), posted('2', now + 1_500, 'C2')];
    ddb.on(QueryCommand, { ExpressionAttributeValues: { ':shard': '3' } }).resolves({ Items: items });

    // Act
    const report = await work();

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
    expect(ddb).toHaveReceivedCommandWith(GetCommand, { Key: { pk: 'watch#3' }, ConsistentRead: true });
  });

  it('retries after a 429 with Retry-After, as Slack asks', async () => {
    const item = posted('3', Date.now() - 1_000);
    ddb.on(QueryCommand, { ExpressionAttributeValues: { ':shard': '3' } }).resolves({ Items: [item] });
    slack.fault('chat.delete', { status: 429, retryAfterSeconds: 1 });

    const started = Date.now();
    const report = await work();

    expect(report.deleted).toBe(1);
    const deletes = slack.calls.filter((c) => c.method === 'chat.delete');
    expect(deletes.map((d) => d.result)).toEqual(['429', 'ok']);
    expect((deletes[1]?.at ?? 0) - started).toBeGreaterThanOrEqual(1_000);
  });

  it('keeps the record when Slack keeps failing, for the next run', async () => {
    const item = posted('4', Date.now() - 1_000);
    ddb.on(QueryCommand, { ExpressionAttributeValues: { ':shard': '3' } }).resolves({ Items: [item] });
    slack.fault('chat.delete', { status: 500 }, { status: 500 }, { status: 500 });

    const report = await work();

    expect(report.kept).toBe(1);
    expect(ddb).toHaveReceivedCommandTimes(PutCommand, 0);
  });

  it('skips a snap another deleter has leased beyond this run, reading when its lease ends', async () => {
    const item = posted('5', Date.now() - 1_000);
    ddb.on(QueryCommand, { ExpressionAttributeValues: { ':shard': '3' } }).resolves({ Items: [item] });
    ddb
      .on(UpdateCommand, { Key: { pk: item.pk } })
      .rejects(Object.assign(new Error('held'), { name: 'ConditionalCheckFailedException' }));
    ddb
      .on(GetCommand, { Key: { pk: item.pk } })
      .resolves({ Item: { ...item, leaseOwner: 'sweep:other', leaseUntil: Date.now() + 60_000 } });

    const report = await work(30_000);

    expect(report.leased_elsewhere).toBe(1);
    expect(ddb).toHaveReceivedCommandWith(GetCommand, { Key: { pk: item.pk }, ConsistentRead: true });
    expect(slack.calls.filter((c) => c.method === 'chat.delete')).toHaveLength(0);
  });

  it('leaves what it cannot start before its own timeout', async () => {
    const item = posted('6', Date.now() + 30_000);
    ddb.on(QueryCommand, { ExpressionAttributeValues: { ':shard': '3' } }).resolves({ Items: [item] });

    const report = await work(10_000);

    expect(report.left_for_next_run).toBe(1);
    expect(ddb).not.toHaveReceivedCommandWith(UpdateCommand, { Key: { pk: item.pk } });
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
