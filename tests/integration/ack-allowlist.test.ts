import { DecryptCommand, GenerateDataKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { beforeAll, describe, expect, it } from '@jest/globals';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { lambdaContext } from '../../local/lambda-stand-in';
import { captureStdout } from '../support/logs';
import { commandBody, signedEvent } from '../support/slack-requests';

const SECRET = 'allowlist-signing-secret';
const kms = mockClient(KMSClient);
const lambda = mockClient(LambdaClient);
captureStdout();
let handler: (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

beforeAll(async () => {
  process.env.SLACK_SIGNING_SECRET_CIPHERTEXT = Buffer.from('c').toString('base64');
  process.env.POSTER_FUNCTION_NAME = 'snap-poster';
  process.env.SNAP_KMS_KEY_ID = 'alias/snap';
  process.env.ALLOWED_TEAM_IDS = 'T0001, T0003, E0ORG';
  kms.on(DecryptCommand).resolves({ Plaintext: Buffer.from(SECRET) });
  kms
    .on(GenerateDataKeyCommand)
    .resolves({ Plaintext: Buffer.alloc(32, 7), CiphertextBlob: Buffer.from('k') });
  lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
  ({ handler } = (await import('../../functions/ack/handler')) as unknown as { handler: typeof handler });
});

const send = (team: string, enterprise?: string) =>
  handler(
    signedEvent(
      commandBody({ text: '30s hi', team_id: team, ...(enterprise ? { enterprise_id: enterprise } : {}) }),
      { secret: SECRET },
    ),
    lambdaContext('snap-ack', 3000),
  );

describe('ack with ALLOWED_TEAM_IDS', () => {
  it('refuses a command from another workspace with a clear message, posting nothing', async () => {
    const result = await send('T0002');

    expect(result.statusCode).toBe(200);
    expect(String(result.body)).toContain('not enabled for this workspace');
    expect(lambda).toHaveReceivedCommandTimes(InvokeCommand, 0);
  });

  it('serves the listed workspaces', async () => {
    const result = await send('T0003');

    expect(result.statusCode).toBe(200);
    expect(result.body).toBe('');
    expect(lambda).toHaveReceivedCommandTimes(InvokeCommand, 1);
  });

  it('serves every workspace of a listed Enterprise Grid org, and no other org’s', async () => {
    lambda.resetHistory();

    const inOrg = await send('T0SUB1', 'E0ORG');
    const otherOrg = await send('T0SUB9', 'E0OTHER');

    expect(inOrg.body).toBe('');
    expect(String(otherOrg.body)).toContain('not enabled for this workspace');
    expect(lambda).toHaveReceivedCommandTimes(InvokeCommand, 1);
  });
});
