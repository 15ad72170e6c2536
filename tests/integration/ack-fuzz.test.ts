/**
 * Nothing forged: ack under random and hostile input. Every answer is a 4xx or a 200 with an
 * explanation — never a 5xx — and nothing is handed to the poster unless the request carries a
 * valid, fresh signature over exactly those bytes.
 */
import { randomBytes } from 'node:crypto';
import { DecryptCommand, GenerateDataKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import fc from 'fast-check';
import { apiGatewayEvent, slackSignature } from '../../local/api-gateway';
import { lambdaContext } from '../../local/lambda-stand-in';
import { captureStdout } from '../support/logs';
import { commandBody } from '../support/slack-requests';

const SECRET = 'fuzz-signing-secret';
const kms = mockClient(KMSClient);
const lambda = mockClient(LambdaClient);
const logs = captureStdout();
let handler: (event: APIGatewayProxyEventV2, context: Context) => Promise<APIGatewayProxyStructuredResultV2>;

beforeAll(async () => {
  process.env.SLACK_SIGNING_SECRET_CIPHERTEXT = Buffer.from('c').toString('base64');
  process.env.POSTER_FUNCTION_NAME = 'snap-poster';
  process.env.SNAP_KMS_KEY_ID = 'alias/snap';
  delete process.env.ALLOWED_TEAM_IDS;
  kms.on(DecryptCommand).resolves({ Plaintext: Buffer.from(SECRET) });
  kms.on(GenerateDataKeyCommand).resolves({ Plaintext: randomBytes(32), CiphertextBlob: Buffer.from('k') });
  lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
  ({ handler } = (await import('../../functions/ack/handler')) as unknown as { handler: typeof handler });
});

beforeEach(() => {
  lambda.resetHistory();
});

const call = (event: APIGatewayProxyEventV2) => handler(event, lambdaContext('snap-ack', 3000));
const ACCEPTABLE = [200, 400, 401, 404, 413, 415];

describe('ack under hostile input', () => {
  it('never fails and never hands off for unsigned random bodies and headers (property)', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.uint8Array({ maxLength: 2048 }),
        fc.dictionary(
          fc.constantFrom(
            'content-type',
            'Content-Type',
            'X-Slack-Signature',
            'x-slack-request-timestamp',
            'x-slack-retry-num',
          ),
          fc.string(),
        ),
        fc.boolean(),
        async (body, headers, base64) => {
          const result = await call(
            apiGatewayEvent({ path: '/slack/commands', body: Buffer.from(body), headers, base64 }),
          );
          expect(ACCEPTABLE).toContain(result.statusCode);
        },
      ),
      { numRuns: 300 },
    );
    expect(lambda).toHaveReceivedCommandTimes(InvokeCommand, 0);
  });

  it('answers signed garbage with a 4xx or an explanation, never a 5xx (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 1024 }), async (bytes) => {
        const body = Buffer.from(bytes);
        const result = await call(
          apiGatewayEvent({ path: '/slack/commands', body, headers: slackSignature(SECRET, body) }),
        );
        expect(ACCEPTABLE).toContain(result.statusCode);
        if (result.statusCode === 200) expect(JSON.parse(String(result.body))).toHaveProperty('text');
      }),
      { numRuns: 300 },
    );
  });

  it.each([
    ['a body over 1 MB', () => Buffer.alloc(1_100_000, 'a')],
    ['invalid UTF-8', () => Buffer.from([0x74, 0x65, 0x78, 0x74, 0x3d, 0xff, 0xfe, 0xc3, 0x28])],
    ['repeated fields', () => Buffer.from(`${commandBody({ text: '30s a' })}&text=again&team_id=T9`)],
    ['missing fields', () => Buffer.from('text=30s%20hi')],
  ])('handles %s, signed, without a 5xx or a hand-off', async (_name, make) => {
    const body = make();

    const result = await call(
      apiGatewayEvent({ path: '/slack/commands', body, headers: slackSignature(SECRET, body) }),
    );

    expect(ACCEPTABLE).toContain(result.statusCode);
    expect(result.statusCode).not.toBe(200);
    expect(lambda).toHaveReceivedCommandTimes(InvokeCommand, 0);
  });

  it('refuses broken base64 and replays, even of a once-valid request', async () => {
    const body = commandBody({ text: '30s replay me' });
    const old = slackSignature(SECRET, body, Math.floor(Date.now() / 1000) - 400);
    const broken = apiGatewayEvent({ path: '/slack/commands', body, headers: slackSignature(SECRET, body) });
    broken.body = `${broken.body}%%%not-base64`;

    const replayed = await call(apiGatewayEvent({ path: '/slack/commands', body, headers: old }));
    const mangled = await call(broken);

    expect(replayed.statusCode).toBe(401);
    expect(mangled.statusCode).toBe(400);
    expect(lambda).toHaveReceivedCommandTimes(InvokeCommand, 0);
  });

  it('accepts header names in any case', async () => {
    const body = commandBody({ text: '30s header case' });
    const signed = slackSignature(SECRET, body);
    const headers = {
      'Content-Type': signed['content-type'],
      'X-Slack-Request-Timestamp': signed['x-slack-request-timestamp'],
      'X-SLACK-SIGNATURE': signed['x-slack-signature'],
    };

    const result = await call(apiGatewayEvent({ path: '/slack/commands', body, headers }));

    expect(result.statusCode).toBe(200);
    expect(lambda).toHaveReceivedCommandTimes(InvokeCommand, 1);
  });

  describe('interaction payloads', () => {
    const interact = (payload: unknown) => {
      const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
      return call(
        apiGatewayEvent({ path: '/slack/interactions', body, headers: slackSignature(SECRET, body) }),
      );
    };
    const who = { team: { id: 'T0FUZZ' }, user: { id: 'U0FUZZ' } };
    const submit = (callback: string, metadata: unknown, values: unknown) => ({
      ...who,
      type: 'view_submission',
      view: { id: 'V0FUZZ', callback_id: callback, private_metadata: metadata, state: { values } },
    });
    const good = {
      delay: { delay: { type: 'plain_text_input', value: '5m' } },
      text: { text: { type: 'plain_text_input', value: 'fuzzed text' } },
      conversation: { conversation: { type: 'conversations_select', selected_conversation: 'C0FUZZ' } },
    };

    it('answers shortcuts and submissions with unknown callback ids with an empty 200 and hands nothing off (property)', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc
            .string({ minLength: 1, maxLength: 40 })
            .filter((id) => !/^(snap_new|snap_reply|snap_this|delete_snap)$/.test(id)),
          fc.constantFrom('shortcut', 'message_action', 'view_submission', 'view_closed', 'block_actions'),
          async (callback, type) => {
            const result = await interact({
              ...who,
              type,
              callback_id: callback,
              trigger_id: '1.2.3',
              response_url: 'https://hooks.slack.com/a',
              channel: { id: 'C0FUZZ' },
              message: { ts: '1.2', text: 'x' },
              actions: [{ action_id: callback, action_ts: '1.2' }],
              view: { id: 'V1', callback_id: callback, state: { values: {} } },
            });
            expect(ACCEPTABLE).toContain(result.statusCode);
          },
        ),
        { numRuns: 200 },
      );
      expect(lambda).toHaveReceivedCommandTimes(InvokeCommand, 0);
    });

    it('keeps a modal with forged private_metadata open with an error, and hands nothing off (property)', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom('snap_new', 'snap_reply', 'snap_this'),
          fc.oneof(
            fc.string({ maxLength: 400 }),
            fc.jsonValue().map((v) => JSON.stringify(v)),
            fc
              .record({ v: fc.constant(1), n: fc.string(), at: fc.integer(), s: fc.anything() })
              .map((v) => JSON.stringify(v)),
            fc.constant(undefined),
          ),
          async (callback, metadata) => {
            const result = await interact(submit(callback, metadata, good));
            expect(result.statusCode).toBe(200);
            expect(JSON.parse(String(result.body))).toMatchObject({ response_action: 'errors' });
          },
        ),
        { numRuns: 200 },
      );
      expect(lambda).toHaveReceivedCommandTimes(InvokeCommand, 0);
    });

    it('answers oversized and hostile view state without a 5xx, the body limit holding (property)', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.constantFrom('snap_new', 'snap_reply', 'snap_this'),
          fc.dictionary(
            fc.string({ maxLength: 300 }),
            fc.dictionary(fc.string({ maxLength: 300 }), fc.anything({ maxDepth: 3 })),
            { maxKeys: 30 },
          ),
          fc.integer({ min: 0, max: 80_000 }),
          async (callback, values, padding) => {
            const huge = {
              ...values,
              text: { text: { type: 'plain_text_input', value: 'x'.repeat(padding) } },
            };
            const result = await interact(submit(callback, 'x', huge));
            expect(ACCEPTABLE).toContain(result.statusCode);
          },
        ),
        { numRuns: 100 },
      );
      expect(lambda).toHaveReceivedCommandTimes(InvokeCommand, 0);
    });
  });

  it('logs no unhandled failure', () => {
    expect(logs.lines().join('\n')).not.toContain('"event":"ack.failed"');
  });
});
