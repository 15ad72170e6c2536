/**
 * The controls function (the poster bundle) on App Home and the policy, against DynamoDB through
 * aws-sdk-client-mock and the Slack stand-in over HTTP with the real @slack/web-api: the Home tab
 * rendered from the author index and published with views.publish; who is an admin asked of
 * Slack with users.info; the policy read by key and written over the version it was made from;
 * a snap refused by the policy without a post; every AWS call one its IAM role allows.
 */
import { randomBytes } from 'node:crypto';
import { DecryptCommand, KMSClient } from '@aws-sdk/client-kms';
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
import { homeAad, postAad, sealJson } from '../../shared/domain/seal';
import type { HomeAction, HomeRequest, PostRequest } from '../../shared/domain/snap';
import { recordIamActions } from '../support/iam';
import { allowedActions } from '../support/infra';
import { captureStdout } from '../support/logs';

const TOKEN = 'xoxb-home-integration';
const DATA_KEY = randomBytes(32);
const WRAPPED_KEY = Buffer.from('wrapped').toString('base64');
const ADMIN = 'U0ADMIN';
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

function homeEvent(home: HomeAction, user = ADMIN) {
  const id = `T1:home-${++n}`;
  const request: HomeRequest = { v: 1, home, team: 'T1', user, receivedAt: Date.now() };
  return { ...request, id, sealed: sealJson(DATA_KEY, WRAPPED_KEY, {}, homeAad(id, request)) };
}

function postEvent(delaySeconds: number) {
  const id = `T1:trigger-${++n}`;
  const request: PostRequest = {
    v: 1,
    id,
    team: 'T1',
    channel: 'C1',
    user: 'U1',
    delaySeconds,
    receivedAt: Date.now(),
  };
  const content = { text: 'over the limit', responseUrl: slack.responseUrl(id) };
  return { ...request, sealed: sealJson(DATA_KEY, WRAPPED_KEY, content, postAad(request)) };
}

const invoke = (e: unknown) => handler(e, lambdaContext('snap-controls', 60_000));
const snapItem = (i: number) => ({
  pk: `snap#T1:s${i}`,
  team: 'T1',
  channel: 'C1',
  user: ADMIN,
  state: 'posted',
  ts: `1700000000.00000${i}`,
  dueAt: 1_900_000_000_000 + i,
  createdAt: 1_800_000_000_000 - i,
  postedAs: 'bot',
});

beforeAll(async () => {
  slack = await startSlack({ token: TOKEN, team: 'T1', admins: [ADMIN] });
  process.env.SNAP_TABLE_NAME = 'snap-test';
  process.env.SNAP_REVEAL_TABLE_NAME = 'snap-reveal-test';
  process.env.SLACK_BOT_TOKEN_CIPHERTEXT = Buffer.from('kms-token').toString('base64');
  process.env.SLACK_API_URL = slack.apiUrl;
  process.env.SNAP_SWEEP_PERIOD_SECONDS = '10';
  process.env.SNAP_LIMIT_USER_PER_MINUTE = '0';
  process.env.SNAP_LIMIT_TEAM_PER_MINUTE = '0';
  process.env.SNAP_LIMIT_USER_PENDING = '0';
  process.env.SNAP_SETTINGS_CACHE_SECONDS = '0';
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
  ddb.on(GetCommand).resolves({});
  ddb.on(PutCommand).resolves({});
  ddb.on(UpdateCommand).resolves({});
  ddb.on(QueryCommand).resolves({ Items: [] });
  slack.calls.length = 0;
});

describe('App Home, in the controls function', () => {
  it('publishes the Home tab with the bot token, from one page of the author index, after asking Slack who the person is', async () => {
    // Prepare: 21 pending snaps, one more than a page.
    ddb.on(QueryCommand).resolves({ Items: Array.from({ length: 21 }, (_, i) => snapItem(i)) });

    // Act
    const { outcome } = await invoke(homeEvent({ kind: 'open' }));

    // Assess
    const publish = slack.calls.find((c) => c.method === 'views.publish');
    const blocks = JSON.stringify(slack.homes.get(ADMIN)?.blocks);
    const query = ddb.commandCalls(QueryCommand)[0]?.args[0].input;
    expect(outcome).toBe('published');
    expect(publish?.by).toBe('fixed');
    expect(slack.calls.some((c) => c.method === 'users.info' && c.params.user === ADMIN)).toBe(true);
    expect(query).toMatchObject({ IndexName: 'byAuthor', ScanIndexForward: false, Limit: 21 });
    expect(blocks.match(/"action_id":"delete_snap"/g)).toHaveLength(20);
    expect(blocks).toContain('"action_id":"home_older"');
    expect(blocks).toContain('Change the policy');
  });

  it('writes an admin’s change over the version it read, by key', async () => {
    // Prepare
    ddb.on(GetCommand, { Key: { pk: 'policy#T1' } }).resolves({
      Item: {
        pk: 'policy#T1',
        rev: 4,
        policy: { reveal: true, asUser: true, offChannels: [], activity: false },
      },
    });

    // Act
    await invoke(homeEvent({ kind: 'policy', change: { kind: 'max', seconds: 3600 } }));

    // Assess
    const write = ddb.commandCalls(UpdateCommand).find((c) => c.args[0].input.Key?.pk === 'policy#T1');
    expect(write?.args[0].input).toMatchObject({
      ConditionExpression: '#rev = :rev',
      ExpressionAttributeValues: expect.objectContaining({
        ':rev': 4,
        ':policy': expect.objectContaining({ maxSeconds: 3600 }),
      }),
    });
  });

  it('asks Slack who the person is once for a change and the Home tab published after it', async () => {
    // Act
    const { outcome } = await invoke(homeEvent({ kind: 'policy', change: { kind: 'max', seconds: 3600 } }));

    // Assess
    expect(outcome).toBe('published');
    expect(JSON.stringify(slack.homes.get(ADMIN)?.blocks)).toContain('Change the policy');
    expect(slack.calls.filter((c) => c.method === 'users.info')).toHaveLength(1);
  });

  it('writes nothing for someone Slack does not call an admin', async () => {
    await invoke(homeEvent({ kind: 'policy', change: { kind: 'max', seconds: 3600 } }, 'U0ANA'));

    expect(ddb.commandCalls(UpdateCommand).filter((c) => c.args[0].input.Key?.pk === 'policy#T1')).toEqual(
      [],
    );
    expect(JSON.stringify(slack.homes.get('U0ANA')?.blocks)).toContain('Only workspace admins');
  });
});

describe('the poster, held to the policy', () => {
  it('refuses a snap over the policy’s longest delay without posting, naming the rule', async () => {
    // Prepare
    ddb.on(GetCommand, { Key: { pk: 'policy#T1' } }).resolves({
      Item: {
        pk: 'policy#T1',
        rev: 1,
        policy: { maxSeconds: 60, reveal: true, asUser: true, offChannels: [], activity: false },
      },
    });

    // Act
    const { outcome } = await invoke(postEvent(3600));

    // Assess
    expect(outcome).toBe('refused_by_policy');
    expect(slack.calls.filter((c) => c.method === 'chat.postMessage')).toEqual([]);
    expect(String(slack.replies.at(-1)?.body.text)).toContain('longest delay to 1 minute');
  });
});

describe('the controls function overall', () => {
  it('sends only AWS commands that its IAM role in infra/ allows', async () => {
    const allowed = await allowedActions('controls');

    expect(sent.size).toBeGreaterThan(0);
    for (const action of sent) expect([action, allowed.has(action)]).toEqual([action, true]);
  });
});
