/**
 * One true answer per request, end to end over the built bundles in distributed mode: whatever
 * becomes of a command or a button — posted, refused by Slack, snap not installed, a DM out of the
 * bot's reach, a limit, nothing to cancel, a list, a revoke — the person hears exactly one thing:
 * the message appearing, or one reply (ack's answer or the poster's, never both).
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { lambdaContext } from '../../local/lambda-stand-in';
import type { Pipeline } from '../../local/pipeline';
import { SANDBOX } from '../../local/sandbox';
import { pipelineSuite } from '../support/e2e';
import { answersTo, click } from '../support/reveal';
import { until } from '../support/wait';

const ME = SANDBOX.user.id;
const ANA = 'U0ANA';
const TEAM = SANDBOX.team.id;
const suite = pipelineSuite('one-answer', {
  sweepPeriodSeconds: 10,
  install: {},
  distributed: true,
  slack: {
    conversations: {
      D0ANA: { kind: 'im', members: [ME, ANA], team: TEAM },
      C0PAIR: { kind: 'channel', members: [ME, ANA], team: TEAM },
    },
    archived: ['C0ARC'],
  },
  env: { SNAP_LIMIT_USER_PER_MINUTE: '2' },
});
const p = (): Pipeline => suite.pipeline();

let requests = 0;

/**
 * Sends a command with a response_url of its own and waits until everything it set off is over;
 * what the person got: ack's answer (if any), the replies on its response_url, messages posted
 * with its text.
 */
async function ask(text: string, fields: Record<string, string> = {}) {
  const id = `one-${++requests}`;
  const answer = await p().command(text, { response_url: p().slack.responseUrl(id), ...fields });
  await p().lambda.settled();
  return outcome(id, answer.body, text);
}

function outcome(id: string, ackBody: string | undefined, text: string) {
  const replies = p()
    .slack.replies.filter((r) => r.id === id)
    .map((r) => String(r.body.text));
  const words = text.replace(/^\S+\s/, '');
  const posted = [...p().slack.messages.values()].filter((m) => m.text === words).length;
  const fromAck = ackBody ? [String((JSON.parse(ackBody) as { text: string }).text)] : [];
  return { answers: [...fromAck, ...replies], posted, total: fromAck.length + replies.length + posted };
}

beforeAll(async () => {
  await p().authorize({ team: TEAM, teamName: 'Acme', user: ME });
});

describe('one answer per request', () => {
  it('answers a posted snap with the message alone, no reply', async () => {
    const got = await ask('1h posted and nothing said', { channel_id: 'C0ONE' });

    expect(got).toMatchObject({ answers: [], posted: 1, total: 1 });
  });

  it.each([
    [
      'Slack refuses it (an archived channel)',
      '1h refused by slack',
      { channel_id: 'C0ARC', user_id: 'U0ARC' },
      'archived',
    ],
    [
      'snap is not installed in the workspace',
      '1h nowhere to go',
      { team_id: 'T0OTHER', channel_id: 'C0X', user_id: 'U0X' },
      'not installed',
    ],
    [
      'the bot cannot reach a DM',
      '1h in a dm',
      { channel_id: 'D0ANA', user_id: ANA },
      'Let snap post as you',
    ],
    ['the grammar is wrong', '-5s negative', { user_id: 'U0GRAM' }, 'negative delay'],
    ['help is asked for', 'help', { user_id: 'U0HELP' }, 'posts a message that deletes itself'],
  ])('answers once when %s', async (_case, text, fields, says) => {
    const got = await ask(text, fields);

    expect(got.posted).toBe(0);
    expect(got.answers).toEqual([expect.stringContaining(says)]);
  });

  it('answers a snap over a limit once, and every snap before it by its message alone', async () => {
    // Act: three in a row, the limit two a minute (a minute may turn in between: then none is refused).
    const got = [];
    for (let i = 0; i < 3; i++)
      got.push(await ask(`1h limited ${i}`, { user_id: 'U0LIM', channel_id: 'C0LIM' }));

    // Assess
    for (const one of got) expect(one.total).toBe(1);
    const refused = got.filter((g) => g.posted === 0);
    expect(refused.length).toBeLessThanOrEqual(1);
    for (const one of refused)
      expect(one.answers).toEqual([expect.stringContaining('faster than snap allows')]);
  });

  it('answers list, cancel with nothing pending, cancel, and revoke with nothing to revoke once each', async () => {
    const who = { channel_id: 'C0CAN', user_id: 'U0CAN' };
    await ask('1h to be cancelled', who);

    const list = await ask('list', who);
    const cancel = await ask('cancel', who);
    const nothing = await ask('cancel', who);
    const revoke = await ask('revoke', who);

    expect(list.answers).toEqual([expect.stringContaining('newest first')]);
    expect(cancel.answers).toEqual([expect.stringContaining('Deleted your snap')]);
    expect(nothing.answers).toEqual([expect.stringContaining('no pending snap in this channel')]);
    expect(revoke.answers).toEqual([expect.stringContaining('nothing to revoke')]);
  });

  it('answers a Delete now button from a list once, in place of the list', async () => {
    // Prepare: a snap, and the list that shows it.
    await ask('1h delete me from the list', { channel_id: 'C0BTN', user_id: 'U0BTN' });
    const listId = `one-${++requests}`;
    await p().command('list', {
      response_url: p().slack.responseUrl(listId),
      channel_id: 'C0BTN',
      user_id: 'U0BTN',
    });
    await p().lambda.settled();
    const listed = p().slack.replies.find((r) => r.id === listId);
    const snapId = JSON.stringify(listed?.body).match(/"value":"([^"]+)"/)?.[1];

    // Act: Slack sends the button with the list's own response_url.
    const clicked = await p().interact({
      type: 'block_actions',
      team: { id: TEAM },
      user: { id: 'U0BTN' },
      channel: { id: 'C0BTN' },
      container: { type: 'message', channel_id: 'C0BTN', is_ephemeral: true },
      response_url: p().slack.responseUrl(listId),
      actions: [{ action_id: 'delete_snap', value: snapId, action_ts: `${Date.now() / 1000}` }],
    });
    await p().lambda.settled();

    // Assess
    const answers = p().slack.replies.filter((r) => r.id === listId);
    expect(snapId).toBeDefined();
    expect(clicked.body ?? '').toBe('');
    expect(answers).toHaveLength(2);
    expect(answers[1]?.body).toMatchObject({ replace_original: true });
    expect(String(answers[1]?.body.text)).toContain('Deleted your snap');
  });

  it('answers a command Slack (or anyone) repeats with the same signed request only once', async () => {
    // Prepare
    const id = `one-${++requests}`;
    const event = p().commandEvent('cancel', {
      response_url: p().slack.responseUrl(id),
      channel_id: 'C0REP',
      user_id: 'U0REP',
    });
    const copy = structuredClone(event);

    // Act: the very same signed request twice (ack reads each event it is given in place).
    const first = await p().ack(event, lambdaContext('snap-ack', 10_000));
    const again = await p().ack(copy, lambdaContext('snap-ack', 10_000));
    await p().lambda.settled();

    // Assess
    await until(() => (p().slack.replies.some((r) => r.id === id) ? true : undefined), 5_000);
    expect([first.body, again.body]).toEqual(['', '']);
    expect(p().slack.replies.filter((r) => r.id === id)).toHaveLength(1);
  });
});

describe('one answer per request, for reveal once', () => {
  /** A reveal: ack's answer and the replies on its response_url, and the cards that appeared in `channel`. */
  async function reveal(text: string, fields: Record<string, string>) {
    const id = `one-${++requests}`;
    const channel = fields.channel_id ?? SANDBOX.channel.id;
    const before = [...p().slack.messages.values()].filter((m) => m.channel === channel).length;
    const answer = await p().command(`reveal ${text}`, {
      response_url: p().slack.responseUrl(id),
      ...fields,
    });
    await p().lambda.settled();
    const cards = [...p().slack.messages.values()].filter((m) => m.channel === channel).slice(before);
    const fromAck = answer.body ? [String((JSON.parse(answer.body) as { text: string }).text)] : [];
    const replies = answersTo(p(), id).map((b) => String(b.text));
    return {
      answers: [...fromAck, ...replies],
      cards,
      total: fromAck.length + replies.length + cards.length,
    };
  }

  it('answers a reveal with its card alone, and each click on it with one answer to the clicker', async () => {
    // Prepare
    const posted = await reveal('1h <@U0ANA> one answer: 5151', { user_id: 'U0RV1', channel_id: 'C0RV1' });
    const card = posted.cards[0];
    if (!card) throw new Error('no card');

    // Act: someone it is not for, ana (she sees it), ana again (already opened).
    const clicks = [];
    for (const who of ['U0RVX', ANA, ANA]) {
      const c = await click(p(), card, who);
      await p().lambda.settled();
      clicks.push({ ack: c.body, answers: answersTo(p(), c.responseId).length });
    }

    // Assess
    expect(posted).toMatchObject({ answers: [], total: 1 });
    for (const c of clicks) expect(c).toEqual({ ack: '', answers: 1 });
  });

  it.each([
    [
      'someone named is not in the conversation',
      '1h <@U0BEN> not here: 1',
      { channel_id: 'C0PAIR' },
      'not in this conversation',
    ],
    ['there is no secret', '1h <@U0ANA>', {}, 'There is no secret to reveal'],
    ['the secret is too long', `1h ${'s'.repeat(3_000)}`, {}, 'characters long'],
    [
      'the bot cannot reach a DM',
      '1h <@U0ANA> in a dm: 2',
      { channel_id: 'D0ANA', user_id: ANA },
      'Let snap post as you',
    ],
  ])('answers a refused reveal once when %s, posting nothing', async (_case, text, fields, says) => {
    const got = await reveal(text, { user_id: 'U0RV2', channel_id: 'C0RV2', ...fields });

    expect(got.cards).toEqual([]);
    expect(got.answers).toEqual([expect.stringContaining(says)]);
  });
});
