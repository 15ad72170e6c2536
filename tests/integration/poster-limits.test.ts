/**
 * The poster's limits with its default configuration (no SNAP_LIMIT_* or SNAP_POSTERS_* set): what
 * it asks DynamoDB before a post — the counters, the pending count, a slot of the workspace's
 * posters in flight — and what an author over a limit, or in a busy workspace, gets.
 */
import { randomBytes } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DecryptCommand, KMSClient } from '@aws-sdk/client-kms';
import {
  BatchGetCommand,
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { lambdaContext } from '../../local/lambda-stand-in';
import { type SlackStandIn, startSlack } from '../../local/slack-stand-in';
import type { PosterEvent } from '../../shared/app/accept-command';
import { POST_RETRY_BUDGET_MS } from '../../shared/app/post-snap';
import { DEFAULT_LIMITS } from '../../shared/domain/limits';
import { postAad, sealJson } from '../../shared/domain/seal';
import { recordIamActions } from '../support/iam';
import { allowedActions } from '../support/infra';
import { captureStdout } from '../support/logs';

const TOKEN = 'xoxb-integration-limits';
const DATA_KEY = randomBytes(32);
const TEXT = 'the vault combination is 31-7-22';
const kms = mockClient(KMSClient);
const ddb = mockClient(DynamoDBDocumentClient);
const logs = captureStdout();
const sent = recordIamActions([
  [kms, 'kms'],
  [ddb, 'dynamodb'],
]);
let slack: SlackStandIn;
let handler: (event: unknown, context: Context) => Promise<{ outcome: string }>;
let n = 0;

function event(user = 'U1'): PosterEvent {
  const id = `T1:limits-${++n}`;
  const request = {
    v: 1 as const,
    id,
    team: 'T1',
    channel: 'C1',
    user,
    delaySeconds: 3600,
    receivedAt: Date.now(),
  };
  return {
    ...request,
    sealed: sealJson(
      DATA_KEY,
      Buffer.from('wrapped').toString('base64'),
      { text: TEXT, responseUrl: slack.responseUrl(id) },
      postAad(request),
    ),
  };
}

const invoke = (e: unknown) => handler(e, lambdaContext('snap-poster', 120_000));
/** Counter updates whose key starts with `prefix` fail as DynamoDB fails them; the rest succeed. */
function failCounters(
  prefix: string,
  error: () => Error = () => new ConditionalCheckFailedException({ message: 'full', $metadata: {} }),
) {
  ddb.on(UpdateCommand).callsFake((input: { Key?: { pk?: string } }) => {
    if (String(input.Key?.pk).startsWith(prefix)) throw error();
    return {};
  });
}
const callsTo = (method: string) => slack.calls.filter((c) => c.method === method);
/** The counter updates sent, by key. */
const counterUpdates = () =>
  ddb
    .commandCalls(UpdateCommand)
    .map((c) => c.args[0].input)
    .filter((input) => String(input.Key?.pk).startsWith('limit#'));

beforeAll(async () => {
  slack = await startSlack({ token: TOKEN });
  for (const name of [
    'SNAP_LIMIT_USER_PER_MINUTE',
    'SNAP_LIMIT_TEAM_PER_MINUTE',
    'SNAP_LIMIT_USER_PENDING',
    'SNAP_POSTERS_PER_WORKSPACE',
    'SNAP_POSTERS_PER_ORG',
  ])
    delete process.env[name];
  process.env.SNAP_TABLE_NAME = 'snap-test';
  process.env.SNAP_REVEAL_TABLE_NAME = 'snap-reveal-test';
  process.env.SNAP_KMS_KEY_ID = 'alias/snap-test';
  process.env.SLACK_BOT_TOKEN_CIPHERTEXT = Buffer.from('kms-token').toString('base64');
  process.env.SLACK_API_URL = slack.apiUrl;
  process.env.SNAP_SWEEP_PERIOD_SECONDS = '10';
  process.env.SLACK_RESPONSE_URL_PREFIX = slack.responseUrlPrefix;
  kms.on(DecryptCommand).callsFake((input: { EncryptionContext?: Record<string, string> }) => {
    if (input.EncryptionContext?.secret === 'SLACK_BOT_TOKEN') return { Plaintext: Buffer.from(TOKEN) };
    if (input.EncryptionContext?.purpose === 'message') return { Plaintext: DATA_KEY };
    throw new Error('unexpected context');
  });
  ({ handler } = (await import('../../functions/poster/handler')) as unknown as { handler: typeof handler });
});

afterAll(async () => {
  logs.restore();
  await slack.close();
});

beforeEach(() => {
  ddb.reset();
  // No policy is set in the workspace (policy#…): the open policy applies.
  ddb.on(GetCommand).resolves({});
  ddb.on(PutCommand).resolves({});
  ddb.on(UpdateCommand).resolves({});
  ddb.on(DeleteCommand).resolves({});
  ddb.on(QueryCommand).resolves({ Count: 0 });
  ddb.on(BatchGetCommand).resolves({ Responses: { 'snap-test': [] } });
  slack.calls.length = 0;
  slack.replies.length = 0;
});

describe('poster limits (defaults)', () => {
  it('takes one of the workspace’s ten poster slots with its deadline and the TTL attribute, and gives it back once posted', async () => {
    // Act
    const { outcome } = await invoke(event());

    // Assess
    expect(outcome).toBe('posted');
    const read = ddb.commandCalls(BatchGetCommand)[0]?.args[0].input;
    expect(read?.RequestItems?.['snap-test']?.Keys).toEqual(
      Array.from({ length: 10 }, (_, i) => ({ pk: `slot#T1#${i}` })),
    );
    const take = ddb
      .commandCalls(PutCommand)
      .map((c) => c.args[0].input)
      .find((input) => String(input.Item?.pk).startsWith('slot#'));
    expect(take?.Item).toEqual({
      pk: expect.stringMatching(/^slot#T1#\d$/),
      owner: expect.stringMatching(/^poster:T1:limits-/),
      until: expect.any(Number),
      expiresAt: expect.any(Number),
    });
    expect(Number(take?.Item?.expiresAt) * 1000).toBeGreaterThan(Number(take?.Item?.until));
    const giveBack = ddb.commandCalls(DeleteCommand)[0]?.args[0].input;
    expect(giveBack).toMatchObject({
      Key: { pk: take?.Item?.pk },
      ExpressionAttributeValues: { ':owner': take?.Item?.owner },
    });
  });

  it('tells the author snap is busy in the workspace when its ten posters are all posting, and posts nothing', async () => {
    // Prepare: every slot held by another poster until a minute from now.
    const until = Date.now() + 60_000;
    ddb.on(BatchGetCommand).resolves({
      Responses: { 'snap-test': Array.from({ length: 10 }, (_, i) => ({ pk: `slot#T1#${i}`, until })) },
    });

    // Act
    const { outcome } = await invoke(event());

    // Assess
    expect(outcome).toBe('busy');
    expect(callsTo('chat.postMessage')).toHaveLength(0);
    expect(slack.replies.map((r) => String(r.body.text))).toEqual([
      expect.stringContaining('snap is busy in this workspace'),
    ]);
  });

  it('counts the author and the workspace in this minute, and the author live snaps, before posting', async () => {
    // Prepare
    const minute = Math.floor(Date.now() / 60_000);

    // Act
    const { outcome } = await invoke(event());

    // Assess
    expect(outcome).toBe('posted');
    const updates = counterUpdates();
    const window = updates[0]?.Key?.pk === `limit#user#T1#U1#${minute}` ? minute : minute + 1;
    expect(updates).toEqual([
      {
        TableName: 'snap-test',
        Key: { pk: `limit#user#T1#U1#${window}` },
        UpdateExpression: 'ADD #n :one SET #ttl = :ttl',
        ConditionExpression: 'attribute_not_exists(#n) OR #n < :limit',
        ExpressionAttributeNames: { '#n': 'n', '#ttl': 'expiresAt' },
        ExpressionAttributeValues: {
          ':one': 1,
          ':limit': DEFAULT_LIMITS.userPerMinute,
          ':ttl': (window + 1) * 60 + 60,
        },
      },
      expect.objectContaining({
        Key: { pk: `limit#team#T1#${window}` },
        ExpressionAttributeValues: expect.objectContaining({ ':limit': DEFAULT_LIMITS.teamPerMinute }),
      }),
    ]);
    expect(ddb).toHaveReceivedCommandWith(QueryCommand, {
      IndexName: 'byAuthor',
      ExpressionAttributeValues: { ':author': 'T1#U1' },
      Select: 'COUNT',
      Limit: DEFAULT_LIMITS.userPending,
    });
    expect(callsTo('chat.postMessage')).toHaveLength(1);
    for (const c of ddb.calls()) expect(JSON.stringify(c.args[0].input)).not.toContain('31-7-22');
  });

  it('refuses an author over the per-minute limit: says when to try again, posts nothing, settles the claim for good', async () => {
    // Prepare: the user's counter for this minute is full.
    failCounters('limit#user#');

    // Act
    const e = event();
    const { outcome } = await invoke(e);

    // Assess
    expect(outcome).toBe('limited');
    expect(callsTo('chat.postMessage')).toHaveLength(0);
    expect(callsTo('users.info')).toHaveLength(0);
    const reply = String(slack.replies.at(-1)?.body.text);
    expect(reply).toMatch(
      /^:hourglass: You are sending snaps faster than snap allows \(30 a minute\)\. Nothing was posted\. Try again in \d+ seconds?\.$/,
    );
    expect(slack.replies.at(-1)?.body.response_type).toBe('ephemeral');
    expect(counterUpdates().map((u) => String(u.Key?.pk).split('#')[1])).toEqual(['user']);
    // A tombstone, not a release: a late repeat of this request must not post behind a new try.
    expect(ddb).toHaveReceivedCommandWith(PutCommand, {
      Item: expect.objectContaining({ pk: `snap#${e.id}`, state: 'done' }),
    });
    expect(ddb).not.toHaveReceivedCommand(DeleteCommand);
  });

  it('refuses an author who already has the most pending snaps, without touching the workspace counter', async () => {
    ddb.on(QueryCommand).resolves({ Count: DEFAULT_LIMITS.userPending });

    const { outcome } = await invoke(event());

    expect(outcome).toBe('limited');
    expect(callsTo('chat.postMessage')).toHaveLength(0);
    expect(String(slack.replies.at(-1)?.body.text)).toContain(
      `You have ${DEFAULT_LIMITS.userPending} snaps waiting to self-destruct`,
    );
    expect(counterUpdates().some((u) => String(u.Key?.pk).startsWith('limit#team#'))).toBe(false);
  });

  it('refuses everyone in a workspace over its limit', async () => {
    failCounters('limit#team#');

    const outcomes = [(await invoke(event('U1'))).outcome, (await invoke(event('U2'))).outcome];

    expect(outcomes).toEqual(['limited', 'limited']);
    expect(callsTo('chat.postMessage')).toHaveLength(0);
    expect(String(slack.replies.at(-1)?.body.text)).toContain('This workspace is sending snaps faster');
  });

  it('posts anyway when the counters cannot be reached', async () => {
    failCounters('limit#', () => new Error('InternalServerError'));

    const { outcome } = await invoke(event());

    expect(outcome).toBe('posted');
    expect(logs.lines().join('\n')).toContain('"event":"poster.limits_unchecked"');
  });

  it('gives up on a post Slack keeps rate-limiting once the retry budget is spent, and says Slack is busy', async () => {
    // Prepare: Retry-After 6 s (waited 6–9 s with jitter): one retry fits in the 10 s budget, a second does not.
    slack.fault(
      'chat.postMessage',
      { status: 429, retryAfterSeconds: 6 },
      { status: 429, retryAfterSeconds: 6 },
    );
    const started = Date.now();

    // Act
    const e = event();
    const { outcome } = await invoke(e);

    // Assess
    const elapsed = Date.now() - started;
    expect(outcome).toBe('refused');
    expect(callsTo('chat.postMessage').map((c) => c.result)).toEqual(['429', '429']);
    expect(elapsed).toBeGreaterThanOrEqual(6_000);
    expect(elapsed).toBeLessThan(POST_RETRY_BUDGET_MS);
    expect(String(slack.replies.at(-1)?.body.text)).toBe(
      ':warning: Your snap was not posted. Slack is busy in this channel right now and did not take it. Try again in a minute.',
    );
    expect(ddb).toHaveReceivedCommandWith(PutCommand, {
      Item: expect.objectContaining({ pk: `snap#${e.id}`, state: 'done' }),
    });
  }, 20_000);

  it('never writes the message text to its logs', () => {
    expect(logs.lines().join('\n')).toContain('"event":"poster.limited"');
    expect(logs.lines().join('\n')).not.toContain('31-7-22');
  });

  it('sends only AWS commands that its IAM role in infra/ allows', async () => {
    const allowed = await allowedActions('poster');

    expect(sent).toContain('dynamodb:Query');
    expect(sent).toContain('dynamodb:UpdateItem');
    for (const action of sent) expect(allowed).toContain(action);
  });
});
