import { randomBytes } from 'node:crypto';
import { DecryptCommand, GenerateDataKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { InvokeCommand, LambdaClient } from '@aws-sdk/client-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { lambdaContext } from '../../local/lambda-stand-in';
import { openSecret, revealPublicKey } from '../../shared/domain/reveal-seal';
import { postAad, revealOpenAad, revealPostAad, revealSecretAad, unsealJson } from '../../shared/domain/seal';
import type { PostRequest } from '../../shared/domain/snap';
import { recordIamActions } from '../support/iam';
import { allowedActions } from '../support/infra';
import { captureStdout } from '../support/logs';
import { commandBody, signedEvent } from '../support/slack-requests';

const SECRET = 'test-signing-secret';
const DATA_KEY = randomBytes(32);
const kms = mockClient(KMSClient);
const lambda = mockClient(LambdaClient);
const logs = captureStdout();
const sent = recordIamActions([
  [kms, 'kms'],
  [lambda, 'lambda'],
]);

type Handler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyStructuredResultV2>;
let handler: Handler;

function mockAws() {
  kms.on(DecryptCommand).callsFake((input: { EncryptionContext?: Record<string, string> }) => {
    if (input.EncryptionContext?.secret !== 'SLACK_SIGNING_SECRET') throw new Error('unexpected context');
    return { Plaintext: Buffer.from(SECRET) };
  });
  kms
    .on(GenerateDataKeyCommand)
    .resolves({ Plaintext: DATA_KEY, CiphertextBlob: Buffer.from('wrapped-data-key') });
  lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
}

beforeAll(async () => {
  process.env.SLACK_SIGNING_SECRET_CIPHERTEXT = Buffer.from('kms-ciphertext').toString('base64');
  process.env.POSTER_FUNCTION_NAME = 'snap-poster';
  process.env.CONTROLS_FUNCTION_NAME = 'snap-controls';
  process.env.SNAP_KMS_KEY_ID = 'alias/snap';
  mockAws();
  ({ handler } = (await import('../../functions/ack/handler')) as unknown as { handler: Handler });
});

afterAll(() => logs.restore());

beforeEach(() => {
  lambda.resetHistory();
});

const call = (event: APIGatewayProxyEventV2) => handler(event, lambdaContext('snap-ack', 3000));
const send = (text: string, extra: Parameters<typeof signedEvent>[1] | object = {}) =>
  call(signedEvent(commandBody({ text }), { secret: SECRET, ...extra }));
const replyText = (result: APIGatewayProxyStructuredResultV2) =>
  (JSON.parse(String(result.body)) as { text: string }).text;

describe('ack', () => {
  it('hands a valid command to the poster asynchronously and answers with an empty 200, the post being the answer', async () => {
    // Act
    const result = await send('30s the door code is 4711');

    // Assess: no first answer that the poster could contradict (not installed, a limit…).
    expect(result.statusCode).toBe(200);
    expect(result.body).toBe('');
    expect(lambda).toHaveReceivedCommandTimes(InvokeCommand, 1);
    expect(lambda).toHaveReceivedCommandWith(InvokeCommand, {
      FunctionName: 'snap-poster',
      InvocationType: 'Event',
    });
  });

  it('sends the poster only routing data in the clear and the message sealed under the KMS data key', async () => {
    // Act
    await send('45s the door code is 4711');

    // Assess
    const input = lambda.commandCalls(InvokeCommand)[0]?.args[0].input;
    const payload = JSON.parse(Buffer.from(input?.Payload as Uint8Array).toString()) as Record<
      string,
      unknown
    > &
      PostRequest & {
        sealed: { key: string; iv: string; data: string };
      };
    const wire = JSON.stringify(payload);
    expect(wire).not.toContain('code is 4711');
    expect(wire).not.toContain('hooks.slack.com');
    expect(payload).toMatchObject({ v: 1, team: 'T0001', channel: 'C0001', user: 'U0001', delaySeconds: 45 });
    expect(payload.id).toMatch(/^T0001:/);
    expect(Buffer.from(payload.sealed.key, 'base64').toString()).toBe('wrapped-data-key');
    expect(unsealJson(DATA_KEY, payload.sealed, postAad(payload))).toEqual({
      text: 'the door code is 4711',
      responseUrl: 'https://hooks.slack.com/commands/T0001/1/abc',
    });
  });

  it('decrypts the signing secret and fetches a data key once per cold start, not per request', async () => {
    await send('10s one');
    await send('10s two');

    expect(kms).toHaveReceivedCommandTimes(DecryptCommand, 1);
    expect(kms).toHaveReceivedCommandWith(DecryptCommand, {
      EncryptionContext: { app: 'snap', secret: 'SLACK_SIGNING_SECRET' },
    });
    expect(kms).toHaveReceivedCommandTimes(GenerateDataKeyCommand, 1);
    expect(kms).toHaveReceivedCommandWith(GenerateDataKeyCommand, {
      KeyId: 'alias/snap',
      KeySpec: 'AES_256',
      EncryptionContext: { app: 'snap', purpose: 'message' },
    });
  });

  it('accepts a base64-encoded body', async () => {
    const result = await send('5m base64 body', { base64: true });

    expect(result.statusCode).toBe(200);
    expect(lambda).toHaveReceivedCommandTimes(InvokeCommand, 1);
  });

  it.each([
    ['a wrong secret', { secret: 'not-the-secret' }],
    ['a stale timestamp', { skewSeconds: -330 }],
    ['a future timestamp', { skewSeconds: 330 }],
    ['no signature', { signature: '' }],
    ['another version prefix', { signature: `v1=${'0'.repeat(64)}` }],
  ])('refuses a request with %s: 401, no detail, nothing invoked', async (_name, options) => {
    // The clock is read when the test runs, not when the table was built.
    const { skewSeconds, ...rest } = options as { skewSeconds?: number };
    const timestamp = skewSeconds === undefined ? undefined : Math.floor(Date.now() / 1000) + skewSeconds;
    const result = await call(
      signedEvent(commandBody({ text: '30s hi' }), {
        secret: SECRET,
        ...rest,
        ...(timestamp ? { timestamp } : {}),
      }),
    );

    expect(result.statusCode).toBe(401);
    expect(result.body).toBe('');
    expect(lambda).toHaveReceivedCommandTimes(InvokeCommand, 0);
  });

  it('refuses a body altered after signing', async () => {
    const event = signedEvent(commandBody({ text: '30s hi' }), { secret: SECRET });
    event.body = String(event.body).replace('30s', '1s');

    const result = await call(event);

    expect(result.statusCode).toBe(401);
    expect(lambda).toHaveReceivedCommandTimes(InvokeCommand, 0);
  });

  it('answers help with usage and posts nothing', async () => {
    const result = await send('help');

    expect(replyText(result)).toContain('/snap [delay] message');
    expect(lambda).toHaveReceivedCommandTimes(InvokeCommand, 0);
  });

  it.each(['0s hi', '400d hi', '-5s hi', '30s'])(
    'explains why "%s" is refused and posts nothing',
    async (text) => {
      const result = await send(text);

      expect(result.statusCode).toBe(200);
      expect(replyText(result)).toMatch(/Nothing was posted/);
      expect(replyText(result)).toMatch(/`10s`|your message/);
      expect(lambda).toHaveReceivedCommandTimes(InvokeCommand, 0);
    },
  );

  it("answers Slack's ssl_check", async () => {
    const result = await call(signedEvent('ssl_check=1&token=x', { secret: SECRET }));

    expect(result.statusCode).toBe(200);
    expect(lambda).toHaveReceivedCommandTimes(InvokeCommand, 0);
  });

  it('answers 400 to a signed request missing a field, and 415 to one that is not a form', async () => {
    const missing = new URLSearchParams(commandBody({ text: '30s hi' }));
    missing.delete('channel_id');

    const noChannel = await call(signedEvent(missing.toString(), { secret: SECRET }));
    const notForm = await call(
      signedEvent('{"text":"hi"}', { secret: SECRET, headers: { 'content-type': 'application/json' } }),
    );

    expect(noChannel.statusCode).toBe(400);
    expect(replyText(noChannel)).toBe(
      'That request was missing something snap needs: a usable `channel_id`. Please try again.',
    );
    expect(notForm.statusCode).toBe(415);
    expect(lambda).toHaveReceivedCommandTimes(InvokeCommand, 0);
  });

  it('tells the user to retry when the hand-off fails, without a 5xx', async () => {
    lambda.on(InvokeCommand).rejectsOnce(new Error('throttled'));

    const result = await send('30s the door code is 4711');

    expect(result.statusCode).toBe(200);
    expect(replyText(result)).toContain('Nothing was posted');
    lambda.on(InvokeCommand).resolves({ StatusCode: 202 });
  });

  it('never writes the message text or the signing secret to its logs', async () => {
    await send('30s the door code is 4711');
    await call(signedEvent(commandBody({ text: '30s the door code is 4711' }), { secret: 'wrong' }));

    const text = logs.lines().join('\n');
    expect(text).toContain('"event":"command.accepted"');
    expect(text).not.toContain('code is 4711');
    expect(text).not.toContain(SECRET);
    expect(text).not.toContain('hooks.slack.com');
  });

  it('logs Slack’s retry number only once the request is verified, and only as a small number', async () => {
    // Prepare: an attacker-chosen header on an unsigned request, then real and junk retry numbers.
    const junk = 'x'.repeat(10_000);
    const linesOf = async (event: APIGatewayProxyEventV2) => {
      const before = logs.lines().length;
      await call(event);
      return logs
        .lines()
        .slice(before)
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    };
    const retried = (secret: string, retry: string) =>
      signedEvent(commandBody({ text: '30s hi' }), { secret, headers: { 'x-slack-retry-num': retry } });

    // Act
    const forged = await linesOf(retried('wrong', junk));
    const real = await linesOf(retried(SECRET, '2'));
    const odd = await linesOf(retried(SECRET, `1${junk}`));

    // Assess
    expect(forged.map((l) => l.event)).toEqual(['ack.signature_rejected']);
    expect(forged[0]).not.toHaveProperty('slackRetry');
    expect(real.find((l) => l.event === 'command.accepted')).toMatchObject({ slackRetry: 2 });
    expect(odd.find((l) => l.event === 'command.accepted')).not.toHaveProperty('slackRetry');
    expect(logs.lines().join('\n')).not.toContain(junk);
  });

  it('hands /snap list to the controls function and leaves the one answer to it', async () => {
    const result = await send('list');

    expect(result.statusCode).toBe(200);
    expect(result.body).toBe('');
    expect(lambda).toHaveReceivedCommandWith(InvokeCommand, {
      FunctionName: 'snap-controls',
      InvocationType: 'Event',
    });
    const payload = JSON.parse(
      Buffer.from(lambda.commandCalls(InvokeCommand)[0]?.args[0].input.Payload as Uint8Array).toString(),
    ) as Record<string, unknown>;
    expect(payload).toMatchObject({ v: 1, action: { kind: 'list' }, team: 'T0001', user: 'U0001' });
    expect(JSON.stringify(payload)).not.toContain('hooks.slack.com');
  });

  it('hands /snap revoke to the controls function, as the author asking, answering nothing itself', async () => {
    const result = await send('revoke');

    expect(result.body).toBe('');
    expect(lambda).toHaveReceivedCommandWith(InvokeCommand, { FunctionName: 'snap-controls' });
    const payload = JSON.parse(
      Buffer.from(lambda.commandCalls(InvokeCommand)[0]?.args[0].input.Payload as Uint8Array).toString(),
    ) as Record<string, unknown>;
    expect(payload).toMatchObject({ v: 1, action: { kind: 'revoke' }, team: 'T0001', user: 'U0001' });
  });

  it('passes the Enterprise Grid org of a command on, bound into the seal', async () => {
    // Act
    await call(
      signedEvent(commandBody({ text: '45s in the org', enterprise_id: 'E0ORG' }), { secret: SECRET }),
    );
    await call(
      signedEvent(commandBody({ text: '45s not an org id', enterprise_id: 'nonsense' }), { secret: SECRET }),
    );

    // Assess
    const [inOrg, odd] = lambda.commandCalls(InvokeCommand).map(
      (c) =>
        JSON.parse(Buffer.from(c.args[0].input.Payload as Uint8Array).toString()) as PostRequest & {
          sealed: { key: string; iv: string; data: string };
        },
    );
    expect(inOrg?.enterprise).toBe('E0ORG');
    expect(unsealJson(DATA_KEY, inOrg?.sealed as never, postAad(inOrg as PostRequest))).toMatchObject({
      text: 'in the org',
    });
    expect(() =>
      unsealJson(
        DATA_KEY,
        inOrg?.sealed as never,
        postAad({ ...(inOrg as PostRequest), enterprise: 'E0OTHER' }),
      ),
    ).toThrow();
    expect(odd).not.toHaveProperty('enterprise');
  });

  it('passes the org of an interaction on', async () => {
    const payload = {
      type: 'block_actions',
      team: { id: 'T0001', enterprise_id: 'E0ORG' },
      enterprise: { id: 'E0ORG' },
      user: { id: 'U0001' },
      container: { channel_id: 'C0001' },
      response_url: 'https://hooks.slack.com/actions/T0001/2/y',
      actions: [{ action_id: 'delete_snap', value: 'T0001:trig.1', action_ts: '1700000001.2' }],
    };
    const event = signedEvent(new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), {
      secret: SECRET,
    });
    event.rawPath = '/slack/interactions';

    await call(event);

    const sent = JSON.parse(
      Buffer.from(lambda.commandCalls(InvokeCommand)[0]?.args[0].input.Payload as Uint8Array).toString(),
    ) as Record<string, unknown>;
    expect(sent).toMatchObject({ team: 'T0001', enterprise: 'E0ORG', action: { kind: 'delete' } });
  });

  it('hands the Delete snap now shortcut to the poster with the clicked message, answering 200 at once', async () => {
    // Prepare
    const payload = {
      type: 'message_action',
      callback_id: 'delete_snap',
      trigger_id: 'trig.9',
      team: { id: 'T0001' },
      channel: { id: 'C0001' },
      user: { id: 'U0002' },
      message: { ts: '1700000000.000100', text: 'anything' },
      response_url: 'https://hooks.slack.com/actions/T0001/1/x',
    };
    const body = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    const event = signedEvent(body, { secret: SECRET });
    event.rawPath = '/slack/interactions';

    // Act
    const result = await call(event);

    // Assess
    expect(result.statusCode).toBe(200);
    expect(result.body).toBe('');
    const sent = JSON.parse(
      Buffer.from(lambda.commandCalls(InvokeCommand)[0]?.args[0].input.Payload as Uint8Array).toString(),
    ) as Record<string, unknown>;
    expect(sent).toMatchObject({
      action: { kind: 'delete_message', ts: '1700000000.000100' },
      team: 'T0001',
      channel: 'C0001',
      user: 'U0002',
    });
    expect(JSON.stringify(sent)).not.toContain('anything');
  });

  it('hands a Delete now button to the controls function with the snap id', async () => {
    const payload = {
      type: 'block_actions',
      team: { id: 'T0001' },
      user: { id: 'U0001' },
      container: { type: 'message', channel_id: 'C0001', message_ts: '1700000000.000200' },
      response_url: 'https://hooks.slack.com/actions/T0001/2/y',
      actions: [{ action_id: 'delete_snap', value: 'T0001:trig.1', action_ts: '1700000001.1' }],
    };
    const event = signedEvent(new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), {
      secret: SECRET,
    });
    event.rawPath = '/slack/interactions';

    const result = await call(event);

    expect(result.statusCode).toBe(200);
    expect(lambda).toHaveReceivedCommandTimes(InvokeCommand, 1);
    expect(lambda).toHaveReceivedCommandWith(InvokeCommand, { FunctionName: 'snap-controls' });
    const sent = JSON.parse(
      Buffer.from(lambda.commandCalls(InvokeCommand)[0]?.args[0].input.Payload as Uint8Array).toString(),
    ) as Record<string, unknown>;
    expect(sent).toMatchObject({ action: { kind: 'delete', snapId: 'T0001:trig.1' }, user: 'U0001' });
    expect((sent.action as Record<string, unknown>).list).toBeUndefined();
  });

  it('marks a Delete now button from /snap list (an ephemeral message) so the answer replaces the list', async () => {
    // Prepare: Slack's container for a button in an ephemeral message.
    const payload = {
      type: 'block_actions',
      team: { id: 'T0001' },
      user: { id: 'U0001' },
      container: {
        type: 'message',
        channel_id: 'C0001',
        is_ephemeral: true,
        message_ts: '1700000000.000300',
      },
      response_url: 'https://hooks.slack.com/actions/T0001/3/z',
      actions: [{ action_id: 'delete_snap', value: 'T0001:trig.2', action_ts: '1700000001.3' }],
    };
    const event = signedEvent(new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), {
      secret: SECRET,
    });
    event.rawPath = '/slack/interactions';

    // Act
    await call(event);

    // Assess
    const sent = JSON.parse(
      Buffer.from(lambda.commandCalls(InvokeCommand)[0]?.args[0].input.Payload as Uint8Array).toString(),
    ) as Record<string, unknown>;
    expect(sent).toMatchObject({ action: { kind: 'delete', snapId: 'T0001:trig.2', list: true } });
  });

  it('asks the controls function for a reveal’s key, waiting for it, and seals the secret to that key before handing the reveal to the poster', async () => {
    // Prepare: the controls function answers with the public half of a key only it keeps.
    const privateKey = randomBytes(32);
    lambda.on(InvokeCommand, { InvocationType: 'RequestResponse' }).resolves({
      StatusCode: 200,
      Payload: Buffer.from(
        JSON.stringify({ publicKey: Buffer.from(revealPublicKey(privateKey)).toString('base64') }),
      ) as never,
    });

    // Act
    const result = await send('reveal 10m <@U0ANA> the vault is 0451');

    // Assess: one wait for the key (nothing secret asked), one hand-off, an empty 200.
    const calls = lambda.commandCalls(InvokeCommand).map((c) => c.args[0].input);
    const payloads = calls.map(
      (c) => JSON.parse(Buffer.from(c.Payload as Uint8Array).toString()) as Record<string, unknown>,
    );
    expect(result).toMatchObject({ statusCode: 200, body: '' });
    expect(calls.map((c) => [c.FunctionName, c.InvocationType])).toEqual([
      ['snap-controls', 'RequestResponse'],
      ['snap-poster', 'Event'],
    ]);
    expect(payloads[0]).toMatchObject({ kind: 'reveal_key', team: 'T0001', channel: 'C0001', user: 'U0001' });
    const event = payloads[1] as unknown as Parameters<typeof revealPostAad>[0] & {
      sealed: { key: string; iv: string; data: string };
    };
    expect(event.id).toBe(payloads[0]?.id);
    expect(event).toMatchObject({ delaySeconds: 600, reveal: { for: ['U0ANA'] } });
    expect(JSON.stringify(payloads)).not.toContain('0451');
    // The trip's seal opens with the trip's key; what it holds opens only with the reveal's own.
    const content = unsealJson(DATA_KEY, event.sealed, revealPostAad(event)) as {
      secret: Parameters<typeof openSecret>[1];
      responseUrl: string;
    };
    expect(JSON.stringify(content)).not.toContain('0451');
    expect(content.responseUrl).toBe('https://hooks.slack.com/commands/T0001/1/abc');
    expect(openSecret(privateKey, content.secret, revealSecretAad({ ...event, for: event.reveal.for }))).toBe(
      'the vault is 0451',
    );
    expect(() =>
      openSecret(randomBytes(32), content.secret, revealSecretAad({ ...event, for: event.reveal.for })),
    ).toThrow();
    lambda.on(InvokeCommand, { InvocationType: 'RequestResponse' }).rejects(new Error('not mocked'));
  });

  it('refuses a reveal when the controls function makes no key (it failed, or took too long): nothing handed on, one answer', async () => {
    lambda.on(InvokeCommand, { InvocationType: 'RequestResponse' }).resolvesOnce({
      StatusCode: 200,
      FunctionError: 'Unhandled',
      Payload: Buffer.from('{}') as never,
    });

    const result = await send('reveal <@U0ANA> never sent 7777');

    expect(result.statusCode).toBe(200);
    expect(replyText(result)).toBe(
      'snap could not take your secret right now. Nothing was posted; please try again in a moment.',
    );
    expect(lambda.commandCalls(InvokeCommand).map((c) => c.args[0].input.InvocationType)).toEqual([
      'RequestResponse',
    ]);
    expect(logs.lines().join('\n')).not.toContain('7777');
  });

  it('hands a click on Reveal to the controls function with the card it came from, the response_url sealed', async () => {
    // Prepare
    const payload = {
      type: 'block_actions',
      team: { id: 'T0001' },
      user: { id: 'U0ANA' },
      channel: { id: 'C0001' },
      container: { type: 'message', channel_id: 'C0001', message_ts: '1700000000.000300' },
      response_url: 'https://hooks.slack.com/actions/T0001/3/z',
      actions: [{ action_id: 'snap_reveal', value: 'reveal:T0001:trig.9', action_ts: '1700000002.5' }],
    };
    const event = signedEvent(new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), {
      secret: SECRET,
    });
    event.rawPath = '/slack/interactions';

    // Act
    const result = await call(event);

    // Assess
    expect(result).toMatchObject({ statusCode: 200, body: '' });
    const input = lambda.commandCalls(InvokeCommand)[0]?.args[0].input;
    const sent = JSON.parse(Buffer.from(input?.Payload as Uint8Array).toString()) as Parameters<
      typeof revealOpenAad
    >[0] & {
      sealed: { key: string; iv: string; data: string };
    };
    expect([input?.FunctionName, input?.InvocationType]).toEqual(['snap-controls', 'Event']);
    expect(sent).toMatchObject({
      kind: 'reveal_open',
      id: 'T0001:1700000002.5',
      revealId: 'reveal:T0001:trig.9',
      messageTs: '1700000000.000300',
      channel: 'C0001',
      user: 'U0ANA',
    });
    expect(JSON.stringify(sent)).not.toContain('hooks.slack.com');
    expect(unsealJson(DATA_KEY, sent.sealed, revealOpenAad(sent))).toEqual({
      responseUrl: 'https://hooks.slack.com/actions/T0001/3/z',
    });
  });

  it('verifies interactions like commands, and refuses broken payloads without acting', async () => {
    const body = new URLSearchParams({ payload: '{"type":"message_action"' }).toString();
    const broken = signedEvent(body, { secret: SECRET });
    broken.rawPath = '/slack/interactions';
    const unsigned = signedEvent(body, { secret: 'wrong' });
    unsigned.rawPath = '/slack/interactions';
    const interaction = (payload: object) => {
      const event = signedEvent(new URLSearchParams({ payload: JSON.stringify(payload) }).toString(), {
        secret: SECRET,
      });
      event.rawPath = '/slack/interactions';
      return event;
    };
    const nobody = interaction({ type: 'view_submission' });
    const unknownView = interaction({
      type: 'view_submission',
      team: { id: 'T0001' },
      user: { id: 'U0001' },
      view: { id: 'V1', callback_id: 'not_snaps', state: { values: {} } },
    });
    const otherType = interaction({ type: 'block_suggestion', team: { id: 'T0001' }, user: { id: 'U0001' } });

    expect((await call(broken)).statusCode).toBe(400);
    expect((await call(unsigned)).statusCode).toBe(401);
    expect((await call(nobody)).statusCode).toBe(400);
    expect(await call(unknownView)).toMatchObject({ statusCode: 200, body: '' });
    expect(await call(otherType)).toMatchObject({ statusCode: 200, body: '' });
    expect(lambda).toHaveReceivedCommandTimes(InvokeCommand, 0);
  });

  it('sends only AWS commands that its IAM role in infra/ allows', async () => {
    const allowed = await allowedActions('ack');

    expect(sent.size).toBeGreaterThan(0);
    for (const action of sent) expect(allowed).toContain(action);
  });
});
