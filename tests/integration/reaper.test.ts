import { DecryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { DynamoDBDocumentClient, PutCommand } from '@aws-sdk/lib-dynamodb';
import { marshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { type SlackStandIn, startSlack } from '../../local/slack-stand-in';
import type { ReapResult } from '../../shared/app/reap';
import { shardOf } from '../../shared/domain/engine';
import { recordIamActions } from '../support/iam';
import { allowedActions } from '../support/infra';
import { captureStdout } from '../support/logs';

const TOKEN = 'xoxb-reaper';
const kms = mockClient(KMSClient);
const ddb = mockClient(DynamoDBDocumentClient);
const logs = captureStdout();
const sent = recordIamActions([
  [kms, 'kms'],
  [ddb, 'dynamodb'],
]);
let slack: SlackStandIn;
let handler: (event: DynamoDBStreamEvent) => Promise<ReapResult>;
let seq = 100;

const TTL = { type: 'Service', principalId: 'dynamodb.amazonaws.com' };
/** Due long enough ago for TTL to have removed the record. */
const DUE = Math.floor(Date.now() / 1000) * 1000 - 20 * 60_000;

function removal(
  channel: string,
  options: { identity?: object | undefined; state?: string; live?: boolean } = {},
) {
  const ts = `1700000000.${String(++seq).padStart(6, '0')}`;
  if (options.live !== false) {
    slack.messages.set(`${channel}/${ts}`, { channel, ts, text: 'x', blocks: [], postedAt: Date.now() });
  }
  const image = {
    pk: `snap#T1:${seq}`,
    team: 'T1',
    channel,
    user: 'U1',
    state: options.state ?? 'posted',
    ts,
    dueAt: DUE,
    expiresAt: DUE / 1000 + 900,
    createdAt: DUE - 60_000,
    dueShard: '6',
    author: 'T1#U1',
    message: `T1#${channel}#${ts}`,
    leaseUntil: DUE + 30_000,
    leaseOwner: 'sweep:gone',
  };
  const record: DynamoDBRecord = {
    eventID: String(seq),
    eventName: 'REMOVE',
    eventSource: 'aws:dynamodb',
    dynamodb: {
      SequenceNumber: String(seq),
      OldImage: marshall(image) as never,
      Keys: marshall({ pk: image.pk }) as never,
    },
    ...('identity' in options
      ? options.identity
        ? { userIdentity: options.identity }
        : {}
      : { userIdentity: TTL }),
  };
  return { record, ts };
}

beforeAll(async () => {
  slack = await startSlack({ token: TOKEN });
  process.env.SNAP_TABLE_NAME = 'snap-test';
  process.env.SNAP_REVEAL_TABLE_NAME = 'snap-reveal-test';
  process.env.SNAP_KMS_KEY_ID = 'alias/snap-test';
  process.env.SLACK_BOT_TOKEN_CIPHERTEXT = Buffer.from('kms-token').toString('base64');
  process.env.SLACK_API_URL = slack.apiUrl;
  kms.on(DecryptCommand).resolves({ Plaintext: Buffer.from(TOKEN) });
  ({ handler } = (await import('../../functions/reaper/handler')) as unknown as { handler: typeof handler });
});

afterAll(async () => {
  logs.restore();
  await slack.close();
});

beforeEach(() => {
  slack.calls.length = 0;
  ddb.reset();
  ddb.on(PutCommand).resolves({});
});

const deletes = () => slack.calls.filter((c) => c.method === 'chat.delete');

describe('reaper', () => {
  it('deletes the message of a record that TTL removed', async () => {
    const { record, ts } = removal('C1');

    const result = await handler({ Records: [record] });

    expect(result.batchItemFailures).toEqual([]);
    expect(deletes().map((d) => d.params)).toEqual([expect.objectContaining({ channel: 'C1', ts })]);
    expect(slack.live('C1')).toHaveLength(0);
  });

  it('ignores removals made by anyone but TTL, and records never posted', async () => {
    const byUser = removal('C1', { identity: undefined });
    const byOther = removal('C1', { identity: { type: 'Service', principalId: 'other.amazonaws.com' } });
    const unposted = removal('C1', { state: 'posting' });
    const modify = { ...removal('C1').record, eventName: 'MODIFY' as const };

    const result = await handler({ Records: [byUser.record, byOther.record, unposted.record, modify] });

    expect(result.batchItemFailures).toEqual([]);
    expect(deletes()).toHaveLength(0);
  });

  it('ignores the TTL removal of a rate-limit counter', async () => {
    // Prepare: a counter item as the poster writes it, expired by TTL.
    const counter = removal('C1', { live: false }).record;
    const image = { pk: 'limit#user#T1#U1#29000000', n: 30, expiresAt: 1_740_000_120 };
    counter.dynamodb = {
      ...counter.dynamodb,
      OldImage: marshall(image) as never,
      Keys: marshall({ pk: image.pk }) as never,
    };

    // Act
    const result = await handler({ Records: [counter] });

    // Assess
    expect(result.batchItemFailures).toEqual([]);
    expect(deletes()).toHaveLength(0);
  });

  it('puts a record whose message Slack cannot delete now back for the sweeper, in a mixed batch', async () => {
    // Prepare
    const good = removal('C1');
    const gone = removal('C1', { live: false });
    const limited = removal('C2');
    const permanent = removal('C1');
    slack.fault(
      'chat.delete',
      { delayMs: 0 },
      { delayMs: 0 },
      { status: 429, retryAfterSeconds: 30 },
      { error: 'channel_not_found' },
    );
    const before = Math.floor(Date.now() / 1000);

    // Act
    const result = await handler({ Records: [good.record, gone.record, limited.record, permanent.record] });

    // Assess
    expect(result.batchItemFailures).toEqual([]);
    expect(deletes().map((d) => d.result)).toEqual(['ok', 'message_not_found', '429', 'channel_not_found']);
    const puts = ddb.commandCalls(PutCommand).map((c) => c.args[0].input);
    // The three it settled leave tombstones; the rate-limited one goes back whole.
    const tombstones = puts.filter((p) => p.Item?.state === 'done');
    expect(tombstones.map((p) => p.Item?.pk).sort()).toEqual(
      [good, gone, permanent].map((r) => `snap#T1:${Number(r.record.dynamodb?.SequenceNumber)}`).sort(),
    );
    for (const t of tombstones)
      expect(Object.keys(t.Item ?? {}).sort()).toEqual(['expiresAt', 'pk', 'state']);
    const backs = puts.filter((p) => p.Item?.state === 'posted');
    expect(backs).toHaveLength(1);
    const { Item: item, ...put } = backs[0] ?? {};
    expect(put).toEqual({
      TableName: 'snap-test',
      ConditionExpression: 'attribute_not_exists(#pk)',
      ExpressionAttributeNames: { '#pk': 'pk' },
    });
    expect(item).toEqual({
      pk: `snap#T1:${Number(limited.record.dynamodb?.SequenceNumber)}`,
      team: 'T1',
      channel: 'C2',
      user: 'U1',
      state: 'posted',
      ts: limited.ts,
      dueAt: DUE,
      // Back in its workspace's shard, whichever it came from (shard 6: spread at random before).
      dueShard: String(shardOf({ team: 'T1' }, 8)),
      createdAt: DUE - 60_000,
      author: 'T1#U1',
      message: `T1#C2#${limited.ts}`,
      expiresAt: expect.any(Number),
    });
    expect(item?.expiresAt).toBeGreaterThanOrEqual(before + 900);
    expect(item?.expiresAt).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000) + 900);
  });

  it('reports a record back to Lambda only when it cannot be put back; one already back stands', async () => {
    // Prepare
    const unputtable = removal('C3');
    const alreadyBack = removal('C4');
    slack.fault('chat.delete', { status: 503 }, { status: 503 }, { status: 503 });
    slack.fault('chat.delete', { status: 503 }, { status: 503 }, { status: 503 });
    ddb
      .on(PutCommand)
      .rejectsOnce(Object.assign(new Error('throttled'), { name: 'ProvisionedThroughputExceededException' }))
      .rejects(Object.assign(new Error('exists'), { name: 'ConditionalCheckFailedException' }));

    // Act
    const result = await handler({ Records: [unputtable.record, alreadyBack.record] });

    // Assess
    expect(result.batchItemFailures).toEqual([
      { itemIdentifier: unputtable.record.dynamodb?.SequenceNumber },
    ]);
    expect(ddb.commandCalls(PutCommand)).toHaveLength(2);
  });

  it('logs no token', () => {
    expect(logs.lines().join('\n')).not.toContain(TOKEN);
  });

  it('sends only AWS commands that its IAM role in infra/ allows', async () => {
    const allowed = await allowedActions('reaper');

    expect(sent.size).toBeGreaterThan(0);
    for (const action of sent) expect(allowed).toContain(action);
  });
});
