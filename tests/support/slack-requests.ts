/** Builds API Gateway (HTTP API, payload 2.0) events carrying slash commands, signed as Slack signs them. */
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { apiGatewayEvent, slackSignature } from '../../local/api-gateway';
import { COMMAND_PATH } from '../../shared/adapters/slack-request';
import { noteCommand } from './privacy';

export interface CommandFields {
  text: string;
  team_id?: string;
  channel_id?: string;
  user_id?: string;
  trigger_id?: string;
  response_url?: string;
  command?: string;
  /** Only workspaces of an Enterprise Grid org send one. */
  enterprise_id?: string;
}

let triggers = 0;

/** A slash command's form body; its text is noted for the suite's privacy ledger (tests/support/privacy.ts). */
export function commandBody(fields: CommandFields): string {
  noteCommand(fields.text);
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
    ...(fields.enterprise_id ? { enterprise_id: fields.enterprise_id } : {}),
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
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const signed = slackSignature(options.secret, body, timestamp);
  return apiGatewayEvent({
    path: COMMAND_PATH,
    body,
    base64: options.base64 ?? false,
    headers: {
      ...signed,
      ...(options.signature !== undefined ? { 'x-slack-signature': options.signature } : {}),
      ...options.headers,
    },
  });
}
