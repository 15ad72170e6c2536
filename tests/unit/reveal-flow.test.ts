/**
 * Reveal once, its use cases on fakes: making a reveal's key, the poster's card (people checked,
 * secret attached, key burned if no card comes of it), a click (who sees what, once), and every
 * deletion path burning the key before the card. Then the fuzz: random clicks — the wrong person,
 * the same person twice, replays, forged values, clicks after the burn — against the rules.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { RevealKeyMaker, RevealScope } from '../../shared/app/ports';
import { postSnap } from '../../shared/app/post-snap';
import { reap } from '../../shared/app/reap';
import { makeRevealKey, openReveal, type RevealOpenDeps } from '../../shared/app/reveal';
import { SECRET_BLOCK_ID } from '../../shared/domain/replies';
import { type RevealOpenRequest, revealIdOf } from '../../shared/domain/reveal';
import { openSecret, sealSecret } from '../../shared/domain/reveal-seal';
import { revealSecretAad, type Sealed } from '../../shared/domain/seal';
import { SecretError } from '../../shared/errors';
import { FakeClock } from '../support/fake-clock';
import {
  captureLogs,
  MemoryReveals,
  MemoryStore,
  platform,
  posterEvent,
  posterFakes,
  runWorker,
  ScriptedSlack,
} from '../support/fakes';

const NOW = 1_800_000_000_000;
const SECRET = 'the strongroom opens with 2718';
const TS = '1800000000.000100';

/** KMS as the controls function sees it: a key of 32 random bytes, wrapped under its scope. */
class FakeKeys implements RevealKeyMaker {
  readonly wrapped = new Map<string, { key: Buffer; scope: string }>();
  generated = 0;
  async generate(scope: RevealScope) {
    this.generated++;
    const key = randomBytes(32);
    const wrapped = randomBytes(24);
    this.wrapped.set(wrapped.toString('hex'), { key: Buffer.from(key), scope: JSON.stringify(scope) });
    return { privateKey: key, wrapped };
  }
  async open(wrapped: Uint8Array, scope: RevealScope) {
    const found = this.wrapped.get(Buffer.from(wrapped).toString('hex'));
    if (!found || found.scope !== JSON.stringify(scope)) throw new SecretError('KMS refused');
    return Buffer.from(found.key);
  }
}

const keyRequest = (id: string, fields: Record<string, unknown> = {}) => ({
  v: 1,
  kind: 'reveal_key',
  id,
  team: 'T1',
  channel: 'C1',
  user: 'UA',
  receivedAt: NOW,
  ...fields,
});

/** A posted reveal of UA's in C1, its key made and its secret attached, as the poster leaves it. */
async function posted(
  people: string[],
  options: { dueAt?: number; postedAs?: 'bot' | 'user'; enterprise?: string } = {},
) {
  const clock = new FakeClock(NOW);
  const store = new MemoryStore();
  const slack = new ScriptedSlack(clock);
  const reveals = new MemoryReveals();
  const keys = new FakeKeys();
  const { log, lines } = captureLogs();
  const id = revealIdOf(`T1:trig-${Math.random()}`);
  const answer = await makeRevealKey(keyRequest(id), { reveals, keys, clock, log });
  if (!('publicKey' in answer)) throw new Error('no key');
  const sealed = sealSecret(
    Buffer.from(answer.publicKey, 'base64'),
    SECRET,
    revealSecretAad({
      id,
      team: 'T1',
      ...(options.enterprise ? { enterprise: options.enterprise } : {}),
      channel: 'C1',
      user: 'UA',
      for: people,
    }),
  );
  await reveals.attach(id, sealed, Math.ceil(NOW / 1000) + 7200);
  const record = store.put({
    id,
    user: 'UA',
    ts: TS,
    dueAt: options.dueAt ?? NOW + 3_600_000,
    reveal: { for: people, opened: [] },
    ...(options.postedAs ? { postedAs: options.postedAs } : {}),
    ...(options.enterprise ? { enterprise: options.enterprise } : {}),
  });
  slack.live.add(`C1/${TS}`);
  /** Each click's answers, by its request id (its response_url carries the id). */
  const answers = new Map<string, Array<Record<string, unknown>>>();
  slack.reply = async (url, body) => {
    answers.set(url, [...(answers.get(url) ?? []), body]);
  };
  const deps: RevealOpenDeps = {
    store,
    slack,
    reveals,
    keys,
    clock,
    log,
    open: async (s: Sealed) => ({ responseUrl: s.data }),
  };
  let n = 0;
  const click = (user: string, fields: Partial<RevealOpenRequest> = {}) => {
    const requestId = fields.id ?? `T1:${++n}.click`;
    const event = {
      v: 1,
      kind: 'reveal_open',
      id: requestId,
      revealId: id,
      messageTs: TS,
      team: 'T1',
      channel: 'C1',
      user,
      receivedAt: clock.now(),
      ...fields,
      sealed: { key: 'k', iv: 'i', data: requestId },
    };
    // A replay shares its response_url with the click it repeats: only what this one got counts.
    const before = answers.get(requestId)?.length ?? 0;
    return clock.drive(openReveal(event, deps)).then((outcome) => ({
      requestId,
      outcome,
      answers: (answers.get(requestId) ?? []).slice(before),
    }));
  };
  return { id, record, clock, store, slack, reveals, keys, deps, click, answers, lines };
}

/** The secret an answer shows, if it shows one. */
const secretIn = (body: Record<string, unknown> | undefined) =>
  (body?.blocks as Array<{ block_id?: string; text?: { text?: string } }> | undefined)
    ?.find((b) => b.block_id === SECRET_BLOCK_ID)
    ?.text?.text?.slice(4, -4);

describe('making a reveal’s key', () => {
  it('gives ack a public key whose private half is stored only wrapped, bound to the reveal', async () => {
    // Prepare
    const reveals = new MemoryReveals();
    const keys = new FakeKeys();
    const { log } = captureLogs();
    const id = revealIdOf('T1:k1');

    // Act
    const answer = await makeRevealKey(keyRequest(id), { reveals, keys, clock: new FakeClock(NOW), log });
    const again = await makeRevealKey(keyRequest(id), { reveals, keys, clock: new FakeClock(NOW), log });

    // Assess: the stored item opens with KMS, under this reveal's scope only.
    const item = await reveals.get(id);
    const key = await keys.open(item?.wrappedKey ?? new Uint8Array(), { id, team: 'T1', channel: 'C1' });
    const sealed = sealSecret(Buffer.from((answer as { publicKey: string }).publicKey, 'base64'), 'x', 'aad');
    expect(openSecret(key, sealed, 'aad')).toBe('x');
    await expect(
      keys.open(item?.wrappedKey ?? new Uint8Array(), { id, team: 'T1', channel: 'C2' }),
    ).rejects.toThrow();
    expect(again).toEqual(answer);
    expect(reveals.items.get(id)?.expiresAt).toBe(Math.ceil(NOW / 1000) + 15 * 60);
  });

  it('refuses a request too old, one of another shape, and one for a reveal of another conversation', async () => {
    const reveals = new MemoryReveals();
    const keys = new FakeKeys();
    const deps = { reveals, keys, clock: new FakeClock(NOW), log: captureLogs().log };
    const id = revealIdOf('T1:k2');
    await makeRevealKey(keyRequest(id), deps);

    expect(await makeRevealKey(keyRequest(revealIdOf('T1:k3'), { receivedAt: NOW - 600_001 }), deps)).toEqual(
      {
        error: 'stale',
      },
    );
    expect(await makeRevealKey(keyRequest('T1:not-a-reveal'), deps)).toEqual({ error: 'invalid' });
    expect(await makeRevealKey(keyRequest(id, { channel: 'C9' }), deps)).toEqual({ error: 'mismatch' });
  });
});

describe('a click on Reveal', () => {
  it('shows a person named the secret, alone, in a new note, and rewrites the card with the token that posted it', async () => {
    const { click, slack, reveals, id } = await posted(['U1', 'U2'], { postedAs: 'user' });
    const slackAuthor = slack;
    slackAuthor.authorized.add('UA');

    const got = await click('U1');

    expect(got.outcome).toBe('shown');
    expect(secretIn(got.answers[0])).toBe(SECRET);
    expect(got.answers[0]).toMatchObject({ replace_original: false });
    expect(JSON.stringify(got.answers[0]?.text)).not.toContain('2718');
    expect(slack.updates).toEqual([
      expect.objectContaining({ ts: TS, speaker: { as: 'user', team: 'T1', user: 'UA' } }),
    ]);
    expect(JSON.stringify(slack.updates[0]?.blocks)).toContain('Opened by <@U1> · waiting for <@U2>');
    expect(JSON.stringify(slack.updates)).not.toContain('2718');
    expect(reveals.items.has(id)).toBe(true);
  });

  it('burns it when the last person named opens it: the key first, then the card, then the record', async () => {
    const { click, slack, reveals, store, id } = await posted(['U1']);
    const order: string[] = [];
    const burn = reveals.burn.bind(reveals);
    reveals.burn = async (x) => {
      order.push('key');
      await burn(x);
    };
    const remove = slack.delete.bind(slack);
    slack.delete = async (...args) => {
      order.push('card');
      await remove(...args);
    };

    const got = await click('U1');

    expect(got.outcome).toBe('shown_and_burned');
    expect(secretIn(got.answers[0])).toBe(SECRET);
    expect(order.slice(0, 2)).toEqual(['key', 'key']); // burned on opening, and again by the deletion (a no-op)
    expect(order).toContain('card');
    expect(order.indexOf('card')).toBeGreaterThan(0);
    expect(reveals.items.has(id)).toBe(false);
    expect(store.records.has(id)).toBe(false);
    expect(store.tombstones.get(id)?.state).toBe('done');
  });

  it('shows nothing to someone it is not for, its author, a second click, or anyone once its time is up', async () => {
    const { click, clock, reveals, id } = await posted(['U1', 'U2']);

    const stranger = await click('U9');
    const author = await click('UA');
    await click('U1');
    const again = await click('U1');
    await clock.drive(clock.sleep(3_600_000));
    const late = await click('U2');

    expect(stranger.answers.map((a) => a.text)).toEqual([
      ':lock: This secret is for <@U1> and <@U2> only. snap showed you nothing.',
    ]);
    expect(author.outcome).toBe('not_for_you');
    expect(again.outcome).toBe('already_opened');
    expect(late.outcome).toBe('gone');
    for (const c of [stranger, author, again, late]) expect(secretIn(c.answers[0])).toBeUndefined();
    expect(reveals.items.has(id)).toBe(false); // the late click burned the key on the spot
  });

  it('shows nothing to someone of another organisation clicking in a shared channel, even one the card names, and keeps it for its own people', async () => {
    // Prepare: the click happened in T1 (Slack's `team`), but U1 and U7 belong to T9 (`user.team_id`).
    const named = await posted(['U1']);
    const anyone = await posted([]);

    // Act
    const outsider = await named.click('U1', { home: 'T9' });
    const firstOutsider = await anyone.click('U7', { home: 'T9' });
    const insider = await named.click('U1', { home: 'T1' });

    // Assess
    for (const c of [outsider, firstOutsider]) {
      expect(c.outcome).toBe('not_for_you');
      expect(c.answers.map((a) => a.text)).toEqual([
        expect.stringContaining('for people of the workspace it was shared in only'),
      ]);
      expect(secretIn(c.answers[0])).toBeUndefined();
    }
    expect(anyone.reveals.items.get(anyone.id)?.secret).toBeDefined();
    expect(anyone.store.records.get(anyone.id)?.reveal?.opened).toEqual([]);
    expect(insider.outcome).toBe('shown_and_burned');
    expect(named.lines.filter((l) => l.includes('reveal.other_organisation'))).toHaveLength(1);
  });

  it('on Enterprise Grid, opens for people of the card’s org (Slack says the org as their team) and no other org', async () => {
    const grid = await posted(['U1', 'U2'], { enterprise: 'E1' });

    const otherOrg = await grid.click('U1', { enterprise: 'E1', home: 'E2' });
    const sameOrg = await grid.click('U1', { enterprise: 'E1', home: 'E1' });

    expect(otherOrg.outcome).toBe('not_for_you');
    expect(sameOrg.outcome).toBe('shown');
    expect(secretIn(sameOrg.answers[0])).toBe(SECRET);
  });

  it('on Enterprise Grid, opens for a person of the org whom Slack gives another of its workspaces, once Slack confirms the org, and not for anyone else', async () => {
    // Prepare: U1 and U3 clicked in T1 but Slack gives T2 as their team; only U1 is of org E1.
    const grid = await posted(['U1', 'U3'], { enterprise: 'E1' });
    grid.slack.orgOf.set('U1', 'E1');
    grid.slack.orgOf.set('U3', 'E2');

    // Act
    const ofTheOrg = await grid.click('U1', { enterprise: 'E1', home: 'T2' });
    const ofAnother = await grid.click('U3', { enterprise: 'E1', home: 'T2' });

    // Assess
    expect(ofTheOrg.outcome).toBe('shown');
    expect(secretIn(ofTheOrg.answers[0])).toBe(SECRET);
    expect(ofAnother.outcome).toBe('not_for_you');
    expect(secretIn(ofAnother.answers[0])).toBeUndefined();
  });

  it('costs a person nothing when KMS fails: nothing marked, and they may try again', async () => {
    const { click, keys, store, id } = await posted(['U1']);
    const open = keys.open.bind(keys);
    keys.open = async () => {
      throw new SecretError('KMS down');
    };

    const failed = await click('U1');
    keys.open = open;
    const retried = await click('U1');

    expect(failed.outcome).toBe('failed');
    expect(failed.answers.map((a) => a.text)).toEqual([expect.stringContaining('try again')]);
    expect(retried.outcome).toBe('shown_and_burned');
    expect(store.records.has(id)).toBe(false);
  });
});

describe('the fuzz of clicks', () => {
  const USERS = ['UA', 'U1', 'U2', 'U3'];

  it('never shows the secret to anyone it is not for, never twice to one person, never after it burns, and burns once everyone it is for has it', async () => {
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.subarray(['U1', 'U2', 'U3'], { maxLength: 3 }),
        fc.array(
          fc.record({
            user: fc.constantFrom(...USERS),
            // What a hostile or confused click may change: a replay of an earlier click's id,
            // another reveal's id, another message, another conversation or workspace.
            forge: fc.constantFrom('none', 'none', 'none', 'replay', 'value', 'ts', 'channel', 'team'),
            waitMs: fc.constantFrom(0, 0, 1_000, 1_200_000),
            concurrent: fc.boolean(),
          }),
          { minLength: 1, maxLength: 14 },
        ),
        async (people, clicks) => {
          runs++;
          const { click, clock, reveals, slack, id } = await posted(people);
          const shownTo: string[] = [];
          const ids: string[] = [];
          const pending: Array<Promise<unknown>> = [];
          let afterBurn = 0;
          for (const [i, c] of clicks.entries()) {
            if (c.waitMs > 0) await clock.drive(clock.sleep(c.waitMs));
            const fields: Partial<RevealOpenRequest> =
              c.forge === 'replay' && ids.length > 0
                ? { id: ids[i % ids.length] }
                : c.forge === 'value'
                  ? { revealId: revealIdOf('T1:someone-else') }
                  : c.forge === 'ts'
                    ? { messageTs: '1.000001' }
                    : c.forge === 'channel'
                      ? { channel: 'C9' }
                      : c.forge === 'team'
                        ? { team: 'T9' }
                        : {};
            // A click made once the burn is known (nothing else in flight) must show nothing.
            const burnedBefore = pending.length === 0 && !reveals.items.has(id);
            const run = click(c.user, fields).then((got) => {
              ids.push(got.requestId);
              for (const a of got.answers) if (secretIn(a) === SECRET) shownTo.push(c.user);
              if (burnedBefore) afterBurn += got.answers.filter((a) => secretIn(a) !== undefined).length;
            });
            if (c.concurrent) pending.push(run);
            else await Promise.all([...pending.splice(0), run]);
          }
          await Promise.all(pending);

          // Who may see it: those named, or (no one named) anyone but its author — the first only.
          const allowed = people.length > 0 ? people : USERS.filter((u) => u !== 'UA');
          expect(shownTo.every((u) => allowed.includes(u))).toBe(true);
          expect(new Set(shownTo).size).toBe(shownTo.length);
          if (people.length === 0) expect(shownTo.length).toBeLessThanOrEqual(1);
          // Nothing is shown after the burn; and once all it is for have seen it, it is burned,
          // its card gone.
          expect(afterBurn).toBe(0);
          const everyone =
            people.length > 0 ? people.every((p) => shownTo.includes(p)) : shownTo.length === 1;
          if (everyone) {
            expect(reveals.items.has(id)).toBe(false);
            expect(slack.live.has(`C1/${TS}`)).toBe(false);
          }
        },
      ),
      { numRuns: 150 },
    );
    expect(runs).toBe(150);
  });
});

describe('the poster, for a reveal', () => {
  const reveal = (people: string[], fields = {}) =>
    posterEvent(NOW, { id: revealIdOf('T1:trig-1'), ...fields, reveal: { for: people } } as never);
  const content = { secret: { v: 1, epk: 'e', iv: 'i', data: 'd' }, responseUrl: 'https://hooks.test/r' };
  const withKey = async (reveals: MemoryReveals) =>
    reveals.create(
      {
        id: revealIdOf('T1:trig-1'),
        wrappedKey: randomBytes(8),
        publicKey: randomBytes(32),
        team: 'T1',
        channel: 'C1',
      },
      Math.ceil(NOW / 1000) + 900,
    );

  it('posts the card (never the secret) after telling each person named, and attaches the sealed secret to its key', async () => {
    const { deps, slack, reveals, store } = posterFakes(NOW, { open: async () => content });
    await withKey(reveals);

    const outcome = await postSnap(reveal(['U02', 'U03']), deps);

    expect(outcome).toBe('posted');
    expect(slack.ephemerals.map((e) => e.user)).toEqual(['U02', 'U03']);
    expect(slack.posts[0]?.text).toBe(
      ':lock: <@U1> shared a secret for <@U02> and <@U03> · click Reveal to open it',
    );
    expect(JSON.stringify(slack.posts)).not.toContain('"data":"d"');
    expect(reveals.items.get(revealIdOf('T1:trig-1'))?.secret).toEqual(content.secret);
    expect(store.records.get(revealIdOf('T1:trig-1'))?.reveal).toEqual({ for: ['U02', 'U03'], opened: [] });
    expect(slack.replies).toEqual([]);
  });

  it('refuses, naming them, people who are not in the conversation: nothing posted, the key burned, those told told again', async () => {
    const { deps, slack, reveals, store } = posterFakes(NOW, { open: async () => content });
    await withKey(reveals);
    slack.members.set('C1', new Set(['U1', 'U04']));

    const outcome = await postSnap(reveal(['U04', 'U02', 'U03']), deps);

    expect(outcome).toBe('refused');
    expect(slack.posts).toEqual([]);
    expect(slack.replies.map((r) => r.text)).toEqual([
      expect.stringContaining('<@U02> and <@U03> are not in this conversation'),
    ]);
    expect(slack.ephemerals.map((e) => [e.user, e.text.includes('not sent')])).toEqual([
      ['U04', false],
      ['U04', true],
    ]);
    expect(reveals.items.size).toBe(0);
    expect(store.tombstones.get(revealIdOf('T1:trig-1'))?.state).toBe('done');
  });

  it('refuses a reveal whose key is gone (never made, or expired), posting nothing', async () => {
    const { deps, slack } = posterFakes(NOW, { open: async () => content });

    expect(await postSnap(reveal(['U01']), deps)).toBe('refused');
    expect(slack.posts).toEqual([]);
    expect(slack.replies.map((r) => r.text)).toEqual([expect.stringContaining('could not take your secret')]);
  });

  it('burns the key when the card cannot be posted, and never treats a plain snap’s event as a reveal', async () => {
    const { deps, slack, reveals } = posterFakes(NOW, { open: async () => content });
    await withKey(reveals);
    slack.failPosts(platform('is_archived', 'chat.postMessage'));

    const outcome = await postSnap(reveal(['U01']), deps);
    const plain = await postSnap(posterEvent(NOW, { id: 'T1:trig-2' }), {
      ...deps,
      open: async () => content,
    });

    expect(outcome).toBe('refused');
    expect(reveals.burned).toEqual([revealIdOf('T1:trig-1')]);
    expect(plain).toBe('rejected'); // its seal does not hold a snap's text
  });
});

describe('every deletion path, for a reveal', () => {
  it('has the sweeper burn the key at the due time, before it deletes the card', async () => {
    const { store, slack, reveals, clock, id } = await posted(['U1'], { dueAt: NOW + 20_000 });
    const order: string[] = [];
    const burn = reveals.burn.bind(reveals);
    reveals.burn = async (x) => {
      order.push(`key@${clock.now()}`);
      await burn(x);
    };
    const remove = slack.delete.bind(slack);
    slack.delete = async (...args) => {
      order.push(`card@${clock.now()}`);
      await remove(...args);
    };

    await clock.drive(
      runWorker({ store, slack, reveals, clock, log: captureLogs().log }, { deadline: NOW + 60_000 }),
    );

    expect(order).toEqual([`key@${NOW + 20_000}`, `card@${NOW + 20_000}`]);
    expect(reveals.items.has(id)).toBe(false);
  });

  it('keeps the card, and its record, while its key cannot be burned: the key never outlives its card', async () => {
    const { store, slack, reveals, clock, id } = await posted(['U1'], { dueAt: NOW + 1_000 });
    reveals.failBurn = true;

    const report = await clock.drive(
      runWorker({ store, slack, reveals, clock, log: captureLogs().log }, { deadline: NOW + 20_000 }),
    );

    expect(report.kept).toBe(1);
    expect(slack.deletes).toEqual([]);
    expect(store.records.get(id)?.state).toBe('posted');
  });

  it('has the reaper burn the key before it deletes the card, and put the record back when it cannot', async () => {
    const first = await posted(['U1'], { dueAt: NOW - 1_000_000 });
    const second = await posted(['U1'], { dueAt: NOW - 1_000_000 });
    second.reveals.failBurn = true;
    const removal = (snap: typeof first.record) => ({
      eventName: 'REMOVE',
      userIdentity: { type: 'Service', principalId: 'dynamodb.amazonaws.com' },
      sequenceNumber: '1',
      snap,
    });
    for (const r of [first, second]) r.store.records.delete(r.id);

    await reap([removal(first.record)], { ...first.deps, log: captureLogs().log, shards: 8 });
    await reap([removal(second.record)], { ...second.deps, log: captureLogs().log, shards: 8 });

    expect(first.reveals.items.has(first.id)).toBe(false);
    expect(first.slack.deletes.map((d) => d.ts)).toEqual([TS]);
    expect(second.slack.deletes).toEqual([]);
    expect(second.store.records.get(second.id)?.state).toBe('posted'); // put back for the sweeper
  });
});
