/**
 * Beyond the slash command, end to end over the built bundles in distributed mode: the three
 * shortcuts open their modals at the Slack stand-in (trigger once, within 3 s), a submission is
 * checked in ack and posted by the poster — in a thread, in a conversation picked in the modal —
 * or, for snap_this, a message its author sent is deleted at its time with their own token,
 * files first. Everything else (list, Delete now, revoke) works on these snaps too.
 */
import { describe, expect, it } from '@jest/globals';
import { type Filled, globalShortcut, messageShortcut, viewSubmission } from '../../local/interactions';
import type { Pipeline } from '../../local/pipeline';
import { SANDBOX } from '../../local/sandbox';
import type { StandInMessage, StandInView } from '../../local/slack-stand-in';
import { pipelineSuite } from '../support/e2e';
import { until } from '../support/wait';

const TEAM = SANDBOX.team.id;
const ALEX = { team: TEAM, user: 'U0LOCAL', name: 'alex' };
const ANA = { team: TEAM, user: 'U0ANA', name: 'ana' };
const BEN = { team: TEAM, user: 'U0BEN', name: 'ben' };
const suite = pipelineSuite('surfaces', {
  sweepPeriodSeconds: 10,
  install: {},
  distributed: true,
  slack: {
    conversations: {
      C0SURF: { kind: 'channel', members: [ALEX.user, ANA.user, BEN.user], team: TEAM },
      D0ANA: { kind: 'im', members: [ALEX.user, ANA.user], team: TEAM },
    },
    admins: [ALEX.user],
  },
});
const p = (): Pipeline => suite.pipeline();

let responses = 0;

/** A shortcut as Slack sends it, then the modal controls opened for it (or undefined). */
async function shortcut(
  who: typeof ALEX,
  callback: string,
  message?: StandInMessage,
): Promise<{
  answer: { statusCode?: number; body?: string };
  view: StandInView | undefined;
  responseUrl: string;
}> {
  const before = new Set(p().slack.views.keys());
  const trigger = p().slack.trigger(who);
  const responseUrl = p().slack.responseUrl(`surf-${++responses}`);
  const answer = await p().interact(
    message
      ? messageShortcut(who, callback, trigger, message, responseUrl)
      : globalShortcut(who, callback, trigger),
  );
  await p().lambda.settled();
  const view = [...p().slack.views.values()].find((v) => !before.has(v.id));
  return { answer, view, responseUrl };
}

/** Submits the modal; waits for all it set off unless `settle` is false (a short snap is waited out). */
async function submit(who: typeof ALEX, view: StandInView | undefined, filled: Filled, settle = true) {
  if (!view) throw new Error('no modal was opened');
  const answer = await p().interact(viewSubmission(who, view, filled));
  if (settle) await p().lambda.settled();
  return answer;
}

const fields = (view: StandInView | undefined) =>
  (
    (view?.view.blocks as Array<{ type: string; block_id?: string; element?: { initial_value?: string } }>) ??
    []
  )
    .filter((b) => b.type === 'input')
    .map((b) => [b.block_id, b.element?.initial_value ?? null]);

describe('the shortcuts and their modals, end to end', () => {
  it('opens New snap from the ⚡ menu with a conversation, a message and the default delay, and posts what is submitted there', async () => {
    // Prepare
    await p().authorize({ team: TEAM, teamName: 'Acme', user: ALEX.user });

    // Act
    const { answer, view } = await shortcut(ALEX, 'snap_new');
    const submitted = await submit(ALEX, view, {
      conversation: 'C0SURF',
      text: 'modal snap\nsecond line',
      delay: '4s',
    });
    const message = await until(
      () => suite.messagesIn('C0SURF').find((m) => m.text === 'modal snap\nsecond line'),
      10_000,
    );
    await until(() => message.deletedAt, 15_000);

    // Assess
    expect(answer.body ?? '').toBe('');
    expect(fields(view)).toEqual([
      ['conversation', null],
      ['text', null],
      ['reveal', null],
      ['reveal_for', null],
      ['delay', '1m'],
    ]);
    expect(submitted.body ?? '').toBe('');
    expect(message.deletedAt).toBeGreaterThan(message.postedAt + 3_000);
  });

  it('answers a bad delay under its field at once, and the modal stays with nothing posted', async () => {
    const { view } = await shortcut(ALEX, 'snap_new');
    const posts = suite.calls('chat.postMessage').length;

    const answer = await submit(ALEX, view, {
      conversation: 'C0SURF',
      text: 'never posted',
      delay: '2 weeks',
    });

    expect(JSON.parse(String(answer.body))).toEqual({
      response_action: 'errors',
      errors: { delay: expect.stringContaining('not a delay') },
    });
    expect(suite.calls('chat.postMessage')).toHaveLength(posts);
  });

  it('posts Reply with a snap in the message’s thread, and deletes it on time', async () => {
    // Prepare: ana's message in the channel, and a reply in its thread.
    const parent = p().slack.userMessage({
      channel: 'C0SURF',
      user: ANA.user,
      text: 'who has the door code?',
    });
    const inThread = p().slack.userMessage({
      channel: 'C0SURF',
      user: BEN.user,
      text: 'ask alex',
      threadTs: parent.ts,
    });

    // Act: alex replies with a snap from the menu of the thread's reply.
    const { view } = await shortcut(ALEX, 'snap_reply', inThread);
    await submit(ALEX, view, { text: 'door code 4711', delay: '3s' });
    const reply = await until(
      () => suite.messagesIn('C0SURF').find((m) => m.text === 'door code 4711'),
      10_000,
    );
    await until(() => reply.deletedAt, 15_000);

    // Assess
    expect(reply.threadTs).toBe(parent.ts);
    expect(reply.deletedAt).toBeGreaterThanOrEqual(reply.postedAt + 3_000);
    expect(parent.deletedAt).toBeUndefined();
  });

  it('refuses Self-destruct on someone else’s message, even for an admin, and records nothing', async () => {
    const hers = p().slack.userMessage({ channel: 'C0SURF', user: ANA.user, text: 'not yours to delete' });
    await p().authorize({ as: 'user', team: TEAM, user: ALEX.user });

    const { view } = await shortcut(ALEX, 'snap_this', hers);

    expect(view?.view.submit).toBeUndefined();
    expect(JSON.stringify(view?.view.blocks)).toContain('your own');
    expect((await p().records()).filter((r) => r.ts === hers.ts)).toEqual([]);
  });

  it('explains and links ?as=user to someone who has not allowed snap, and schedules nothing', async () => {
    const bens = p().slack.userMessage({ channel: 'C0SURF', user: BEN.user, text: 'ben wrote this' });

    const { view } = await shortcut(BEN, 'snap_this', bens);

    expect(JSON.stringify(view?.view)).toContain(`${p().publicUrl}/slack/install?as=user`);
    expect(view?.view.submit).toBeUndefined();
  });

  it('deletes my own message with its file at the time I pick, with my token, files first, and tells me once beside it', async () => {
    // Prepare: ana allows snap (chat:write and files:write) and posts a screenshot herself.
    await p().authorize({ as: 'user', team: TEAM, user: ANA.user });
    const mine = p().slack.userMessage({
      channel: 'C0SURF',
      user: ANA.user,
      text: 'the wifi password',
      files: ['wifi.png'],
    });
    const notes = p().slack.ephemerals.length;

    // Act
    const { view } = await shortcut(ANA, 'snap_this', mine);
    await submit(ANA, view, { delay: '4s' }, false);
    const record = await until(async () => (await p().records()).find((r) => r.ts === mine.ts), 3_000);
    await until(() => mine.deletedAt, 15_000);

    // Assess
    const file = mine.files?.[0];
    expect(record).toMatchObject({ postedAs: 'user', user: ANA.user, files: [file?.id] });
    expect(JSON.stringify(record)).not.toContain('wifi');
    expect(mine.deletedBy).toBe(`user:${TEAM}:${ANA.user}`);
    expect(file?.deletedBy).toBe(`user:${TEAM}:${ANA.user}`);
    expect(file?.deletedAt).toBeLessThanOrEqual(mine.deletedAt ?? 0);
    expect(mine.deletedAt).toBeGreaterThanOrEqual(mine.postedAt + 4_000);
    expect(p().slack.ephemerals.slice(notes)).toEqual([
      expect.objectContaining({
        channel: 'C0SURF',
        user: ANA.user,
        text: expect.stringContaining('self-destructs'),
      }),
    ]);
  });

  it('lists a scheduled message with the other snaps, and Delete now takes it down early with its author’s token', async () => {
    // Prepare
    const mine = p().slack.userMessage({ channel: 'C0SURF', user: ANA.user, text: 'listed then deleted' });
    const { view } = await shortcut(ANA, 'snap_this', mine);
    await submit(ANA, view, { delay: '1h' });
    const record = await until(async () => (await p().records()).find((r) => r.ts === mine.ts), 5_000);

    // Act: the Delete snap now shortcut on that very message.
    await p().interact(
      messageShortcut(
        ANA,
        'delete_snap',
        p().slack.trigger(ANA),
        mine,
        p().slack.responseUrl(`surf-${++responses}`),
      ),
    );
    await p().lambda.settled();

    // Assess
    expect(record).toBeDefined();
    expect(mine.deletedAt).toBeDefined();
    expect(mine.deletedBy).toBe(`user:${TEAM}:${ANA.user}`);
  });

  it('acts once on a submission Slack delivers twice', async () => {
    const { view } = await shortcut(ALEX, 'snap_new');
    const filled = { conversation: 'C0SURF', text: 'twice delivered once posted', delay: '1h' };

    await submit(ALEX, view, filled);
    await submit(ALEX, view, filled);

    expect(suite.messagesIn('C0SURF').filter((m) => m.text === filled.text)).toHaveLength(1);
  });

  it('posts nothing for a submission whose binding was made for someone else, and tells the submitter privately', async () => {
    // Prepare: a modal opened for alex, submitted as ben (what a crafted payload would do).
    const { view } = await shortcut(ALEX, 'snap_new');
    const dms = suite.calls('chat.postMessage', BEN.user).length;

    // Act
    const answer = await submit(BEN, view, { conversation: 'C0SURF', text: 'hijacked form', delay: '1h' });

    // Assess: ack cannot tell (the seal is the poster's to open); the poster refuses.
    expect(answer.body ?? '').toBe('');
    expect(suite.messagesIn('C0SURF').filter((m) => m.text === 'hijacked form')).toEqual([]);
    expect(suite.calls('chat.postMessage', BEN.user).length).toBe(dms + 1);
  });

  it('opens no modal once the trigger is more than 3 s old, and says so where the shortcut was used', async () => {
    // Prepare: the stand-in's trigger issued, then left to expire before the click reaches snap.
    const message = p().slack.userMessage({ channel: 'C0SURF', user: ALEX.user, text: 'slow click' });
    const trigger = p().slack.trigger(ALEX);
    await new Promise((r) => setTimeout(r, 3_100));
    const responseUrl = p().slack.responseUrl(`surf-${++responses}`);

    // Act
    await p().interact(messageShortcut(ALEX, 'snap_reply', trigger, message, responseUrl));
    await p().lambda.settled();

    // Assess
    const id = responseUrl.split('/').at(-1);
    expect(suite.calls('views.open').at(-1)?.result).toBe('expired_trigger_id');
    expect(
      p()
        .slack.replies.filter((r) => r.id === id)
        .map((r) => r.body.text),
    ).toEqual([expect.stringContaining('3 seconds')]);
  });
});
