/**
 * Inbound Slack requests through API Gateway (HTTP API, payload 2.0): a middy middleware that
 * verifies the signature over the raw body before anything else looks at the request, and the
 * reading of a slash command's form fields.
 */
import type { MiddlewareObj } from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import type { Interaction, SlashCommand, ViewInput, ViewValues } from '../app/ports';
import { verifySignature } from '../domain/signature';
import type { Logger } from '../log';

/** The routes Slack posts to; infra/api.tf and the app manifest use the same paths. */
export const COMMAND_PATH = '/slack/commands';
export const INTERACTIONS_PATH = '/slack/interactions';

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
const obj = (v: unknown): Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
const list = (v: unknown): unknown[] => (Array.isArray(v) ? v : []);

/** Callback and action ids are snap's own (manifest, views, blocks): short, plain. */
const ID = /^[A-Za-z0-9_.:-]{1,255}$/;
const idOf = (v: unknown): string | undefined => (typeof v === 'string' && ID.test(v) ? v : undefined);
/** Slack's message timestamps. */
const TS = /^\d{1,12}\.\d{1,8}$/;
const tsOf = (v: unknown): string | undefined => (typeof v === 'string' && TS.test(v) ? v : undefined);
/** Slack's user, conversation and file ids. */
const SLACK_ID = /^[A-Z0-9][A-Za-z0-9_-]{1,63}$/;
const slackId = (v: unknown): string | undefined =>
  typeof v === 'string' && SLACK_ID.test(v) ? v : undefined;

export type ReadInteraction =
  | { kind: 'interaction'; interaction: Interaction }
  /** A payload type snap does not act on (`block_suggestion`, legacy attachments…). */
  | { kind: 'ignored'; type: string }
  | { kind: 'invalid' };

/**
 * Reads an interactivity request (form field `payload`, JSON) into a typed interaction: a global
 * or message shortcut, a button click, a view submitted or closed. Only what snap acts on is
 * kept: a message shortcut's payload carries the message's text, which is left behind here, and
 * a submitted view's inputs travel on only to be sealed. `invalid` for a broken payload or one
 * without what its type needs.
 */
export function readInteraction(form: FormBody): ReadInteraction {
  const raw = form.payload;
  if (typeof raw !== 'string') return { kind: 'invalid' };
  let p: Record<string, unknown>;
  try {
    p = obj(JSON.parse(raw));
  } catch {
    return { kind: 'invalid' };
  }
  // `team` is where the interaction happened (snap's installation there answers it); the person's
  // own workspace is `user.team_id`, which differs for someone of another organisation clicking in
  // a channel shared with them (Slack Connect), and is the org's id on Enterprise Grid.
  const team = str(obj(p.team).id) ?? str(obj(p.user).team_id);
  const user = str(obj(p.user).id);
  const home = slackId(obj(p.user).team_id);
  const enterprise = orgId(obj(p.enterprise).id) ?? orgId(obj(p.team).enterprise_id);
  if (!team || !user) return { kind: 'invalid' };
  const actor = { team, ...(enterprise ? { enterprise } : {}), user, ...(home ? { home } : {}) };
  const trigger = str(p.trigger_id);
  const read = (interaction: Interaction): ReadInteraction => ({ kind: 'interaction', interaction });
  switch (p.type) {
    case 'shortcut': {
      const callbackId = idOf(p.callback_id);
      if (!callbackId || !trigger) return { kind: 'invalid' };
      return read({ ...actor, id: `${team}:${trigger}`, kind: 'shortcut', callbackId, triggerId: trigger });
    }
    case 'message_action': {
      const callbackId = idOf(p.callback_id);
      const channel = str(obj(p.channel).id);
      const m = obj(p.message);
      const ts = tsOf(m.ts);
      const responseUrl = str(p.response_url);
      if (!callbackId || !trigger || !channel || !ts || !responseUrl) return { kind: 'invalid' };
      const threadTs = tsOf(m.thread_ts);
      const author = slackId(m.user);
      // Only the files the message's author uploaded: a message can carry a file someone else
      // uploaded (shared into it), and `files.delete` with an admin's or owner's user token deletes
      // anyone's file, everywhere. A file that does not name its uploader is left out as well.
      const files = list(m.files)
        .filter((f) => author !== undefined && obj(f).user === author)
        .map((f) => slackId(obj(f).id))
        .filter((f): f is string => f !== undefined);
      return read({
        ...actor,
        id: `${team}:${trigger}`,
        kind: 'message_shortcut',
        callbackId,
        triggerId: trigger,
        responseUrl,
        message: {
          channel,
          ts,
          ...(threadTs ? { threadTs } : {}),
          ...(author ? { author } : {}),
          files,
        },
      });
    }
    case 'block_actions': {
      // One click, one action: Slack sends the element that was used.
      const action = obj(list(p.actions)[0]);
      const actionId = idOf(action.action_id);
      const value =
        typeof action.value === 'string' ? action.value : (str(obj(action.selected_option).value) ?? '');
      const stamp = str(action.action_ts) ?? trigger;
      if (!actionId || !stamp) return { kind: 'invalid' };
      const container = obj(p.container);
      const inView = container.type === 'view' || (p.view !== undefined && container.type !== 'message');
      const channel = str(obj(p.channel).id) ?? str(container.channel_id);
      const messageTs = tsOf(container.message_ts) ?? tsOf(obj(p.message).ts);
      const responseUrl = str(p.response_url);
      const viewId = str(obj(p.view).id) ?? str(container.view_id);
      const selected = Array.isArray(action.selected_conversations)
        ? list(action.selected_conversations).filter((c): c is string => slackId(c) !== undefined)
        : Array.isArray(action.selected_channels)
          ? list(action.selected_channels).filter((c): c is string => slackId(c) !== undefined)
          : undefined;
      return read({
        ...actor,
        id: `${team}:${stamp}`,
        kind: 'button',
        actionId,
        value,
        ...(trigger ? { triggerId: trigger } : {}),
        container: inView ? 'view' : container.is_ephemeral === true ? 'ephemeral' : 'message',
        ...(channel && !inView ? { channel } : {}),
        ...(messageTs && !inView ? { messageTs } : {}),
        ...(responseUrl && !inView ? { responseUrl } : {}),
        ...(viewId && inView ? { viewId } : {}),
        ...(selected ? { selected } : {}),
      });
    }
    case 'view_submission':
    case 'view_closed': {
      const view = obj(p.view);
      const callbackId = idOf(view.callback_id);
      const viewId = str(view.id);
      if (!callbackId || !viewId) return { kind: 'invalid' };
      if (p.type === 'view_closed')
        return read({ ...actor, id: `${team}:closed:${viewId}`, kind: 'view_closed', callbackId, viewId });
      const privateMetadata = typeof view.private_metadata === 'string' ? view.private_metadata : '';
      return read({
        ...actor,
        // A view is submitted once; a repeat of the same submission carries the same view id.
        id: `${team}:view:${viewId}`,
        kind: 'view_submission',
        callbackId,
        viewId,
        privateMetadata,
        values: viewValues(obj(obj(view.state).values)),
        ...(trigger ? { triggerId: trigger } : {}),
      });
    }
    default:
      return { kind: 'ignored', type: String(p.type ?? 'none').slice(0, 64) };
  }
}

/** A view's `state.values`, each input reduced to its value or selection. */
function viewValues(values: Record<string, unknown>): ViewValues {
  const out: ViewValues = {};
  for (const [blockId, block] of Object.entries(values)) {
    if (!ID.test(blockId)) continue;
    const inputs: Record<string, ViewInput> = {};
    for (const [actionId, rawInput] of Object.entries(obj(block))) {
      if (!ID.test(actionId)) continue;
      const input = obj(rawInput);
      const type = typeof input.type === 'string' ? input.type : 'unknown';
      const selected =
        str(input.selected_conversation) ??
        str(input.selected_channel) ??
        str(input.selected_user) ??
        str(obj(input.selected_option).value);
      const many = [
        ...list(input.selected_users),
        ...list(input.selected_conversations),
        ...list(input.selected_options).map((o) => obj(o).value),
      ].filter((v): v is string => typeof v === 'string');
      inputs[actionId] = {
        type,
        ...(typeof input.value === 'string' ? { value: input.value } : {}),
        ...(selected ? { selected } : {}),
        ...(many.length > 0 || Array.isArray(input.selected_users) || Array.isArray(input.selected_options)
          ? { selectedList: many }
          : {}),
      };
    }
    out[blockId] = inputs;
  }
  return out;
}
