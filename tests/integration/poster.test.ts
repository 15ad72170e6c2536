import { randomBytes } from 'node:crypto';
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { DecryptCommand, KMSClient } from '@aws-sdk/client-kms';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import {
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
import type { AuthorEvent, PosterEvent } from '../../shared/app/accept-command';
import { authorAad, postAad, sealJson } from '../../shared/domain/seal';
import type { AuthorAction, AuthorRequest, PostRequest } from '../../shared/domain/snap';
import { recordIamActions } from '../support/iam';
import { allowedActions } from '../support/infra';
import { captureStdout } from '../support/logs';

const TOKEN = 'xoxb-integration';
const DATA_KEY = randomBytes(32);
const TEXT = 'the door code is 4711';
const WRAPPED_KEY = Buffer.from('wrapped').toString('base64');
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
let handler: (event: unknown, context: Context) => Promise<{ outcome: string }>;
let n = 0;

/** A poster event as ack makes it: clear fields, and the content sealed with them bound in. */
function event(
  delaySeconds: number,
  text = TEXT,
  fields: Partial<Pick<PostRequest, 'channel' | 'user'>> = {},
  responseUrl?: string,
): PosterEvent {
  const id = `T1:trigger-${++n}`;
  const request: PostRequest = {
    v: 1,
    id,
    team: 'T1',
    channel: 'C1',
    user: 'U1',
    delaySeconds,
    receivedAt: Date.now(),
    ...fields,
  };
  const content = { text, responseUrl: responseUrl ?? slack.responseUrl(id) };
  return { ...request, sealed: sealJson(DATA_KEY, WRAPPED_KEY, content, postAad(request)) };
}

/** An author's request as ack makes it. */
function authorEvent(id: string, action: AuthorAction, user = 'U1'): AuthorEvent {
  const request: AuthorRequest = { v: 1, action, team: 'T1', channel: 'C1', user, receivedAt: Date.now() };
  const content = { responseUrl: slack.responseUrl(id) };
  return { ...request, id, sealed: sealJson(DATA_KEY, WRAPPED_KEY, content, authorAad(id, request)) };
}

const invoke = (e: unknown) => handler(e, lambdaContext('snap-poster', 120_000));

beforeAll(async () => {
  slack = await startSlack({ token: TOKEN, notInChannel: ['C-not-member'] });
  process.env.SNAP_TABLE_NAME = 'snap-test';
  process.env.SNAP_REVEAL_TABLE_NAME = 'snap-reveal-test';
  process.env.SNAP_KMS_KEY_ID = 'alias/snap-test';
  process.env.SLACK_BOT_TOKEN_CIPHERTEXT = Buffer.from('kms-token').toString('base64');
  process.env.SLACK_API_URL = slack.apiUrl;
  process.env.SNAP_SWEEP_PERIOD_SECONDS = '10';
  process.env.SNAP_SWEEPER_FUNCTION_NAME = 'snap-sweeper';
  process.env.SNAP_DUE_SHARDS = '8';
  process.env.SNAP_SWEEP_WORKERS = '2';
  // The limits have their own suite (poster-limits.test.ts); here every DynamoDB call is the snap's.
  process.env.SNAP_LIMIT_USER_PER_MINUTE = '0';
  process.env.SNAP_LIMIT_TEAM_PER_MINUTE = '0';
  process.env.SNAP_LIMIT_USER_PENDING = '0';
  // So are the posters in flight (there too).
  process.env.SNAP_POSTERS_PER_WORKSPACE = '0';
  process.env.SNAP_POSTERS_PER_ORG = '0';
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
  lambda.reset();
  // No policy is set in the workspace (policy#…): the open policy applies.
  ddb.on(GetCommand).resolves({});
  ddb.on(PutCommand).resolves({});
  ddb.on(UpdateCommand).resolves({});
  lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
  slack.calls.length = 0;
  slack.replies.length = 0;
});

const callsTo = (method: string) => slack.calls.filter((c) => c.method === method);

describe('poster', () => {
  it('posts once as the user, with the expiry line, and records where the message is without its text', async () => {
    // Act
    const { outcome } = await invoke(event(3600));

    // Assess
    expect(outcome).toBe('posted');
    const [post] = callsTo('chat.postMessage');
    expect(callsTo('chat.postMessage')).toHaveLength(1);
    expect(post?.params).toMatchObject({
      channel: 'C1',
      text: TEXT,
      username: 'User U1',
      icon_url: 'https://avatars.example/U1.png',
    });
    expect(JSON.stringify(post?.params.blocks)).toContain('self-destructs <!date^');
    const put = ddb.commandCalls(PutCommand)[0]?.args[0].input;
    expect(put?.ConditionExpression).toBe('attribute_not_exists(#pk)');
    expect(put?.Item).toMatchObject({
      pk: `snap#T1:trigger-${n}`,
      team: 'T1',
      channel: 'C1',
      user: 'U1',
      state: 'posting',
    });
    const update = ddb.commandCalls(UpdateCommand)[0]?.args[0].input;
    expect(update?.ExpressionAttributeValues).toMatchObject({
      ':posted': 'posted',
      ':ts': expect.any(String),
    });
    for (const c of ddb.calls()) expect(JSON.stringify(c.args[0].input)).not.toContain('4711');
  });

  it('stores a due time in ms and a TTL in seconds after it', async () => {
    const before = Date.now();

    await invoke(event(3600));

    const item = ddb.commandCalls(PutCommand)[0]?.args[0].input.Item as { dueAt: number; expiresAt: number };
    expect(item.dueAt).toBeGreaterThanOrEqual(before + 3_600_000);
    expect(item.dueAt % 1000).toBe(0);
    expect(item.expiresAt).toBeGreaterThan(item.dueAt / 1000);
  });

  it('posts nothing when the request id was already claimed (a repeated delivery)', async () => {
    ddb.on(PutCommand).rejects(new ConditionalCheckFailedException({ message: 'exists', $metadata: {} }));
    ddb
      .on(GetCommand)
      .resolves({ Item: { pk: 'snap#x', team: 'T1', channel: 'C1', user: 'U1', state: 'posted', dueAt: 1 } });

    const { outcome } = await invoke(event(3600));

    expect(outcome).toBe('duplicate');
    expect(callsTo('chat.postMessage')).toHaveLength(0);
  });

  it('takes the message back down and tells the user when recording fails', async () => {
    ddb.on(UpdateCommand).rejects(new Error('ProvisionedThroughputExceeded'));

    const { outcome } = await invoke(event(3600));

    expect(outcome).toBe('untracked');
    expect(callsTo('chat.postMessage')).toHaveLength(1);
    expect(callsTo('chat.delete')).toHaveLength(1);
    expect(slack.replies.at(-1)?.body.text).toContain('removed it at once');
  });

  it('tells the user to invite the app when it is not in the channel, and keeps only a tombstone', async () => {
    const e = event(60, TEXT, { channel: 'C-not-member' });

    const { outcome } = await invoke(e);

    expect(outcome).toBe('refused');
    expect(slack.replies.at(-1)?.body).toMatchObject({ response_type: 'ephemeral' });
    expect(String(slack.replies.at(-1)?.body.text)).toContain('/invite @snap');
    expect(ddb.commandCalls(PutCommand)[1]?.args[0].input.Item).toEqual({
      pk: `snap#${e.id}`,
      state: 'done',
      expiresAt: expect.any(Number),
    });
  });

  it('never retries chat.postMessage after a server error, says the outcome is unknown, marks the claim lost', async () => {
    slack.fault('chat.postMessage', { status: 500 });
    const e = event(60);

    const { outcome } = await invoke(e);

    expect(outcome).toBe('lost');
    expect(callsTo('chat.postMessage')).toHaveLength(1);
    expect(String(slack.replies.at(-1)?.body.text)).toContain('may not have been posted');
    expect(ddb).toHaveReceivedCommandWith(PutCommand, {
      Item: { pk: `snap#${e.id}`, state: 'lost', expiresAt: expect.any(Number) },
      ConditionExpression: '#state = :posting',
    });
  });

  it('answers no response_url outside the configured prefix, and logs the refusal without the URL', async () => {
    // Prepare: a refused post whose (sealed, signed) response_url points somewhere else.
    const elsewhere = `${slack.url}/elsewhere/${n + 1}`;
    const e = event(60, TEXT, { channel: 'C-not-member' }, elsewhere);
    const before = logs.lines().length;

    // Act
    const { outcome } = await invoke(e);

    // Assess
    const lines = logs.lines().slice(before).join('\n');
    expect(outcome).toBe('refused');
    expect(slack.calls.filter((c) => c.method.includes('elsewhere'))).toHaveLength(0);
    expect(slack.replies).toHaveLength(0);
    expect(lines).toContain('"error":"response_url_refused"');
    expect(lines).not.toContain('/elsewhere/');
  });

  it('still posts, as the bot, when the user profile cannot be read', async () => {
    slack.fault('users.info', { status: 500 }, { status: 500 }, { status: 500 });

    const { outcome } = await invoke(event(3600, TEXT, { user: 'U-fresh' }));

    expect(outcome).toBe('posted');
    expect(callsTo('chat.postMessage')[0]?.params.username).toBeUndefined();
  });

  it('hands a two-second snap to its group’s worker on watch with one conditional write, and returns', async () => {
    // Act
    const started = Date.now();
    const { outcome } = await invoke(event(2));

    // Assess: recorded in its workspace's shard, then handed on that shard's group's watch.
    expect(outcome).toBe('posted');
    expect(Date.now() - started).toBeLessThan(1_000);
    const updates = ddb.commandCalls(UpdateCommand).map((c) => c.args[0].input);
    const shard = Number(updates[0]?.ExpressionAttributeValues?.[':shard']);
    expect(updates[1]).toMatchObject({
      Key: { pk: `watch#${shard % 2}` },
      UpdateExpression: 'ADD #ids :ids',
      ConditionExpression: '#lease >= :now AND #covers >= :need',
      ExpressionAttributeValues: {
        ':ids': new Set([`T1:trigger-${n}`]),
        ':need': updates[0]?.ExpressionAttributeValues?.[':due'],
      },
    });
    expect(updates).toHaveLength(2);
    expect(lambda).toHaveReceivedCommandTimes(InvokeCommand, 0);
    expect(callsTo('chat.delete')).toHaveLength(0);
  });

  it('starts its group’s worker, an asynchronous invocation of the sweeper, when none is on watch', async () => {
    // Prepare: the hand-over's condition fails (nobody on watch); the claim succeeds.
    ddb
      .on(UpdateCommand, { UpdateExpression: 'ADD #ids :ids' })
      .rejects(new ConditionalCheckFailedException({ message: 'no owner', $metadata: {} }));

    // Act
    const { outcome } = await invoke(event(5));

    // Assess
    expect(outcome).toBe('posted');
    const claim = ddb
      .commandCalls(UpdateCommand)
      .map((c) => c.args[0].input)
      .find((i) => String(i.UpdateExpression).startsWith('SET #owner'));
    expect(claim?.ExpressionAttributeValues?.[':ids']).toEqual(new Set([`T1:trigger-${n}`]));
    const [invoked] = lambda.commandCalls(InvokeCommand).map((c) => c.args[0].input);
    expect(invoked).toMatchObject({ FunctionName: 'snap-sweeper', InvocationType: 'Event' });
    expect(JSON.parse(Buffer.from(invoked?.Payload as Uint8Array).toString())).toMatchObject({
      kind: 'sweep-worker',
      owner: claim?.ExpressionAttributeValues?.[':owner'],
    });
  });

  it('drops an event whose sealed payload was tampered with, posting nothing', async () => {
    const e = event(60);
    e.sealed.data = Buffer.from('garbage-garbage-garbage').toString('base64');

    const { outcome } = await invoke(e);

    expect(outcome).toBe('rejected');
    expect(callsTo('chat.postMessage')).toHaveLength(0);
  });

  it('answers /snap list from the author index, newest first, through response_url', async () => {
    // Prepare
    ddb.on(QueryCommand).resolves({
      Items: [
        {
          pk: 'snap#T1:new',
          team: 'T1',
          channel: 'C2',
          user: 'U1',
          state: 'posted',
          ts: '2.0',
          dueAt: 1_800_000_100_000,
        },
        {
          pk: 'snap#T1:old',
          team: 'T1',
          channel: 'C1',
          user: 'U1',
          state: 'posted',
          ts: '1.0',
          dueAt: 1_800_000_200_000,
        },
      ],
    });
    // Act
    const { outcome } = await invoke(authorEvent(`T1:list-${++n}`, { kind: 'list' }));

    // Assess
    expect(outcome).toBe('listed');
    expect(ddb).toHaveReceivedCommandWith(QueryCommand, {
      IndexName: 'byAuthor',
      ExpressionAttributeValues: { ':author': 'T1#U1' },
      ScanIndexForward: false,
    });
    const reply = slack.replies.at(-1)?.body as { blocks: Array<{ accessory?: { value: string } }> };
    expect(reply.blocks.flatMap((b) => (b.accessory ? [b.accessory.value] : []))).toEqual([
      'T1:new',
      'T1:old',
    ]);
  });

  it('deletes a snap from the shortcut only for its author, found through the message index', async () => {
    ddb.on(QueryCommand).resolves({
      Items: [
        {
          pk: 'snap#T1:x',
          team: 'T1',
          channel: 'C1',
          user: 'U1',
          state: 'posted',
          ts: '1.5',
          dueAt: Date.now() + 60_000,
        },
      ],
    });
    slack.messages.set('C1/1.5', { channel: 'C1', ts: '1.5', text: 'x', blocks: [], postedAt: Date.now() });
    const request = (user: string) =>
      authorEvent(`T1:short-${++n}`, { kind: 'delete_message', ts: '1.5' }, user);

    const stranger = await invoke(request('U2'));
    const author = await invoke(request('U1'));

    expect([stranger.outcome, author.outcome]).toEqual(['not_author', 'deleted']);
    expect(ddb).toHaveReceivedCommandWith(QueryCommand, {
      IndexName: 'byMessage',
      ExpressionAttributeValues: { ':message': 'T1#C1#1.5' },
    });
    expect(callsTo('chat.delete')).toHaveLength(1);
    expect(ddb).toHaveReceivedCommandWith(PutCommand, {
      Item: { pk: 'snap#T1:x', state: 'done', expiresAt: expect.any(Number) },
    });
  });

  it('posts @here, @channel and group mentions inert unless allowed', async () => {
    const { outcome } = await invoke(event(3600, '<!here> lunch, <!subteam^S1|@oncall> too, <@U7|ana> hi'));

    expect(outcome).toBe('posted');
    const post = callsTo('chat.postMessage').at(-1);
    expect(post?.params.text).toBe('@\u200Bhere lunch, @\u200Boncall too, <@U7|ana> hi');
    expect(JSON.stringify(post?.params.blocks)).not.toContain('<!here>');
  });

  it('never writes the message text or the token to its logs', () => {
    const text = logs.lines().join('\n');

    expect(text).toContain('"event":"poster.posted"');
    expect(text).not.toContain('4711');
    expect(text).not.toContain(TOKEN);
  });

  it('sends only AWS commands that its IAM role in infra/ allows', async () => {
    const allowed = await allowedActions('poster');

    expect(sent.size).toBeGreaterThan(0);
    for (const action of sent) expect(allowed).toContain(action);
  });
});
