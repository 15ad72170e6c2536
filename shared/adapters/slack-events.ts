/**
 * Reads a verified Events API request (JSON) into what the install use case acts on. Envelope:
 * `{ type: 'event_callback', team_id, enterprise_id, is_enterprise_install | authorizations[0]
 * .is_enterprise_install, event_time, event: { type, tokens? } }`; or `{ type:
 * 'url_verification', challenge }`. An org-wide install's events are keyed by the org.
 */
import type { SlackEvent } from '../app/ports';
import { isTeamId, isUserId } from '../domain/install';

const obj = (v: unknown): Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};

/** Slack's challenges are short random strings; anything odd is not echoed. */
const CHALLENGE = /^[A-Za-z0-9_.-]{1,128}$/;

function ids(value: unknown, valid: (v: unknown) => v is string): string[] | undefined {
  if (value === undefined) return [];
  if (!Array.isArray(value)) return undefined;
  return value.every(valid) ? (value as string[]) : undefined;
}

export function readSlackEvent(raw: string): SlackEvent {
  let body: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(raw);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return { kind: 'invalid' };
    body = parsed as Record<string, unknown>;
  } catch {
    return { kind: 'invalid' };
  }
  if (body.type === 'url_verification') {
    return typeof body.challenge === 'string' && CHALLENGE.test(body.challenge)
      ? { kind: 'url_verification', challenge: body.challenge }
      : { kind: 'invalid' };
  }
  if (body.type !== 'event_callback')
    return { kind: 'ignored', type: String(body.type ?? 'none').slice(0, 64) };
  const event = obj(body.event);
  const type = typeof event.type === 'string' ? event.type : 'none';
  if (type === 'app_home_opened') return homeOpened(body, event);
  if (type !== 'app_uninstalled' && type !== 'tokens_revoked')
    return { kind: 'ignored', type: type.slice(0, 64) };

  const authorization = obj(Array.isArray(body.authorizations) ? body.authorizations[0] : undefined);
  const orgWide = body.is_enterprise_install === true || authorization.is_enterprise_install === true;
  const team = body.team_id ?? authorization.team_id;
  const enterprise = body.enterprise_id ?? authorization.enterprise_id;
  const key = orgWide ? enterprise : isTeamId(team) ? team : enterprise;
  if (!isTeamId(key)) return { kind: 'invalid' };
  const eventTime = typeof body.event_time === 'number' && body.event_time > 0 ? body.event_time : undefined;
  const at = eventTime !== undefined ? { eventTime } : {};

  if (type === 'app_uninstalled') return { kind: 'app_uninstalled', key, ...at };
  const tokens = obj(event.tokens);
  const users = ids(tokens.oauth, isUserId);
  const botUsers = ids(tokens.bot, isUserId);
  if (!users || !botUsers) return { kind: 'invalid' };
  return { kind: 'tokens_revoked', key, users, botUsers, ...at };
}

/** Slack's event ids (`Ev…`): the same on Slack's retries of one event. */
const EVENT_ID = /^Ev[A-Za-z0-9]{4,40}$/;
const ORG_ID = /^E[A-Z0-9]{2,30}$/;

/**
 * `app_home_opened`, for the Home tab only (the Messages tab opens it too, `tab: messages`).
 * The person is the event's `user`; the workspace is the envelope's (`team_id`, else the first
 * authorization's, else the view's team on an org-wide install).
 */
function homeOpened(body: Record<string, unknown>, event: Record<string, unknown>): SlackEvent {
  if (event.tab !== 'home') return { kind: 'ignored', type: 'app_home_opened:messages' };
  const authorization = obj(Array.isArray(body.authorizations) ? body.authorizations[0] : undefined);
  const team = [body.team_id, authorization.team_id, obj(event.view).team_id].find(
    (t): t is string => typeof t === 'string' && /^T[A-Z0-9]{2,30}$/.test(t),
  );
  const enterprise = [body.enterprise_id, authorization.enterprise_id].find(
    (e): e is string => typeof e === 'string' && ORG_ID.test(e),
  );
  const id = typeof body.event_id === 'string' && EVENT_ID.test(body.event_id) ? body.event_id : undefined;
  if (!team || !id || !isUserId(event.user)) return { kind: 'invalid' };
  return { kind: 'app_home_opened', id, team, ...(enterprise ? { enterprise } : {}), user: event.user };
}
