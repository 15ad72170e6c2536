/**
 * Inbound Slack requests through API Gateway (HTTP API, payload 2.0): a middy middleware that
 * verifies the signature over the raw body before anything else looks at the request, and the
 * reading of a slash command's form fields.
 */
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { Interaction, SlashCommand } from '../app/ports';
import { verifySignature } from '../domain/signature';
import type { Logger } from '../log';

/** The routes Slack posts to; infra/api.tf and the app manifest use the same paths. */
export const COMMAND_PATH = '/slack/commands';
export const INTERACTIONS_PATH = '/slack/interactions';

/** The message shortcut's callback id, as in slack/manifest.yaml. */
export const DELETE_SHORTCUT_CALLBACK_ID = 'delete_snap';

/** Slash command payloads are a few KB; anything near this is not from Slack. */
export const MAX_BODY_BYTES = 64 * 1024;

export type HttpResult = APIGatewayProxyStructuredResultV2;

export function header(event: Pick<APIGatewayProxyEventV2, 'headers'>, name: string): string | undefined {
  const headers = event.headers ?? {};
  const direct = headers[name];
  if (direct !== undefined) return direct;
  const lower = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === lower) return value;
  return undefined;
}

export function json(statusCode: number, body: unknown): HttpResult {
  return { statusCode, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

/** No detail on purpose: a caller without the secret learns nothing about why. */
const unauthorized: HttpResult = { statusCode: 401, body: '' };

export interface VerifyOptions {
  signingSecret: () => string;
  nowSeconds?: () => number;
  log: () => Logger;
  /** Prefix of the warnings logged (the function's name; default `ack`). */
  logPrefix?: string;
}

export function verifySlackSignature(
  options: VerifyOptions,
): MiddlewareObj<APIGatewayProxyEventV2, HttpResult> {
  return {
    before: (request) => {
      const prefix = options.logPrefix ?? 'ack';
      const event = request.event;
      const body = event.body ?? '';
      // Node's decoder skips what is not base64; a body API Gateway encoded never has any.
      if (event.isBase64Encoded && !/^[A-Za-z0-9+/]*={0,2}$/.test(body)) {
        options.log().warn(`${prefix}.body_not_base64`);
        return json(400, { error: 'malformed body' });
      }
      const raw = event.isBase64Encoded ? Buffer.from(body, 'base64') : Buffer.from(body, 'utf8');
      if (raw.byteLength > MAX_BODY_BYTES) {
        options.log().warn(`${prefix}.body_too_large`, { bytes: raw.byteLength });
        return json(413, { error: 'request body too large' });
      }
      const check = verifySignature(
        options.signingSecret(),
        {
          timestamp: header(event, 'x-slack-request-timestamp'),
          signature: header(event, 'x-slack-signature'),
          rawBody: raw,
        },
        options.nowSeconds?.() ?? Math.floor(Date.now() / 1000),
      );
      if (!check.ok) {
        options.log().warn(`${prefix}.signature_rejected`, { reason: check.reason });
        return unauthorized;
      }
      // From here on the body is the verified text; the form parser reads it.
      event.body = raw.toString('utf8');
      event.isBase64Encoded = false;
      return undefined;
    },
  };
}

/**
 * Slack's `x-slack-retry-num` (1–3 on a retried request), as a number worth logging; anything
 * else — absent, not a small whole number — is left out rather than logged as sent.
 */
export function retryNumber(value: string | undefined): number | undefined {
  return value !== undefined && /^\d{1,2}$/.test(value) ? Number(value) : undefined;
}

export type FormBody = Record<string, string | string[] | undefined>;

const FIELDS = {
  command: 'command',
  text: 'text',
  team: 'team_id',
  channel: 'channel_id',
  user: 'user_id',
  triggerId: 'trigger_id',
  responseUrl: 'response_url',
} as const;

/** An Enterprise Grid org id as Slack sends it; anything else reads as no org. */
const ORG_ID = /^E[A-Z0-9]{2,30}$/;
const orgId = (value: unknown): string | undefined =>
  typeof value === 'string' && ORG_ID.test(value) ? value : undefined;

/**
 * The slash command in a parsed form, or the name of the first field missing or repeated.
 * `enterprise_id` comes only from workspaces of an Enterprise Grid org.
 */
export function readSlashCommand(
  form: FormBody,
): { ok: true; command: SlashCommand } | { ok: false; field: string } {
  const out: Partial<Record<keyof typeof FIELDS, string>> = {};
  for (const [key, field] of Object.entries(FIELDS) as Array<[keyof typeof FIELDS, string]>) {
    const value = form[field];
    if (typeof value !== 'string' || (key !== 'text' && value === '')) return { ok: false, field };
    out[key] = value;
  }
  const enterprise = orgId(form.enterprise_id);
  return { ok: true, command: { ...(out as SlashCommand), ...(enterprise ? { enterprise } : {}) } };
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

/**
 * Reads an interactivity request (form field `payload`, JSON): the "Delete snap now" shortcut
 * or a "Delete now" button. `ignored` for any other interaction; `invalid` for a broken payload.
 */
export function readInteraction(
  form: FormBody,
  deleteActionId: string,
): { kind: 'interaction'; interaction: Interaction } | { kind: 'ignored' } | { kind: 'invalid' } {
  const raw = form.payload;
  if (typeof raw !== 'string') return { kind: 'invalid' };
  let p: Record<string, unknown>;
  try {
    p = JSON.parse(raw) as Record<string, unknown>;
  } catch {
    return { kind: 'invalid' };
  }
  const obj = (v: unknown) => (typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {});
  const team = str(obj(p.team).id);
  const user = str(obj(p.user).id);
  const responseUrl = str(p.response_url);
  const enterprise = orgId(obj(p.enterprise).id) ?? orgId(obj(p.team).enterprise_id);
  const org = enterprise ? { enterprise } : {};
  if (p.type === 'message_action' && p.callback_id === DELETE_SHORTCUT_CALLBACK_ID) {
    const channel = str(obj(p.channel).id);
    const ts = str(obj(p.message).ts);
    const trigger = str(p.trigger_id);
    if (!team || !user || !channel || !ts || !responseUrl || !trigger) return { kind: 'invalid' };
    return {
      kind: 'interaction',
      interaction: {
        team,
        ...org,
        user,
        channel,
        responseUrl,
        id: `${team}:${trigger}`,
        action: { kind: 'delete_message', ts },
      },
    };
  }
  if (p.type === 'block_actions') {
    const actions = Array.isArray(p.actions) ? (p.actions as unknown[]).map(obj) : [];
    const button = actions.find((a) => a.action_id === deleteActionId);
    if (!button) return { kind: 'ignored' };
    const snapId = str(button.value);
    const channel = str(obj(p.channel).id) ?? str(obj(p.container).channel_id) ?? '';
    const stamp = str(button.action_ts) ?? str(p.trigger_id);
    if (!team || !user || !snapId || !responseUrl || !stamp) return { kind: 'invalid' };
    return {
      kind: 'interaction',
      interaction: {
        team,
        ...org,
        user,
        channel,
        responseUrl,
        id: `${team}:${stamp}`,
        action: { kind: 'delete', snapId },
      },
    };
  }
  return { kind: 'ignored' };
}
