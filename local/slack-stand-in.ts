/**
 * A Slack Web API stand-in on loopback, for tests, benchmarks and `npm start`. It speaks the
 * subset snap uses — chat.postMessage, chat.delete, chat.update, chat.postEphemeral (which
 * answers `user_not_in_channel` for someone not in a declared conversation), users.info,
 * views.open, views.publish, files.delete, response_url, and OAuth:
 * oauth.v2.access, auth.revoke, auth.test — over real HTTP, records every call, and can be told
 * to fail: platform errors, 429 with Retry-After, 5xx, slow replies and dropped connections.
 *
 * Tokens: the fixed `token` works everywhere (one-workspace mode). Tokens issued through OAuth
 * (`authorize()` plays the person clicking "Allow", then oauth.v2.access trades the code) are
 * bound to their workspace or org: a channel named `<team>-…`, or declared with a `team`, of
 * another workspace answers `channel_not_found`, as Slack does for a channel the token cannot see.
 *
 * Slack's authorize page (`GET /oauth/v2/authorize`, on this host as Slack's is on the host of its
 * API): with `accounts` (who is signed in to Slack in this browser), it shows what the app asks
 * for — bot scopes for a workspace, or user scopes on your behalf — the workspace it goes to (the
 * one last `visit`ed, or `team=`), and Allow and Cancel. Allow redirects to
 * `redirect_uri?code&state` with a code from `authorize()`; Cancel to `?error=access_denied&state`.
 *
 * Who may post where (`conversations`, for the ids declared there; others are open to every
 * token as before): a bot token cannot see a direct message between two people, a group DM, or
 * a private channel it was not invited to (`channel_not_found`); a user token posts where its
 * user is a member. A message posted with a user token is that user's (`user`, no bot badge), one
 * posted with a bot token the bot's (`botId`), and only a token of its author deletes it
 * (`cant_delete_message` otherwise). Calls record who made them (`by`), never the token.
 */
import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Listening, listen, readBody, sendJson } from './http-util';
import { AUTHORIZE_PATH, slackAuthorizePage } from './slack-authorize-page';

export type Fault =
  | { error: string }
  | { status: number; retryAfterSeconds?: number }
  /** Does what was asked, then answers after this long. */
  | { delayMs: number }
  | { drop: true };

/** A file shared in a message (its id and name; the stand-in keeps no content). */
export interface StandInFile {
  id: string;
  name: string;
  /** Who uploaded it. */
  user: string;
  channel: string;
  ts: string;
  deletedAt?: number;
  deletedBy?: string;
}

/** A modal opened with views.open. */
export interface StandInView {
  id: string;
  view: Record<string, unknown>;
  /** The person whose click issued the trigger. */
  user?: string;
  team?: string;
  triggerId: string;
  openedAt: number;
  by?: string;
}

/** A note only `user` sees (chat.postEphemeral). */
export interface StandInEphemeral {
  channel: string;
  user: string;
  text: string;
  blocks: unknown[];
  threadTs?: string;
  by?: string;
  at: number;
}

export interface StandInMessage {
  channel: string;
  ts: string;
  /** The thread it is a reply in (`thread_ts`). */
  threadTs?: string;
  /** Files shared in it. */
  files?: StandInFile[];
  text: string;
  blocks: unknown[];
  /** Legacy attachments (snap puts its line under a long text in one). */
  attachments?: unknown[];
  username?: string;
  iconUrl?: string;
  /** Posted with a user token: the message is this user's own (no app badge). */
  user?: string;
  /** Posted with a bot token: the app's bot user. */
  botId?: string;
  /** Whose token posted it and whose deleted it (as `Call.by`: `bot:<T>`, `user:<T>:<U>`, `fixed`), never the token. */
  by?: string;
  deletedBy?: string;
  postedAt: number;
  deletedAt?: number;
  /** When chat.update last rewrote it (its text and blocks are the new ones). */
  updatedAt?: number;
}

export interface Call {
  method: string;
  params: Record<string, unknown>;
  at: number;
  /** What the stand-in answered: 'ok', a Slack error code, or an HTTP status / 'dropped'. */
  result: string;
  /**
   * Whose token made it: `fixed` (the one-workspace token), `bot:<T|E>`, `user:<T|E>:<U>`, or
   * `unknown`. Never the token itself.
   */
  by?: string;
}

/** A conversation whose membership the stand-in enforces. */
export interface Conversation {
  /** `channel`: public; `private`: a private channel; `im`: a DM between two people; `mpim`: a group DM. */
  kind: 'channel' | 'private' | 'im' | 'mpim';
  /** The people in it (user ids). */
  members: string[];
  /** snap's bot was invited (private channels only; a bot is never in a DM between two people). */
  bot?: boolean;
  /** The workspace it belongs to: a token issued for another workspace cannot see it. */
  team?: string;
}

/** Someone signed in to Slack in the browser, in one workspace: who Slack's authorize page acts for. */
export interface SignedInAccount {
  team: string;
  teamName: string;
  user: string;
  userName: string;
}

export interface SlackStandInOptions {
  token?: string;
  port?: number;
  /** Channels the bot is not a member of (chat.postMessage answers not_in_channel). */
  notInChannel?: string[];
  archived?: string[];
  /** Refuse username/icon_url as Slack does without chat:write.customize. */
  refuseCustomize?: boolean;
  /** Per-workspace chat.delete limit (calls per minute, Slack's Tier 3 is ~50); 429 beyond. */
  deletesPerMinute?: number;
  /** Per-channel chat.postMessage limit (calls per second, Slack's is ~1); 429 beyond. */
  postsPerSecond?: number;
  /** WebSocket URL that apps.connections.open hands out (Socket Mode tests). */
  socketUrl?: string;
  /** Names users.info answers with, by user id; others get `User <id>`. */
  users?: Record<string, string>;
  /** Workspace admins and owners: users.info says `is_admin` and `is_owner` for them. */
  admins?: string[];
  /** Enterprise Grid org admins: users.info says `enterprise_user.is_admin` for them. */
  orgAdmins?: string[];
  /**
   * People's own workspaces (users.info's `team_id`), by user id: someone of another organisation
   * met in a shared channel, say. Others belong to the workspace of the token that asks (the fixed
   * token's: `team`), and to its org on Grid (`enterprise_user.enterprise_id`).
   */
  homes?: Record<string, string>;
  /** The workspace the fixed token serves (one-workspace mode), for users.info's `team_id`. */
  team?: string;
  /** The app's OAuth credentials, which oauth.v2.access checks. */
  clientId?: string;
  clientSecret?: string;
  /** Enterprise Grid orgs and their workspaces: an org-wide token reaches all of them. */
  enterprises?: Record<string, string[]>;
  /** Conversations whose membership is enforced, by id (see the top of this file). */
  conversations?: Record<string, Conversation>;
  /** Who is signed in to Slack in the browser (one account per workspace), for the authorize page. */
  accounts?: SignedInAccount[];
  /** The app's name on the authorize page (default `snap`). */
  appName?: string;
  /** How long a trigger_id stays good for views.open (ms; Slack's: 3 s). */
  triggerTtlMs?: number;
  /**
   * Web API answers take this long (ms, uniform between the two), as Slack's do from AWS. What a
   * call did is recorded when it arrives (`Call.at`, a message's `deletedAt`): lateness
   * measured there leaves Slack's own response time out.
   */
  latencyMs?: [number, number];
}

/** What a person allows on Slack's authorize page (`authorize()` skips the page itself). */
export interface AuthorizeRequest {
  team: string;
  teamName?: string;
  enterprise?: string;
  enterpriseName?: string;
  /** Install for the whole org (Enterprise Grid); the token is then the org's. */
  orgWide?: boolean;
  user: string;
  /** Bot scopes (`scope`); empty or absent: no bot token. */
  scope?: string[];
  /** User scopes (`user_scope`); empty or absent: no user token. */
  userScope?: string[];
  /** The redirect_uri of the authorize request; oauth.v2.access must repeat it. */
  redirectUri?: string;
}

/** A token the stand-in issued through OAuth, and what it is bound to. */
export interface IssuedToken {
  token: string;
  kind: 'bot' | 'user';
  team?: string;
  enterprise?: string;
  user?: string;
  scopes: string[];
  revoked: boolean;
}

export interface SlackStandIn extends Listening {
  apiUrl: string;
  /** A response_url that this stand-in records replies on. */
  responseUrl(id: string): string;
  /** What every such response_url starts with (the poster's SLACK_RESPONSE_URL_PREFIX here). */
  responseUrlPrefix: string;
  calls: Call[];
  messages: Map<string, StandInMessage>;
  replies: Array<{ id: string; body: Record<string, unknown>; at: number }>;
  /** Queue faults for the next calls of `method` ('response_url' for replies). */
  fault(method: string, ...faults: Fault[]): void;
  /** Every call of `method` fails with `fault` (after any queued ones) until called without one. */
  outage(method: string, fault?: Fault): void;
  events: EventEmitter;
  live(channel?: string): StandInMessage[];
  /** Plays "Allow" on Slack's authorize page: returns the code the redirect would carry (valid 10 minutes, once). */
  authorize(request: AuthorizeRequest): string;
  /** Every token issued through OAuth, by token. */
  issued: Map<string, IssuedToken>;
  /** The app is removed from a workspace or org: Slack revokes every token issued there. */
  uninstall(key: string): void;
  /** A user removes the app's access to their account: Slack revokes their user tokens. */
  revokeUser(user: string): void;
  /** Conversations whose membership is enforced; add to it at any time. */
  conversations: Map<string, Conversation>;
  /** Each person's Home tab as last published (views.publish), by user id; `home` is emitted on each. */
  homes: Map<string, PublishedHome>;
  /** Workspace admins (users.info's is_admin/is_owner); change it at any time. */
  admins: Set<string>;
  /** Slack's authorize page on this host (what install sends browsers to when SLACK_API_URL is this stand-in). */
  authorizePageUrl: string;
  /**
   * The browser was last in this workspace (signed in as `as`, when given): the authorize page
   * offers it first, acting for that person, as Slack does.
   */
  visit(team: string, as?: { user: string; userName: string }): void;
  /** Issues a trigger_id for an interaction by `user` (views.open takes it once, within 3 s). */
  trigger(who?: { user?: string; team?: string }): string;
  /** Modals opened with views.open, by view id. */
  views: Map<string, StandInView>;
  /** Notes posted with chat.postEphemeral. */
  ephemerals: StandInEphemeral[];
  /** Files shared in messages, by id. */
  files: Map<string, StandInFile>;
  /** A person posts in Slack's own client (not through snap): their message, files attached by name. */
  userMessage(args: {
    channel: string;
    user: string;
    text: string;
    threadTs?: string;
    files?: string[];
  }): StandInMessage;
}

/** A Home tab as published: its blocks, who published it (as `Call.by`), when. */
export interface PublishedHome {
  user: string;
  blocks: Array<Record<string, unknown>>;
  by: string;
  at: number;
}

/** The due time a snap message shows (its `<!date^…>` token), in ms; undefined if it has none. */
export function shownDueAt(
  message: Pick<StandInMessage, 'blocks' | 'attachments'> | undefined,
): number | undefined {
  const match = /<!date\^(\d+)\^/.exec(JSON.stringify([message?.blocks ?? [], message?.attachments ?? []]));
  return match?.[1] ? Number(match[1]) * 1000 : undefined;
}

/**
 * What Slack's chat.postMessage refuses for the message's size and shape, as Slack answers it
 * (its error, and the `[ERROR] … [json-pointer:…]` lines it adds); undefined if it would post.
 * Slack's limits: `text` 40,000 characters (`msg_too_long`; a text over 4,000 posts as several
 * messages: see chat.postMessage below); at most 50 blocks; a section's text
 * 3,000 characters, a context at most 10 elements of 3,000 (`invalid_blocks`); the text of all
 * blocks together about 12,000 characters (`msg_blocks_too_long`; Slack documents 12,000 for
 * markdown blocks and refuses other blocks near it too). Attachments' blocks count the same.
 */
export function slackRefusal(
  params: Record<string, unknown>,
): { error: string; messages: string[] } | undefined {
  const text = typeof params.text === 'string' ? params.text : '';
  const blocks = Array.isArray(params.blocks) ? params.blocks : [];
  const attachments = Array.isArray(params.attachments) ? params.attachments : [];
  if (text.length > 40_000)
    return {
      error: 'msg_too_long',
      messages: ['[ERROR] The `text` field accepts up to 40,000 characters.'],
    };
  if (!text && blocks.length === 0 && attachments.length === 0) return { error: 'no_text', messages: [] };
  const invalid: string[] = [];
  let total = 0;
  const check = (list: unknown[], at: string) => {
    if (list.length > 50) invalid.push(`[ERROR] must contain at most 50 items [json-pointer:${at}]`);
    list.forEach((raw, i) => {
      const block = (raw ?? {}) as { type?: string; text?: { text?: unknown }; elements?: unknown[] };
      const here = `${at}/${i}`;
      if (block.type === 'section' || block.type === 'markdown' || block.type === 'header') {
        const t = block.type === 'markdown' ? (block as { text?: unknown }).text : block.text?.text;
        const length = typeof t === 'string' ? t.length : 0;
        total += length;
        const limit = block.type === 'markdown' ? 12_000 : block.type === 'header' ? 150 : 3_000;
        if (length > limit)
          invalid.push(
            `[ERROR] must be less than ${limit + 1} characters [json-pointer:${here}${block.type === 'markdown' ? '/text' : '/text/text'}]`,
          );
      } else if (block.type === 'context') {
        const elements = block.elements ?? [];
        if (elements.length > 10)
          invalid.push(`[ERROR] must contain at most 10 items [json-pointer:${here}/elements]`);
        elements.forEach((e, j) => {
          const t = (e as { text?: unknown }).text;
          const length = typeof t === 'string' ? t.length : 0;
          total += length;
          if (length > 3_000)
            invalid.push(
              `[ERROR] must be less than 3001 characters [json-pointer:${here}/elements/${j}/text]`,
            );
        });
      }
    });
  };
  check(blocks, '/blocks');
  attachments.forEach((a, i) => {
    const inner = (a as { blocks?: unknown }).blocks;
    if (Array.isArray(inner)) check(inner, `/attachments/${i}/blocks`);
  });
  if (invalid.length > 0) return { error: 'invalid_blocks', messages: invalid };
  if (total > 12_000) return { error: 'msg_blocks_too_long', messages: [] };
  return undefined;
}

export async function startSlack(options: SlackStandInOptions = {}): Promise<SlackStandIn> {
  const token = options.token ?? 'xoxb-local-stand-in';
  const calls: Call[] = [];
  const messages = new Map<string, StandInMessage>();
  const replies: SlackStandIn['replies'] = [];
  const faults = new Map<string, Fault[]>();
  const outages = new Map<string, Fault>();
  const events = new EventEmitter();
  const deleteWindows = new Map<string, number[]>();
  const postWindows = new Map<string, number[]>();
  let lastTs = 0;
  const clientId = options.clientId ?? '1111.2222';
  const clientSecret = options.clientSecret ?? 'stand-in-client-secret';
  const orgOf = new Map<string, string>();
  for (const [org, teams] of Object.entries(options.enterprises ?? {}))
    for (const t of teams) orgOf.set(t, org);
  const codes = new Map<string, { request: AuthorizeRequest; expiresAt: number; used: boolean }>();
  const issued = new Map<string, IssuedToken>();
  const revokedFixed = new Set<string>();
  const conversations = new Map(Object.entries(options.conversations ?? {}));
  const homes = new Map<string, PublishedHome>();
  const admins = new Set(options.admins ?? []);
  const triggers = new Map<string, { issuedAt: number; used: boolean; user?: string; team?: string }>();
  const views = new Map<string, StandInView>();
  const ephemerals: StandInEphemeral[] = [];
  const files = new Map<string, StandInFile>();
  const triggerTtlMs = options.triggerTtlMs ?? 3_000;
  /** Whose token it is, for the call log: never the token. */
  const speaker = (presented: string, grant: IssuedToken | undefined): string => {
    if (presented === token) return 'fixed';
    if (!grant) return 'unknown';
    const key = grant.team ?? grant.enterprise ?? '?';
    return grant.kind === 'bot' ? `bot:${key}` : `user:${key}:${grant.user}`;
  };
  /**
   * Whether this token may act in this conversation: a bot never sees a DM between two people or
   * a private channel it is not in; a user must be a member (public channels: `not_in_channel`).
   */
  const visibility = (grant: IssuedToken | undefined, channel: string): string | undefined => {
    const c = conversations.get(channel);
    if (!c) return undefined;
    if (grant?.kind === 'user') {
      if (grant.user && c.members.includes(grant.user)) return undefined;
      return c.kind === 'channel' ? 'not_in_channel' : 'channel_not_found';
    }
    if (c.kind === 'im' || c.kind === 'mpim') return 'channel_not_found';
    if (c.kind === 'private' && !c.bot) return 'channel_not_found';
    return undefined;
  };
  let serial = 0;
  const random = () => `${++serial}${Math.random().toString(36).slice(2, 10)}`;

  /** The bot token of a workspace or org: the same one again on reinstall, unless it was revoked. */
  const botTokenFor = (key: string, request: AuthorizeRequest, scopes: string[]): IssuedToken => {
    for (const t of issued.values())
      if (t.kind === 'bot' && !t.revoked && (t.team ?? t.enterprise) === key) {
        t.scopes = scopes;
        return t;
      }
    const t: IssuedToken = {
      token: `xoxb-${key}-${random()}`,
      kind: 'bot',
      ...(request.orgWide ? {} : { team: request.team }),
      ...(request.enterprise ? { enterprise: request.enterprise } : {}),
      scopes,
      revoked: false,
    };
    issued.set(t.token, t);
    return t;
  };

  /** May this token act in this channel? Channels named `<team>-…` or declared with a team belong to that workspace. */
  const reaches = (t: IssuedToken, channel: string): boolean => {
    const team = /^([TE][A-Z0-9]+)-/.exec(channel)?.[1] ?? conversations.get(channel)?.team;
    if (!team) return true;
    if (t.team) return t.team === team;
    return !!t.enterprise && (orgOf.get(team) === t.enterprise || team === t.enterprise);
  };

  const oauthAccess = (params: Record<string, unknown>, basic: string | undefined) => {
    let id = String(params.client_id ?? '');
    let secret = String(params.client_secret ?? '');
    if (basic) [id = '', secret = ''] = Buffer.from(basic, 'base64').toString().split(':');
    if (id !== clientId) return { ok: false, error: 'invalid_client_id' };
    if (secret !== clientSecret) return { ok: false, error: 'bad_client_secret' };
    const grant = codes.get(String(params.code ?? ''));
    if (!grant || grant.used || grant.expiresAt < Date.now()) return { ok: false, error: 'invalid_code' };
    grant.used = true;
    const r = grant.request;
    if (r.redirectUri !== undefined && params.redirect_uri !== r.redirectUri)
      return { ok: false, error: 'bad_redirect_uri' };
    if (r.enterprise) orgOf.set(r.team, r.enterprise);
    const key = r.orgWide && r.enterprise ? r.enterprise : r.team;
    const answer: Record<string, unknown> = {
      ok: true,
      app_id: 'A0STANDIN',
      team: r.orgWide ? null : { id: r.team, name: r.teamName ?? r.team },
      enterprise: r.enterprise ? { id: r.enterprise, name: r.enterpriseName ?? r.enterprise } : null,
      is_enterprise_install: !!r.orgWide,
      authed_user: { id: r.user },
    };
    if (r.scope?.length) {
      const bot = botTokenFor(key, r, r.scope);
      Object.assign(answer, {
        access_token: bot.token,
        token_type: 'bot',
        scope: r.scope.join(','),
        bot_user_id: `UB${key}`,
      });
    }
    if (r.userScope?.length) {
      const user: IssuedToken = {
        token: `xoxp-${key}-${r.user}-${random()}`,
        kind: 'user',
        ...(r.orgWide ? {} : { team: r.team }),
        ...(r.enterprise ? { enterprise: r.enterprise } : {}),
        user: r.user,
        scopes: r.userScope,
        revoked: false,
      };
      issued.set(user.token, user);
      answer.authed_user = {
        id: r.user,
        scope: r.userScope.join(','),
        access_token: user.token,
        token_type: 'user',
      };
    }
    return answer;
  };

  const nextTs = () => {
    // Slack ts: seconds.microseconds, unique per channel; strictly increasing here.
    const now = Date.now() * 1000;
    lastTs = Math.max(lastTs + 1, now);
    return `${Math.floor(lastTs / 1e6)}.${String(lastTs % 1e6).padStart(6, '0')}`;
  };

  /**
   * A sliding-window limit: `limit` calls per `spanMs` per key. Beyond it, the seconds until the
   * oldest call in the window ages out (Slack's Retry-After); otherwise undefined.
   */
  const overLimit = (
    windows: Map<string, number[]>,
    key: string,
    limit: number | undefined,
    spanMs: number,
  ): number | undefined => {
    if (!limit) return undefined;
    const now = Date.now();
    const recent = (windows.get(key) ?? []).filter((t) => now - t < spanMs);
    windows.set(key, recent);
    if (recent.length >= limit) return Math.max(1, Math.ceil(((recent[0] ?? now) + spanMs - now) / 1000));
    recent.push(now);
    return undefined;
  };

  const applyFault = async (
    method: string,
    res: ServerResponse,
    record: (r: string) => void,
  ): Promise<boolean> => {
    const queue = faults.get(method);
    const fault = queue?.shift() ?? outages.get(method);
    if (!fault) return false;
    if ('delayMs' in fault) {
      // Slack acts at once but answers late (past the client's timeout, if long enough).
      const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
      res.end = ((...args: unknown[]) => {
        setTimeout(() => end(...args), fault.delayMs);
        return res;
      }) as typeof res.end;
      return false;
    }
    if ('drop' in fault) {
      record('dropped');
      res.socket?.destroy();
      return true;
    }
    if ('status' in fault) {
      record(String(fault.status));
      const headers: Record<string, string> = {};
      if (fault.retryAfterSeconds !== undefined) headers['retry-after'] = String(fault.retryAfterSeconds);
      sendJson(
        res,
        fault.status,
        { ok: false, error: fault.status === 429 ? 'ratelimited' : 'internal_error' },
        headers,
      );
      return true;
    }
    record(fault.error);
    sendJson(res, 200, { ok: false, error: fault.error });
    return true;
  };

  const parseParams = (req: IncomingMessage, body: Buffer): Record<string, unknown> => {
    const type = String(req.headers['content-type'] ?? '');
    if (type.includes('application/json'))
      return JSON.parse(body.toString() || '{}') as Record<string, unknown>;
    const params: Record<string, unknown> = {};
    for (const [k, v] of new URLSearchParams(body.toString())) {
      params[k] = v.startsWith('[') || v.startsWith('{') ? safeJson(v) : v;
    }
    return params;
  };

  const accounts = [...(options.accounts ?? [])];
  let visited: string | undefined;
  const authorizePage = slackAuthorizePage({
    appName: options.appName ?? 'snap',
    clientId,
    accounts: () => accounts,
    current: () => visited,
    code: (request) => issueCode(request),
  });
  const issueCode = (request: AuthorizeRequest) => {
    const code = `${Date.now()}.${random()}.${randomHex()}`;
    codes.set(code, { request, expiresAt: Date.now() + 600_000, used: false });
    return code;
  };

  const server = await listen(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const body = await readBody(req);
    if (url.pathname === AUTHORIZE_PATH) return authorizePage(req.method ?? 'GET', url, body, res);
    if (url.pathname.startsWith('/response/')) {
      const id = url.pathname.slice('/response/'.length);
      const call: Call = { method: 'response_url', params: { id }, at: Date.now(), result: 'ok' };
      calls.push(call);
      if (await applyFault('response_url', res, (r) => (call.result = r))) return;
      const parsed = JSON.parse(body.toString() || '{}') as Record<string, unknown>;
      replies.push({ id, body: parsed, at: Date.now() });
      events.emit('reply', { id, body: parsed });
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('ok');
      return;
    }
    const method = url.pathname.replace(/^\/api\//, '');
    const params = parseParams(req, body);
    const call: Call = { method, params, at: Date.now(), result: 'ok' };
    calls.push(call);
    if (options.latencyMs) {
      const [low, high] = options.latencyMs;
      const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
      const delay = low + Math.random() * (high - low);
      res.end = ((...args: unknown[]) => {
        setTimeout(() => end(...args), delay);
        return res;
      }) as typeof res.end;
    }
    const fail = (error: string) => {
      call.result = error;
      sendJson(res, 200, { ok: false, error });
    };
    if (await applyFault(method, res, (r) => (call.result = r))) return;
    const auth = String(req.headers.authorization ?? '');
    if (method === 'apps.connections.open') {
      if (!auth.startsWith('Bearer xapp-') || !options.socketUrl) return fail('invalid_auth');
      return sendJson(res, 200, { ok: true, url: options.socketUrl });
    }
    if (method === 'oauth.v2.access') {
      const basic = auth.startsWith('Basic ') ? auth.slice('Basic '.length) : undefined;
      const answer = oauthAccess(params, basic);
      if (!answer.ok) call.result = String(answer.error);
      return sendJson(res, 200, answer);
    }
    const presented = auth.startsWith('Bearer ') ? auth.slice('Bearer '.length) : String(params.token ?? '');
    const grant = issued.get(presented);
    call.by = speaker(presented, grant);
    if (presented !== token && !grant) return fail('invalid_auth');
    if (grant?.revoked || revokedFixed.has(presented)) return fail('token_revoked');
    const inConversation = ['chat.postMessage', 'chat.delete', 'chat.update', 'chat.postEphemeral'].includes(
      method,
    );
    if (grant && inConversation) {
      if (!reaches(grant, String(params.channel ?? ''))) return fail('channel_not_found');
    }
    if (inConversation) {
      const hidden = visibility(grant, String(params.channel ?? ''));
      if (hidden) return fail(hidden);
    }
    // A user token carries only the scopes its user granted (chat:write).
    if (grant?.kind === 'user' && method === 'users.info') return fail('missing_scope');

    switch (method) {
      case 'chat.postMessage': {
        const channel = String(params.channel ?? '');
        if (options.notInChannel?.includes(channel)) return fail('not_in_channel');
        if (options.archived?.includes(channel)) return fail('is_archived');
        const text = String(params.text ?? '');
        const refusal = slackRefusal(params);
        if (refusal) {
          call.result = refusal.error;
          return sendJson(res, 200, {
            ok: false,
            error: refusal.error,
            ...(refusal.messages.length ? { response_metadata: { messages: refusal.messages } } : {}),
          });
        }
        if (options.refuseCustomize && (params.username || params.icon_url)) return fail('missing_scope');
        const postRetryAfter = overLimit(postWindows, channel, options.postsPerSecond, 1000);
        if (postRetryAfter) {
          call.result = '429';
          return sendJson(
            res,
            429,
            { ok: false, error: 'ratelimited' },
            { 'retry-after': String(postRetryAfter) },
          );
        }
        const ts = nextTs();
        // A user's message is theirs: Slack ignores a name or icon a user token sends.
        const byUser = grant?.kind === 'user' ? grant.user : undefined;
        const threadTs =
          typeof params.thread_ts === 'string' && params.thread_ts ? params.thread_ts : undefined;
        const message: StandInMessage = {
          channel,
          ts,
          ...(threadTs ? { threadTs } : {}),
          text,
          blocks: Array.isArray(params.blocks) ? params.blocks : [],
          ...(Array.isArray(params.attachments) ? { attachments: params.attachments } : {}),
          postedAt: Date.now(),
          by: call.by ?? 'unknown',
          ...(byUser ? { user: byUser } : { botId: BOT_ID }),
          ...(params.username && !byUser ? { username: String(params.username) } : {}),
          ...(params.icon_url && !byUser ? { iconUrl: String(params.icon_url) } : {}),
        };
        messages.set(`${channel}/${ts}`, message);
        events.emit('posted', message);
        // A text-only message over 4,000 characters shows as several: the answer names the first.
        if (message.blocks.length === 0 && text.length > 4_000)
          for (let at = 4_000; at < text.length; at += 4_000) {
            const more = { ...message, ts: nextTs(), text: text.slice(at, at + 4_000), attachments: [] };
            messages.set(`${channel}/${more.ts}`, more);
            events.emit('posted', more);
          }
        return sendJson(res, 200, {
          ok: true,
          channel,
          ts,
          message: { text, ts, ...(byUser ? { user: byUser } : { bot_id: BOT_ID }) },
        });
      }
      case 'chat.delete': {
        const channel = String(params.channel ?? '');
        const ts = String(params.ts ?? '');
        const team = channel.split('-')[0] ?? channel;
        const deleteRetryAfter = overLimit(deleteWindows, team, options.deletesPerMinute, 60_000);
        if (deleteRetryAfter) {
          call.result = '429';
          return sendJson(
            res,
            429,
            { ok: false, error: 'ratelimited' },
            { 'retry-after': String(deleteRetryAfter) },
          );
        }
        const message = messages.get(`${channel}/${ts}`);
        if (!message || message.deletedAt !== undefined) return fail('message_not_found');
        // Only its author deletes a message: the bot its own, a user theirs.
        if (!isAuthor(message, grant)) return fail('cant_delete_message');
        message.deletedAt = Date.now();
        message.deletedBy = call.by ?? 'unknown';
        events.emit('deleted', message);
        return sendJson(res, 200, { ok: true, channel, ts });
      }
      case 'chat.update': {
        const channel = String(params.channel ?? '');
        const message = messages.get(`${channel}/${String(params.ts ?? '')}`);
        if (!message || message.deletedAt !== undefined) return fail('message_not_found');
        // Only its author rewrites a message, as only its author deletes it.
        if (!isAuthor(message, grant)) return fail('cant_update_message');
        message.text = String(params.text ?? message.text);
        if (Array.isArray(params.blocks)) message.blocks = params.blocks;
        message.updatedAt = Date.now();
        events.emit('updated', message);
        return sendJson(res, 200, { ok: true, channel, ts: message.ts, text: message.text });
      }
      case 'views.open': {
        const triggerId = String(params.trigger_id ?? '');
        const trigger = triggers.get(triggerId);
        if (!trigger) return fail('invalid_trigger_id');
        if (trigger.used) return fail('exchanged_trigger_id');
        if (Date.now() - trigger.issuedAt > triggerTtlMs) return fail('expired_trigger_id');
        const view = (typeof params.view === 'string' ? safeJson(params.view) : params.view) as
          | Record<string, unknown>
          | undefined;
        if (!view || typeof view !== 'object' || view.type !== 'modal') return fail('invalid_arguments');
        if (String(view.private_metadata ?? '').length > 3000) return fail('invalid_arguments');
        trigger.used = true;
        const id = `V${random().toUpperCase()}`;
        const opened: StandInView = {
          id,
          view,
          ...(trigger.user ? { user: trigger.user } : {}),
          ...(trigger.team ? { team: trigger.team } : {}),
          triggerId,
          openedAt: Date.now(),
          by: call.by ?? 'unknown',
        };
        views.set(id, opened);
        events.emit('view_opened', opened);
        return sendJson(res, 200, { ok: true, view: { id, ...view } });
      }
      case 'chat.postEphemeral': {
        const channel = String(params.channel ?? '');
        const user = String(params.user ?? '');
        if (options.notInChannel?.includes(channel) && grant?.kind !== 'user') return fail('not_in_channel');
        if (options.archived?.includes(channel)) return fail('is_archived');
        // Slack shows an ephemeral message only to someone in the conversation (a declared one here).
        const declared = conversations.get(channel);
        if (declared && !declared.members.includes(user)) return fail('user_not_in_channel');
        const note: StandInEphemeral = {
          channel,
          user,
          text: String(params.text ?? ''),
          blocks: Array.isArray(params.blocks) ? params.blocks : [],
          ...(typeof params.thread_ts === 'string' && params.thread_ts ? { threadTs: params.thread_ts } : {}),
          by: call.by ?? 'unknown',
          at: Date.now(),
        };
        ephemerals.push(note);
        events.emit('ephemeral', note);
        return sendJson(res, 200, { ok: true, message_ts: nextTs() });
      }
      case 'files.delete': {
        const file = files.get(String(params.file ?? ''));
        if (!file) return fail('file_not_found');
        if (file.deletedAt !== undefined) return fail('file_deleted');
        // A person's file: only their own token with files:write deletes it (no bot does).
        if (grant?.kind !== 'user' || grant.user !== file.user) return fail('cant_delete_file');
        if (!grant.scopes.includes('files:write')) return fail('missing_scope');
        file.deletedAt = Date.now();
        file.deletedBy = call.by ?? 'unknown';
        events.emit('file_deleted', file);
        return sendJson(res, 200, { ok: true });
      }
      case 'users.info': {
        const user = String(params.user ?? '');
        const name = options.users?.[user];
        const known = name ? { name, display: name } : { name: user.toLowerCase(), display: `User ${user}` };
        // Whose the person is: declared, else the asking token's workspace (an org's token: a
        // workspace of that org, unnamed here — Slack then says the org's id).
        const home = options.homes?.[user] ?? grant?.team ?? grant?.enterprise ?? options.team;
        const org = (home ? orgOf.get(home) : undefined) ?? (home?.startsWith('E') ? home : undefined);
        return sendJson(res, 200, {
          ok: true,
          user: {
            id: user,
            ...(home ? { team_id: home } : {}),
            name: known.name,
            real_name: known.display,
            is_admin: admins.has(user),
            is_owner: admins.has(user),
            ...(org
              ? {
                  enterprise_user: {
                    id: user,
                    enterprise_id: org,
                    is_admin: options.orgAdmins?.includes(user) === true,
                    is_owner: false,
                  },
                }
              : {}),
            profile: {
              display_name: known.display,
              real_name: known.display,
              image_72: `https://avatars.example/${user}.png`,
            },
          },
        });
      }
      case 'views.publish': {
        const user = String(params.user_id ?? '');
        const view = (typeof params.view === 'string' ? safeJson(params.view) : params.view) as
          | { type?: string; blocks?: unknown }
          | undefined;
        if (!/^[UW][A-Z0-9]+$/.test(user)) return fail('invalid_arguments');
        if (view?.type !== 'home' || !Array.isArray(view.blocks)) return fail('invalid_arguments');
        if (view.blocks.length > 100) return fail('invalid_arguments');
        const home: PublishedHome = {
          user,
          blocks: view.blocks as Array<Record<string, unknown>>,
          by: call.by ?? 'unknown',
          at: Date.now(),
        };
        homes.set(user, home);
        events.emit('home', home);
        return sendJson(res, 200, { ok: true, view: { id: `V${user}`, type: 'home' } });
      }
      case 'auth.revoke': {
        if (grant) grant.revoked = true;
        else revokedFixed.add(presented);
        return sendJson(res, 200, { ok: true, revoked: true });
      }
      case 'auth.test': {
        const teamId = grant?.team ?? grant?.enterprise ?? 'T0000';
        const bot = grant?.kind !== 'user';
        return sendJson(res, 200, {
          ok: true,
          team_id: teamId,
          team: options.accounts?.find((a) => a.team === teamId)?.teamName ?? 'Stand-in',
          ...(grant?.enterprise ? { enterprise_id: grant.enterprise } : {}),
          user_id: grant?.user ?? 'U0BOT',
          user: bot ? (options.appName ?? 'snap') : (options.users?.[grant?.user ?? ''] ?? grant?.user),
          ...(bot ? { bot_id: BOT_ID } : {}),
          is_enterprise_install: !!grant && !grant.team,
        });
      }
      default:
        return fail('unknown_method');
    }
  }, options.port ?? 0);

  return {
    ...server,
    apiUrl: `${server.url}/api/`,
    responseUrl: (id) => `${server.url}/response/${encodeURIComponent(id)}`,
    responseUrlPrefix: `${server.url}/response/`,
    calls,
    messages,
    replies,
    events,
    fault: (method, ...list) => faults.set(method, [...(faults.get(method) ?? []), ...list]),
    outage: (method, fault) => (fault ? outages.set(method, fault) : outages.delete(method)),
    live: (channel) =>
      [...messages.values()].filter((m) => m.deletedAt === undefined && (!channel || m.channel === channel)),
    authorize: issueCode,
    issued,
    uninstall: (key) => {
      for (const t of issued.values()) if ((t.team ?? t.enterprise) === key) t.revoked = true;
    },
    revokeUser: (user) => {
      for (const t of issued.values()) if (t.kind === 'user' && t.user === user) t.revoked = true;
    },
    conversations,
    homes,
    admins,
    authorizePageUrl: `${server.url}${AUTHORIZE_PATH}`,
    trigger: (who = {}) => {
      const id = `${Date.now()}.${++serial}.${randomHex()}`;
      triggers.set(id, {
        issuedAt: Date.now(),
        used: false,
        ...(who.user ? { user: who.user } : {}),
        ...(who.team ? { team: who.team } : {}),
      });
      return id;
    },
    views,
    ephemerals,
    files,
    userMessage: ({ channel, user, text, threadTs, files: names = [] }) => {
      const ts = nextTs();
      const shared = names.map(
        (name): StandInFile => ({ id: `F${random().toUpperCase()}`, name, user, channel, ts }),
      );
      for (const f of shared) files.set(f.id, f);
      const message: StandInMessage = {
        channel,
        ts,
        ...(threadTs ? { threadTs } : {}),
        ...(shared.length ? { files: shared } : {}),
        text,
        blocks: [],
        user,
        by: `person:${user}`,
        postedAt: Date.now(),
      };
      messages.set(`${channel}/${ts}`, message);
      events.emit('posted', message);
      return message;
    },
    visit: (team, as) => {
      visited = team;
      const i = accounts.findIndex((a) => a.team === team);
      const account = accounts[i];
      if (as && account) accounts[i] = { ...account, ...as };
    },
  };
}

/**
 * Whether the token's holder wrote the message, as Slack decides who may delete or rewrite it: the
 * bot its own, a user theirs.
 */
function isAuthor(message: StandInMessage, grant: IssuedToken | undefined): boolean {
  return message.user !== undefined
    ? grant?.kind === 'user' && grant.user === message.user
    : message.botId === undefined || grant?.kind !== 'user';
}

/** The bot user id every bot-posted message carries. */
const BOT_ID = 'B0STANDIN';

const randomHex = () => Math.random().toString(16).slice(2, 14).padEnd(12, '0');

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
