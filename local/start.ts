/**
 * `npm start`: the whole of snap on this machine.
 *
 * - Sandbox (default, no Slack variables): dynalite, the Slack/KMS/Lambda stand-ins and the five
 *   bundles wired as on AWS in distributed mode, plus a page at http://localhost:3000/ that plays
 *   Slack: the workspaces, channels and direct message of local/sandbox.ts. snap is added to the
 *   first workspace at start, through the real OAuth flow; the others wait for someone to add it
 *   from the page, through install's routes on this server and the stand-in's authorize page.
 * - Workspace (SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET set): the functions talk to your Slack
 *   workspace; Slack reaches `POST /slack/commands` and `POST /slack/interactions` through a
 *   tunnel, or, with SLACK_APP_TOKEN (xapp-…) as well, sends commands and interactions over
 *   Socket Mode with no public URL at all. Slack is asked about the tokens first (slack-check.ts):
 *   unreachable, or a token refused, and it says which and exits 1.
 *
 * Options: --port N (or PORT), --data DIR (keep the table across runs), --sweep-period SECONDS,
 * --ttl-late SECONDS (how late the TTL emulation removes expired records).
 */

import { EventEmitter } from 'node:events';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { resolve } from 'node:path';
import { INSTALLATION_PREFIX, userKey, workspaceKey } from '../shared/adapters/installation-store';
import { COMMAND_PATH, INTERACTIONS_PATH } from '../shared/adapters/slack-request';
import { TABLE } from '../shared/adapters/snap-item';
import { EVENTS_PATH, INSTALL_PATH, OAUTH_REDIRECT_PATH } from '../shared/domain/install';
import { readBody, sendJson } from './http-util';
import { globalShortcut, messageShortcut, viewSubmission } from './interactions';
import { type Pipeline, startPipeline } from './pipeline';
import { readableLogs } from './readable-log';
import {
  personIn,
  SANDBOX,
  type SandboxConversation,
  type SandboxPerson,
  type SandboxWorkspace,
  whereIs,
} from './sandbox';
import { checkSlackTokens } from './slack-check';
import {
  type PublishedHome,
  type SlackStandInOptions,
  type StandInEphemeral,
  type StandInFile,
  type StandInMessage,
  type StandInView,
  shownDueAt,
} from './slack-stand-in';

interface Options {
  port: number;
  data?: string;
  sweepPeriodSeconds: number;
  ttlLateSeconds: number;
}

function parseArgs(argv: string[]): Options {
  const options: Options = {
    port: Number(process.env.PORT ?? 3000),
    sweepPeriodSeconds: 60,
    ttlLateSeconds: 120,
  };
  for (let i = 0; i < argv.length; i++) {
    const [flag, value] = [argv[i], argv[i + 1]];
    const number = (name: string) => {
      if (value === undefined || !/^\d+$/.test(value)) fail(`${name} needs a whole number`);
      i++;
      return Number(value);
    };
    if (flag === '--port') options.port = number('--port');
    else if (flag === '--sweep-period') options.sweepPeriodSeconds = number('--sweep-period');
    else if (flag === '--ttl-late') options.ttlLateSeconds = number('--ttl-late');
    else if (flag === '--data') {
      if (!value) fail('--data needs a directory');
      options.data = value;
      i++;
    }
    // `npm start --port 3001` (no `--`) hands npm the flag and snap only its value.
    else
      fail(
        `unknown option ${flag}. Options go after \`--\`, e.g. npm start -- --port 3001; they are --port N, --data DIR, --sweep-period S, --ttl-late S`,
      );
  }
  return options;
}

function fail(message: string): never {
  process.stderr.write(`snap: ${message}\n`);
  process.exit(1);
}

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  try {
    const parsed: unknown = JSON.parse((await readBody(req)).toString() || '{}');
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

/**
 * A message as the page shows it: whose it is (`user` for a message posted with a person's own
 * token, `botId` for the app's) and whose token posted and deleted it (`by`, never the token).
 */
const view = (m: StandInMessage) => ({
  channel: m.channel,
  ts: m.ts,
  text: m.text,
  blocks: m.blocks,
  updatedAt: m.updatedAt,
  attachments: m.attachments ?? [],
  username: m.username,
  user: m.user,
  botId: m.botId,
  by: m.by,
  postedAt: m.postedAt,
  dueAt: shownDueAt(m),
  threadTs: m.threadTs,
  files: (m.files ?? []).filter((f) => f.deletedAt === undefined).map((f) => ({ id: f.id, name: f.name })),
});

/** The sandbox's workspaces and conversations, declared to the Slack stand-in. */
function sandboxSlack(): SlackStandInOptions {
  return {
    appName: SANDBOX.appName,
    conversations: Object.fromEntries(
      SANDBOX.workspaces.flatMap((w) =>
        w.conversations.map((c) => [c.id, { kind: c.kind, members: c.members, team: w.id }]),
      ),
    ),
    admins: SANDBOX.workspaces.flatMap((w) => w.people.filter((p) => p.admin).map((p) => p.id)),
    // Who is signed in to Slack in this browser: the person the page is, in each workspace.
    accounts: SANDBOX.workspaces.map((w) => ({
      team: w.id,
      teamName: w.name,
      user: w.user.id,
      userName: w.user.name,
    })),
  };
}

/** What Slack puts in a slash command sent from this conversation, by this person of the workspace. */
function commandFields(w: SandboxWorkspace, c: SandboxConversation, who: SandboxPerson, responseUrl: string) {
  return {
    team_id: w.id,
    team_domain: w.domain,
    channel_id: c.id,
    // Slack's names for conversations that have none of their own.
    channel_name: c.kind === 'im' ? 'directmessage' : c.kind === 'mpim' ? `mpdm-${c.name}` : c.name,
    user_id: who.id,
    user_name: who.name,
    response_url: responseUrl,
  };
}

/**
 * A click or a choice in the Home tab as Slack sends it: block_actions from a view (no
 * response_url, no channel), the select's option or the conversations picked.
 */
function homeAction(
  w: SandboxWorkspace,
  who: SandboxPerson,
  actionId: string,
  value: unknown,
  selected: unknown,
) {
  const picked = Array.isArray(selected)
    ? selected.filter((c): c is string => typeof c === 'string')
    : undefined;
  const stamp = `${Date.now() / 1000}`;
  // The selects: the policy's (its buttons aside) and the person's default.
  const select =
    actionId === 'my_default' ||
    (actionId.startsWith('policy_') &&
      !['policy_reveal', 'policy_as_user', 'policy_activity', 'policy_reset'].includes(actionId));
  const action = picked
    ? {
        type: 'multi_conversations_select',
        action_id: actionId,
        selected_conversations: picked,
        action_ts: stamp,
      }
    : select
      ? {
          type: 'static_select',
          action_id: actionId,
          selected_option: { value: String(value) },
          action_ts: stamp,
        }
      : { type: 'button', action_id: actionId, value: String(value ?? ''), action_ts: stamp };
  return {
    type: 'block_actions',
    team: { id: w.id, domain: w.domain },
    user: { id: who.id, name: who.name, team_id: w.id },
    container: { type: 'view', view_id: `V${who.id}` },
    view: { id: `V${who.id}`, type: 'home', team_id: w.id },
    trigger_id: `${Date.now()}.home`,
    actions: [action],
  };
}

/** Whether snap is added to each workspace, and posts as the sandbox user there (from the table's installation items). */
async function appsState(p: Pipeline) {
  const items = new Map(
    (await p.items())
      .filter((i) => String(i.pk).startsWith(INSTALLATION_PREFIX))
      .map((i) => [String(i.pk), i]),
  );
  return Object.fromEntries(
    SANDBOX.workspaces.map((w) => [
      w.id,
      {
        installed: Boolean(items.get(workspaceKey(w.id)[TABLE.partitionKey] ?? '')?.botToken),
        // The people who let snap post as them.
        postsAs: w.people
          .filter((person) => items.has(userKey(w.id, person.id)[TABLE.partitionKey] ?? ''))
          .map((person) => person.id),
      },
    ]),
  );
}

/**
 * Adds snap to the workspaces that have it at start — the first one, and with `--data` those it
 * was in when the sandbox last stopped (the stand-in's tokens end with it) — through the real
 * OAuth flow, the stand-in playing "Allow".
 */
async function installAtStart(p: Pipeline): Promise<void> {
  const kept = await appsState(p);
  for (const w of SANDBOX.workspaces) {
    if (!w.installedAtStart && !kept[w.id]?.installed) continue;
    const page = await p.authorize({ team: w.id, teamName: w.name, user: w.user.id });
    if (page.statusCode !== 200) throw new Error(`adding snap to ${w.name} answered ${page.statusCode}`);
  }
}

/** The page, with the sandbox's names in it (JSON, with `<` escaped so it cannot end the script). */
function sandboxPage(): string {
  const directory = JSON.stringify(SANDBOX).replace(/</g, '\\u003c');
  return readFileSync(resolve('local/page.html'), 'utf8').replace(
    '{"sandbox": "filled in by local/start.ts"}',
    directory,
  );
}

/**
 * For the privacy scan (tests only, when SNAP_SANDBOX_SECRETS_FILE is set): every token the
 * Slack stand-in issued and the app's client secret, which no log line or page may hold.
 */
function secretsWriter(p: Pipeline): () => void {
  const file = process.env.SNAP_SANDBOX_SECRETS_FILE;
  if (!file) return () => undefined;
  return () =>
    writeFileSync(
      file,
      JSON.stringify([p.botToken, ...p.slack.issued.keys(), ...(p.clientSecret ? [p.clientSecret] : [])]),
    );
}

function serve(p: Pipeline, sandbox: boolean) {
  const page = sandboxPage();
  // Where each response_url was asked from, and by whom: a reply shows there, to that person only.
  const replyTo = new Map<string, { conversation: string; user: string }>();
  let replies = 0;
  const responseUrlFor = (conversation: string, user: string) => {
    const id = `page-${++replies}`;
    replyTo.set(id, { conversation, user });
    if (replyTo.size > 10_000) replyTo.delete(replyTo.keys().next().value ?? '');
    return p.slack.responseUrl(id);
  };
  const sandboxEvents = new EventEmitter();
  // Which conversation a global shortcut was used in, by trigger: its modal's conversation field
  // starts there, as Slack's default_to_current_conversation does.
  const openedFrom = new Map<string, string>();
  const writeSecrets = secretsWriter(p);
  let apps = '';
  const refreshApps = async () => {
    writeSecrets();
    const now = JSON.stringify(await appsState(p));
    if (now === apps) return;
    apps = now;
    sandboxEvents.emit('apps', JSON.parse(now));
  };
  if (sandbox) {
    // Each open page listens for messages and replies.
    p.slack.events.setMaxListeners(100);
    void refreshApps().catch(() => undefined);
    // `/snap revoke` answers through a response_url once the permission is gone.
    p.slack.events.on('reply', () => void refreshApps().catch(() => undefined));
  }

  return async (req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname;
    if (!sandbox) {
      if (await p.serveHttp(req, res)) return;
      res.writeHead(path === '/' ? 200 : 404, { 'content-type': 'text/plain' });
      res.end(
        path === '/' ? 'snap is running against your Slack workspace. Use /snap there.\n' : 'not found\n',
      );
      return;
    }
    if (req.method === 'GET' && path === '/') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(page);
      return;
    }
    if (req.method === 'GET' && path === '/events') {
      res.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-store',
        connection: 'keep-alive',
      });
      const send = (type: string, data: unknown) =>
        res.write(`event: ${type}\ndata: ${JSON.stringify(data)}\n\n`);
      send('state', { messages: p.slack.live().map(view), apps: await appsState(p) });
      const onPosted = (m: StandInMessage) => send('posted', view(m));
      // A message rewritten in place (a reveal's card, saying who has opened it).
      const onUpdated = (m: StandInMessage) => send('updated', view(m));
      const onDeleted = (m: StandInMessage) =>
        send('deleted', { channel: m.channel, ts: m.ts, by: m.deletedBy });
      const onReply = (r: {
        id: string;
        body: { text?: string; blocks?: unknown[]; replace_original?: boolean };
      }) => {
        send('reply', {
          id: r.id,
          conversation: replyTo.get(r.id)?.conversation,
          for: replyTo.get(r.id)?.user,
          text: r.body.text ?? '',
          blocks: r.body.blocks ?? [],
          replace: r.body.replace_original === true,
        });
      };
      const onApps = (state: unknown) => send('apps', state);
      // A Home tab snap published (views.publish): shown to that person only.
      const onHome = (home: PublishedHome) => send('home', { user: home.user, blocks: home.blocks });
      // A modal opened for someone (the page shows it to that person), a note only one person
      // sees, a file deleted.
      const onView = (v: StandInView) =>
        send('view', { id: v.id, view: v.view, for: v.user, from: openedFrom.get(v.triggerId) });
      const onEphemeral = (e: StandInEphemeral) =>
        send('ephemeral', {
          channel: e.channel,
          for: e.user,
          text: e.text,
          blocks: e.blocks,
          threadTs: e.threadTs,
        });
      const onFile = (f: StandInFile) => send('file_deleted', { id: f.id, channel: f.channel, ts: f.ts });
      p.slack.events
        .on('posted', onPosted)
        .on('updated', onUpdated)
        .on('deleted', onDeleted)
        .on('reply', onReply)
        .on('home', onHome)
        .on('view_opened', onView)
        .on('ephemeral', onEphemeral)
        .on('file_deleted', onFile);
      sandboxEvents.on('apps', onApps);
      req.on('close', () => {
        p.slack.events
          .off('posted', onPosted)
          .off('updated', onUpdated)
          .off('deleted', onDeleted)
          .off('reply', onReply)
          .off('home', onHome)
          .off('view_opened', onView)
          .off('ephemeral', onEphemeral)
          .off('file_deleted', onFile);
        sandboxEvents.off('apps', onApps);
      });
      return;
    }
    if (req.method === 'GET' && path === '/api/records') {
      // What the table holds: where each snap is and when it goes, never its text.
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(await p.records()));
      return;
    }
    if (req.method === 'POST' && path === '/api/expire') {
      // Fast-forwards the TTL emulation to `at` (ms), to watch the reaper's safety net work.
      const at = Number(new URL(req.url ?? '/', 'http://localhost').searchParams.get('at') ?? Date.now());
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ expired: await p.expire(at) }));
      return;
    }
    if (req.method === 'POST' && path.startsWith('/api/')) {
      const body = await readJson(req);
      const answer = (status: number, value: unknown) => sendJson(res, status, value);
      if (path === '/api/uninstall') {
        // An admin removes snap from a workspace: Slack revokes its tokens and tells install.
        // Only an admin may (Slack's Manage apps is theirs).
        const w = SANDBOX.workspaces.find((x) => x.id === body.team);
        if (!w) return answer(400, { error: 'unknown workspace' });
        if (!personIn(w, body.user ?? w.user.id)?.admin)
          return answer(403, { error: 'only a workspace admin can remove an app' });
        const result = await p.uninstall({ team: w.id });
        await refreshApps();
        return answer(result.statusCode === 200 ? 200 : 502, { status: result.statusCode });
      }
      if (path === '/api/home') {
        // The person opens snap's Home tab (Apps → snap), or does something in it: Slack sends
        // app_home_opened to install's events route, or block_actions from the view to ack.
        const w = SANDBOX.workspaces.find((x) => x.id === body.team);
        if (!w) return answer(400, { error: 'unknown workspace' });
        const who = personIn(w, body.user ?? w.user.id);
        if (!who) return answer(400, { error: 'unknown person' });
        const { actionId, value, selected } = body as {
          actionId?: unknown;
          value?: unknown;
          selected?: unknown;
        };
        if (typeof actionId !== 'string') {
          const result = await p.openHome(who.id, { team: w.id });
          return answer(result.statusCode ?? 200, { status: result.statusCode });
        }
        const result = await p.interact(homeAction(w, who, actionId, value, selected));
        return answer(result.statusCode ?? 200, { status: result.statusCode });
      }
      if (path === '/api/visit') {
        // The browser is now in this workspace, as this person: Slack's authorize page offers it first.
        const w = SANDBOX.workspaces.find((x) => x.id === body.team);
        if (!w) return answer(400, { error: 'unknown workspace' });
        const who = personIn(w, body.user) ?? w.user;
        p.slack.visit(w.id, { user: who.id, userName: who.name });
        return answer(200, {});
      }
      const where = whereIs(String(body.conversation ?? SANDBOX.channel.id));
      if (!where) return answer(400, { error: 'unknown conversation' });
      const { workspace: w, conversation: c } = where;
      // The person the page is: one of the workspace's, and in the conversation (Slack shows no other).
      const who = personIn(w, body.user ?? w.user.id);
      if (!who) return answer(400, { error: 'unknown person' });
      if (!c.members.includes(who.id))
        return answer(403, { error: `${who.name} is not in this conversation` });
      p.slack.visit(w.id, { user: who.id, userName: who.name });
      const person = { team: w.id, user: who.id, name: who.name };
      if (path === '/api/message') {
        // The person writes in Slack's own client (not through snap): their message, in a thread
        // when `threadTs`, with the files the paperclip attached (names only).
        const { text, threadTs, files } = body as { text?: unknown; threadTs?: unknown; files?: unknown };
        if (typeof text !== 'string' || (text.trim() === '' && !Array.isArray(files)))
          return answer(400, { error: 'nothing to post' });
        const names = Array.isArray(files)
          ? files.filter((f): f is string => typeof f === 'string').slice(0, 10)
          : [];
        const posted = p.slack.userMessage({
          channel: c.id,
          user: who.id,
          text,
          ...(typeof threadTs === 'string' && threadTs ? { threadTs } : {}),
          files: names,
        });
        return answer(200, { ts: posted.ts });
      }
      if (path === '/api/shortcut') {
        // The ⚡ menu (a global shortcut) or a message's ⋮ menu (a message shortcut), sent as
        // Slack sends them: with a fresh trigger (3 s, once) and, for a message, the message.
        const { callback, ts } = body as { callback?: unknown; ts?: unknown };
        if (typeof callback !== 'string' || !/^[a-z_]{1,40}$/.test(callback))
          return answer(400, { error: 'unknown shortcut' });
        const trigger = p.slack.trigger({ team: w.id, user: who.id });
        const message = typeof ts === 'string' ? p.slack.messages.get(`${c.id}/${ts}`) : undefined;
        if (typeof ts === 'string' && !message) return answer(404, { error: 'no such message' });
        const payload = message
          ? messageShortcut(person, callback, trigger, message, responseUrlFor(c.id, who.id))
          : globalShortcut(person, callback, trigger);
        // Slack puts no conversation in a global shortcut; its modal pre-selects the one it was
        // opened from (default_to_current_conversation), which the page remembers by trigger.
        if (!message) openedFrom.set(trigger, c.id);
        const result = await p.interact(payload);
        return answer(result.statusCode ?? 200, result.body ? JSON.parse(result.body) : {});
      }
      if (path === '/api/submit') {
        // A modal's submit button: the view's state as the person filled it in.
        const { viewId, values } = body as { viewId?: unknown; values?: Record<string, unknown> };
        const opened = typeof viewId === 'string' ? p.slack.views.get(viewId) : undefined;
        if (!opened || opened.user !== who.id) return answer(404, { error: 'no such modal' });
        const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
        // "Reveal once" and whom for, when the modal offers them (the people picker sends ids).
        const offersReveal = JSON.stringify(opened.view.blocks ?? []).includes('"block_id":"reveal"');
        const picked = values?.reveal_for;
        const people = Array.isArray(picked)
          ? picked.filter((u): u is string => typeof u === 'string').slice(0, 25)
          : [];
        const filled = {
          ...(str(values?.delay) !== undefined ? { delay: str(values?.delay) } : {}),
          ...(str(values?.text) !== undefined ? { text: str(values?.text) } : {}),
          ...(str(values?.conversation) !== undefined ? { conversation: str(values?.conversation) } : {}),
          ...(offersReveal ? { reveal: values?.reveal === true, revealFor: people } : {}),
        };
        const result = await p.interact(viewSubmission(person, opened, filled));
        return answer(result.statusCode ?? 200, result.body ? JSON.parse(result.body) : {});
      }
      if (path === '/api/interaction') {
        // The page's buttons ("Delete now", a card's "Reveal") and the "Delete snap now" shortcut,
        // sent as Slack sends them, as the person the page is.
        const { snapId, ts, respondTo, reveal } = body as {
          snapId?: string;
          ts?: string;
          respondTo?: string;
          reveal?: string;
        };
        // A button in an ephemeral note (the /snap list) carries that note's response_url.
        const note = typeof respondTo === 'string' ? replyTo.get(respondTo) : undefined;
        const inNote = note?.conversation === c.id && note.user === who.id;
        const common = {
          team: { id: w.id, domain: w.domain },
          user: { id: who.id, name: who.name },
          channel: { id: c.id, name: c.name },
          response_url: inNote ? p.slack.responseUrl(String(respondTo)) : responseUrlFor(c.id, who.id),
          trigger_id: `${Date.now()}.interaction`,
        };
        const action = (actionId: string, value: string) => [
          { action_id: actionId, value, action_ts: String(Date.now() / 1000) },
        ];
        const payload = reveal
          ? {
              // A card's Reveal: its response_url answers the clicker alone, where they are.
              ...common,
              response_url: responseUrlFor(c.id, who.id),
              type: 'block_actions',
              container: { type: 'message', channel_id: c.id, message_ts: String(ts), is_ephemeral: false },
              message: { ts: String(ts) },
              actions: action('snap_reveal', String(reveal)),
            }
          : snapId
            ? {
                ...common,
                type: 'block_actions',
                container: { type: 'message', channel_id: c.id, is_ephemeral: inNote },
                actions: action('delete_snap', String(snapId)),
              }
            : (() => {
                const m = p.slack.messages.get(`${c.id}/${String(ts)}`);
                return m
                  ? messageShortcut(person, 'delete_snap', p.slack.trigger(person), m, common.response_url)
                  : {
                      ...common,
                      type: 'message_action',
                      callback_id: 'delete_snap',
                      message: { ts: String(ts) },
                    };
              })();
        const result = await p.interact(payload);
        return answer(result.statusCode ?? 200, { status: result.statusCode });
      }
      if (path === '/api/command') {
        // The page's command box: signed and sent exactly as Slack would send it.
        const result = await p.command(
          String(body.text ?? ''),
          commandFields(w, c, who, responseUrlFor(c.id, who.id)),
        );
        res.writeHead(result.statusCode ?? 200, { 'content-type': 'application/json' });
        res.end(
          result.statusCode === 200
            ? (result.body ?? '{}')
            : JSON.stringify({ text: `ack answered ${result.statusCode}` }),
        );
        return;
      }
    }
    // Slack's requests (commands, interactions, events) and install's browser routes, as API
    // Gateway serves them on AWS (cookies included).
    if (await p.serveHttp(req, res)) {
      if (path === OAUTH_REDIRECT_PATH || path === EVENTS_PATH) await refreshApps();
      return;
    }
    res.writeHead(404, { 'content-type': 'text/plain' });
    res.end('not found\n');
  };
}

type Envelope = {
  ack: (response?: Record<string, unknown>) => Promise<void>;
  body: Record<string, unknown>;
  accepts_response_payload?: boolean;
};

/** ack's JSON answer, if it has one (an interaction's answer is usually an empty 200). */
function answerOf(result: { statusCode?: number; body?: string }): Record<string, unknown> | undefined {
  if (result.statusCode !== 200 || !result.body) return undefined;
  try {
    return JSON.parse(result.body) as Record<string, unknown>;
  } catch {
    return undefined;
  }
}

/**
 * Socket Mode: slash commands and interactions (the Delete now buttons, the shortcuts, a modal's
 * submission, whose `response_action: errors` rides back in the acknowledgement) over a
 * WebSocket, each acknowledged within 3 s with ack's answer. The socket is authenticated
 * by the app token; each payload is signed here with the signing secret so that it passes
 * through ack's one verified path, rules and all, exactly as an HTTP request would.
 */
async function startSocketMode(p: Pipeline, appToken: string): Promise<{ stop(): Promise<void> }> {
  const { SocketModeClient, LogLevel } = await import('@slack/socket-mode');
  const client = new SocketModeClient({
    appToken,
    logLevel: LogLevel.ERROR,
    // Reconnecting is done below: the client's own retries a failed first connection for minutes
    // while nothing answers, and a failed reconnection of its own rejects a promise no one holds.
    autoReconnectEnabled: false,
    clientOptions: {
      ...(process.env.SLACK_API_URL ? { slackApiUrl: process.env.SLACK_API_URL } : {}),
      retryConfig: { retries: 2, maxTimeout: 2_000 },
    },
  });
  const refused = (kind: string, status: number | undefined) =>
    process.stderr.write(`snap: ack answered ${status} to a Socket Mode ${kind}\n`);
  client.on('slash_commands', async ({ ack, body }: Envelope) => {
    const fields = Object.fromEntries(
      Object.entries(body).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
    );
    const result = await p.command(String(fields.text ?? ''), fields);
    if (result.statusCode !== 200) {
      refused('command', result.statusCode);
      await ack({ text: 'snap could not take that command.' });
      return;
    }
    // An empty 200 is an answer too: the poster replies (or the message appears) instead.
    await ack(answerOf(result));
  });
  client.on('interactive', async ({ ack, body, accepts_response_payload }: Envelope) => {
    const result = await p.interact(body);
    if (result.statusCode !== 200) refused('interaction', result.statusCode);
    const answer = answerOf(result);
    // Slack reads a payload only where the envelope says it accepts one.
    await ack(answer && accepts_response_payload ? answer : undefined);
  });
  // Slack's events (App Home opened, the app removed) go to install's events route, signed here
  // like everything else; the envelope is acknowledged at once, as install answers Slack at once.
  // (The client emits an events_api envelope under its inner event's type; `slack_event` carries every envelope.)
  client.on('slack_event', async ({ ack, body, type }: Envelope & { type: string }) => {
    if (type !== 'events_api') return;
    await ack();
    const event = body.event as Record<string, unknown> | undefined;
    if (!event) return;
    const team = typeof body.team_id === 'string' ? body.team_id : undefined;
    const enterprise = typeof body.enterprise_id === 'string' ? body.enterprise_id : undefined;
    const result = await p.slackEvent(event, {
      ...(team ? { team } : {}),
      ...(enterprise ? { enterprise } : {}),
    });
    if (result.statusCode !== 200) refused('event', result.statusCode);
  });
  let timer: NodeJS.Timeout | undefined;
  const opened = await Promise.race([
    client.start().then(
      () => 'open' as const,
      () => 'failed' as const,
    ),
    new Promise<'timeout'>((done) => {
      timer = setTimeout(() => done('timeout'), SOCKET_OPEN_TIMEOUT_MS);
    }),
  ]).finally(() => clearTimeout(timer));
  if (opened !== 'open') {
    await client.disconnect().catch(() => undefined);
    throw new StartError(
      `Slack took SLACK_APP_TOKEN, but the Socket Mode connection ${
        opened === 'timeout' ? `did not open within ${SOCKET_OPEN_TIMEOUT_MS / 1000} s` : 'failed'
      } (a proxy or firewall that blocks WebSockets to Slack?). Nothing was started.`,
    );
  }
  // Slack closes Socket Mode connections now and then (and networks drop them): connect again,
  // waiting longer after each failure, until one holds.
  let stopped = false;
  let failures = 0;
  let retry: NodeJS.Timeout | undefined;
  client.on('connected', () => {
    failures = 0;
  });
  client.on('disconnected', () => {
    if (stopped || retry) return;
    const wait = Math.min(30_000, 1_000 * 2 ** failures++);
    process.stderr.write(`snap: the Socket Mode connection closed; connecting again in ${wait / 1000} s\n`);
    retry = setTimeout(() => {
      retry = undefined;
      // A failed attempt ends disconnected, which schedules the next.
      if (!stopped) void client.start().catch(() => undefined);
    }, wait);
  });
  return {
    stop: async () => {
      stopped = true;
      clearTimeout(retry);
      await client.disconnect();
    },
  };
}

const SOCKET_OPEN_TIMEOUT_MS = 15_000;

/** Why `npm start` cannot go on, in words for the person who ran it. */
class StartError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StartError';
  }
}

const STARTING = 'snap is starting; try again in a moment.\n';

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const botToken = process.env.SLACK_BOT_TOKEN;
  const signingSecret = process.env.SLACK_SIGNING_SECRET;
  const appToken = process.env.SLACK_APP_TOKEN;
  if (Boolean(botToken) !== Boolean(signingSecret))
    fail('set both SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (workspace mode), or neither (sandbox)');
  if (appToken && !appToken.startsWith('xapp-'))
    fail('SLACK_APP_TOKEN must be an app-level token starting with xapp-');
  if (appToken && !botToken)
    fail('SLACK_APP_TOKEN (Socket Mode) needs SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET too');
  if (botToken && !botToken.startsWith('xoxb-'))
    fail(
      'SLACK_BOT_TOKEN must be the bot token starting with xoxb- (OAuth & Permissions → Bot User OAuth Token)',
    );
  const workspace =
    botToken && signingSecret
      ? {
          botToken,
          signingSecret,
          ...(process.env.SLACK_API_URL ? { apiUrl: process.env.SLACK_API_URL } : {}),
        }
      : undefined;

  // Until the pipeline is ready every request gets a quick 503, never silence.
  let handler: ((req: IncomingMessage, res: ServerResponse) => Promise<void>) | undefined;
  const server = createServer((req, res) => {
    if (!handler) {
      req.resume();
      res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8', 'retry-after': '1' });
      res.end(STARTING);
      return;
    }
    handler(req, res).catch((error: unknown) => {
      process.stderr.write(`snap: request failed: ${error instanceof Error ? error.name : 'error'}\n`);
      if (!res.headersSent) res.writeHead(500);
      res.end();
    });
  });

  // Stopping: Ctrl-C, SIGINT or SIGTERM sent to npm alone, a closed terminal, or the parent gone.
  // npm forwards SIGINT and SIGTERM to its script's process only, and `npm start`'s script `exec`s
  // this one in place of its shell (a shell would hold a forwarded SIGINT until its child exits,
  // and its child is this process). A changed parent means whoever started us is gone (npm
  // killed, or run without npm), and we stop too.
  let stopping: Promise<void> | undefined;
  let stoppedAt = 0;
  let cleanup: () => Promise<void> = async () => undefined;
  const stop = (why: string) => {
    if (stopping) {
      // A second Ctrl-C stops at once. Not the first one's echo: a terminal's Ctrl-C reaches
      // npm and this process together, and npm forwards its copy a moment later.
      if (why === 'SIGINT' && Date.now() - stoppedAt > 1_000) process.exit(130);
      return;
    }
    stoppedAt = Date.now();
    process.stdout.write(`\nsnap: stopping (${why})\n`);
    // Work in flight (a sweeper worker waiting for a snap's due time) must not keep the port for long.
    setTimeout(() => {
      process.stdout.write('snap: stopped without waiting for the work still in flight\n');
      process.exit(0);
    }, 5_000).unref();
    stopping = cleanup().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.on(signal, () => stop(signal));
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) stop('its parent process ended');
  }, 500).unref();

  // Fail on a taken port before starting anything else.
  await new Promise<void>((done) => {
    server.once('error', (error: NodeJS.ErrnoException) =>
      fail(
        error.code === 'EADDRINUSE'
          ? `port ${options.port} is already in use. Try: npm start -- --port ${options.port + 1}`
          : `cannot listen on port ${options.port}: ${error.code ?? error.message}`,
      ),
    );
    server.listen(options.port, '127.0.0.1', () => done());
  });
  const { port } = server.address() as { port: number };
  const url = `http://localhost:${port}`;
  cleanup = async () => {
    server.closeAllConnections();
    server.close();
  };
  process.stdout.write(`snap: starting on ${url} …\n`);

  if (workspace) {
    const apiUrl = workspace.apiUrl ?? 'https://slack.com/api/';
    const check = await checkSlackTokens({ apiUrl, botToken: workspace.botToken, appToken });
    if (!check.ok) fail(check.message);
    process.stdout.write(
      `snap: Slack took the bot token${appToken ? ' and the app token' : ''}: workspace ${check.team}, bot @${check.botUser}\n`,
    );
  }

  readableLogs();
  const p = await startPipeline({
    sweepPeriodSeconds: options.sweepPeriodSeconds,
    ttlLateByMs: options.ttlLateSeconds * 1000,
    ...(options.data ? { dynamoPath: resolve(options.data) } : {}),
    // The sandbox runs distributed, as a public app does: install's routes on this server.
    ...(workspace
      ? { workspace }
      : {
          // Install's pages link back to Slack: here, to this page, which plays Slack's client.
          install: { publicUrl: url, slackClientUrl: `${url}/` },
          distributed: true,
          slack: sandboxSlack(),
          // A policy changed on the page holds for the next snap (deployed, warm functions
          // take up to a minute to see it: docs/workspaces.md).
          env: { SNAP_SETTINGS_CACHE_SECONDS: '0' },
        }),
  });
  const stopSweeps = p.schedule();
  const ttl = setInterval(() => void p.expire().catch(() => undefined), 10_000);
  cleanup = async () => {
    clearInterval(ttl);
    server.closeAllConnections();
    server.close();
    await stopSweeps();
    await p.close();
  };
  const socket =
    workspace && appToken
      ? await startSocketMode(p, appToken).catch(async (error: unknown) => {
          if (!(error instanceof StartError)) throw error;
          await cleanup().catch(() => undefined);
          return fail(error.message);
        })
      : undefined;
  if (socket) {
    const closeRest = cleanup;
    cleanup = async () => {
      await socket.stop();
      await closeRest();
    };
  }
  if (!workspace) await installAtStart(p);
  handler = serve(p, !workspace);

  const mode = !workspace
    ? 'sandbox (no accounts: Slack, AWS and the schedule are local)'
    : socket
      ? 'workspace, Socket Mode'
      : 'workspace, HTTP';
  process.stdout.write(
    [
      '',
      `  snap is running — ${mode}`,
      workspace
        ? socket
          ? '  Commands, shortcuts, buttons and modals arrive over Socket Mode; type /snap 10s hello in your workspace.'
          : `  Point a tunnel at ${url}: Request URLs ${COMMAND_PATH} (the command) and ${INTERACTIONS_PATH} (interactivity).`
        : [
            `  Open ${url}/ and type: /snap 10s hello — or ⚡ → New snap, and a message's ⋮ menu`,
            `  Workspaces: ${SANDBOX.workspaces.map((w) => `${w.name} (${w.installedAtStart ? 'snap added' : 'add snap from the page'})`).join(', ')}; a direct message with ${SANDBOX.workspaces[0]?.conversations.find((c) => c.kind === 'im')?.name ?? 'someone'} where snap posts only as you`,
            `  Add to Slack: ${url}${INSTALL_PATH}`,
          ].join('\n'),
      `  Slack endpoint: ${url}${COMMAND_PATH}   sweep every ${options.sweepPeriodSeconds} s   TTL emulation ${options.ttlLateSeconds} s late${options.data ? `   data: ${options.data}` : '   data: in memory'}`,
      '  Logs below never contain message text. Ctrl-C stops.',
      '',
      '',
    ].join('\n'),
  );
}

await main();
