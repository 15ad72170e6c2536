/**
 * The poster bundle's handler on the modal path, with aws-sdk-client-mock for KMS and DynamoDB and
 * the real web-api client against the Slack stand-in: as the controls function it opens a
 * shortcut's modal within the trigger's life (sealing the binding with a `purpose=view` data key),
 * and as the poster it opens that binding and posts the reply in its thread. Each role sends only
 * the KMS and DynamoDB actions Terraform gives it, with the encryption contexts its grants name.
 */
import { randomBytes } from 'node:crypto';
import { DecryptCommand, GenerateDataKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import {
  BatchGetCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  UpdateCommand,
} from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { lambdaContext } from '../../local/lambda-stand-in';
import { type SlackStandIn, startSlack } from '../../local/slack-stand-in';
import { openViewAad, postAad, sealJson } from '../../shared/domain/seal';
import type { OpenViewRequest, PostRequest } from '../../shared/domain/snap';
import { readMetadata, submissionId } from '../../shared/domain/view-metadata';
import { allowedActions, iamAction } from '../support/infra';
import { captureStdout } from '../support/logs';

const TOKEN = 'xoxb-modals';
const MESSAGE_KEY = randomBytes(32);
const VIEW_KEY = randomBytes(32);
const kms = mockClient(KMSClient);
const ddb = mockClient(DynamoDBDocumentClient);
const logs = captureStdout();
let slack: SlackStandIn;
let handler: (event: unknown, context: Context) => Promise<{ outcome: string }>;

/** The IAM actions and KMS contexts the last invocation used. */
function used(): { actions: string[]; contexts: string[] } {
  const calls = [
    ...kms.calls().map((c) => ['kms', c] as const),
    ...ddb.calls().map((c) => ['dynamodb', c] as const),
  ];
  return {
    actions: [...new Set(calls.map(([s, c]) => iamAction(s, (c.args[0] as object).constructor.name)))].sort(),
    contexts: kms.calls().map((c) => {
      const input = (c.args[0] as { input: { EncryptionContext?: Record<string, string> } }).input;
      return `${(c.args[0] as object).constructor.name}:${input.EncryptionContext?.purpose ?? input.EncryptionContext?.secret}`;
    }),
  };
}

beforeAll(async () => {
  slack = await startSlack({ token: TOKEN });
  Object.assign(process.env, {
    SNAP_TABLE_NAME: 'snap-test',
    SNAP_REVEAL_TABLE_NAME: 'snap-reveal-test',
    SLACK_BOT_TOKEN_CIPHERTEXT: Buffer.from('kms-token').toString('base64'),
    SLACK_API_URL: slack.apiUrl,
    SNAP_KMS_KEY_ID: 'alias/snap',
    SNAP_DEFAULT_DELAY_SECONDS: '300',
    SNAP_LIMIT_USER_PER_MINUTE: '0',
    SNAP_LIMIT_TEAM_PER_MINUTE: '0',
    SNAP_LIMIT_USER_PENDING: '0',
    SLACK_RESPONSE_URL_PREFIX: slack.responseUrlPrefix,
  });
  kms.on(DecryptCommand).callsFake((input: { EncryptionContext?: Record<string, string> }) => {
    if (input.EncryptionContext?.secret === 'SLACK_BOT_TOKEN') return { Plaintext: Buffer.from(TOKEN) };
    if (input.EncryptionContext?.purpose === 'message') return { Plaintext: MESSAGE_KEY };
    if (input.EncryptionContext?.purpose === 'view') return { Plaintext: VIEW_KEY };
    throw new Error('unexpected context');
  });
  kms.on(GenerateDataKeyCommand).callsFake((input: { EncryptionContext?: Record<string, string> }) => {
    if (input.EncryptionContext?.purpose !== 'view') throw new Error('unexpected context');
    return { Plaintext: VIEW_KEY, CiphertextBlob: Buffer.from('wrapped-view-key') };
  });
  ({ handler } = (await import('../../functions/poster/handler')) as unknown as { handler: typeof handler });
});

afterAll(async () => {
  logs.restore();
  await slack.close();
});

/** The workspace's settings item: no policy of its own, U1's own default delay 10 minutes. */
const SETTINGS = { pk: 'policy#T1', 'def:U1': 600 };

/** The table as both roles find it: settings by key, the poster's slots all free, writes taken. */
function tableAnswers() {
  ddb.reset();
  ddb.on(PutCommand).resolves({});
  ddb.on(UpdateCommand).resolves({});
  ddb.on(GetCommand).resolves({ Item: SETTINGS });
  ddb.on(BatchGetCommand).resolves({ Responses: {} });
}

beforeEach(() => {
  kms.resetHistory();
  tableAnswers();
});

describe('the modal path through the poster bundle', () => {
  it('opens the reply modal as controls, its delay filled in with the person’s own default, then posts the submitted reply in the thread as the poster, each within its role', async () => {
    // Prepare: Reply with a snap on a message in a thread, as ack hands it to controls.
    const parent = slack.userMessage({ channel: 'C1', user: 'U2', text: 'the parent' });
    const trigger = slack.trigger({ team: 'T1', user: 'U1' });
    const open: OpenViewRequest = {
      v: 1,
      kind: 'open_view',
      id: `T1:${trigger}`,
      team: 'T1',
      user: 'U1',
      callback: 'snap_reply',
      message: { channel: 'C1', ts: parent.ts, author: 'U2', files: [] },
      receivedAt: Date.now(),
    };
    const wrapped = Buffer.from('wrapped').toString('base64');

    // Act: controls.
    const opened = await handler(
      { ...open, sealed: sealJson(MESSAGE_KEY, wrapped, { triggerId: trigger }, openViewAad(open)) },
      lambdaContext('snap-controls', 90_000),
    );
    const asControls = used();
    const view = [...slack.views.values()].find((v) => v.triggerId === trigger);
    const metadata = String(view?.view.private_metadata);
    const nonce = readMetadata(metadata)?.n ?? '';
    kms.resetHistory();
    tableAnswers();

    // Act: the poster, with what ack hands it for the submission.
    const reply: PostRequest = {
      v: 1,
      id: submissionId('T1', nonce),
      team: 'T1',
      channel: 'C1',
      user: 'U1',
      delaySeconds: 3600,
      receivedAt: Date.now(),
      via: 'snap_reply',
      threadTs: parent.ts,
    };
    const posted = await handler(
      {
        ...reply,
        sealed: sealJson(MESSAGE_KEY, wrapped, { text: 'in the thread', metadata }, postAad(reply)),
      },
      lambdaContext('snap-poster', 120_000),
    );
    const asPoster = used();

    // Assess
    expect([opened.outcome, posted.outcome]).toEqual(['opened', 'posted']);
    // U1's own 10 minutes, not the configured 5 (SNAP_DEFAULT_DELAY_SECONDS).
    expect(JSON.stringify(view?.view.blocks)).toContain('"initial_value":"10m"');
    // Read by key (the poster, here the same warm module, finds them in its cache of a minute).
    expect(asControls.actions).toContain('dynamodb:GetItem');
    expect(slack.live('C1').find((m) => m.text === 'in the thread')?.threadTs).toBe(parent.ts);
    expect(asControls.contexts).toContain('GenerateDataKeyCommand:view');
    expect(asPoster.contexts).toContain('DecryptCommand:view');
    expect(asPoster.contexts).not.toContain('GenerateDataKeyCommand:view');
    const [controlsMay, posterMay] = [await allowedActions('controls'), await allowedActions('poster')];
    for (const action of asControls.actions) expect(controlsMay).toContain(action);
    for (const action of asPoster.actions) expect(posterMay).toContain(action);
    expect(metadata).not.toContain('the parent');
  });
});
