/**
 * One true answer per request, end to end over the built bundles in distributed mode: whatever
 * becomes of a command or a button — posted, refused by Slack, snap not installed, a DM out of the
 * bot's reach, a limit, nothing to cancel, a list, a revoke — the person hears exactly one thing:
 * the message appearing, or one reply (ack's answer or the poster's, never both).
 */
import { beforeAll, describe, expect, it } from '@jest/globals';
import { globalShortcut, messageShortcut, viewSubmission } from '../../local/interactions';
import { lambdaContext } from '../../local/lambda-stand-in';
import type { Pipeline } from '../../local/pipeline';
import { SANDBOX } from '../../local/sandbox';
import type { StandInMessage } from '../../local/slack-stand-in';
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
      C0PAIR: { kind: 'channel', members: [ME, ANA, 'U0RVM5'], team: TEAM },
    },
    archived: ['C0ARC'],
    admins: [ME],
  },
  // A policy changed here holds for the next snap (warm functions' minute is unit-tested).
  env: { SNAP_LIMIT_USER_PER_MINUTE: '2', SNAP_SETTINGS_CACHE_SECONDS: '0' },
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
    ['the grammar is wrong', '-5s the code is 31-4-15', { user_id: 'U0GRAM' }, 'negative delay'],
    ['help is asked for', 'help', { user_id: 'U0HELP' }, 'posts a message that deletes itself'],
    ['the policy is asked for', 'policy', { user_id: 'U0POL' }, 'snap’s policy here'],
    [
      'someone not an admin changes the policy',
      'policy max 1h',
      { user_id: 'U0POL' },
      'Only workspace admins',
    ],
    ['a policy change is not understood', 'policy max forever', { user_id: 'U0POL' }, 'did not understand'],
    ['a person asks for their default', 'default', { user_id: 'U0POL' }, 'typed without a delay'],
    ['a person sets their default', 'default 10m', { user_id: 'U0POL' }, 'your own default'],
  ])('answers once when %s', async (_case, text, fields, says) => {
    const got = await ask(text, fields);

    expect(got.posted).toBe(0);
    expect(got.answers).toEqual([expect.stringContaining(says)]);
  });

  it('answers an admin’s policy change once, and a snap the policy refuses once, naming the rule', async () => {
    const changed = await ask('policy off here', { channel_id: 'C0QUIET' });
    const refused = await ask('1h not in this channel', { channel_id: 'C0QUIET', user_id: 'U0QUIET' });
    const reset = await ask('policy reset', { channel_id: 'C0QUIET' });

    expect(changed).toMatchObject({ answers: [expect.stringContaining('Policy changed')], total: 1 });
    expect(refused).toMatchObject({
      answers: [expect.stringContaining('turns snap off in this conversation')],
      posted: 0,
      total: 1,
    });
    expect(reset.total).toBe(1);
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

  it.each([
    ['reveal once is off', 'policy reveal off', '1h <@U0ANA> policy off: 3', 'turns reveal-once secrets off'],
    [
      'snap is off in the conversation',
      'policy off <#C0RV3>',
      '1h <@U0ANA> channel off: 4',
      'turns snap off',
    ],
    ['the delay is over the longest', 'policy max 1h', '2h <@U0ANA> too long: 5', 'longest delay to 1 hour'],
  ])(
    'answers a reveal the policy refuses once, naming the rule, when %s: nothing posted, no key left',
    async (_case, rule, text, says) => {
      // Prepare
      await ask(rule);

      // Act
      const got = await reveal(text, { user_id: 'U0RV3', channel_id: 'C0RV3' });
      await ask('policy reset');

      // Assess
      expect(got).toMatchObject({ answers: [expect.stringContaining(says)], cards: [], total: 1 });
      expect(got.answers[0]).toContain('Your secret was not shared');
      expect((await p().revealItems()).filter((i) => i.channel === 'C0RV3')).toEqual([]);
    },
  );
});

describe('one answer per modal, for reveal once', () => {
  /**
   * Opens the New snap form as `user`, ticks "Reveal once" for `people`, submits it and waits;
   * what the person got (ack's answers, notes beside it, snap's direct messages) and the cards.
   */
  async function revealViaModal(
    user: string,
    channel: string,
    people: string[],
    text: string,
    meanwhile?: () => Promise<unknown>,
  ) {
    const who = { team: TEAM, user };
    const trigger = p().slack.trigger(who);
    const notes = p().slack.ephemerals.length;
    const dms = p().slack.calls.filter(
      (c) => c.method === 'chat.postMessage' && c.params.channel === user,
    ).length;
    const before = [...p().slack.messages.values()].filter((m) => m.channel === channel).length;
    const opened = await p().interact(globalShortcut(who, 'snap_new', trigger));
    await p().lambda.settled();
    const view = [...p().slack.views.values()].find((v) => v.triggerId === trigger);
    if (!view) throw new Error('no modal');
    await meanwhile?.();
    const submitted = await p().interact(
      viewSubmission(who, view, {
        conversation: channel,
        text,
        delay: '1h',
        reveal: true,
        revealFor: people,
      }),
    );
    await p().lambda.settled();
    const fromAck = [opened.body, submitted.body].filter((b) => b);
    // The author's own notes only (those named get a heads-up of their own).
    const beside = p()
      .slack.ephemerals.slice(notes)
      .filter((e) => e.user === user)
      .map((e) => e.text);
    const direct = p()
      .slack.calls.filter((c) => c.method === 'chat.postMessage' && c.params.channel === user)
      .slice(dms)
      .map((c) => String(c.params.text));
    const cards = [...p().slack.messages.values()].filter((m) => m.channel === channel).slice(before);
    return {
      view,
      answers: [...fromAck, ...beside, ...direct],
      cards,
      total: fromAck.length + beside.length + direct.length + cards.length,
    };
  }

  it('answers a secret shared from a form with its card and one note to its author that it is posting, and a click on it with one answer', async () => {
    const got = await revealViaModal('U0RVM1', 'C0RVM', [ANA], 'from a form: 6161');
    const card = got.cards[0];
    if (!card) throw new Error('no card');

    const c = await click(p(), card, ANA);
    await p().lambda.settled();

    expect(got).toMatchObject({
      answers: [expect.stringContaining("snap is posting your secret's card here")],
      total: 2,
    });
    expect(card.text).not.toContain('6161');
    expect({ ack: c.body, answers: answersTo(p(), c.responseId).length }).toEqual({ ack: '', answers: 1 });
  });

  it('answers once, naming the rule, a form’s secret sent after the policy turned reveal once off: nothing posted, no key left', async () => {
    const got = await revealViaModal('U0RVM2', 'C0RVM2', [ANA], 'turned off meanwhile: 7171', () =>
      ask('policy reveal off'),
    );
    await ask('policy reset');

    expect(got).toMatchObject({
      answers: [expect.stringContaining('turns reveal-once secrets off')],
      cards: [],
      total: 1,
    });
    expect((await p().revealItems()).filter((i) => i.channel === 'C0RVM2')).toEqual([]);
  });

  it('answers a form’s secret for someone not in the conversation with the note that it is posting, then why it was not sent, naming them', async () => {
    const got = await revealViaModal('U0RVM5', 'C0PAIR', ['U0BEN'], 'not for ben: 8181');

    expect(got).toMatchObject({
      answers: [
        expect.stringContaining("snap is posting your secret's card here"),
        expect.stringContaining('not in this conversation'),
      ],
      cards: [],
      total: 2,
    });
  });

  it('answers once, in snap’s Messages tab, a form’s secret from someone not in the conversation: no card, nobody named told', async () => {
    const notes = p().slack.ephemerals.length;

    const got = await revealViaModal('U0RVM3', 'C0PAIR', [ANA], 'not from here: 8282');

    expect(got).toMatchObject({
      answers: [expect.stringContaining('you are not in <#C0PAIR>')],
      cards: [],
      total: 1,
    });
    expect(p().slack.ephemerals.slice(notes)).toEqual([]);
  });

  it('offers no "Reveal once" in the form while the policy turns it off', async () => {
    await ask('policy reveal off');
    const who = { team: TEAM, user: 'U0RVM4' };
    const trigger = p().slack.trigger(who);

    await p().interact(globalShortcut(who, 'snap_new', trigger));
    await p().lambda.settled();
    await ask('policy reset');

    const view = [...p().slack.views.values()].find((v) => v.triggerId === trigger);
    expect(JSON.stringify(view?.view.blocks)).toContain('"block_id":"delay"');
    expect(JSON.stringify(view?.view.blocks)).not.toContain('"block_id":"reveal"');
  });
});

describe('one answer per modal', () => {
  /**
   * Opens a modal as `user` (a message shortcut when `message` is given), submits it, and waits
   * until all it set off is over; what the person got: ack's answers, notes beside the message,
   * direct messages from snap, messages posted with the text.
   */
  async function viaModal(
    user: string,
    callback: string,
    filled: { text?: string; delay: string; conversation?: string },
    message?: StandInMessage,
    /** Done while the form is open (an admin changing the policy, say); its own answers apart. */
    meanwhile?: () => Promise<unknown>,
  ) {
    const who = { team: TEAM, user };
    const trigger = p().slack.trigger(who);
    const notes = p().slack.ephemerals.length;
    const dms = p().slack.calls.filter(
      (c) => c.method === 'chat.postMessage' && c.params.channel === user,
    ).length;
    const opened = await p().interact(
      message
        ? messageShortcut(who, callback, trigger, message, p().slack.responseUrl(`one-${++requests}`))
        : globalShortcut(who, callback, trigger),
    );
    await p().lambda.settled();
    const view = [...p().slack.views.values()].find((v) => v.triggerId === trigger);
    if (!view) throw new Error('no modal');
    await meanwhile?.();
    const submitted = await p().interact(viewSubmission(who, view, filled));
    await p().lambda.settled();
    const fromAck = [opened.body, submitted.body].filter((b) => b);
    const beside = p()
      .slack.ephemerals.slice(notes)
      .map((e) => e.text);
    const direct = p()
      .slack.calls.filter((c) => c.method === 'chat.postMessage' && c.params.channel === user)
      .slice(dms)
      .map((c) => String(c.params.text));
    const posted = filled.text
      ? [...p().slack.messages.values()].filter((m) => m.text === filled.text).length
      : 0;
    return {
      answers: [...fromAck, ...beside, ...direct],
      posted,
      total: fromAck.length + beside.length + direct.length + posted,
    };
  }

  it('answers a modal snap snap’s bot posts with the message and one note to its author beside it: posting, and when it goes', async () => {
    const got = await viaModal('U0MOD1', 'snap_new', {
      conversation: 'C0MODAL',
      text: 'modal posted with a note',
      delay: '1h',
    });

    expect(got).toMatchObject({
      answers: [expect.stringContaining('snap is posting your snap here. It self-destructs in 1 hour')],
      posted: 1,
      total: 2,
    });
  });

  it('answers a modal snap for a conversation its author is not in once, in snap’s Messages tab, and posts nothing', async () => {
    const got = await viaModal('U0MODOUT', 'snap_new', {
      conversation: 'C0PAIR',
      text: 'not my channel',
      delay: '1h',
    });

    expect(got).toMatchObject({
      answers: [expect.stringContaining('you are not in <#C0PAIR>')],
      posted: 0,
      total: 1,
    });
  });

  it('answers a bad delay once, in the modal, and nothing else', async () => {
    const got = await viaModal('U0MOD2', 'snap_new', {
      conversation: 'C0MODAL',
      text: 'never sent anywhere',
      delay: 'soon',
    });

    expect(got.posted).toBe(0);
    expect(got.answers).toEqual([expect.stringContaining('response_action')]);
  });

  it('answers a modal snap Slack refuses (an archived channel) once, beside it or in snap’s Messages tab', async () => {
    const got = await viaModal('U0MOD3', 'snap_new', {
      conversation: 'C0ARC',
      text: 'to the archive',
      delay: '1h',
    });

    expect(got.posted).toBe(0);
    expect(got.answers).toEqual([expect.stringContaining('archived')]);
  });

  it('answers a modal snap over a limit once', async () => {
    const got = [];
    for (let i = 0; i < 3; i++)
      got.push(
        await viaModal('U0MODLIM', 'snap_new', {
          conversation: 'C0MODAL',
          text: `modal limited ${i}`,
          delay: '1h',
        }),
      );

    // Posted: the message and its note; limited: the one refusal.
    for (const one of got) expect(one.total).toBe(one.posted ? 2 : 1);
    for (const one of got.filter((g) => g.posted === 0))
      expect(one.answers).toEqual([expect.stringContaining('faster than snap allows')]);
  });

  it('answers a modal snap the policy refuses once, naming the rule, and opens its form with the person’s default', async () => {
    // Prepare: the admin sets the longest delay to 1 hour; U0MODPOL's own default is 10 minutes.
    await ask('policy max 1h');
    await ask('default 10m', { user_id: 'U0MODPOL' });
    const views = p().slack.views.size;

    // Act
    const got = await viaModal('U0MODPOL', 'snap_new', {
      conversation: 'C0MODAL',
      text: 'longer than the policy',
      delay: '2h',
    });
    await ask('policy reset');

    // Assess
    const form = [...p().slack.views.values()][views];
    expect(JSON.stringify(form?.view.blocks)).toContain('"initial_value":"10m"');
    expect(got).toMatchObject({
      answers: [expect.stringContaining('sets the longest delay to 1 hour')],
      posted: 0,
      total: 1,
    });
  });

  it('answers a message made to self-destruct once, naming the rule, when posting as yourself was turned off while its form was open', async () => {
    // Prepare
    await p().authorize({ as: 'user', team: TEAM, user: 'U0MODAU' });
    const mine = p().slack.userMessage({
      channel: 'C0MODAL',
      user: 'U0MODAU',
      text: 'not while as-user is off',
    });

    // Act
    const got = await viaModal('U0MODAU', 'snap_this', { delay: '1h' }, mine, () =>
      ask('policy as-user off'),
    );
    await ask('policy reset');

    // Assess: nothing scheduled, the message stays.
    expect(got.answers).toEqual([expect.stringContaining('turns acting as yourself off')]);
    expect(
      p()
        .slack.live('C0MODAL')
        .some((m) => m.ts === mine.ts),
    ).toBe(true);
    expect(
      (await p().items()).some(
        (i) => String(i.pk).startsWith('snap#') && (i as { ts?: string }).ts === mine.ts,
      ),
    ).toBe(false);
  });

  it('opens no form for a message made to self-destruct while posting as yourself is off: its one answer names the rule', async () => {
    // Prepare
    await p().authorize({ as: 'user', team: TEAM, user: 'U0MODNO' });
    const mine = p().slack.userMessage({ channel: 'C0MODAL', user: 'U0MODNO', text: 'no form for this one' });
    await ask('policy as-user off');
    const who = { team: TEAM, user: 'U0MODNO' };
    const trigger = p().slack.trigger(who);
    const notes = p().slack.ephemerals.length;

    // Act
    const opened = await p().interact(
      messageShortcut(who, 'snap_this', trigger, mine, p().slack.responseUrl(`one-${++requests}`)),
    );
    await p().lambda.settled();
    await ask('policy reset');

    // Assess: the modal that opened is the answer, and says why; nothing else was said.
    const view = [...p().slack.views.values()].find((v) => v.triggerId === trigger);
    expect(opened.body).toBeFalsy();
    expect(view?.view.submit).toBeUndefined();
    expect(JSON.stringify(view?.view.blocks)).toContain('turns acting as yourself off');
    expect(p().slack.ephemerals.slice(notes)).toEqual([]);
  });

  it('answers a message made to self-destruct once, beside it', async () => {
    await p().authorize({ as: 'user', team: TEAM, user: 'U0MOD4' });
    const mine = p().slack.userMessage({
      channel: 'C0MODAL',
      user: 'U0MOD4',
      text: 'scheduled once told once',
    });

    const got = await viaModal('U0MOD4', 'snap_this', { delay: '1h' }, mine);

    expect(got.answers).toEqual([expect.stringContaining('self-destructs')]);
  });
});
