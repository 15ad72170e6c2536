/**
 * Distributed mode end to end, over the built bundles: no bot token configured; snap is added to
 * workspaces (and an Enterprise Grid org) through "Add to Slack" with the stand-in, and each
 * snap speaks with its own workspace's token — or its author's, once they let snap post as them.
 */
import { describe, expect, it } from '@jest/globals';
import type { Pipeline } from '../../local/pipeline';
import { dueOf, pipelineSuite } from '../support/e2e';
import { until } from '../support/wait';

const ANA = 'U0ANA';
const BEN = 'U0BEN';
const DEE = 'U0DEE';
const ELL = 'U0ELL';
const suite = pipelineSuite('distributed', {
  sweepPeriodSeconds: 10,
  install: {},
  distributed: true,
  slack: {
    enterprises: { E0ORG: ['T0SUB1', 'T0SUB2'], E0GRID: ['T0GA', 'T0GB'] },
    conversations: {
      'T0ACME-D1': { kind: 'im', members: [ANA, BEN] },
      'T0ACME-P1': { kind: 'private', members: [ANA, BEN] },
      'T0ACME-D3': { kind: 'im', members: [DEE, BEN] },
    },
  },
});
const p = (): Pipeline => suite.pipeline();

/** A command typed by `user` in `channel` of workspace `team` (of org `enterprise`). */
const snap = (text: string, where: { team: string; channel: string; user: string; enterprise?: string }) =>
  p().command(text, {
    team_id: where.team,
    channel_id: where.channel,
    user_id: where.user,
    ...(where.enterprise ? { enterprise_id: where.enterprise } : {}),
  });

const posted = (channel: string, count = 1) =>
  until(
    () => (suite.messagesIn(channel).length >= count ? suite.messagesIn(channel).at(count - 1) : undefined),
    10_000,
  );

const by = (method: string, channel: string) =>
  p()
    .slack.calls.filter((c) => c.method === method && c.params.channel === channel && c.result === 'ok')
    .map((c) => c.by);

describe('snap in many workspaces', () => {
  it('is added to a workspace through Add to Slack, posts there with that workspace’s token, and deletes on time with it', async () => {
    // Prepare
    const page = await p().authorize({ team: 'T0ACME', teamName: 'Acme', user: ANA });

    // Act
    await snap('3s acme door code 4711', { team: 'T0ACME', channel: 'T0ACME-C1', user: BEN });
    const message = await posted('T0ACME-C1');
    await until(() => message.deletedAt, 10_000);

    // Assess
    expect(page.statusCode).toBe(200);
    expect(String(page.body)).toContain('Acme');
    expect(by('chat.postMessage', 'T0ACME-C1')).toEqual(['bot:T0ACME']);
    expect(by('chat.delete', 'T0ACME-C1')).toEqual(['bot:T0ACME']);
    expect(message.deletedAt).toBeGreaterThanOrEqual(dueOf(message));
  });

  it('uses a second workspace’s token for its own channels only, never for the first’s', async () => {
    // Prepare
    await p().authorize({ team: 'T0BETA', user: 'U0BETA' });

    // Act
    await snap('3s beta lunch order', { team: 'T0BETA', channel: 'T0BETA-C1', user: 'U0BETA' });
    await snap('3s acme again', { team: 'T0ACME', channel: 'T0ACME-C2', user: BEN });
    await posted('T0BETA-C1');
    await posted('T0ACME-C2');
    await p().lambda.settled();

    // Assess: every call in a workspace's channel spoke with that workspace's token.
    const calls = p().slack.calls.filter(
      (c) => c.method === 'chat.postMessage' || c.method === 'chat.delete',
    );
    expect(calls.length).toBeGreaterThanOrEqual(4);
    for (const call of calls) {
      const team = String(call.params.channel).split('-')[0];
      expect([call.params.channel, call.by, call.result]).toEqual([call.params.channel, `bot:${team}`, 'ok']);
    }
  });

  it('finds an Enterprise Grid org’s installation from a workspace of the org', async () => {
    await p().authorize({ team: 'T0SUB1', enterprise: 'E0ORG', orgWide: true, user: 'U0BOSS' });

    await snap('3s org wide notice', {
      team: 'T0SUB2',
      enterprise: 'E0ORG',
      channel: 'T0SUB2-C1',
      user: 'U0SUB',
    });
    const message = await posted('T0SUB2-C1');
    await until(() => message.deletedAt, 10_000);

    expect(by('chat.postMessage', 'T0SUB2-C1')).toEqual(['bot:E0ORG']);
    expect(by('chat.delete', 'T0SUB2-C1')).toEqual(['bot:E0ORG']);
  });

  it('refuses politely, with the install link, in a workspace without snap: nothing posted, nothing recorded', async () => {
    const replies = p().slack.replies.length;

    await snap('30s nobody installed me', { team: 'T0NONE', channel: 'T0NONE-C1', user: 'U0NOBODY' });
    const reply = await suite.lastReplyIn(replies);
    await p().lambda.settled();

    expect(String(reply.body.text)).toContain(`<${p().publicUrl}/slack/install|`);
    expect(suite.messagesIn('T0NONE-C1')).toHaveLength(0);
    expect(await suite.recordsIn('T0NONE-C1')).toHaveLength(0);
  });

  it('after an uninstall, refuses the next snap there politely with the link, and drops what it can no longer delete', async () => {
    // Prepare: a Beta snap waiting for the sweeper, then Beta removes snap.
    await snap('1h beta pending at uninstall', { team: 'T0BETA', channel: 'T0BETA-C9', user: 'U0BETA' });
    await posted('T0BETA-C9');
    await p().lambda.settled();
    const answer = await p().uninstall({ team: 'T0BETA' });
    const replies = p().slack.replies.length;

    // Act: the poster still remembers Beta's token, which Slack now refuses.
    await snap('30s beta after uninstall', { team: 'T0BETA', channel: 'T0BETA-C1', user: 'U0BETA' });
    const reply = await suite.lastReplyIn(replies);
    await p().lambda.settled();
    await suite.overdue('T0BETA-C9');
    await p().sweep();

    // Assess
    expect(answer.statusCode).toBe(200);
    expect(String(reply.body.text)).toContain(`<${p().publicUrl}/slack/install|`);
    expect(suite.messagesIn('T0BETA-C1').filter((m) => m.deletedAt === undefined)).toHaveLength(0);
    expect(await suite.recordsIn('T0BETA-C9')).toHaveLength(0);
    expect(suite.messagesIn('T0BETA-C9')[0]?.deletedAt).toBeUndefined(); // it stays in Slack
    expect(suite.logs.lines().some((l) => l.includes('"event":"snap.token_gone"'))).toBe(true);
  });
});

describe('posting as yourself, distributed', () => {
  it('refuses “post as you” in a workspace snap is not in: a page saying to ask an admin, the token given back, nothing stored', async () => {
    // Prepare
    const before = (await p().items()).filter((i) => String(i.pk).startsWith('inst#T0NOBOT')).length;

    // Act
    const page = await p().authorize({ as: 'user', team: 'T0NOBOT', teamName: 'Nobot', user: 'U0NOBOT' });

    // Assess
    const issued = [...p().slack.issued.values()].filter((t) => t.team === 'T0NOBOT');
    expect(page.statusCode).toBe(409);
    expect(String(page.body)).toContain('snap is not installed in <strong>Nobot</strong>');
    expect(String(page.body)).toContain('Ask someone who may add apps');
    expect(issued.map((t) => [t.kind, t.revoked])).toEqual([['user', true]]);
    expect(
      p()
        .slack.calls.filter((c) => c.method === 'auth.revoke')
        .map((c) => c.by),
    ).toContain('user:T0NOBOT:U0NOBOT');
    expect(before).toBe(0);
    expect((await p().items()).filter((i) => String(i.pk).startsWith('inst#T0NOBOT'))).toEqual([]);
  });

  it('refuses a DM between two people with the ?as=user link, then posts there as Ana once she allows it, and deletes it on time with her token', async () => {
    // Prepare
    const replies = p().slack.replies.length;
    await snap('3s dm before allowing', { team: 'T0ACME', channel: 'T0ACME-D1', user: ANA });
    const refusal = await suite.lastReplyIn(replies);
    await p().lambda.settled();
    const botBefore = (await p().items()).find((i) => i.pk === 'inst#T0ACME');

    // Act
    const page = await p().authorize({ as: 'user', team: 'T0ACME', user: ANA });
    await snap('4s dm as ana herself', { team: 'T0ACME', channel: 'T0ACME-D1', user: ANA });
    const message = await posted('T0ACME-D1');
    await until(() => message.deletedAt, 10_000);

    // Assess
    expect(String(refusal.body.text)).toContain(`<${p().publicUrl}/slack/install?as=user|`);
    expect(page.statusCode).toBe(200);
    expect(message).toMatchObject({ user: ANA });
    expect(message.botId).toBeUndefined();
    expect(message.username).toBeUndefined();
    expect(by('chat.delete', 'T0ACME-D1')).toEqual([`user:T0ACME:${ANA}`]);
    const botAfter = (await p().items()).find((i) => i.pk === 'inst#T0ACME');
    expect(botAfter?.botToken).toEqual(botBefore?.botToken);
    expect(botAfter?.botUserId).toEqual(botBefore?.botUserId);
  });

  it('has the sweeper delete a longer snap posted as Ana with her token at its due time', async () => {
    await snap('26s private as ana', { team: 'T0ACME', channel: 'T0ACME-P1', user: ANA });
    const message = await posted('T0ACME-P1');
    await p().lambda.settled();
    const [record] = await suite.recordsIn('T0ACME-P1');

    const stop = p().schedule();
    await until(() => message.deletedAt, 40_000);
    await stop();

    expect(record).toMatchObject({ postedAs: 'user' });
    expect(message.deletedAt).toBeGreaterThanOrEqual(Number(record?.dueAt));
    expect(message.deletedAt).toBeLessThan(Number(record?.dueAt) + 1_000);
    expect(by('chat.delete', 'T0ACME-P1')).toEqual([`user:T0ACME:${ANA}`]);
  }, 60_000);

  it('lets Ana delete a snap posted as her early, by /snap cancel, the Delete now button and the shortcut', async () => {
    // Prepare: three snaps of hers in the DM.
    for (const n of [1, 2, 3])
      await snap(`1h early ${n}`, { team: 'T0ACME', channel: 'T0ACME-D1', user: ANA });
    await until(
      () => (suite.messagesIn('T0ACME-D1').filter((m) => !m.deletedAt).length === 3 ? true : undefined),
      10_000,
    );
    await p().lambda.settled();
    const live = () => suite.messagesIn('T0ACME-D1').filter((m) => !m.deletedAt);
    const records = await suite.recordsIn('T0ACME-D1');
    const common = {
      team: { id: 'T0ACME' },
      user: { id: ANA },
      channel: { id: 'T0ACME-D1' },
      response_url: p().slack.responseUrl('early'),
    };

    // Act
    await p().command('cancel', { team_id: 'T0ACME', channel_id: 'T0ACME-D1', user_id: ANA });
    await until(() => (live().length === 2 ? true : undefined), 10_000);
    const snapId = String(records.find((r) => r.ts === live()[0]?.ts)?.pk).replace(/^snap#/, '');
    await p().interact({
      ...common,
      type: 'block_actions',
      trigger_id: 'early.1',
      actions: [{ action_id: 'delete_snap', value: snapId, action_ts: '1.1' }],
    });
    await until(() => (live().length === 1 ? true : undefined), 10_000);
    await p().interact({
      ...common,
      type: 'message_action',
      callback_id: 'delete_snap',
      trigger_id: 'early.2',
      message: { ts: live()[0]?.ts },
    });
    await until(() => (live().length === 0 ? true : undefined), 10_000);

    // Assess
    expect(by('chat.delete', 'T0ACME-D1').slice(-3)).toEqual(Array(3).fill(`user:T0ACME:${ANA}`));
    // The record goes (for its tombstone) a moment after Slack's delete.
    const left = await until(async () => {
      const records = await suite.recordsIn('T0ACME-D1');
      return records.length === 0 ? records : undefined;
    }, 2_000);
    expect(left).toHaveLength(0);
  });

  it('takes everything back with /snap revoke: her pending snaps deleted now, the token revoked and gone, the bot untouched', async () => {
    // Prepare: two pending snaps posted as Ana.
    await snap('1h revoke me 1', { team: 'T0ACME', channel: 'T0ACME-D1', user: ANA });
    await snap('1h revoke me 2', { team: 'T0ACME', channel: 'T0ACME-C5', user: ANA });
    await posted('T0ACME-C5');
    await p().lambda.settled();
    const replies = p().slack.replies.length;

    // Act
    await p().command('revoke', { team_id: 'T0ACME', channel_id: 'T0ACME-C5', user_id: ANA });
    const reply = await suite.lastReplyIn(replies);
    await snap('1h after revoke', { team: 'T0ACME', channel: 'T0ACME-C6', user: ANA });
    const after = await posted('T0ACME-C6');

    // Assess
    expect(String(reply.body.text)).toContain('took down 2 pending snaps');
    expect(suite.messagesIn('T0ACME-C5')[0]?.deletedAt).toBeDefined();
    expect((await p().items()).find((i) => i.pk === `inst#T0ACME#${ANA}`)).toBeUndefined();
    expect((await p().items()).find((i) => i.pk === 'inst#T0ACME')).toHaveProperty('botToken');
    expect(
      p()
        .slack.calls.filter((c) => c.method === 'auth.revoke' && String(c.by).startsWith('user:T0ACME:'))
        .map((c) => c.by),
    ).toEqual([`user:T0ACME:${ANA}`]);
    expect(after.user).toBeUndefined(); // posted by the bot now
    expect(by('chat.postMessage', 'T0ACME-C6')).toEqual(['bot:T0ACME']);
  });

  it('lets go at once of a token Slack revoked without telling snap: one sweep drops the snap as token_gone, deletes the token item, and the bot tells its author', async () => {
    // Prepare: Dee lets snap post as her and snaps in a DM only she can post in; then Slack
    // revokes her token and its tokens_revoked event never reaches snap.
    await p().authorize({ as: 'user', team: 'T0ACME', user: DEE });
    await snap('1h dee pending', { team: 'T0ACME', channel: 'T0ACME-D3', user: DEE });
    const message = await posted('T0ACME-D3');
    await p().lambda.settled();
    p().slack.revokeUser(DEE);
    await suite.overdue('T0ACME-D3');

    // Act
    const first = await p().sweep();
    const second = await p().sweep();

    // Assess: dropped on the first sweep, not kept to be retried; the token item gone.
    expect(message.user).toBe(DEE);
    expect(first).toMatchObject({ found: 1, token_gone: 1, kept: 0 });
    expect(second).toMatchObject({ found: 0, kept: 0 });
    expect((await p().items()).find((i) => i.pk === `inst#T0ACME#${DEE}`)).toBeUndefined();
    expect(await suite.recordsIn('T0ACME-D3')).toHaveLength(0);
    expect(message.deletedAt).toBeUndefined(); // it stays in Slack, and Dee hears it from the bot:
    const told = suite.messagesIn(DEE);
    expect(told.map((m) => m.by)).toEqual(['bot:T0ACME']);
    expect(told[0]?.text).toContain('<#T0ACME-D3>');
    expect(suite.logs.lines().some((l) => l.includes('"event":"snap.token_gone"'))).toBe(true);
  }, 20_000);

  it('drops a snap posted as Ben when Ben takes snap’s access back in Slack (tokens_revoked): it stays in Slack, with a line that says so', async () => {
    // Prepare
    await p().authorize({ as: 'user', team: 'T0ACME', user: BEN });
    await snap('1h ben pending', { team: 'T0ACME', channel: 'T0ACME-C7', user: BEN });
    await posted('T0ACME-C7');
    await p().lambda.settled();
    const [record] = await suite.recordsIn('T0ACME-C7');

    // Act
    await p().revokeUser({ team: 'T0ACME', user: BEN });
    await suite.overdue('T0ACME-C7');
    await p().sweep();

    // Assess
    expect(record).toMatchObject({ postedAs: 'user' });
    expect((await p().items()).find((i) => i.pk === `inst#T0ACME#${BEN}`)).toBeUndefined();
    expect(suite.logs.lines().some((l) => l.includes('"event":"install.user_token_revoked"'))).toBe(true);
    expect(await suite.recordsIn('T0ACME-C7')).toHaveLength(0);
    expect(suite.messagesIn('T0ACME-C7')[0]?.deletedAt).toBeUndefined();
  }, 20_000);

  it('on Grid, /snap revoke typed in workspace B finds the permission granted in workspace A, gives it back and deletes it, and says so', async () => {
    // Prepare: snap added to two workspaces of org E0GRID one by one; Ell lets snap post as her
    // in A only, and snaps there.
    await p().authorize({ team: 'T0GA', enterprise: 'E0GRID', user: 'U0GADMIN' });
    await p().authorize({ team: 'T0GB', enterprise: 'E0GRID', user: 'U0GADMIN' });
    await p().authorize({ as: 'user', team: 'T0GA', enterprise: 'E0GRID', user: ELL });
    await snap('1h ell as herself in A', {
      team: 'T0GA',
      enterprise: 'E0GRID',
      channel: 'T0GA-C1',
      user: ELL,
    });
    const before = await posted('T0GA-C1');
    await p().lambda.settled();
    const replies = p().slack.replies.length;

    // Act: /snap revoke in workspace B, then a snap in A again.
    await p().command('revoke', {
      team_id: 'T0GB',
      enterprise_id: 'E0GRID',
      channel_id: 'T0GB-C1',
      user_id: ELL,
    });
    const reply = await suite.lastReplyIn(replies);
    await snap('1h ell after revoke in A', {
      team: 'T0GA',
      enterprise: 'E0GRID',
      channel: 'T0GA-C2',
      user: ELL,
    });
    const after = await posted('T0GA-C2');

    // Assess
    expect(before.user).toBe(ELL);
    expect(before.deletedAt).toBeDefined();
    expect(String(reply.body.text)).toContain('in another workspace of your organization');
    expect(String(reply.body.text)).toContain('took down 1 pending snap');
    expect(
      p()
        .slack.calls.filter((c) => c.method === 'auth.revoke')
        .map((c) => c.by),
    ).toContain(`user:T0GA:${ELL}`);
    expect([...p().slack.issued.values()].find((t) => t.user === ELL)?.revoked).toBe(true);
    const items = await p().items();
    expect(items.find((i) => i.pk === `inst#T0GA#${ELL}`)).toBeUndefined();
    expect(items.find((i) => i.pk === `grants#E0GRID#${ELL}`)).toBeUndefined();
    expect(after.user).toBeUndefined();
    expect(by('chat.postMessage', 'T0GA-C2')).toEqual(['bot:T0GA']);
  });
});
