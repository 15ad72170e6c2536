/**
 * Slack adapter: the Web API through `@slack/web-api`, and `response_url` replies.
 * Retries are bounded and short (a Lambda lives minutes; the client's default retries for ~30),
 * 429s come back to the caller at once so it can schedule around them, and `chat.postMessage`
 * is never retried: a retry after a lost response could post the message twice.
 *
 * `SlackSpeakers` is the port: each call speaks as someone (`Speaker`), whose token it looks up
 * through the `TokenSource` — the configured bot token, or the store's behind its cache — and
 * each token gets its own `SlackGateway` (a pair of web-api clients), created on first use and
 * kept, a bounded number of them. No token: `NoTokenError`, before any request. A dead token
 * (Slack says so): forgotten, cache and clients, and kept aside until the use case retires it
 * (`retire`: deleted from the store, if that is still what the store holds).
 */

import type { ModalView } from '@slack/types';
import {
  ErrorCode,
  LogLevel,
  type Logger as SlackLogger,
  WebClient,
  type WebClientOptions,
} from '@slack/web-api';
import type {
  EphemeralArgs,
  HomeView,
  Identity,
  PostArgs,
  ReplyBody,
  Retired,
  SlackPort,
  Speaker,
  TokenSource,
  UpdateArgs,
  Workspace,
} from '../app/ports';
import { DEFAULT_RESPONSE_URL_PREFIX } from '../config';
import { isDeadToken } from '../domain/deletion';
import type { Role } from '../domain/policy';
import { NoTokenError, SlackCallError, TokenUnavailableError } from '../errors';
import type { LogFields, Logger } from '../log';

export interface SlackOptions {
  token: string;
  apiUrl: string;
  log: Logger;
  /** Per-request timeout (ms). */
  timeoutMs?: number;
  /** Timeout of chat.postMessage (ms), longer than the others. */
  postTimeoutMs?: number;
  /** Replies go only to `response_url`s that start with this (default Slack's own). */
  responseUrlPrefix?: string;
}

/**
 * What every snap web-api client shares: Slack's address, a per-request timeout, 429s handed
 * back at once instead of waited out, the client's own logging silenced, no absolute URLs.
 */
export function webClientOptions(options: {
  apiUrl: string;
  log: Logger;
  timeoutMs?: number;
}): WebClientOptions {
  return {
    slackApiUrl: options.apiUrl,
    timeout: options.timeoutMs ?? 5000,
    rejectRateLimitedCalls: true,
    logger: quietLogger(options.log),
    allowAbsoluteUrls: false,
  };
}

/**
 * The client's own warnings and errors, as log lines that say what happened without quoting the
 * request (its free text can): what Slack's answer flagged (`warnings`, its JSON pointers), or
 * why a request failed (a network code). The call itself fails or succeeds as usual; its error
 * is logged by whoever made it. A warning that carries nothing more is not logged.
 */
export function quietLogger(log: Logger): SlackLogger {
  let level = LogLevel.WARN;
  const forward =
    (severity: 'warn' | 'error', event: string) =>
    (...args: unknown[]) => {
      const said = clientWarning(args);
      if (!said) return;
      if (said.quiet) log.debug(event, said.fields);
      else if (severity === 'error') log.error(event, said.fields);
      else log.warn(event, said.fields);
    };
  return {
    debug: () => {},
    info: () => {},
    warn: forward('warn', 'slack.client_warning'),
    error: forward('error', 'slack.client_error'),
    setLevel: (l: LogLevel) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => {},
  };
}

/** Slack's warning codes (`message_truncated`, `missing_charset`…): short words, safe to log. */
const SLACK_CODE = /^[a-z][a-z0-9_]{1,63}$/;
/** About the client's HTTP headers, nothing anyone running snap can act on. */
const HEADER_NOISE = new Set(['missing_charset', 'superfluous_charset']);
/** Where in the request Slack found the problem: `[json-pointer:/blocks/0/text/text]`. */
const POINTER = /\[json-pointer:(\/[\w/-]{0,120})\]/;

/**
 * What one of @slack/web-api's log calls says, in fields safe to log; undefined when it says
 * nothing safe beyond what the failing call reports itself. `quiet`: worth a debug line only.
 */
export function clientWarning(args: readonly unknown[]): { fields: LogFields; quiet?: boolean } | undefined {
  const [first, second] = args;
  if (typeof first !== 'string') return undefined;
  // A request that got no answer: the client adds the underlying error's message.
  if (first === 'http request failed') {
    const reason = typeof second === 'string' ? /\b(E[A-Z]{2,30}|timeout)\b/.exec(second)?.[1] : undefined;
    return reason ? { fields: { warning: 'request_failed', reason } } : undefined;
  }
  // Slack's `response_metadata.warnings`.
  if (SLACK_CODE.test(first)) return { fields: { warning: first }, quiet: HEADER_NOISE.has(first) };
  // Slack's `response_metadata.messages` ("[ERROR] must be less than 3001 characters [json-pointer:…]"):
  // where, and a limit it names; never the sentence, which could quote what was sent.
  const at = POINTER.exec(first)?.[1];
  if (at) {
    const limit = /less than (\d{1,6}) characters/.exec(first)?.[1];
    return {
      fields: {
        warning: limit ? 'too_long' : 'invalid',
        at,
        ...(limit ? { limit: Number(limit) - 1 } : {}),
      },
    };
  }
  // The client's own checks of the arguments snap passes.
  if (first.includes('`text` argument is missing')) return { fields: { warning: 'text_missing' } };
  if (first.includes('thread_ts')) return { fields: { warning: 'thread_ts_not_string' } };
  if (first.includes('is deprecated')) return { fields: { warning: 'method_deprecated' } };
  return undefined;
}

export function toSlackError(method: string, error: unknown): SlackCallError {
  const e = error as { code?: string; data?: { error?: string }; retryAfter?: number; statusCode?: number };
  switch (e?.code) {
    case ErrorCode.PlatformError:
      return new SlackCallError(method, 'platform', e.data?.error ?? 'unknown_error', { cause: error });
    case ErrorCode.RateLimitedError:
      return new SlackCallError(method, 'rate_limited', 'ratelimited', {
        cause: error,
        retryAfterMs: Math.max(1, e.retryAfter ?? 1) * 1000,
      });
    case ErrorCode.HTTPError:
      return new SlackCallError(method, 'unavailable', `http_${e.statusCode ?? 'error'}`, { cause: error });
    case ErrorCode.RequestError:
      return new SlackCallError(method, 'unavailable', 'request_failed', { cause: error });
    default:
      return new SlackCallError(method, 'unavailable', 'unexpected_failure', { cause: error });
  }
}

const POST_TIMEOUT_MS = 20_000;
/**
 * views.open: a trigger lasts 3 s from the click and works once, so the call gets what is left
 * of that and no retry — a retry after a lost answer would only meet `exchanged_trigger_id`.
 */
const VIEW_TIMEOUT_MS = 2_500;
const REPLY_ATTEMPTS = 3;

/** The fields of `users.info`'s user that snap reads: a name to post under, and where they belong. */
interface SlackUser {
  name?: string;
  real_name?: string;
  profile?: { display_name?: string; real_name?: string; image_72?: string };
  team_id?: string;
  is_admin?: boolean;
  is_owner?: boolean;
  enterprise_user?: { enterprise_id?: string; is_admin?: boolean; is_owner?: boolean };
}

/** One token's way to Slack: a client that never retries (posts) and one that does. */
export class SlackGateway {
  private readonly once: WebClient;
  private readonly retrying: WebClient;
  private readonly replier: ResponseUrlReplier;
  private readonly profiles = new Map<string, { identity: Identity | undefined; at: number }>();
  private readonly options: SlackOptions;
  private viewer: WebClient | undefined;

  constructor(options: SlackOptions) {
    this.replier = new ResponseUrlReplier(options);
    this.options = options;
    const base = webClientOptions(options);
    // A post that times out may still have happened and is never retried, so it is given far
    // longer than Slack ever takes: every second waited here shrinks that window.
    this.once = new WebClient(options.token, {
      ...base,
      timeout: options.postTimeoutMs ?? POST_TIMEOUT_MS,
      retryConfig: { retries: 0 },
    });
    this.retrying = new WebClient(options.token, {
      ...base,
      retryConfig: { retries: 2, factor: 2, minTimeout: 200, maxTimeout: 1000, randomize: true },
    });
  }

  /** Posts a message; returns its `ts`. Not retried (see above). */
  async post(args: PostArgs): Promise<string> {
    try {
      const out = await this.once.chat.postMessage({
        channel: args.channel,
        text: args.text,
        ...(args.blocks.length > 0 ? { blocks: args.blocks } : {}),
        ...(args.attachments ? { attachments: args.attachments } : {}),
        unfurl_links: false,
        unfurl_media: false,
        ...(args.threadTs ? { thread_ts: args.threadTs } : {}),
        ...(args.identity ? { username: args.identity.username, icon_url: args.identity.iconUrl } : {}),
      });
      if (typeof out.ts !== 'string') throw new Error('chat.postMessage returned no ts');
      return out.ts;
    } catch (error) {
      throw toSlackError('chat.postMessage', error);
    }
  }

  async delete(channel: string, ts: string): Promise<void> {
    try {
      await this.retrying.chat.delete({ channel, ts });
    } catch (error) {
      throw toSlackError('chat.delete', error);
    }
  }

  /** Rewrites a message this token posted (retried: the same update twice is one update). */
  async update(args: UpdateArgs): Promise<void> {
    try {
      await this.retrying.chat.update({
        channel: args.channel,
        ts: args.ts,
        text: args.text,
        blocks: args.blocks,
      });
    } catch (error) {
      throw toSlackError('chat.update', error);
    }
  }

  /** Opens a modal; never retried (see VIEW_TIMEOUT_MS). Made on first use: only controls opens views. */
  async openView(triggerId: string, view: ModalView): Promise<void> {
    this.viewer ??= new WebClient(this.options.token, {
      ...webClientOptions({ ...this.options, timeoutMs: VIEW_TIMEOUT_MS }),
      retryConfig: { retries: 0 },
    });
    try {
      await this.viewer.views.open({ trigger_id: triggerId, view });
    } catch (error) {
      throw toSlackError('views.open', error);
    }
  }

  /** An ephemeral message; retried like a deletion (a repeat shows the same note twice at worst). */
  async postEphemeral(args: EphemeralArgs): Promise<void> {
    try {
      await this.retrying.chat.postEphemeral({
        channel: args.channel,
        user: args.user,
        text: args.text,
        ...(args.blocks ? { blocks: args.blocks } : {}),
        ...(args.threadTs ? { thread_ts: args.threadTs } : {}),
      });
    } catch (error) {
      throw toSlackError('chat.postEphemeral', error);
    }
  }

  /** Deletes a file; idempotent on Slack's side (`file_deleted`, `file_not_found` once gone). */
  async deleteFile(file: string): Promise<void> {
    try {
      await this.retrying.files.delete({ file });
    } catch (error) {
      throw toSlackError('files.delete', error);
    }
  }

  /** Gives this gateway's token back to Slack (`auth.revoke`). */
  async revoke(): Promise<void> {
    try {
      await this.retrying.auth.revoke();
    } catch (error) {
      throw toSlackError('auth.revoke', error);
    }
  }

  /** The user's display name and avatar, remembered for ten minutes per container. */
  async identity(user: string, now = Date.now()): Promise<Identity | undefined> {
    const cached = this.profiles.get(user);
    if (cached && now - cached.at < 600_000) return cached.identity;
    let identity: Identity | undefined;
    const u = await this.userInfo(user);
    const profile = u?.profile;
    const username = profile?.display_name || profile?.real_name || u?.real_name || u?.name;
    if (username) identity = { username, ...(profile?.image_72 ? { iconUrl: profile.image_72 } : {}) };
    this.profiles.set(user, { identity, at: now });
    return identity;
  }

  /** What `users.info` says of a person (the fields snap reads), with the bot's token. */
  private async userInfo(user: string): Promise<SlackUser | undefined> {
    try {
      return (await this.retrying.users.info({ user })).user as SlackUser | undefined;
    } catch (error) {
      throw toSlackError('users.info', error);
    }
  }

  /**
   * Whether a person is an admin or owner of the workspace `where` and, on Enterprise Grid, of its
   * org (`enterprise_user`). Asked each time, never remembered: a role taken away counts at once.
   * Fails closed: Slack's flags count only for someone who belongs there — their `team_id` is the
   * workspace (or, on Grid, their `enterprise_user.enterprise_id` is its org). An admin of another
   * organisation, met in a channel shared with theirs, is a member here.
   */
  async role(user: string, where: { team: string; enterprise?: string }): Promise<Role> {
    const u = await this.userInfo(user);
    const ofOrg = !!where.enterprise && u?.enterprise_user?.enterprise_id === where.enterprise;
    const ofWorkspace = (!!u?.team_id && u.team_id === where.team) || ofOrg;
    return {
      admin: ofWorkspace && (u?.is_admin === true || u?.is_owner === true),
      orgAdmin: ofOrg && (u?.enterprise_user?.is_admin === true || u?.enterprise_user?.is_owner === true),
    };
  }

  async inOrg(user: string, enterprise: string): Promise<boolean> {
    return (await this.userInfo(user))?.enterprise_user?.enterprise_id === enterprise;
  }

  async publishHome(user: string, view: HomeView): Promise<void> {
    try {
      await this.retrying.views.publish({
        user_id: user,
        view: {
          type: 'home',
          blocks: view.blocks,
          ...(view.privateMetadata ? { private_metadata: view.privateMetadata } : {}),
        },
      });
    } catch (error) {
      throw toSlackError('views.publish', error);
    }
  }

  /** Answers the user through the command's `response_url` (see `ResponseUrlReplier`). */
  reply(responseUrl: string, body: ReplyBody, sleep = defaultSleep): Promise<void> {
    return this.replier.reply(responseUrl, body, sleep);
  }
}

/**
 * Replies through `response_url`s: plain HTTPS to Slack, no token, so no Web API client is built
 * for it (the poster constructs one at cold start).
 */
export class ResponseUrlReplier {
  private readonly timeoutMs: number;
  private readonly responseUrlPrefix: string;

  constructor(options: Pick<SlackOptions, 'timeoutMs' | 'responseUrlPrefix'>) {
    this.timeoutMs = options.timeoutMs ?? 5000;
    this.responseUrlPrefix = options.responseUrlPrefix ?? DEFAULT_RESPONSE_URL_PREFIX;
  }

  /**
   * Answers the user through the command's `response_url` (ephemeral by default). Tried up to
   * three times through timeouts, 5xx and 429: a repeated ephemeral answer does no harm, a lost
   * one leaves the author guessing.
   */
  async reply(responseUrl: string, body: ReplyBody, sleep = defaultSleep): Promise<void> {
    // The URL came sealed from a signed request, yet it is a place snap would send text to: only
    // Slack's. Refused without a call; the error names no URL.
    if (!responseUrl.startsWith(this.responseUrlPrefix))
      throw new SlackCallError('response_url', 'platform', 'response_url_refused');
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.replyOnce(responseUrl, body);
      } catch (error) {
        const again =
          error instanceof SlackCallError && error.kind !== 'platform' && attempt < REPLY_ATTEMPTS;
        if (!again) throw error;
        await sleep(error.retryAfterMs ?? 250 * attempt);
      }
    }
  }

  private async replyOnce(responseUrl: string, body: ReplyBody): Promise<void> {
    let status: number;
    let retryAfter: string | null;
    try {
      const response = await fetch(responseUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      status = response.status;
      retryAfter = response.headers.get('retry-after');
      await response.body?.cancel();
    } catch (error) {
      throw new SlackCallError('response_url', 'unavailable', 'request_failed', { cause: error });
    }
    if (status === 429) {
      const seconds = Number(retryAfter);
      const retryAfterMs = Number.isFinite(seconds) && seconds > 0 ? Math.min(seconds, 10) * 1000 : 1000;
      throw new SlackCallError('response_url', 'rate_limited', 'ratelimited', { retryAfterMs });
    }
    if (status >= 400)
      throw new SlackCallError('response_url', status >= 500 ? 'unavailable' : 'platform', `http_${status}`);
  }
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export interface SpeakersOptions extends Omit<SlackOptions, 'token'> {
  /** Where each speaker's token comes from. */
  tokens: TokenSource;
  /** How many tokens' gateways are kept (least recently used dropped; default 500). */
  maxGateways?: number;
}

const MAX_GATEWAYS = 500;
/** Dead tokens remembered until the function that met them retires them (a handful at most). */
const MAX_DEAD = 100;

const speakerKey = (speaker: Speaker) =>
  `${speaker.as}:${speaker.team}:${speaker.enterprise ?? ''}:${speaker.as === 'user' ? speaker.user : ''}`;

const whereOf = (speaker: Speaker): Workspace & { user?: string } => ({
  team: speaker.team,
  ...(speaker.enterprise ? { enterprise: speaker.enterprise } : {}),
  ...(speaker.as === 'user' ? { user: speaker.user } : {}),
});

/** The Slack port: every Web API call as its speaker, with that speaker's token. */
export class SlackSpeakers implements SlackPort {
  private readonly tokens: TokenSource;
  private readonly options: SlackOptions;
  private readonly maxGateways: number;
  /** By token, least recently used first. */
  private readonly gateways = new Map<string, SlackGateway>();
  /** For replies, which speak to a `response_url` with no token. */
  private readonly replier: ResponseUrlReplier;
  /** The last token Slack called dead, by speaker, until it is retired. Never logged. */
  private readonly dead = new Map<string, string>();

  constructor(options: SpeakersOptions) {
    const { tokens, maxGateways, ...rest } = options;
    this.tokens = tokens;
    this.options = { ...rest, token: '' };
    this.maxGateways = Math.max(1, maxGateways ?? MAX_GATEWAYS);
    this.replier = new ResponseUrlReplier(this.options);
  }

  post(speaker: Speaker, args: PostArgs): Promise<string> {
    // A user speaks as themselves: their name and avatar come with their token.
    const { identity: _mine, ...plain } = args;
    return this.call(speaker, (g) => g.post(speaker.as === 'bot' ? args : plain));
  }

  delete(speaker: Speaker, channel: string, ts: string): Promise<void> {
    return this.call(speaker, (g) => g.delete(channel, ts));
  }

  identity(speaker: Speaker & { as: 'bot' }, user: string): Promise<Identity | undefined> {
    return this.call(speaker, (g) => g.identity(user));
  }

  update(speaker: Speaker, args: UpdateArgs): Promise<void> {
    return this.call(speaker, (g) => g.update(args));
  }

  role(speaker: Speaker & { as: 'bot' }, user: string): Promise<Role> {
    return this.call(speaker, (g) => g.role(user, speaker));
  }

  inOrg(speaker: Speaker & { as: 'bot' }, user: string, enterprise: string): Promise<boolean> {
    return this.call(speaker, (g) => g.inOrg(user, enterprise));
  }

  publishHome(speaker: Speaker & { as: 'bot' }, user: string, view: HomeView): Promise<void> {
    return this.call(speaker, (g) => g.publishHome(user, view));
  }

  reply(responseUrl: string, body: ReplyBody): Promise<void> {
    return this.replier.reply(responseUrl, body);
  }

  openView(speaker: Speaker, triggerId: string, view: ModalView): Promise<void> {
    return this.call(speaker, (g) => g.openView(triggerId, view));
  }

  postEphemeral(speaker: Speaker, args: EphemeralArgs): Promise<void> {
    return this.call(speaker, (g) => g.postEphemeral(args));
  }

  deleteFile(speaker: Speaker, file: string): Promise<void> {
    return this.call(speaker, (g) => g.deleteFile(file));
  }

  async revoke(token: string): Promise<void> {
    try {
      await this.gatewayFor(token).revoke();
    } finally {
      // Revoked or dead, the token has no further use: its client goes too.
      this.gateways.delete(token);
    }
  }

  async retire(speaker: Speaker): Promise<Retired> {
    const key = speakerKey(speaker);
    const token = this.dead.get(key);
    if (token === undefined) return 'absent';
    this.dead.delete(key);
    return this.tokens.retire(whereOf(speaker), token);
  }

  /** The speaker's token, or why there is none. Never logged, never in an error. */
  private async tokenFor(speaker: Speaker): Promise<string> {
    let token: string | undefined;
    try {
      token =
        speaker.as === 'bot'
          ? await this.tokens.botToken(whereOf(speaker))
          : await this.tokens.userToken({ ...whereOf(speaker), user: speaker.user });
    } catch (error) {
      throw new TokenUnavailableError(`Could not look up a Slack ${speaker.as} token`, { cause: error });
    }
    if (!token) throw new NoTokenError(speaker.as);
    return token;
  }

  private gatewayFor(token: string): SlackGateway {
    const hit = this.gateways.get(token);
    if (hit) {
      this.gateways.delete(token);
      this.gateways.set(token, hit); // most recently used last
      return hit;
    }
    const made = new SlackGateway({ ...this.options, token });
    this.gateways.set(token, made);
    while (this.gateways.size > this.maxGateways) {
      const oldest = this.gateways.keys().next().value;
      if (oldest === undefined) break;
      this.gateways.delete(oldest);
    }
    return made;
  }

  /** One call as `speaker`; a token Slack calls dead is forgotten on the way out. */
  private async call<T>(speaker: Speaker, run: (g: SlackGateway) => Promise<T>): Promise<T> {
    const token = await this.tokenFor(speaker);
    try {
      return await run(this.gatewayFor(token));
    } catch (error) {
      if (error instanceof SlackCallError && isDeadToken(error.kind, error.code)) {
        this.tokens.forget(whereOf(speaker));
        this.gateways.delete(token);
        // Kept for `retire`, which deletes this very token from the store.
        this.dead.delete(speakerKey(speaker));
        this.dead.set(speakerKey(speaker), token);
        while (this.dead.size > MAX_DEAD) {
          const oldest = this.dead.keys().next().value;
          if (oldest === undefined) break;
          this.dead.delete(oldest);
        }
      }
      throw error;
    }
  }
}
