/**
 * ack: API Gateway → verify the Slack signature → accept the command or interaction → answer
 * within 3 s. Secrets and the first data key are fetched during init, not on the first request.
 */
import middy from '@middy/core';
import httpErrorHandler from '@middy/http-error-handler';
import httpUrlencodeBodyParser from '@middy/http-urlencode-body-parser';
import type { APIGatewayProxyEventV2, Context } from 'aws-lambda';
import { invokeAsync, invokeSync } from '../../shared/adapters/invoker';
import { DataKeySource, resolveSecret } from '../../shared/adapters/kms';
import {
  COMMAND_PATH,
  type FormBody,
  type HttpResult,
  header,
  INTERACTIONS_PATH,
  json,
  readInteraction,
  readSlashCommand,
  retryNumber,
  verifySlackSignature,
} from '../../shared/adapters/slack-request';
import { type AcceptDeps, acceptCommand } from '../../shared/app/accept-command';
import { acceptInteraction, type InteractionAnswer } from '../../shared/app/accept-interaction';
import { ackConfig } from '../../shared/config';
import { malformedReply } from '../../shared/domain/replies';
import { InvokeError } from '../../shared/errors';
import { createLogger, errorFields, type Logger } from '../../shared/log';

/**
 * How long ack waits for a reveal's key from the controls function (a cold start and two AWS
 * calls fit in it), leaving room within Slack's 3 s for the rest of the request.
 */
const REVEAL_KEY_TIMEOUT_MS = 2_000;

const config = ackConfig(process.env);
const baseLog = createLogger({ fn: 'ack' });
const dataKeys = new DataKeySource(config.kmsKeyId);
// Warm the data key while the secret is decrypted; a failure here is retried on first use.
dataKeys.current().catch(() => {});
const signingSecret = await resolveSecret(config.signingSecret, 'SLACK_SIGNING_SECRET');

let log: Logger = baseLog;

const seal: AcceptDeps['seal'] = (aad, content) => dataKeys.seal(aad, content);
const handOff: AcceptDeps['handOff'] = (payload, to) =>
  invokeAsync(to === 'controls' ? config.controlsFunctionName : config.posterFunctionName, payload);
const revealKey: AcceptDeps['revealKey'] = async (request) => {
  const answer = (await invokeSync(config.controlsFunctionName, request, REVEAL_KEY_TIMEOUT_MS)) as {
    publicKey?: unknown;
  } | null;
  const key = typeof answer?.publicKey === 'string' ? Buffer.from(answer.publicKey, 'base64') : undefined;
  if (key?.byteLength !== 32) throw new InvokeError('The controls function made no reveal key');
  return key;
};

/** After the form parser, the body is an object of fields. */
type ParsedEvent = Omit<APIGatewayProxyEventV2, 'body'> & { body: FormBody };

async function handle(event: ParsedEvent): Promise<HttpResult> {
  // Only a verified request's headers are worth a log field; even then, only a small number.
  const retry = retryNumber(header(event, 'x-slack-retry-num'));
  if (retry !== undefined) log = log.child({ slackRetry: retry });
  const form = event.body;
  if (form.ssl_check === '1') return { statusCode: 200, body: '' };
  if (event.rawPath === INTERACTIONS_PATH) return interaction(form);
  if (event.rawPath !== COMMAND_PATH) return json(404, { error: 'not found' });
  const read = readSlashCommand(form);
  if (!read.ok) {
    log.warn('ack.malformed_command', { field: read.field });
    return json(400, malformedReply(read.field));
  }
  const reply = await acceptCommand(read.command, {
    limits: config.limits,
    allowedTeams: config.allowedTeams,
    seal,
    handOff,
    revealKey,
    now: Date.now,
    log,
  });
  // Empty: the poster or the controls function sends the one answer.
  return reply ? json(200, reply) : { statusCode: 200, body: '' };
}

/** A shortcut, button or view: routed by its ids (shared/app/accept-interaction.ts). */
async function interaction(form: FormBody): Promise<HttpResult> {
  const read = readInteraction(form);
  if (read.kind === 'invalid') {
    log.warn('ack.malformed_interaction');
    return json(400, malformedReply());
  }
  if (read.kind === 'ignored') {
    log.info('ack.interaction_ignored', { type: read.type });
    return { statusCode: 200, body: '' };
  }
  const answer = await acceptInteraction(read.interaction, {
    limits: config.limits,
    allowedTeams: config.allowedTeams,
    seal,
    handOff,
    revealKey,
    now: Date.now,
    log,
  });
  return toHttp(answer);
}

function toHttp(answer: InteractionAnswer): HttpResult {
  switch (answer.kind) {
    case 'ok':
      return { statusCode: 200, body: '' };
    case 'reply':
      return json(200, answer.reply);
    case 'errors':
      return json(200, { response_action: 'errors', errors: answer.errors });
  }
}

export const handler = middy<APIGatewayProxyEventV2, HttpResult, Error, Context>()
  .before((request) => {
    log = baseLog.child({ requestId: request.context.awsRequestId });
  })
  .use(
    httpErrorHandler({
      fallbackMessage: 'internal error',
      logger: (error: unknown) => log.error('ack.failed', errorFields(error)),
    }),
  )
  .use(verifySlackSignature({ signingSecret: () => signingSecret, log: () => log }))
  .use(httpUrlencodeBodyParser())
  .handler(handle as never);
