import { DecryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { marshall } from '@aws-sdk/util-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { type SlackStandIn, startSlack } from '../../local/slack-stand-in';
import type { ReapResult } from '../../shared/app/reap';
import { recordIamActions } from '../support/iam';
import { allowedActions } from '../support/infra';
import { captureStdout } from '../support/logs';

const TOKEN = 'xoxb-reaper';
const kms = mockClient(KMSClient);
const logs = captureStdout();
const sent = recordIamActions([[kms, 'kms']]);
let slack: SlackStandIn;
let handler: (event: DynamoDBStreamEvent) => Promise<ReapResult>;
let seq = 100;

const TTL = { type: 'Service', principalId: 'dynamodb.amazonaws.com' };

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
    dueAt: 1,
    expiresAt: 2,
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

  it('reports only retryable failures back to Lambda in a mixed batch', async () => {
    // Prepare
    const good = removal('C1');
    const gone = removal('C1', { live: false });
    const slow = removal('C1');
    const permanent = removal('C1');
    slack.fault(
      'chat.delete',
      { delayMs: 0 },
      { delayMs: 0 },
      { status: 429, retryAfterSeconds: 30 },
      { error: 'channel_not_found' },
    );

    // Act
    const result = await handler({ Records: [good.record, gone.record, slow.record, permanent.record] });

    // Assess
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: slow.record.dynamodb?.SequenceNumber }]);
    expect(deletes().map((d) => d.result)).toEqual(['ok', 'message_not_found', '429', 'channel_not_found']);
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
