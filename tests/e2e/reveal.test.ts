/**
 * Reveal once, end to end over the built bundles in distributed mode: `/snap reveal` posts a card
 * (by the bot, or as the author with their own token), a named person sees the secret alone and
 * once, the card says who has opened it, and the secret burns — its key destroyed, then its card
 * deleted — when the last person it is for has opened it, at its due time (sweeper, or reaper when
 * TTL takes the record), or when its author deletes it first. And the proof the issue asks for:
 * after the burn, every copy of everything sealed that the run produced, tried with every key KMS
 * would unwrap for any role, opens nothing — while the same attack before the burn does.
 */
import { type AttributeValue, DynamoDBClient, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { unmarshall } from '@aws-sdk/util-dynamodb';
import { beforeAll, describe, expect, it } from '@jest/globals';
import { globalShortcut, messageShortcut, viewSubmission } from '../../local/interactions';
import type { Pipeline } from '../../local/pipeline';
import { SANDBOX } from '../../local/sandbox';
import type { StandInMessage } from '../../local/slack-stand-in';
import { parseCommand } from '../../shared/domain/command';
import { SECRET_BLOCK_ID } from '../../shared/domain/replies';
import { pipelineSuite } from '../support/e2e';
import { answersTo, attack, click, clickPayload, revealIdIn } from '../support/reveal';
import { until } from '../support/wait';

const TEAM = SANDBOX.team.id;
const ALEX = 'U0LOCAL';
const ANA = 'U0ANA';
const BEN = 'U0BEN';
const suite = pipelineSuite('reveal', {
  sweepPeriodSeconds: 10,
  install: {},
  distributed: true,
  slack: {
    conversations: {
      C0LOCAL: { kind: 'channel', members: [ALEX, ANA, BEN], team: TEAM },
      C0TWO: { kind: 'channel', members: [ALEX, ANA, BEN].filter((u) => u !== BEN), team: TEAM },
      D0ANA: { kind: 'im', members: [ALEX, ANA], team: TEAM },
    },
  },
});
const p = (): Pipeline => suite.pipeline();

let commands = 0;
/** Every secret this suite shared. */
const secrets: string[] = [];
/** `/snap reveal …` as `user` in `channel`, with a response_url of its own; waits for what it set off. */
async function reveal(text: string, user: string, channel = 'C0LOCAL') {
  const parsed = parseCommand(`reveal ${text}`, { defaultSeconds: 60, maxSeconds: 604_800 });
  if (parsed.kind === 'reveal') secrets.push(parsed.secret);
  const responseId = `reveal-${++commands}`;
  const answer = await p().command(`reveal ${text}`, {
    user_id: user,
    channel_id: channel,
    response_url: p().slack.responseUrl(responseId),
  });
  await p().lambda.settled();
  return { answer: answer.body ?? '', replies: answersTo(p(), responseId) };
}

/**
 * "Reveal once" from a form as `user`: New snap in `channel`, or Reply with a snap on `message`
 * (its thread); the people picked, the secret typed. Waits for what it set off; ack's answer.
 */
async function revealViaForm(
  user: string,
  where: { channel: string } | { message: StandInMessage },
  people: string[],
  secret: string,
) {
  secrets.push(secret);
  const who = { team: TEAM, user };
  const trigger = p().slack.trigger(who);
  await p().interact(
    'message' in where
      ? messageShortcut(
          who,
          'snap_reply',
          trigger,
          where.message,
          p().slack.responseUrl(`form-${++commands}`),
        )
      : globalShortcut(who, 'snap_new', trigger),
  );
  await p().lambda.settled();
  const view = [...p().slack.views.values()].find((v) => v.triggerId === trigger);
  if (!view) throw new Error('no form');
  const answer = await p().interact(
    viewSubmission(who, view, {
      ...('channel' in where ? { conversation: where.channel } : {}),
      text: secret,
      delay: '1h',
      reveal: true,
      revealFor: people,
    }),
  );
  await p().lambda.settled();
  return { answer: answer.body ?? '', view };
}

/**
 * Every request DynamoDB received for snap's tables other than the reveal table, its attribute
 * maps read as the items they are. The reveal table's own requests carry the wrapped key on its
 * way in: that is the one copy a burn deletes. A request is not kept anywhere once served (the
 * item is; CloudTrail's data events leave non-key attribute values out of the classic API's
 * logs), so what matters of the others is that none ever carried a key or a secret.
 */
const journalRead = () =>
  p()
    .dynamoProxy.journal.filter((body) => !body.includes(`"TableName":"${p().revealTableName}"`))
    .map((body) => {
      const request = JSON.parse(body) as Record<string, unknown>;
      const asItem = (m: unknown) =>
        m && typeof m === 'object' ? unmarshall(m as Record<string, AttributeValue>) : m;
      return {
        ...request,
        ...(request.Item ? { Item: asItem(request.Item) } : {}),
        ...(request.Key ? { Key: asItem(request.Key) } : {}),
        ...(request.ExpressionAttributeValues
          ? { ExpressionAttributeValues: asItem(request.ExpressionAttributeValues) }
          : {}),
      };
    });

/** The latest card in `channel` whose headline names this author and these people (two at most). */
const cardFor = (channel: string, author: string, people: string[]) => {
  const forWhom = people.length > 0 ? ` for ${people.map((x) => `<@${x}>`).join(' and ')}` : '';
  const headline = `:lock: <@${author}> shared a secret${forWhom} ·`;
  return until(
    () =>
      [...p().slack.messages.values()]
        .reverse()
        .find((m) => m.channel === channel && m.text.startsWith(headline)),
    10_000,
  );
};

/** What a click showed: the secret (from the block only a shown secret has) or the note's text. */
function shown(
  p: Pipeline,
  responseId: string,
): { secret?: string; text: string; replaceOriginal: unknown }[] {
  return answersTo(p, responseId).map((body) => {
    const block = (body.blocks as Array<{ block_id?: string; text?: { text?: string } }> | undefined)?.find(
      (b) => b.block_id === SECRET_BLOCK_ID,
    );
    const secret = block?.text?.text?.replace(/^```\n/, '').replace(/\n```$/, '');
    return { ...(secret ? { secret } : {}), text: String(body.text), replaceOriginal: body.replace_original };
  });
}

async function clickAndSettle(card: StandInMessage, user: string, options = {}) {
  const result = await click(p(), card, user, options);
  await p().lambda.settled();
  return { ...result, shown: shown(p(), result.responseId) };
}

const keyOf = async (card: StandInMessage) =>
  (await p().revealItems()).find((i) => i.pk === `key#${revealIdIn(card)}`);
const recordOf = async (card: StandInMessage) =>
  (await p().items()).find((i) => i.pk === `snap#${revealIdIn(card)}`);

beforeAll(async () => {
  await p().authorize({ team: TEAM, teamName: 'Acme', user: ALEX });
  // alex lets snap post as him: his reveals are his own messages; ben's are posted by the bot.
  await p().authorize({ as: 'user', team: TEAM, user: ALEX });
});

describe('reveal once, distributed', () => {
  it('posts a card that says who shared a secret and for whom, never the secret: not in its blocks, its text, a note, a record or a reply', async () => {
    // Act
    const got = await reveal('1h <@U0ANA> the boiler code is 2207', BEN);
    const card = await cardFor('C0LOCAL', BEN, [ANA]);

    // Assess: the card is the one answer; only ana was told, alone.
    expect(got).toEqual({ answer: '', replies: [] });
    expect(card.by).toBe(`bot:${TEAM}`);
    expect(JSON.stringify(card)).not.toContain('2207');
    expect(card.blocks).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          accessory: expect.objectContaining({ action_id: 'snap_reveal', value: revealIdIn(card) }),
        }),
      ]),
    );
    const notes = p().slack.ephemerals.filter((e) => e.channel === 'C0LOCAL' && e.text.includes(`<@${BEN}>`));
    expect(notes.map((n) => n.user)).toEqual([ANA]);
    expect(JSON.stringify(notes)).not.toContain('2207');
    expect(await recordOf(card)).toMatchObject({ state: 'posted', reveal: { for: [ANA], opened: [] } });
    expect(JSON.stringify(await recordOf(card))).not.toContain('2207');
    expect(await keyOf(card)).toMatchObject({ secret: expect.objectContaining({ v: 1 }) });
  });

  it('shows each person named the secret alone, once, says on the card who opened it, and burns it when the last has: the key first, then the card', async () => {
    // Prepare
    await reveal('1h <@U0ANA> <@U0LOCAL> the safe opens with 5512', BEN);
    const card = await cardFor('C0LOCAL', BEN, [ANA, ALEX]);

    // Act
    const ana = await clickAndSettle(card, ANA);
    const updated = { blocks: JSON.stringify(card.blocks) };
    const keptAfterAna = await keyOf(card);
    const anaAgain = await clickAndSettle(card, ANA);
    const author = await clickAndSettle(card, BEN);
    const alex = await clickAndSettle(card, ALEX);
    const lines = suite.logs.lines();

    // Assess: ana and alex each saw it, in a new note to them alone; nobody else saw anything.
    expect(ana.shown).toEqual([
      {
        secret: 'the safe opens with 5512',
        text: expect.not.stringContaining('5512'),
        replaceOriginal: false,
      },
    ]);
    expect(updated.blocks).toContain(`Opened by <@${ANA}> · waiting for <@${ALEX}>`);
    expect(updated.blocks).not.toContain('5512');
    expect(keptAfterAna).toBeDefined();
    expect(anaAgain.shown).toEqual([
      expect.objectContaining({ text: expect.stringContaining('already opened') }),
    ]);
    expect(anaAgain.shown[0]?.secret).toBeUndefined();
    expect(author.shown).toEqual([
      expect.objectContaining({
        text: `:lock: This secret is for <@${ANA}> and <@${ALEX}> only. snap showed you nothing.`,
      }),
    ]);
    expect(alex.shown).toEqual([expect.objectContaining({ secret: 'the safe opens with 5512' })]);
    // …then it burned: no key, no card, only the request's tombstone.
    expect(await keyOf(card)).toBeUndefined();
    expect(card.deletedAt).toBeDefined();
    expect(card.deletedBy).toBe(`bot:${TEAM}`);
    expect(await recordOf(card)).toEqual(expect.objectContaining({ state: 'done' }));
    const burned = lines.findIndex(
      (l) => l.includes('"event":"reveal.burned"') && l.includes('"reason":"opened"'),
    );
    const deleted = lines.findIndex(
      (l) => l.includes('"event":"snap.deleted_early"') && l.includes('"reason":"opened"'),
    );
    expect(burned).toBeGreaterThanOrEqual(0);
    expect(deleted).toBeGreaterThan(burned);
  });

  it('never shows it twice to one person: two clicks at once, and the same click replayed before and after the burn', async () => {
    // Prepare
    await reveal('1h <@U0ANA> <@U0LOCAL> the alarm code is 8080', BEN);
    const card = await cardFor('C0LOCAL', BEN, [ANA, ALEX]);
    const replayed = clickPayload(p(), card, ANA, {
      responseId: 'replayed-click',
      actionTs: '1800000000.000001',
    });

    // Act: ana clicks twice at once; then Slack (or anyone) sends one of her clicks again.
    const [one, two] = await Promise.all([click(p(), card, ANA), click(p(), card, ANA)]);
    await p().lambda.settled();
    await p().interact(replayed);
    await p().lambda.settled();
    const firstReplay = answersTo(p(), 'replayed-click').length;
    await p().interact(replayed);
    await p().lambda.settled();
    await clickAndSettle(card, ALEX); // the last one it is for: burned
    await p().interact(replayed);
    await p().lambda.settled();

    // Assess
    const answers = [...shown(p(), one.responseId), ...shown(p(), two.responseId)];
    expect(answers).toHaveLength(2);
    expect(answers.filter((a) => a.secret === 'the alarm code is 8080')).toHaveLength(1);
    expect(answers.filter((a) => a.text.includes('already opened'))).toHaveLength(1);
    // The replayed click was answered once (as any click of hers now: already opened), never again.
    expect(firstReplay).toBe(1);
    expect(shown(p(), 'replayed-click')).toEqual([
      expect.objectContaining({ text: expect.stringContaining('already opened') }),
    ]);
    expect(await keyOf(card)).toBeUndefined();
  });

  it('with no one named, shows it to the first person who clicks and burns it at once; its author’s click shows nothing and burns nothing', async () => {
    // Prepare
    await reveal('1h the wifi is hunter2-office', BEN);
    const card = await cardFor('C0LOCAL', BEN, []);

    // Act
    const author = await clickAndSettle(card, BEN);
    const keyAfterAuthor = await keyOf(card);
    const [ana, alex] = [await clickAndSettle(card, ANA), await clickAndSettle(card, ALEX)];

    // Assess
    expect(author.shown).toEqual([
      expect.objectContaining({ text: expect.stringContaining('This is your secret') }),
    ]);
    expect(keyAfterAuthor).toBeDefined();
    expect(ana.shown).toEqual([expect.objectContaining({ secret: 'the wifi is hunter2-office' })]);
    expect(alex.shown).toEqual([
      expect.objectContaining({ text: expect.stringContaining('This secret is gone') }),
    ]);
    expect(alex.shown[0]?.secret).toBeUndefined();
    expect(await keyOf(card)).toBeUndefined();
    expect(card.deletedAt).toBeDefined();
  });

  it('refuses up front, naming them, people who are not in the conversation: nothing posted, no key left, and whoever was told hears it is not coming', async () => {
    // Act: ben is not in #two.
    const got = await reveal('1h <@U0ANA> <@U0BEN> the side door is 4444', ALEX, 'C0TWO');
    await p().lambda.settled();

    // Assess
    expect(got.answer).toBe('');
    expect(got.replies.map((r) => r.text)).toEqual([
      `:lock: Your secret was not sent: <@${BEN}> is not in this conversation. Name only people who are here, or add them first. Nothing was posted.`,
    ]);
    expect(suite.messagesIn('C0TWO')).toEqual([]);
    expect(
      p()
        .slack.ephemerals.filter((e) => e.channel === 'C0TWO')
        .map((e) => [e.user, e.text]),
    ).toEqual([
      [ANA, expect.stringContaining('is sharing a secret with you here')],
      [ANA, expect.stringContaining('was not sent after all')],
    ]);
    expect((await p().revealItems()).filter((i) => i.channel === 'C0TWO')).toEqual([]);
  });

  it('posts it as its author with their own token where they let snap, and updates and deletes the card with that token', async () => {
    // Prepare: alex let snap post as him; the DM with ana is out of the bot's reach.
    await reveal('1h <@U0ANA> the parcel locker pin is 3141', ALEX, 'D0ANA');
    const card = await cardFor('D0ANA', ALEX, [ANA]);

    // Act
    const ana = await clickAndSettle(card, ANA);

    // Assess
    expect(card.by).toBe(`user:${TEAM}:${ALEX}`);
    expect(card.user).toBe(ALEX);
    expect(ana.shown).toEqual([expect.objectContaining({ secret: 'the parcel locker pin is 3141' })]);
    expect(card.deletedBy).toBe(`user:${TEAM}:${ALEX}`);
    expect(
      p()
        .slack.ephemerals.filter((e) => e.channel === 'D0ANA')
        .map((e) => e.by),
    ).toEqual([`user:${TEAM}:${ALEX}`]);
  });

  it('updates the card with the author’s own token when it was posted with it', async () => {
    await reveal('1h <@U0ANA> <@U0BEN> the rota is on page 9', ALEX);
    const card = await cardFor('C0LOCAL', ALEX, [ANA, BEN]);

    await clickAndSettle(card, ANA);

    const update = p().slack.calls.filter((c) => c.method === 'chat.update' && c.params.ts === card.ts);
    expect(update.map((c) => [c.by, c.result])).toEqual([[`user:${TEAM}:${ALEX}`, 'ok']]);
    expect(JSON.stringify(card.blocks)).toContain(`Opened by <@${ANA}> · waiting for <@${BEN}>`);
  });

  it('burns at its due time: the key goes, then the card, and a click after opens nothing', async () => {
    // Prepare
    await reveal('3s <@U0ANA> the gate is 1122', BEN);
    const card = await cardFor('C0LOCAL', BEN, [ANA]);
    const stop = p().schedule();

    // Act
    await until(() => card.deletedAt, 20_000);
    await stop();
    const late = await clickAndSettle(card, ANA);

    // Assess
    expect(await keyOf(card)).toBeUndefined();
    expect(card.deletedAt).toBeGreaterThanOrEqual(
      Number(/<!date\^(\d+)\^/.exec(JSON.stringify(card.blocks))?.[1]) * 1000,
    );
    expect(late.shown).toEqual([
      expect.objectContaining({ text: expect.stringContaining('This secret is gone') }),
    ]);
    expect(late.shown[0]?.secret).toBeUndefined();
  }, 30_000);

  it('burns when its author deletes it first: /snap cancel, and Delete now from /snap list', async () => {
    // Prepare: two reveals of ben's, in two channels.
    await reveal('1h <@U0ANA> cancel me: 9090', BEN, 'C0LOCAL');
    const cancelled = await cardFor('C0LOCAL', BEN, [ANA]);
    await p().command('1h a plain snap in three', { user_id: BEN, channel_id: 'C0THREE' });
    await reveal('1h <@U0ANA> delete me: 7070', BEN, 'C0THREE');
    await p().lambda.settled();
    const listed = await cardFor('C0THREE', BEN, [ANA]);

    // Act
    await p().command('cancel', {
      user_id: BEN,
      channel_id: 'C0LOCAL',
      response_url: p().slack.responseUrl('cancel-reveal'),
    });
    await p().lambda.settled();
    await p().command('list', {
      user_id: BEN,
      channel_id: 'C0THREE',
      response_url: p().slack.responseUrl('list-reveal'),
    });
    await p().lambda.settled();
    const list = answersTo(p(), 'list-reveal')[0];
    await p().interact({
      type: 'block_actions',
      team: { id: TEAM },
      user: { id: BEN },
      channel: { id: 'C0THREE' },
      container: { type: 'message', channel_id: 'C0THREE', is_ephemeral: true },
      response_url: p().slack.responseUrl('list-reveal'),
      actions: [{ action_id: 'delete_snap', value: revealIdIn(listed), action_ts: `${Date.now() / 1000}` }],
    });
    await p().lambda.settled();

    // Assess
    expect(answersTo(p(), 'cancel-reveal').map((r) => r.text)).toEqual([
      expect.stringContaining('Deleted your snap'),
    ]);
    expect(cancelled.deletedAt).toBeDefined();
    expect(await keyOf(cancelled)).toBeUndefined();
    expect(JSON.stringify(list)).toContain(':lock: A secret in <#C0THREE>');
    expect(listed.deletedAt).toBeDefined();
    expect(await keyOf(listed)).toBeUndefined();
    expect(suite.messagesIn('C0THREE').filter((m) => m.deletedAt === undefined)).toHaveLength(1);
  });

  it('burns the key on the reaper’s path too, when TTL takes the record before any sweep', async () => {
    // Prepare: a reveal whose record TTL removes (its due time and expiry moved into the past).
    await reveal('1h <@U0ANA> the reaper sees 6060', BEN);
    const card = await cardFor('C0LOCAL', BEN, [ANA]);
    const db = new DynamoDBClient({ endpoint: p().dynamo.endpoint });
    try {
      await db.send(
        new UpdateItemCommand({
          TableName: p().tableName,
          Key: { pk: { S: `snap#${revealIdIn(card)}` } },
          UpdateExpression: 'SET dueAt = :due, expiresAt = :ttl',
          ExpressionAttributeValues: {
            ':due': { N: String(Date.now() - 1_800_000) },
            ':ttl': { N: String(Math.floor(Date.now() / 1000) - 60) },
          },
        }),
      );
    } finally {
      db.destroy();
    }

    // Act
    await p().expire();

    // Assess
    const burned = suite.logs
      .lines()
      .filter((l) => l.includes('"fn":"reaper"') && l.includes('"event":"reveal.burned"'));
    expect(burned).toHaveLength(1);
    expect(await keyOf(card)).toBeUndefined();
    expect(card.deletedAt).toBeDefined();
  });

  it('refuses a secret too long, and a reveal with no secret, from ack itself: nothing posted, no key made', async () => {
    const keysBefore = p().lambda.invocations.filter(
      (i) => (i.payload as { kind?: string }).kind === 'reveal_key',
    ).length;

    const long = await reveal(`1h <@U0ANA> ${'x'.repeat(2_901)}`, BEN);
    const empty = await reveal('1h <@U0ANA>', BEN);

    expect(JSON.parse(long.answer).text).toContain('2,901 characters long; snap takes up to 2,900');
    expect(JSON.parse(empty.answer).text).toContain('There is no secret to reveal');
    expect([...long.replies, ...empty.replies]).toEqual([]);
    expect(
      p().lambda.invocations.filter((i) => (i.payload as { kind?: string }).kind === 'reveal_key'),
    ).toHaveLength(keysBefore);
  });

  it('opens nothing for a click that is not the card’s own: another card’s value, another conversation, another workspace, a made-up id', async () => {
    // Prepare: two cards for ana.
    await reveal('1h <@U0ANA> card one holds 1001', BEN, 'C0LOCAL');
    const one = await cardFor('C0LOCAL', BEN, [ANA]);
    await reveal('1h <@U0ANA> card two holds 2002', BEN, 'C0TWO');
    const two = await cardFor('C0TWO', BEN, [ANA]);

    // Act
    const swapped = await clickAndSettle(one, ANA, { value: revealIdIn(two) });
    const elsewhere = await clickAndSettle({ ...one, channel: 'C0TWO' } as StandInMessage, ANA);
    const otherTeam = await clickAndSettle(one, ANA, { team: 'T0OTHER' });
    const madeUp = await clickAndSettle(one, ANA, { value: 'reveal:T0LOCAL:made.up' });
    const notAReveal = await clickAndSettle(one, ANA, { value: 'T0LOCAL:1.2.3' });

    // Assess: nothing shown, nothing marked, both keys still there.
    for (const c of [swapped, elsewhere, otherTeam, madeUp])
      expect(c.shown).toEqual([
        expect.objectContaining({ text: expect.stringContaining('This secret is gone') }),
      ]);
    expect(notAReveal).toMatchObject({ status: 200, body: '', shown: [] });
    expect(await keyOf(one)).toBeDefined();
    expect(await keyOf(two)).toBeDefined();
    expect((await recordOf(one))?.reveal).toEqual({ for: [ANA], opened: [] });
    expect((await recordOf(two))?.reveal).toEqual({ for: [ANA], opened: [] });
  });

  it('shows nothing to someone added to the people it is for after ack sealed it: the table is not what decides', async () => {
    // Prepare: a secret for ana; then someone who can write the snap table (a compromised poster,
    // a careless operator) adds alex to the people it is for.
    await reveal('1h <@U0ANA> for ana only: 3737', BEN);
    const card = await cardFor('C0LOCAL', BEN, [ANA]);
    const db = new DynamoDBClient({ endpoint: p().dynamo.endpoint });
    try {
      await db.send(
        new UpdateItemCommand({
          TableName: p().tableName,
          Key: { pk: { S: `snap#${revealIdIn(card)}` } },
          UpdateExpression: 'SET reveal.#for = :both',
          ExpressionAttributeNames: { '#for': 'for' },
          ExpressionAttributeValues: { ':both': { L: [{ S: ANA }, { S: ALEX }] } },
        }),
      );
    } finally {
      db.destroy();
    }

    // Act
    const alex = await clickAndSettle(card, ALEX);
    const ana = await clickAndSettle(card, ANA);

    // Assess: the people named are sealed into the secret itself; the rewritten list opens nothing.
    expect(alex.shown.map((s) => s.secret)).toEqual([undefined]);
    expect(JSON.stringify(answersTo(p(), alex.responseId))).not.toContain('3737');
    expect(ana.shown.map((s) => s.secret)).toEqual([undefined]);
    expect((await recordOf(card))?.reveal).toMatchObject({ opened: [] });
  });

  it('shares a secret from the New snap form like /snap reveal: the card alone, never the secret; the person picked sees it alone, once; then it burns', async () => {
    // Act
    const got = await revealViaForm(BEN, { channel: 'C0LOCAL' }, [ANA], 'the form’s code is 9090');
    const card = await cardFor('C0LOCAL', BEN, [ANA]);
    const ana = await clickAndSettle(card, ANA);
    const again = await clickAndSettle(card, ANA);

    // Assess: the form closed with an empty answer; nothing anywhere held the secret but ana's note.
    expect(got.answer).toBe('');
    expect(JSON.stringify(got.view.view)).not.toContain('9090');
    expect(JSON.stringify(card)).not.toContain('9090');
    expect(ana.shown.map((s) => s.secret)).toEqual(['the form’s code is 9090']);
    expect(again.shown.map((s) => s.secret)).toEqual([undefined]);
    await until(() => p().slack.messages.get(`C0LOCAL/${card.ts}`)?.deletedAt, 10_000);
    expect(await keyOf(card)).toBeUndefined();
  });

  it('shares a secret in a thread from Reply with a snap: its card in the thread, its heads-up there, its text escaped as typed', async () => {
    // Prepare
    const asked = p().slack.userMessage({ channel: 'C0LOCAL', user: ANA, text: 'who has the gate code?' });

    // Act
    await revealViaForm(ALEX, { message: asked }, [ANA], 'gate <1234> & co');
    const card = await cardFor('C0LOCAL', ALEX, [ANA]);
    const ana = await clickAndSettle(card, ANA);

    // Assess
    expect(card.threadTs).toBe(asked.ts);
    expect(
      p()
        .slack.ephemerals.filter((e) => e.user === ANA && e.text.includes(`<@${ALEX}>`))
        .at(-1)?.threadTs,
    ).toBe(asked.ts);
    expect(ana.shown.map((s) => s.secret)).toEqual(['gate &lt;1234&gt; &amp; co']);
  });

  it('leaves nothing that opens a burned secret: every table item, stream image, card, event ack sent and log line, tried with every key KMS would unwrap', async () => {
    // Prepare: a reveal, and the attack run on everything before it burns — it must work then,
    // or its failure afterwards proves nothing.
    // One shared with /snap reveal, one from a form (New snap); both for ana.
    const SECRET = 'the launch key is 0451-ALPHA';
    const FORM_SECRET = 'the form’s launch key is 0452-BRAVO';
    await reveal(`1h <@U0ANA> ${SECRET}`, BEN);
    const card = await cardFor('C0LOCAL', BEN, [ANA]);
    await revealViaForm(ALEX, { channel: 'C0TWO' }, [ANA], FORM_SECRET);
    const formCard = await cardFor('C0TWO', ALEX, [ANA]);
    const everything = async () => [
      ...(await p().items()),
      ...(await p().revealItems()),
      ...journalRead(),
      ...p().reaperEvents,
      ...[...p().slack.messages.values()].map((m) => ({ text: m.text, blocks: m.blocks })),
      ...p().slack.ephemerals,
      ...p().slack.replies.map((r) => ({ ...r.body, blocks: [] })),
      ...[...p().slack.views.values()].map((v) => v.view),
      ...p().lambda.invocations.map((i) => i.payload),
      ...p().lambda.failed,
      ...suite.logs.lines(),
    ];
    const before = attack(p(), await everything());

    // Act: ana opens both (each burns); then, much later, TTL takes every record left (the reaper
    // gets their stream images) and every key left.
    await clickAndSettle(card, ANA);
    await clickAndSettle(formCard, ANA);
    const burned = attack(p(), await everything());
    await p().expire(Date.now() + 8 * 24 * 3_600_000);
    const later = attack(p(), await everything());

    // Assess: the copies are all still there, the trip's seal still opens as it did…
    expect(before.opened).toEqual(expect.arrayContaining([SECRET, FORM_SECRET]));
    expect(burned.sealedSecrets).toBeGreaterThanOrEqual(2);
    expect(burned.tripSealsOpened).toBeGreaterThanOrEqual(2);
    expect(burned.keysUnwrapped).toBeGreaterThanOrEqual(1);
    // …and nothing opens either secret: not at once, and not once TTL took the rest.
    expect(burned.opened).not.toContain(SECRET);
    expect(burned.opened).not.toContain(FORM_SECRET);
    expect(p().reaperEvents.length).toBeGreaterThan(0);
    expect(secrets.length).toBeGreaterThan(5);
    expect(later.opened.filter((o) => secrets.includes(o))).toEqual([]);
  });
});
