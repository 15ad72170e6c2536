/**
 * A Slack Web API stand-in on loopback, for tests, benchmarks and `npm start`. It speaks the
 * subset snap uses — chat.postMessage, chat.delete, users.info and response_url — over real
 * HTTP, records every call, and can be told to fail: platform errors, 429 with Retry-After,
 * 5xx, slow replies and dropped connections.
 */
import { EventEmitter } from 'node:events';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Listening, listen, readBody, sendJson } from './http-util';

export type Fault =
  | { error: string }
  | { status: number; retryAfterSeconds?: number }
  /** Does what was asked, then answers after this long. */
  | { delayMs: number }
  | { drop: true };

export interface StandInMessage {
  channel: string;
  ts: string;
  text: string;
  blocks: unknown[];
  username?: string;
  iconUrl?: string;
  postedAt: number;
  deletedAt?: number;
}

export interface Call {
  method: string;
  params: Record<string, unknown>;
  at: number;
  /** What the stand-in answered: 'ok', a Slack error code, or an HTTP status / 'dropped'. */
  result: string;
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
}

export interface SlackStandIn extends Listening {
  apiUrl: string;
  /** A response_url that this stand-in records replies on. */
  responseUrl(id: string): string;
  calls: Call[];
  messages: Map<string, StandInMessage>;
  replies: Array<{ id: string; body: Record<string, unknown>; at: number }>;
  /** Queue faults for the next calls of `method` ('response_url' for replies). */
  fault(method: string, ...faults: Fault[]): void;
  /** Every call of `method` fails with `fault` (after any queued ones) until called without one. */
  outage(method: string, fault?: Fault): void;
  events: EventEmitter;
  live(channel?: string): StandInMessage[];
}

/** The due time a snap message shows (its `<!date^…>` token), in ms; undefined if it has none. */
export function shownDueAt(message: Pick<StandInMessage, 'blocks'> | undefined): number | undefined {
  const match = /<!date\^(\d+)\^/.exec(JSON.stringify(message?.blocks ?? []));
  return match?.[1] ? Number(match[1]) * 1000 : undefined;
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

  const server = await listen(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    const body = await readBody(req);
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
    if (auth !== `Bearer ${token}` && params.token !== token) return fail('invalid_auth');

    switch (method) {
      case 'chat.postMessage': {
        const channel = String(params.channel ?? '');
        if (options.notInChannel?.includes(channel)) return fail('not_in_channel');
        if (options.archived?.includes(channel)) return fail('is_archived');
        const text = String(params.text ?? '');
        if (text.length > 40_000) return fail('msg_too_long');
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
        const message: StandInMessage = {
          channel,
          ts,
          text,
          blocks: Array.isArray(params.blocks) ? params.blocks : [],
          postedAt: Date.now(),
          ...(params.username ? { username: String(params.username) } : {}),
          ...(params.icon_url ? { iconUrl: String(params.icon_url) } : {}),
        };
        messages.set(`${channel}/${ts}`, message);
        events.emit('posted', message);
        return sendJson(res, 200, { ok: true, channel, ts, message: { text, ts } });
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
        message.deletedAt = Date.now();
        events.emit('deleted', message);
        return sendJson(res, 200, { ok: true, channel, ts });
      }
      case 'users.info': {
        const user = String(params.user ?? '');
        const known = { name: user.toLowerCase(), display: `User ${user}` };
        return sendJson(res, 200, {
          ok: true,
          user: {
            id: user,
            name: known.name,
            real_name: known.display,
            profile: {
              display_name: known.display,
              real_name: known.display,
              image_72: `https://avatars.example/${user}.png`,
            },
          },
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
    calls,
    messages,
    replies,
    events,
    fault: (method, ...list) => faults.set(method, [...(faults.get(method) ?? []), ...list]),
    outage: (method, fault) => (fault ? outages.set(method, fault) : outages.delete(method)),
    live: (channel) =>
      [...messages.values()].filter((m) => m.deletedAt === undefined && (!channel || m.channel === channel)),
  };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
