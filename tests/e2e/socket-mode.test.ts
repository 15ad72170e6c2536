/**
 * `npm start` in workspace mode with SLACK_APP_TOKEN: slash commands and interactions (a Delete
 * now button, the Delete snap now shortcut) over Socket Mode, against a local WebSocket stand-in
 * speaking Slack's envelope protocol (hello → slash_commands / interactive envelope → ack with
 * envelope_id), and the Slack Web API stand-in for the posts and deletions.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type WebSocket, WebSocketServer } from 'ws';
import { viewSubmission } from '../../local/interactions';
import { type SlackStandIn, startSlack } from '../../local/slack-stand-in';
import { type LocalServer, startLocalServer } from '../support/local-server';
import { noteCommand, writeLedger } from '../support/privacy';
import { until } from '../support/wait';

const TOKEN = 'xoxb-socket-test';
let slack: SlackStandIn;
let wss: WebSocketServer;
let server: LocalServer;
let socket: WebSocket;
const received: Array<Record<string, unknown>> = [];
let envelopes = 0;

beforeAll(async () => {
  wss = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((r) => wss.once('listening', r));
  const { port } = wss.address() as { port: number };
  const connected = new Promise<WebSocket>((resolve) => {
    wss.on('connection', (ws) => {
      ws.on('message', (data) => received.push(JSON.parse(String(data)) as Record<string, unknown>));
      ws.send(
        JSON.stringify({
          type: 'hello',
          num_connections: 1,
          debug_info: { host: 'local' },
          connection_info: { app_id: 'A1' },
        }),
      );
      resolve(ws);
    });
  });
  slack = await startSlack({ token: TOKEN, socketUrl: `ws://127.0.0.1:${port}/link` });
  server = await startLocalServer([], {
    SLACK_BOT_TOKEN: TOKEN,
    SLACK_SIGNING_SECRET: 'workspace-signing-secret',
    SLACK_APP_TOKEN: 'xapp-1-test',
    SLACK_API_URL: slack.apiUrl,
    // The poster answers only response_urls under this prefix: the stand-in's, not Slack's.
    SLACK_RESPONSE_URL_PREFIX: slack.responseUrlPrefix,
  });
  socket = await connected;
}, 60_000);

afterAll(async () => {
  writeLedger({
    suite: 'socket-mode',
    texts: [],
    secrets: [TOKEN, 'xapp-1-test'],
    artefacts: {
      'server output (its logs)': server?.output().split('\n') ?? [],
      'response_url bodies': (slack?.replies ?? []).map((r) => JSON.stringify(r)),
      'Slack calls other than chat.postMessage': (slack?.calls ?? [])
        .filter((c) => c.method !== 'chat.postMessage')
        .map((c) => JSON.stringify(c)),
      'envelope acks sent back': received.map((m) => JSON.stringify(m)),
    },
  });
  await server?.stop();
  for (const client of wss?.clients ?? []) client.terminate();
  await new Promise((r) => wss?.close(r));
  await slack?.close();
});

/** Sends an envelope as Slack would; a slash command's text is noted for the privacy ledger. */
function sendEnvelope(
  envelope: { type: string; payload: Record<string, unknown> } & Record<string, unknown>,
) {
  if (envelope.type === 'slash_commands') noteCommand(String(envelope.payload.text ?? ''));
  socket.send(JSON.stringify(envelope));
}

describe('Socket Mode', () => {
  it('announces the mode', () => {
    expect(server.output()).toContain('Socket Mode');
  });

  it('acknowledges a slash command envelope within 3 s with no payload when ack answers nothing, then posts', async () => {
    // Act
    const sent = Date.now();
    sendEnvelope({
      envelope_id: 'env-1',
      type: 'slash_commands',
      accepts_response_payload: true,
      payload: {
        token: 'x',
        team_id: 'T1',
        channel_id: 'C-socket',
        user_id: 'U1',
        command: '/snap',
        text: '1h hello over the socket',
        response_url: slack.responseUrl('socket'),
        trigger_id: 'socket.1',
      },
    });
    const ack = await until(() => received.find((m) => m.envelope_id === 'env-1'), 3_000);
    const ackedIn = Date.now() - sent;
    const post = await until(() => slack.calls.find((c) => c.method === 'chat.postMessage'), 5_000);

    // Assess
    expect(ackedIn).toBeLessThan(3_000);
    // ack's empty 200: the envelope is acknowledged without a payload, as Slack expects then.
    expect(ack.payload ?? {}).toEqual({});
    expect(JSON.stringify(ack)).not.toContain('hello over the socket');
    expect(post.params).toMatchObject({ channel: 'C-socket', text: 'hello over the socket' });
  });

  it('answers a grammar error through the socket and posts nothing', async () => {
    const before = slack.calls.filter((c) => c.method === 'chat.postMessage').length;
    sendEnvelope({
      envelope_id: 'env-2',
      type: 'slash_commands',
      accepts_response_payload: true,
      payload: {
        team_id: 'T1',
        channel_id: 'C-socket',
        user_id: 'U1',
        command: '/snap',
        text: '-5s nope',
        response_url: slack.responseUrl('s2'),
        trigger_id: 'socket.2',
      },
    });
    const ack = await until(() => received.find((m) => m.envelope_id === 'env-2'), 3_000);

    expect(String((ack.payload as { text?: string }).text)).toContain('negative');
    expect(slack.calls.filter((c) => c.method === 'chat.postMessage')).toHaveLength(before);
  });

  /** Sends an envelope; resolves with its ack and how long the ack took. */
  async function envelope(type: string, payload: Record<string, unknown>, accepts = false) {
    const id = `env-${type}-${++envelopes}`;
    const sent = Date.now();
    sendEnvelope({ envelope_id: id, type, accepts_response_payload: accepts, payload });
    const ack = await until(() => received.find((m) => m.envelope_id === id), 3_000);
    return { ack, ms: Date.now() - sent };
  }

  const snapOverSocket = async (text: string, channel: string) => {
    await envelope(
      'slash_commands',
      {
        team_id: 'T1',
        channel_id: channel,
        user_id: 'U1',
        command: '/snap',
        text: `1h ${text}`,
        response_url: slack.responseUrl(`post-${channel}`),
        trigger_id: `socket.${channel}`,
      },
      true,
    );
    return (await until(() => slack.live(channel)[0], 5_000)).ts;
  };
  const interactive = (payload: Record<string, unknown>) =>
    envelope('interactive', {
      team: { id: 'T1' },
      user: { id: 'U1' },
      trigger_id: `t.${++envelopes}`,
      ...payload,
    });
  const deleteOf = (channel: string, ts: string) =>
    until(
      () =>
        slack.calls.find(
          (c) => c.method === 'chat.delete' && c.params.channel === channel && c.params.ts === ts,
        ),
      5_000,
    );
  const replyTo = (id: string) => until(() => slack.replies.find((r) => r.id === id), 5_000);

  it('acknowledges app_home_opened within 3 s and publishes the Home tab through install and controls', async () => {
    // Act
    const { ack, ms } = await envelope('events_api', {
      type: 'event_callback',
      team_id: 'T0SOCK',
      event: { type: 'app_home_opened', user: 'U0SOCK', channel: 'D0SOCK', tab: 'home', event_ts: '1.2' },
    });
    const home = await until(() => slack.homes.get('U0SOCK'), 5_000);

    // Assess
    expect(ack).toMatchObject({ envelope_id: expect.stringContaining('events_api') });
    expect(ms).toBeLessThan(3_000);
    expect(JSON.stringify(home.blocks)).toContain('Your pending snaps');
    expect(home.by).toBe('fixed');
  });

  it('acknowledges a Delete now button within 3 s and deletes the snap', async () => {
    // Prepare
    const ts = await snapOverSocket('button over the socket', 'C-sbutton');
    await envelope(
      'slash_commands',
      {
        team_id: 'T1',
        channel_id: 'C-sbutton',
        user_id: 'U1',
        command: '/snap',
        text: 'list',
        response_url: slack.responseUrl('socket-list'),
        trigger_id: 'socket.list',
      },
      true,
    );
    const blocks = ((await replyTo('socket-list')).body.blocks ?? []) as Array<{
      text?: { text?: string };
      accessory?: { value?: string };
    }>;
    const snapId = blocks.find((b) => b.text?.text?.includes('<#C-sbutton>'))?.accessory?.value;

    // Act
    const { ack, ms } = await interactive({
      type: 'block_actions',
      channel: { id: 'C-sbutton' },
      response_url: slack.responseUrl('socket-button'),
      actions: [{ action_id: 'delete_snap', value: snapId, action_ts: `${Date.now() / 1000}` }],
    });
    const deletion = await deleteOf('C-sbutton', ts);
    const confirmation = await replyTo('socket-button');

    // Assess
    expect(snapId).toBeTruthy();
    expect(ms).toBeLessThan(3_000);
    expect(ack.payload).toEqual({});
    expect(deletion.result).toBe('ok');
    expect(String(confirmation.body.text)).toContain('Deleted your snap');
  });

  it('acknowledges the Delete snap now shortcut within 3 s and deletes the snap', async () => {
    // Prepare
    const ts = await snapOverSocket('shortcut over the socket', 'C-sshortcut');

    // Act
    const { ms } = await interactive({
      type: 'message_action',
      callback_id: 'delete_snap',
      channel: { id: 'C-sshortcut' },
      message: { ts },
      response_url: slack.responseUrl('socket-shortcut'),
    });
    const deletion = await deleteOf('C-sshortcut', ts);
    const confirmation = await replyTo('socket-shortcut');

    // Assess
    expect(ms).toBeLessThan(3_000);
    expect(deletion.result).toBe('ok');
    expect(String(confirmation.body.text)).toContain('Deleted your snap');
  });

  it('opens a shortcut’s modal, answers its bad delay in the acknowledgement, and posts the corrected one', async () => {
    // Prepare: the ⚡ menu's New snap, its trigger issued by Slack.
    const trigger = slack.trigger({ team: 'T1', user: 'U1' });
    await envelope('interactive', {
      type: 'shortcut',
      callback_id: 'snap_new',
      team: { id: 'T1' },
      user: { id: 'U1' },
      trigger_id: trigger,
    });
    const opened = await until(() => [...slack.views.values()].find((v) => v.triggerId === trigger), 5_000);
    const submitted = (delay: string) =>
      envelope(
        'interactive',
        viewSubmission({ team: 'T1', user: 'U1' }, opened, {
          conversation: 'C0SOCKETMODAL',
          text: 'modal over the socket',
          delay,
        }),
        true,
      );

    // Act
    const refused = await submitted('whenever');
    const accepted = await submitted('1h');
    const posted = await until(() => slack.live('C0SOCKETMODAL')[0], 5_000);

    // Assess
    expect(refused.ms).toBeLessThan(3_000);
    expect(refused.ack.payload).toEqual({
      response_action: 'errors',
      errors: { delay: expect.stringContaining('not a delay') },
    });
    expect(accepted.ack.payload ?? {}).toEqual({});
    expect(posted.text).toBe('modal over the socket');
  });

  it('refuses the shortcut on someone else’s snap and leaves the snap in place', async () => {
    const ts = await snapOverSocket('shortcut over the socket', 'C-sother');

    await interactive({
      type: 'message_action',
      callback_id: 'delete_snap',
      user: { id: 'U-someone-else' },
      channel: { id: 'C-sother' },
      message: { ts },
      response_url: slack.responseUrl('socket-other'),
    });
    const refusal = await replyTo('socket-other');

    expect(String(refusal.body.text)).toContain('Only its author');
    expect(slack.live('C-sother').map((m) => m.ts)).toEqual([ts]);
  });

  it('connects again when Slack closes the connection, and answers over the new one', async () => {
    // Prepare
    const opens = () => slack.calls.filter((c) => c.method === 'apps.connections.open').length;
    const before = opens();
    const next = new Promise<WebSocket>((resolve) => wss.once('connection', resolve));

    // Act: Slack ends the connection (it recycles them now and then).
    socket.close(1001, 'going away');
    socket = await next;
    const { ack } = await envelope(
      'slash_commands',
      {
        team_id: 'T1',
        channel_id: 'C-sagain',
        user_id: 'U1',
        command: '/snap',
        text: 'help',
        response_url: slack.responseUrl('socket-again'),
        trigger_id: 'socket.again',
      },
      true,
    );

    // Assess
    expect(opens()).toBe(before + 1);
    expect(String((ack.payload as { text?: string }).text)).toContain('/snap');
  }, 15_000);
});
