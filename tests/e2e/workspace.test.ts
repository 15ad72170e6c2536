/**
 * `npm start` in workspace mode over HTTP (SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET set, no app
 * token), as Slack reaches it through a tunnel: signed slash commands on /slack/commands and
 * signed interactions — a Delete now button, the Delete snap now shortcut — on
 * /slack/interactions. The Slack stand-in plays the workspace's Web API (SLACK_API_URL).
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type SlackStandIn, startSlack } from '../../local/slack-stand-in';
import { computeSignature } from '../../shared/domain/signature';
import { type LocalServer, startLocalServer } from '../support/local-server';
import { writeLedger } from '../support/privacy';
import { commandBody } from '../support/slack-requests';
import { until } from '../support/wait';

const TOKEN = 'xoxb-workspace-test';
const SECRET = 'workspace-signing-secret';
let slack: SlackStandIn;
let server: LocalServer;
let triggers = 0;

beforeAll(async () => {
  slack = await startSlack({ token: TOKEN });
  server = await startLocalServer([], {
    SLACK_BOT_TOKEN: TOKEN,
    SLACK_SIGNING_SECRET: SECRET,
    SLACK_API_URL: slack.apiUrl,
    // The stand-in plays Slack's response_urls too (a real workspace's are under the default).
    SLACK_RESPONSE_URL_PREFIX: slack.responseUrlPrefix,
  });
}, 60_000);

afterAll(async () => {
  writeLedger({
    suite: 'workspace',
    // Every command is noted where its body is built (commandBody).
    texts: [],
    secrets: [TOKEN],
    artefacts: {
      'server output (its logs)': server?.output().split('\n') ?? [],
      'response_url bodies': (slack?.replies ?? []).map((r) => JSON.stringify(r)),
      'Slack calls other than chat.postMessage': (slack?.calls ?? [])
        .filter((c) => c.method !== 'chat.postMessage')
        .map((c) => JSON.stringify(c)),
    },
  });
  await server?.stop();
  await slack?.close();
});

function signedPost(path: string, body: string, secret = SECRET) {
  const timestamp = String(Math.floor(Date.now() / 1000));
  return fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      'x-slack-request-timestamp': timestamp,
      'x-slack-signature': computeSignature(secret, timestamp, body),
    },
    body,
  });
}

const who = { team: { id: 'T1' }, user: { id: 'U1' } };
const interaction = (payload: Record<string, unknown>) =>
  new URLSearchParams({
    payload: JSON.stringify({ ...who, trigger_id: `${++triggers}.trigger`, ...payload }),
  }).toString();

/** Posts a snap in `channel` through /slack/commands; returns its ts once Slack has it. */
async function postSnap(text: string, channel: string): Promise<string> {
  const response = await signedPost(
    '/slack/commands',
    commandBody({ text: `1h ${text}`, team_id: 'T1', user_id: 'U1', channel_id: channel }),
  );
  expect(response.status).toBe(200);
  return (await until(() => slack.live(channel)[0], 5_000)).ts;
}

const replyTo = (id: string) => until(() => slack.replies.find((r) => r.id === id), 5_000);
const deleteOf = (channel: string, ts: string) =>
  until(
    () =>
      slack.calls.find(
        (c) => c.method === 'chat.delete' && c.params.channel === channel && c.params.ts === ts,
      ),
    5_000,
  );

describe('npm start (workspace, HTTP)', () => {
  it('tells where to point both Request URLs', () => {
    expect(server.output()).toContain('workspace, HTTP');
    expect(server.output()).toContain('/slack/commands');
    expect(server.output()).toContain('/slack/interactions');
  });

  it('verifies interactions as ack does: one signed with another secret is refused', async () => {
    const response = await signedPost(
      '/slack/interactions',
      interaction({ type: 'message_action', callback_id: 'delete_snap' }),
      'wrong-secret',
    );

    expect(response.status).toBe(401);
  });

  it('deletes a snap from its Delete now button in /snap list', async () => {
    // Prepare
    const ts = await postSnap('gone by its button', 'C-button');
    await signedPost(
      '/slack/commands',
      commandBody({
        text: 'list',
        team_id: 'T1',
        user_id: 'U1',
        channel_id: 'C-button',
        response_url: slack.responseUrl('list-button'),
      }),
    );
    const list = await replyTo('list-button');
    const blocks = (list.body.blocks ?? []) as Array<{
      text?: { text?: string };
      accessory?: { value?: string };
    }>;
    const snapId = blocks.find((b) => b.text?.text?.includes('<#C-button>'))?.accessory?.value;

    // Act
    const response = await signedPost(
      '/slack/interactions',
      interaction({
        type: 'block_actions',
        channel: { id: 'C-button' },
        response_url: slack.responseUrl('button'),
        actions: [{ action_id: 'delete_snap', value: snapId, action_ts: `${Date.now() / 1000}` }],
      }),
    );
    const deletion = await deleteOf('C-button', ts);
    const confirmation = await replyTo('button');

    // Assess
    expect(snapId).toBeTruthy();
    expect(response.status).toBe(200);
    expect(deletion.result).toBe('ok');
    expect(String(confirmation.body.text)).toContain('Deleted your snap');
  });

  it('deletes a snap from the Delete snap now message shortcut', async () => {
    // Prepare
    const ts = await postSnap('gone by the shortcut', 'C-shortcut');

    // Act
    const response = await signedPost(
      '/slack/interactions',
      interaction({
        type: 'message_action',
        callback_id: 'delete_snap',
        channel: { id: 'C-shortcut' },
        message: { ts },
        response_url: slack.responseUrl('shortcut'),
      }),
    );
    const deletion = await deleteOf('C-shortcut', ts);
    const confirmation = await replyTo('shortcut');

    // Assess
    expect(response.status).toBe(200);
    expect(deletion.result).toBe('ok');
    expect(String(confirmation.body.text)).toContain('Deleted your snap');
  });
});
