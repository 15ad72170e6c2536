/**
 * One-workspace mode with the install function deployed, end to end over the built bundles: the
 * configured bot token posts as before, and a user who lets snap post as them (`?as=user`) has
 * their snaps posted and deleted with their own token — in a DM too — until they revoke it.
 */
import { describe, expect, it } from '@jest/globals';
import { messageShortcut, viewSubmission } from '../../local/interactions';
import type { Pipeline } from '../../local/pipeline';
import { SANDBOX } from '../../local/sandbox';
import { dueOf, pipelineSuite } from '../support/e2e';
import { until } from '../support/wait';

const ME = SANDBOX.user.id;
const ANA = 'U0ANA';
const TEAM = SANDBOX.team.id;
const DM = 'D0ANA';
const suite = pipelineSuite('posting-as-yourself', {
  sweepPeriodSeconds: 10,
  install: {},
  slack: {
    conversations: {
      [DM]: { kind: 'im', members: [ME, ANA] },
      D0GONE: { kind: 'im', members: [ME, ANA] },
    },
  },
});
const p = (): Pipeline => suite.pipeline();

const snap = (text: string, channel: string, user: string = ME) =>
  p().command(text, { channel_id: channel, user_id: user });
const live = (channel: string) => suite.messagesIn(channel).filter((m) => m.deletedAt === undefined);
const nth = (channel: string, n: number) => until(() => suite.messagesIn(channel)[n - 1], 10_000);
const by = (method: string, channel: string) =>
  p()
    .slack.calls.filter((c) => c.method === method && c.params.channel === channel && c.result === 'ok')
    .map((c) => c.by);

describe('posting as yourself, beside one workspace’s bot token', () => {
  it('posts and deletes with the configured bot token, under the author’s name, as without install', async () => {
    await snap('3s plain bot snap', 'C0PLAIN');
    const message = await nth('C0PLAIN', 1);
    await until(() => message.deletedAt, 10_000);

    expect(by('chat.postMessage', 'C0PLAIN')).toEqual(['fixed']);
    expect(by('chat.delete', 'C0PLAIN')).toEqual(['fixed']);
    expect(message.username).toBe(SANDBOX.user.name);
    expect(message.deletedAt).toBeGreaterThanOrEqual(dueOf(message));
  });

  it('refuses a DM with someone else, with the ?as=user link, then posts there as me once I allow it, deleted at its due time with my token', async () => {
    // Prepare
    const replies = p().slack.replies.length;
    await snap('3s dm before allowing', DM);
    const refusal = await suite.lastReplyIn(replies);
    await p().lambda.settled();

    // Act
    const page = await p().authorize({ as: 'user', team: TEAM, user: ME });
    await snap('4s dm as myself', DM);
    const message = await nth(DM, 1);
    await until(() => message.deletedAt, 10_000);

    // Assess
    expect(String(refusal.body.text)).toContain(`<${p().publicUrl}/slack/install?as=user|`);
    expect(live(DM)).toHaveLength(0);
    expect(page.statusCode).toBe(200);
    expect(String(page.body)).toContain('<code>/snap revoke</code>');
    expect(message).toMatchObject({ user: ME });
    expect(message.botId).toBeUndefined();
    expect(by('chat.postMessage', DM)).toEqual([`user:${TEAM}:${ME}`]);
    expect(by('chat.delete', DM)).toEqual([`user:${TEAM}:${ME}`]);
    expect(message.deletedAt).toBeGreaterThanOrEqual(dueOf(message));
    expect(message.deletedAt).toBeLessThan(dueOf(message) + 1_500);
  });

  it('posts my snaps as me everywhere, and others’ still with the bot token', async () => {
    await snap('1h mine in public', 'C0MIXED');
    await snap('1h anas in public', 'C0MIXED', ANA);
    await until(() => (suite.messagesIn('C0MIXED').length === 2 ? true : undefined), 10_000);

    expect(by('chat.postMessage', 'C0MIXED').sort()).toEqual(['fixed', `user:${TEAM}:${ME}`].sort());
  });

  it('deletes a snap posted as me early with my token when I cancel it', async () => {
    await snap('1h cancel me', 'C0CANCEL');
    await nth('C0CANCEL', 1);
    await p().lambda.settled();

    await p().command('cancel', { channel_id: 'C0CANCEL' });
    await until(() => (live('C0CANCEL').length === 0 ? true : undefined), 10_000);

    expect(by('chat.delete', 'C0CANCEL')).toEqual([`user:${TEAM}:${ME}`]);
  });

  it('revokes: my pending snaps posted as me go now, my token is given back and gone, and the bot token posts for me again', async () => {
    // Prepare: C0MIXED holds one of mine (1 h) still.
    await p().lambda.settled();
    const replies = p().slack.replies.length;

    // Act
    await p().command('revoke', { channel_id: 'C0MIXED' });
    const reply = await suite.lastReplyIn(replies);
    await snap('1h after revoking', 'C0AFTER');
    const after = await nth('C0AFTER', 1);

    // Assess
    expect(String(reply.body.text)).toContain('took down 1 pending snap ');
    expect(live('C0MIXED').map((m) => m.user ?? 'bot')).toEqual(['bot']); // Ana's stays
    expect((await p().items()).find((i) => i.pk === `inst#${TEAM}#${ME}`)).toBeUndefined();
    expect(by('chat.postMessage', 'C0AFTER')).toEqual(['fixed']);
    expect(after.user).toBeUndefined();
  });

  it('drops a snap posted as me that nothing can delete once I took snap’s access back in Slack', async () => {
    // Prepare: allowed again, a snap in a DM (only my token could post there).
    await p().authorize({ as: 'user', team: TEAM, user: ME });
    await snap('1h pending at tokens_revoked', 'D0GONE');
    await nth('D0GONE', 1);
    await p().lambda.settled();

    // Act
    const answer = await p().revokeUser({ team: TEAM, user: ME });
    await suite.overdue('D0GONE');
    await p().sweep();

    // Assess
    expect(answer.statusCode).toBe(200);
    expect(by('chat.postMessage', 'D0GONE')).toEqual([`user:${TEAM}:${ME}`]);
    expect(by('chat.delete', 'D0GONE')).toEqual([]);
    expect(live('D0GONE')).toHaveLength(1); // it stays in Slack
    expect(await suite.recordsIn('D0GONE')).toHaveLength(0);
    expect(suite.logs.lines().some((l) => l.includes('"event":"snap.token_gone"'))).toBe(true);
  });

  it('gives back the token I allowed last when I revoke, not the dead one a warm poster still remembers', async () => {
    // Prepare: after the tokens_revoked above, the poster still remembers the dead token (its
    // cache keeps tokens up to five minutes); I allow snap again, which issues a new one.
    await p().authorize({ as: 'user', team: TEAM, user: ME });
    const replies = p().slack.replies.length;

    // Act
    await p().command('revoke', { channel_id: 'C0MIXED' });
    await suite.lastReplyIn(replies);

    // Assess: no token issued to me is left live in Slack, and none is left in the store.
    const mine = [...p().slack.issued.values()].filter((t) => t.kind === 'user' && t.user === ME);
    expect(mine.length).toBeGreaterThanOrEqual(3);
    expect(mine.filter((t) => !t.revoked)).toEqual([]);
    expect((await p().items()).find((i) => i.pk === `inst#${TEAM}#${ME}`)).toBeUndefined();
  });
});

describe('the shortcuts, beside one workspace’s bot token', () => {
  /** A message shortcut as `user`, then its modal submitted with `filled`. */
  async function viaShortcut(
    user: string,
    callback: string,
    message: Parameters<typeof messageShortcut>[3],
    filled: { text?: string; delay: string },
  ) {
    const who = { team: TEAM, user };
    const trigger = p().slack.trigger(who);
    await p().interact(
      messageShortcut(who, callback, trigger, message, p().slack.responseUrl(`${callback}-${trigger}`)),
    );
    await p().lambda.settled();
    const view = [...p().slack.views.values()].find((v) => v.triggerId === trigger);
    if (!view) throw new Error('no modal');
    await p().interact(viewSubmission(who, view, filled));
  }

  it('posts a reply in the thread with the configured bot token, and deletes it with the same', async () => {
    const parent = p().slack.userMessage({ channel: 'C0THREAD', user: ANA, text: 'a thread to answer' });

    await viaShortcut(ME, 'snap_reply', parent, { text: 'one-workspace thread reply', delay: '3s' });
    const reply = await until(
      () => suite.messagesIn('C0THREAD').find((m) => m.text === 'one-workspace thread reply'),
      10_000,
    );
    await until(() => reply.deletedAt, 10_000);

    expect(reply.threadTs).toBe(parent.ts);
    expect([reply.by, reply.deletedBy]).toEqual(['fixed', 'fixed']);
  });

  it('makes my own message self-destruct with my own token, which the bot token could not', async () => {
    await p().authorize({ as: 'user', team: TEAM, user: ANA });
    const mine = p().slack.userMessage({
      channel: 'C0THREAD',
      user: ANA,
      text: 'mine to take back',
      files: ['notes.txt'],
    });

    await viaShortcut(ANA, 'snap_this', mine, { delay: '3s' });
    await until(() => mine.deletedAt, 10_000);

    expect(mine.deletedBy).toBe(`user:${TEAM}:${ANA}`);
    expect(mine.files?.[0]?.deletedBy).toBe(`user:${TEAM}:${ANA}`);
  });
});
