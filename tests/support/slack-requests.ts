/** Builds API Gateway (HTTP API, payload 2.0) events carrying slash commands, signed as Slack signs them. */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { computeSignature } from '../../shared/domain/signature';

export interface CommandFields {
  text: string;
  team_id?: string;
  channel_id?: string;
  user_id?: string;
  trigger_id?: string;
  response_url?: string;
  command?: string;
}

let triggers = 0;

export function commandBody(fields: CommandFields): string {
  const form = new URLSearchParams({
    token: 'deprecated-verification-token',
    team_id: fields.team_id ?? 'T0001',
    team_domain: 'acme',
    channel_id: fields.channel_id ?? 'C0001',
    channel_name: 'general',
    user_id: fields.user_id ?? 'U0001',
    user_name: 'ana',
    command: fields.command ?? '/snap',
    text: fields.text,
    api_app_id: 'A0001',
    is_enterprise_install: 'false',
    response_url: fields.response_url ?? 'https://hooks.slack.com/commands/T0001/1/abc',
    trigger_id: fields.trigger_id ?? `${Date.now()}.${++triggers}.deadbeef`,
  });
  return form.toString();
}

export interface SignOptions {
  secret: string;
  timestamp?: number;
  base64?: boolean;
  headers?: Record<string, string>;
  signature?: string;
}

export function signedEvent(body: string | Buffer, options: SignOptions): APIGatewayProxyEventV2 {
  const timestamp = String(options.timestamp ?? Math.floor(Date.now() / 1000));
  const raw = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  const signature = options.signature ?? computeSignature(options.secret, timestamp, raw);
  return {
    version: '2.0',
    routeKey: 'POST /slack/commands',
    rawPath: '/slack/commands',
    rawQueryString: '',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': timestamp,
      'x-slack-signature': signature,
      'user-agent': 'Slackbot 1.0 (+https://api.slack.com/robots)',
      ...options.headers,
    },
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: 'localhost',
      domainPrefix: 'localhost',
      http: {
        method: 'POST',
        path: '/slack/commands',
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: 'Slackbot',
      },
      requestId: `req-${Date.now()}`,
      routeKey: 'POST /slack/commands',
      stage: '$default',
      time: new Date().toISOString(),
      timeEpoch: Date.now(),
    },
    body: options.base64 ? raw.toString('base64') : raw.toString('utf8'),
    isBase64Encoded: options.base64 ?? false,
  };
}
