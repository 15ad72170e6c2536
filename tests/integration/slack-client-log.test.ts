/**
 * What @slack/web-api's own warnings and errors become in snap's log, with a real client against
 * a Slack stand-in that answers with Slack's `response_metadata`: each line says what Slack
 * flagged (its warning code, where in the request, a limit) and quotes nothing of the request;
 * warnings that carry nothing more are not logged at all.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { type Listening, listen, readBody, sendJson } from '../../local/http-util';
import { SlackGateway } from '../../shared/adapters/slack';
import { SlackCallError } from '../../shared/errors';
import { captureLogs } from '../support/fakes';

const TEXT = 'the door code is 4711';
let slack: Listening;
/** What the stand-in answers to the next chat.postMessage. */
let answer: Record<string, unknown> = { ok: true, ts: '1.000100' };

beforeAll(async () => {
  slack = await listen(async (req, res) => {
    await readBody(req);
    sendJson(res, 200, answer);
  });
});

afterAll(async () => {
  await slack.close();
});

async function postWith(reply: Record<string, unknown>, apiUrl = `${slack.url}/api/`) {
  answer = reply;
  const { log, lines } = captureLogs();
  const gateway = new SlackGateway({ token: 'xoxb-client-log', apiUrl, log, timeoutMs: 2_000 });
  const outcome = await gateway.post({ channel: 'C1', text: TEXT, blocks: [] }).then(
    (ts) => ({ ts }),
    (error: unknown) => ({ error }),
  );
  const parsed = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  return { outcome, lines, client: parsed.filter((l) => String(l.event).startsWith('slack.client_')) };
}

/** A log line's own fields: what it says beyond its time, level and name. */
const said = (line: Record<string, unknown>) => {
  const { time: _t, level: _l, event: _e, ...rest } = line;
  return rest;
};

describe('the Slack client’s warnings in snap’s log', () => {
  it('logs Slack’s warning code when it truncated a message, not its sentence', async () => {
    const { outcome, lines, client } = await postWith({
      ok: true,
      ts: '1.000200',
      response_metadata: {
        warnings: ['message_truncated'],
        messages: [
          '[WARN] Your message was truncated but still posted. The `text` field accepts up to 40,000 characters.',
        ],
      },
    });

    expect(outcome).toEqual({ ts: '1.000200' });
    expect(client).toEqual([
      expect.objectContaining({ event: 'slack.client_warning', warning: 'message_truncated' }),
    ]);
    expect(lines.join('\n')).not.toContain('truncated but still posted');
  });

  it('logs where Slack found invalid blocks and the limit it names, while the post fails with Slack’s code', async () => {
    const { outcome, client } = await postWith({
      ok: false,
      error: 'invalid_blocks',
      response_metadata: {
        messages: [
          '[ERROR] failed to match all allowed schemas [json-pointer:/blocks/0/text]',
          '[ERROR] must be less than 3001 characters [json-pointer:/blocks/0/text/text]',
        ],
      },
    });

    expect((outcome as { error: SlackCallError }).error).toBeInstanceOf(SlackCallError);
    expect((outcome as { error: SlackCallError }).error.code).toBe('invalid_blocks');
    expect(client.map(said)).toEqual([
      { warning: 'invalid', at: '/blocks/0/text' },
      { warning: 'too_long', at: '/blocks/0/text/text', limit: 3000 },
    ]);
    expect(client.every((l) => l.level === 'error')).toBe(true);
  });

  it('keeps Slack’s remarks on the client’s own headers to debug lines', async () => {
    const { client } = await postWith({
      ok: true,
      ts: '1.000300',
      warning: 'missing_charset',
      response_metadata: { warnings: ['missing_charset'] },
    });

    expect(client.map((l) => [l.level, l.warning])).toEqual([['debug', 'missing_charset']]);
  });

  it('writes no line for a request that got no answer: the failing call reports it', async () => {
    // Prepare: a port where nothing listens.
    const closed = await listen(() => undefined);
    const url = `${closed.url}/api/`;
    await closed.close();

    // Act
    const { outcome, client } = await postWith({}, url);

    // Assess
    expect((outcome as { error: SlackCallError }).error.code).toBe('request_failed');
    expect(client).toEqual([]);
  });

  it('never writes a client line that says nothing but its name', async () => {
    const answers = [
      { ok: true, ts: '1.1', response_metadata: { warnings: ['superfluous_charset', 'message_truncated'] } },
      {
        ok: false,
        error: 'invalid_auth',
        warning: 'missing_charset',
        response_metadata: { warnings: ['missing_charset'] },
      },
      {
        ok: false,
        error: 'invalid_blocks',
        response_metadata: { messages: ['[ERROR] something new happened'] },
      },
    ];

    const seen = [];
    for (const reply of answers) seen.push(...(await postWith(reply)).client);

    expect(seen.length).toBeGreaterThan(0);
    expect(seen.filter((l) => Object.keys(said(l)).length === 0)).toEqual([]);
  });
});
