/**
 * `npm start` in workspace mode with SLACK_APP_TOKEN: slash commands over Socket Mode, against
 * a local WebSocket stand-in speaking Slack's envelope protocol (hello → slash_commands envelope
 * → ack with envelope_id), and the Slack Web API stand-in for the posts.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type WebSocket, WebSocketServer } from 'ws';
import { type SlackStandIn, startSlack } from '../../local/slack-stand-in';
import { type LocalServer, startLocalServer } from '../support/local-server';
import { writeLedger } from '../support/privacy';
import { until } from '../support/wait';

const TOKEN = 'xoxb-socket-test';
let slack: SlackStandIn;
let wss: WebSocketServer;
let server: LocalServer;
let socket: WebSocket;
const received: Array<Record<string, unknown>> = [];

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
    texts: ['hello over the socket'],
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

describe('Socket Mode', () => {
  it('announces the mode', () => {
    expect(server.output()).toContain('Socket Mode');
  });

  it('acknowledges a slash command envelope within 3 s with ack’s reply, then posts', async () => {
    // Act
    const sent = Date.now();
    socket.send(
      JSON.stringify({
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
      }),
    );
    const ack = await until(() => received.find((m) => m.envelope_id === 'env-1'), 3_000);
    const ackedIn = Date.now() - sent;
    const post = await until(() => slack.calls.find((c) => c.method === 'chat.postMessage'), 5_000);

    // Assess
    expect(ackedIn).toBeLessThan(3_000);
    expect(ack.payload).toMatchObject({
      response_type: 'ephemeral',
      text: expect.stringContaining('self-destructs'),
    });
    expect(JSON.stringify(ack)).not.toContain('hello over the socket');
    expect(post.params).toMatchObject({ channel: 'C-socket', text: 'hello over the socket' });
  });

  it('answers a grammar error through the socket and posts nothing', async () => {
    const before = slack.calls.filter((c) => c.method === 'chat.postMessage').length;
    socket.send(
      JSON.stringify({
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
      }),
    );
    const ack = await until(() => received.find((m) => m.envelope_id === 'env-2'), 3_000);

    expect(String((ack.payload as { text?: string }).text)).toContain('negative');
    expect(slack.calls.filter((c) => c.method === 'chat.postMessage')).toHaveLength(before);
  });
});
