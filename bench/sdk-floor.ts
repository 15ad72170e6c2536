/**
 * The SDK floor of the ack cold start: the two AWS SDK v3 clients ack keeps, making the same
 * three calls (decrypt the signing secret and fetch a data key during init; one async Invoke per
 * request), and nothing else — no middy, no signature check, no sealing, no logging. Bundled
 * exactly as the functions are. What ack costs above this is snap's own code; what this costs
 * is the price of the SDK clients on this machine.
 */
import { DecryptCommand, GenerateDataKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set`);
  return value;
};

const kms = new KMSClient({});
const lambda = new LambdaClient({});
const dataKey = kms.send(
  new GenerateDataKeyCommand({
    KeyId: env('SNAP_KMS_KEY_ID'),
    KeySpec: 'AES_256',
    EncryptionContext: { app: 'snap', purpose: 'message' },
  }),
);
dataKey.catch(() => {});
const secret = await kms.send(
  new DecryptCommand({
    CiphertextBlob: Buffer.from(env('SLACK_SIGNING_SECRET_CIPHERTEXT'), 'base64'),
    EncryptionContext: { app: 'snap', secret: 'SLACK_SIGNING_SECRET' },
  }),
);

export const handler = async (): Promise<{ statusCode: number }> => {
  const key = await dataKey;
  await lambda.send(
    new InvokeCommand({
      FunctionName: env('POSTER_FUNCTION_NAME'),
      InvocationType: 'Event',
      Payload: Buffer.from('{}'),
    }),
  );
  return { statusCode: secret.Plaintext && key.Plaintext ? 200 : 500 };
};
